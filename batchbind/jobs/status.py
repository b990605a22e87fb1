"""`batchbind status`: ask Feishu how far each bound row's calendar import has got.

Every bound row of a results file gets one status query through the `get` pacer; the answer's
sync status goes into the journal, and the results file is rendered again. With `wait`, rows that
are not final yet (`done` or `err`) are asked again, at an interval that starts short and doubles
(a calendar import takes minutes to hours), until all are final or the time is up. A binding that
no longer exists (195103, e.g. removed in the admin console) makes its row `unbound`.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from batchbind.feishu.client import Answer, tenant_host
from batchbind.feishu.codes import BINDING_GONE, Kind
from batchbind.input.footers import skipped_note
from batchbind.jobs.control import RunControl
from batchbind.jobs.engine import DONE, Final, Pool, PoolStats, Stopped, failed
from batchbind.jobs.exit_codes import exit_code
from batchbind.jobs.harness import run_pool
from batchbind.jobs.tracking import WriteBack
from batchbind.jobs.view import (
    FINAL_STATUSES,
    BoundRow,
    LifecycleSettings,
    Target,
    View,
    Written,
    read_view,
    write_view,
)
from batchbind.output import i18n
from batchbind.store.journal import Journal, State

#: The first pause between two rounds of `--wait`; each pause doubles, up to `max_interval`.
FIRST_INTERVAL_S = 0.5


class FinalBar:
    """How many bound rows are final, on a terminal; nothing otherwise."""

    def __init__(self, total: int, *, enabled: bool, lang: str = "en") -> None:
        self._bar = (
            tqdm(
                total=total,
                desc=i18n.text("progress_final", lang),
                unit=i18n.text("progress_unit", lang),
                file=sys.stderr,
                dynamic_ncols=True,
            )
            if enabled and sys.stderr.isatty()
            else None
        )

    def show(self, final: int, err: int) -> None:
        if self._bar is not None:
            self._bar.n = final
            self._bar.set_postfix(err=err, refresh=False)
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class StatusPoller(Pool[Target]):
    """Asks for each row's status once per round and journals what Feishu says."""

    def __init__(self, *args: Any, journal: Journal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._journal = journal
        self.statuses: dict[str, str] = {}  # key -> the status Feishu gave this run
        self.gone: set[str] = set()  # bindings Feishu no longer has (now unbound)
        self.unchecked: dict[str, str] = {}  # key -> why its status is not known this round
        self.on_answer: Callable[[], None] = lambda: None
        self.timed_out = False  # `--wait` ran out of time
        self._answered: set[str] = set()  # rows counted in the progress (each once)

    async def carry(self, item: Target) -> None:
        item.attempts, item.retry_since = 0, None  # every round starts afresh
        call = functools.partial(self.client.get, item.binding_id)
        await self.until_final("get", call, functools.partial(self._step, item))
        self.on_answer()

    def _count(self, item: Target, *, ok: bool) -> None:
        """The row's first answer, in the progress (the page's live counts): once, whatever
        rounds `--wait` makes."""
        if item.key not in self._answered:
            self._answered.add(item.key)
            self.progress.advance(bound=int(ok), failed=int(not ok))

    async def _step(self, item: Target, answer: Answer) -> Final | None:
        meaning = answer.meaning
        self.stop_if_run_wide(answer, meaning)  # the row keeps what the journal knew
        if meaning.kind is Kind.OK:
            status = str((answer.data or {}).get("status", ""))
            self._journal.set_binding_status(item.key, status)
            self.statuses[item.key] = status
            self.unchecked.pop(item.key, None)
            self._count(item, ok=True)
            return DONE
        if await self.try_again(item, meaning.kind):
            return None
        if meaning.kind is Kind.TRANSIENT:  # its attempts are spent
            self.unchecked[item.key] = answer.msg or answer.error
        elif meaning.kind not in (Kind.ROW, Kind.ADMIN):  # pragma: no cover
            raise AssertionError(f"unhandled answer kind {meaning.kind}")
        elif answer.code == BINDING_GONE:  # a true answer about the row, not a failure
            self._journal.record(
                item.key,
                state=State.UNBOUND,
                endpoint="get",
                counted=False,
                code=str(answer.code),
                msg=i18n.text("status_gone", self.options.lang, msg=answer.msg),
                http_status=answer.http_status,
                log_id=answer.log_id,
                binding_status="",
                note="status: the binding no longer exists",
            )
            self.gone.add(item.key)
            self._count(item, ok=True)
            return DONE
        else:
            self.unchecked[item.key] = f"{answer.code}: {answer.msg}"
        self._count(item, ok=False)
        return failed(answer)


@dataclass(kw_only=True)
class StatusResult:
    """What `status` found: rows per sync status, the rows it could not check, its exit code."""

    exit_code: int
    view: View
    written: Written
    scope: list[BoundRow]
    by_status: Counter[str]
    unchecked: dict[int, str] = field(default_factory=dict)  # physical row -> why
    stats: PoolStats | None = None
    timed_out: bool = False
    unknown_rows: int = 0
    duration_s: float = 0.0
    run_id: int | None = None  # the journal's record of this run
    tracker: WriteBack | None = None  # binding_status written back into the tracker (issue 14)
    tracker_title: str = ""


def _tally(scope: list[BoundRow], journal: Journal, poller: StatusPoller | None) -> Counter[str]:
    """Rows per status now: done, err, the syncing stages, unbound, unknown."""
    states = journal.states()
    tally: Counter[str] = Counter()
    for bound in scope:
        state = states.get(bound.key)
        if state is None or state.state is not State.BOUND:
            tally["unbound"] += 1
        elif poller is not None and bound.key in poller.unchecked:
            tally["unknown"] += 1
        else:
            tally[state.binding_status or "unknown"] += 1
    return tally


def _exit_counts(tally: Counter[str]) -> dict[str, int]:
    """The status counts the exit code reads: rows with a sync error, rows not final yet."""
    syncing = sum(n for s, n in tally.items() if s not in FINAL_STATUSES and s != "unbound")
    return {"err": tally["err"], "syncing": syncing}


async def _rounds(
    poller: StatusPoller,
    targets: list[Target],
    *,
    wait: bool,
    timeout_s: float,
    max_interval_s: float,
    progress: bool,
) -> None:
    """Ask for every target's status; with `wait`, again for those not final, until all are or
    the time is up (then `poller.timed_out`)."""
    loop = asyncio.get_running_loop()
    bar = FinalBar(len(targets), enabled=progress, lang=poller.options.lang)

    def show() -> None:
        final = sum(1 for s in poller.statuses.values() if s in FINAL_STATUSES)
        err = sum(1 for s in poller.statuses.values() if s == "err")
        bar.show(final + len(poller.gone), err)

    poller.on_answer = show

    def time_up() -> None:
        poller.timed_out = True
        poller.request_stop()

    timer = loop.call_later(timeout_s, time_up) if wait else None
    deadline = loop.time() + timeout_s
    interval = FIRST_INTERVAL_S
    try:
        while targets:
            await poller.run(targets)
            if poller.stopping:
                break
            targets = [
                t
                for t in targets
                if t.key not in poller.gone and poller.statuses.get(t.key) not in FINAL_STATUSES
            ]
            remaining = deadline - loop.time()
            if not wait or not targets or remaining <= 0:
                break
            try:
                await poller.until_stop(asyncio.sleep(min(interval, remaining)))
            except Stopped:
                break
            interval = min(interval * 2, max_interval_s)
    finally:
        if timer is not None:
            timer.cancel()
        bar.close()


def status_job(
    settings: LifecycleSettings,
    *,
    wait: bool = False,
    timeout_s: float = 1800.0,
    max_interval_s: float = 60.0,
    notify: Callable[[str], None] = lambda _m: None,
    control: RunControl | None = None,
) -> StatusResult:
    """Ask for the status of every bound row of the file, journal it, write the file again.

    `control`: stop the job from another thread (as Ctrl-C does) and watch its figures.
    """
    started = time.time()
    tenant = tenant_host(settings.base_url)
    view = read_view(settings, tenant)
    note = skipped_note(view.table.skipped, settings.lang)
    if note is not None:
        notify(note)  # totals and notes lines, left out (as run says it)
    settings.check_out()
    with Journal(settings.state, tenant=tenant) as journal:
        run_id = journal.start_run(
            "status", input_name=settings.shown_input(), settings=settings.public()
        )
        states = journal.states()
        scope = view.bound(states)
        poller: StatusPoller | None = None
        timed_out = False
        stats: PoolStats | None = None
        if scope:
            poller = StatusPoller(settings.pacers(), settings.pool_options(), journal=journal)
            work = functools.partial(
                _rounds,
                poller,
                [b.target() for b in scope],
                wait=wait,
                timeout_s=timeout_s,
                max_interval_s=max_interval_s,
                progress=settings.progress,
            )
            stats = run_pool(
                poller,
                settings.client,
                work,
                notify=notify,
                control=control,
                total=len(scope),
            )
            timed_out = poller.timed_out
        tally = _tally(scope, journal, poller)
        code = exit_code("status", _exit_counts(tally), stats)
        written = write_view(
            view,
            journal,
            settings,
            command="status",
            started=started,
            stats=stats,
            extra={"wait": str(wait).lower()},
        )
        if view.tracking is not None:
            # binding_status back into the tracker; a failure there changes nothing else.
            view.tracking.write_after(lambda: written.results)
        journal.end_run(counts=dict(tally), exit_code=code)
    rows = {b.key: b.row for b in scope}
    unchecked = {rows[k]: why for k, why in (poller.unchecked if poller else {}).items()}
    return StatusResult(
        exit_code=code,
        view=view,
        written=written,
        scope=scope,
        by_status=tally,
        unchecked=unchecked,
        stats=stats,
        timed_out=timed_out,
        unknown_rows=view.unknown_rows(states),
        duration_s=time.time() - started,
        run_id=run_id,
        tracker=None if view.tracking is None else view.tracking.written,
        tracker_title="" if view.tracking is None else view.tracking.title,
    )
