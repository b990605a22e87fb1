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

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchbind.errors import InputError, RunStopped
from batchbind.feishu.client import Answer, tenant_host
from batchbind.feishu.codes import Kind
from batchbind.feishu.preflight import preflight
from batchbind.jobs.engine import Pool, PoolStats
from batchbind.jobs.selection import keys_of
from batchbind.jobs.signals import install_signals
from batchbind.jobs.view import BoundRow, LifecycleSettings, View, Written, stats_exit, write_view
from batchbind.output import i18n
from batchbind.output.progress import progress_bar
from batchbind.store.journal import Journal, RowState, State

GONE_CODE = 195103


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which rows to undo: all bound rows, some physical rows, or the rows of another sheet."""

    rows: frozenset[int] | None = None
    only: Path | None = None

    def __post_init__(self) -> None:
        if self.rows is not None and self.only is not None:
            raise InputError("Use --rows or --only, not both.")


@dataclass(slots=True)
class Choice:
    """The bound rows chosen, and the chosen rows that are not bound (left as they are)."""

    targets: list[BoundRow]
    not_bound: list[int] = field(default_factory=list)  # physical rows


def choose(
    view: View, states: dict[str, RowState], selection: Selection, settings: LifecycleSettings
) -> Choice:
    bound = view.bound(states)
    if selection.rows is not None:
        present = set(view.table.numbers)
        missing = sorted(selection.rows - present)
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise InputError(
                f"--rows: {view.table.source} has no data row {shown}.",
                hint="Use the numbers of the `row` column of the results file.",
            )
        keys = {view.keys[r] for r in selection.rows if r in view.keys}
        chosen = [b for b in bound if b.key in keys]
        done = {b.key for b in chosen}
        return Choice(chosen, sorted(r for r in selection.rows if view.keys.get(r) not in done))
    if selection.only is not None:
        wanted = keys_of(selection.only, settings, tenant_host(settings.base_url))
        chosen = [b for b in bound if b.key in wanted]
        found = {b.key for b in chosen}
        not_bound = sorted(r for r, k in view.keys.items() if k in wanted and k not in found)
        return Choice(chosen, not_bound)
    return Choice(bound)


@dataclass(slots=True)
class Target:
    key: str
    row: int
    binding_id: str
    attempts: int = 0


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
        item.attempts = 0
        call = functools.partial(self.client.delete, item.binding_id)
        await self.until_final("delete", call, functools.partial(self._handle, item))

    def _unbound(self, item: Target, answer: Answer, msg: str, note: str) -> None:
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
        self.stats.done += 1
        self.progress.advance(bound=1)

    def _still_bound(self, item: Target, answer: Answer) -> None:
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
        self.stats.failed += 1
        self.progress.advance(failed=1)

    async def _handle(self, item: Target, answer: Answer) -> bool:
        meaning = answer.meaning
        self.stop_if_run_wide(answer, meaning)  # nothing more is sent; this row stays bound
        if meaning.kind is Kind.OK:
            self._unbound(item, answer, self._msg("unbound_msg"), "unbind")
            return True
        if await self.try_again(item, meaning.kind):
            return False
        if meaning.kind not in (Kind.TRANSIENT, Kind.ROW, Kind.ADMIN):  # pragma: no cover
            raise AssertionError(f"unhandled answer kind {meaning.kind}")
        if meaning.kind is not Kind.TRANSIENT and answer.code == GONE_CODE:
            msg = self._msg("unbind_gone")
            self._unbound(item, answer, msg, "unbind: the binding no longer existed")
        else:  # refused, or its attempts are spent: the binding is still there
            self._still_bound(item, answer)
        return True


@dataclass(kw_only=True)
class UnbindResult:
    exit_code: int
    written: Written
    unbound: int
    failed: dict[int, str]  # physical row -> message
    stats: PoolStats | None
    duration_s: float


async def _send_all(
    settings: LifecycleSettings,
    journal: Journal,
    targets: list[Target],
    reason: str,
    notify: Callable[[str], None],
) -> Unbinder:
    async with settings.client() as client:
        pacers = settings.pacers()
        for note in await preflight(client, pacers, settings.lang):
            notify(note)
        with progress_bar(len(targets), desc="unbinding", enabled=settings.progress) as bar:
            unbinder = Unbinder(
                client,
                pacers,
                settings.pool_options(),
                progress=bar,
                journal=journal,
                reason=reason,
            )
            restore = install_signals(unbinder, settings.lang, notify)
            try:
                await unbinder.run(targets)
            finally:
                restore()
    return unbinder


def unbind_job(
    settings: LifecycleSettings,
    view: View,
    selection: Selection,
    *,
    reason: str = "",
    notify: Callable[[str], None] = lambda _m: None,
) -> UnbindResult:
    """Undo the chosen bindings that are still bound, and write the results file again."""
    started = time.time()
    tenant = tenant_host(settings.base_url)
    with Journal(settings.state, tenant=tenant) as journal:
        public = {**settings.public(), "reason": reason}
        journal.start_run("unbind", input_name=str(settings.input), settings=public)
        # Chosen again under the lock: another process may have changed the journal meanwhile.
        choice = choose(view, journal.states(), selection, settings)
        targets = [Target(b.key, b.row, b.state.binding_id) for b in choice.targets]
        unbinder: Unbinder | None = None
        stats: PoolStats | None = None
        if targets:
            try:
                unbinder = asyncio.run(_send_all(settings, journal, targets, reason, notify))
                stats = unbinder.stats
            except RunStopped as exc:  # the preflight refused: nothing was sent
                stats = PoolStats(stopped=exc)
        written = write_view(
            view,
            journal,
            settings,
            command="unbind",
            started=started,
            stats=stats,
            extra={"reason": reason},
        )
        failed = {
            t.row: unbinder.failed[t.key] for t in targets if unbinder and t.key in unbinder.failed
        }
        exit_code = stats_exit(stats)
        if exit_code is None:
            exit_code = 1 if failed else 0
        undone = len(unbinder.undone) if unbinder else 0
        journal.end_run(counts={"unbound": undone, "failed": len(failed)}, exit_code=exit_code)
    return UnbindResult(
        exit_code=exit_code,
        written=written,
        unbound=undone,
        failed=failed,
        stats=stats,
        duration_s=time.time() - started,
    )
