"""`batchbind unbind`: undo bindings in bulk (a rollback), with a recorded reason.

The rows to undo are the bound rows of a results file, or a subset of them. Each is deleted
through the `delete` pacer and becomes `unbound` in the journal, with the reason in its message
and in the audit trail; a later `run` binds it again only with `--rebind` or changed content.

The journal never lies about Feishu: a binding that Feishu no longer has (195103) is unbound too,
but a delete that failed leaves the row `bound` (the binding still exists) with the failure in its
message. A delete whose answer was lost is simply sent again: the second one gets 195103 if the
first one worked. A process killed between a delete and its journal entry leaves the row `bound`
until the next `unbind`, which then meets 195103 and records it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from batchbind.feishu.client import Answer, tenant_host
from batchbind.feishu.codes import BINDING_GONE, Kind
from batchbind.jobs.control import RunControl
from batchbind.jobs.engine import DONE, Final, Pool, PoolStats, failed
from batchbind.jobs.exit_codes import exit_code
from batchbind.jobs.harness import run_pool
from batchbind.jobs.selection import Selection, choose
from batchbind.jobs.view import LifecycleSettings, Target, View, Written, write_view
from batchbind.output import i18n
from batchbind.output.progress import progress_bar
from batchbind.store.journal import Journal, State

# `Selection` is part of `unbind_job`'s signature (and of the public API, by this module).
__all__ = ["Selection", "UnbindResult", "Unbinder", "choose", "unbind_job"]


class Unbinder(Pool[Target]):
    """Deletes each binding and journals the answer before moving on."""

    def __init__(self, *args: Any, journal: Journal, reason: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._journal = journal
        self._reason = reason
        self.undone: set[str] = set()
        self.failed: dict[str, str] = {}  # key -> message

    def _note(self, what: str) -> str:
        return f"{what}: {self._reason}" if self._reason else what

    def _msg(self, key: str, **params: object) -> str:
        lang = self.options.lang
        text = i18n.text(key, lang, **params)
        if self._reason:
            text += i18n.text("unbind_reason", lang, reason=self._reason)
        return text

    async def carry(self, item: Target) -> None:
        item.attempts, item.retry_since = 0, None
        call = functools.partial(self.client.delete, item.binding_id)
        await self.until_final("delete", call, functools.partial(self._step, item))

    def _unbound(self, item: Target, answer: Answer, msg: str, note: str) -> Final:
        self._journal.record(
            item.key,
            state=State.UNBOUND,
            endpoint="delete",
            counted=False,
            code=str(answer.code),
            msg=msg,
            http_status=answer.http_status,
            log_id=answer.log_id,
            binding_status="",
            note=self._note(note),
        )
        self.undone.add(item.key)
        self.progress.advance(bound=1)
        return DONE

    def _still_bound(self, item: Target, answer: Answer) -> Final:
        msg = answer.msg or answer.error
        code = "" if answer.code is None else str(answer.code)
        text = i18n.text("unbind_failed", self.options.lang, msg=msg, code=code or "-")
        self._journal.record(
            item.key,
            state=State.BOUND,
            endpoint="delete",
            counted=False,
            code=code,
            msg=text,
            http_status=answer.http_status,
            log_id=answer.log_id,
            note=self._note("unbind failed"),
        )
        self.failed[item.key] = text
        self.progress.advance(failed=1)
        return failed(answer)

    async def _step(self, item: Target, answer: Answer) -> Final | None:
        meaning = answer.meaning
        self.stop_if_run_wide(answer, meaning)  # nothing more is sent; this row stays bound
        if meaning.kind is Kind.OK:
            return self._unbound(item, answer, self._msg("unbound_msg"), "unbind")
        if await self.try_again(item, meaning.kind):
            return None
        if meaning.kind not in (Kind.TRANSIENT, Kind.ROW, Kind.ADMIN):  # pragma: no cover
            raise AssertionError(f"unhandled answer kind {meaning.kind}")
        if meaning.kind is not Kind.TRANSIENT and answer.code == BINDING_GONE:
            msg = self._msg("unbind_gone")
            return self._unbound(item, answer, msg, "unbind: the binding no longer existed")
        # Refused, or its attempts are spent: the binding is still there.
        return self._still_bound(item, answer)


@dataclass(kw_only=True)
class UnbindResult:
    """What `unbind` did: rows undone, rows it could not undo (and why), its exit code."""

    exit_code: int
    written: Written
    unbound: int
    failed: dict[int, str]  # physical row -> message
    stats: PoolStats | None
    duration_s: float
    run_id: int | None = None  # the journal's record of this run


def unbind_job(
    settings: LifecycleSettings,
    view: View,
    selection: Selection,
    *,
    reason: str = "",
    confirmed: Collection[str] | None = None,
    notify: Callable[[str], None] = lambda _m: None,
    control: RunControl | None = None,
) -> UnbindResult:
    """Undo the chosen bindings that are still bound, and write the results file again.

    `confirmed`: the journal keys of the rows the user was shown and agreed to undo. Only those
    are undone, even if another process bound more of the selected rows meanwhile.
    `control`: stop the job from another thread (as Ctrl-C does) and watch its figures.
    """
    started = time.time()
    tenant = tenant_host(settings.base_url)
    settings.check_out()
    with Journal(settings.state, tenant=tenant) as journal:
        public = {**settings.public(), "reason": reason}
        run_id = journal.start_run("unbind", input_name=settings.shown_input(), settings=public)
        # Chosen again under the lock: another process may have changed the journal meanwhile.
        choice = choose(view, journal.states(), selection, settings)
        # Rows bound since the list was shown were not agreed to: they stay bound. Rows undone
        # meanwhile are no longer chosen, so nothing is deleted twice.
        targets = [b.target() for b in choice.targets if confirmed is None or b.key in confirmed]
        unbinder: Unbinder | None = None
        stats: PoolStats | None = None
        if targets:
            unbinder = Unbinder(
                settings.pacers(), settings.pool_options(), journal=journal, reason=reason
            )
            stats = run_pool(
                unbinder,
                settings.client,
                functools.partial(unbinder.run, targets),
                progress=lambda: progress_bar(
                    len(targets),
                    desc="progress_unbinding",
                    lang=settings.lang,
                    enabled=settings.progress,
                ),
                notify=notify,
                control=control,
                total=len(targets),
            )
        written = write_view(
            view,
            journal,
            settings,
            command="unbind",
            started=started,
            stats=stats,
            extra={"reason": reason},
        )
        not_undone = {
            t.row: unbinder.failed[t.key] for t in targets if unbinder and t.key in unbinder.failed
        }
        undone = len(unbinder.undone) if unbinder else 0
        counts = {"unbound": undone, "failed": len(not_undone)}
        code = exit_code("unbind", counts, stats)
        journal.end_run(counts=counts, exit_code=code)
    return UnbindResult(
        exit_code=code,
        written=written,
        unbound=undone,
        failed=not_undone,
        stats=stats,
        duration_s=time.time() - started,
        run_id=run_id,
    )
