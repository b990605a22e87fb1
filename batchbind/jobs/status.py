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

from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer, tenant_host
from batchbind.feishu.codes import Kind
from batchbind.feishu.preflight import preflight
from batchbind.jobs.engine import Pool, PoolStats, Stopped
from batchbind.jobs.signals import install_signals
from batchbind.jobs.view import (
    FINAL_STATUSES,
    BoundRow,
    LifecycleSettings,
    View,
    Written,
    read_view,
    stats_exit,
    write_view,
)
from batchbind.output import i18n
from batchbind.store.journal import Journal, State

#: The first pause between two rounds of `--wait`; each pause doubles, up to `max_interval`.
FIRST_INTERVAL_S = 0.5
GONE_CODE = 195103


@dataclass(slots=True)
class Target:
    key: str
    row: int
    binding_id: str
    attempts: int = 0


class FinalBar:
    """How many bound rows are final, on a terminal; nothing otherwise."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._bar = (
            tqdm(total=total, desc="final", unit="row", file=sys.stderr, dynamic_ncols=True)
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

    async def carry(self, item: Target) -> None:
        item.attempts = 0
        call = functools.partial(self.client.get, item.binding_id)
        await self.until_final("get", call, functools.partial(self._handle, item))
        self.on_answer()

    async def _handle(self, item: Target, answer: Answer) -> bool:
        meaning = answer.meaning
        self.stop_if_run_wide(answer, meaning)  # the row keeps what the journal knew
        if meaning.kind is Kind.OK:
            status = str((answer.data or {}).get("status", ""))
            self._journal.set_binding_status(item.key, status)
            self.statuses[item.key] = status
            self.unchecked.pop(item.key, None)
            self.stats.done += 1
            return True
        if await self.try_again(item, meaning.kind):
            return False
        if meaning.kind is Kind.TRANSIENT:  # its attempts are spent
            self.unchecked[item.key] = answer.msg or answer.error
        elif meaning.kind not in (Kind.ROW, Kind.ADMIN):  # pragma: no cover
            raise AssertionError(f"unhandled answer kind {meaning.kind}")
        elif answer.code == GONE_CODE:
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
        else:
            self.unchecked[item.key] = f"{answer.code}: {answer.msg}"
        self.stats.failed += 1
        return True


@dataclass(kw_only=True)
class StatusResult:
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
    notes: list[str] = field(default_factory=list)


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


def status_exit_code(tally: Counter[str], stats: PoolStats | None) -> int:
    """0 all bound rows done, 1 some err, 4 some still syncing (or unknown), 3 stopped."""
    stopped = stats_exit(stats)
    if stopped is not None:
        return stopped
    if any(n for s, n in tally.items() if s not in FINAL_STATUSES and s != "unbound"):
        return 4
    return 1 if tally["err"] else 0


async def _poll(
    settings: LifecycleSettings,
    journal: Journal,
    scope: list[BoundRow],
    *,
    wait: bool,
    timeout_s: float,
    max_interval_s: float,
    notify: Callable[[str], None],
) -> tuple[StatusPoller, bool, list[str]]:
    loop = asyncio.get_running_loop()
    timed_out = False
    async with settings.client() as client:
        pacers = settings.pacers()
        notes = await preflight(client, pacers, settings.lang)
        for note in notes:
            notify(note)
        poller = StatusPoller(client, pacers, settings.pool_options(), journal=journal)
        bar = FinalBar(len(scope), enabled=settings.progress)

        def show() -> None:
            final = sum(1 for s in poller.statuses.values() if s in FINAL_STATUSES)
            err = sum(1 for s in poller.statuses.values() if s == "err")
            bar.show(final + len(poller.gone), err)

        poller.on_answer = show

        def time_up() -> None:
            nonlocal timed_out
            timed_out = True
            poller.request_stop()

        restore = install_signals(poller, settings.lang, notify)
        timer = loop.call_later(timeout_s, time_up) if wait else None
        deadline = loop.time() + timeout_s
        targets = [Target(b.key, b.row, b.state.binding_id) for b in scope]
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
            restore()
            bar.close()
    return poller, timed_out, notes


def status_job(
    settings: LifecycleSettings,
    *,
    wait: bool = False,
    timeout_s: float = 1800.0,
    max_interval_s: float = 60.0,
    notify: Callable[[str], None] = lambda _m: None,
) -> StatusResult:
    """Ask for the status of every bound row of the file, journal it, write the file again."""
    started = time.time()
    tenant = tenant_host(settings.base_url)
    view = read_view(settings, tenant)
    with Journal(settings.state, tenant=tenant) as journal:
        journal.start_run("status", input_name=str(settings.input), settings=settings.public())
        states = journal.states()
        scope = view.bound(states)
        poller: StatusPoller | None = None
        timed_out = False
        notes: list[str] = []
        stats: PoolStats | None = None
        if scope:
            try:
                poller, timed_out, notes = asyncio.run(
                    _poll(
                        settings,
                        journal,
                        scope,
                        wait=wait,
                        timeout_s=timeout_s,
                        max_interval_s=max_interval_s,
                        notify=notify,
                    )
                )
                stats = poller.stats
            except RunStopped as exc:  # the preflight refused: nothing was asked
                stats = PoolStats(stopped=exc)
        tally = _tally(scope, journal, poller)
        exit_code = status_exit_code(tally, stats)
        written = write_view(
            view,
            journal,
            settings,
            command="status",
            started=started,
            stats=stats,
            extra={"wait": str(wait).lower()},
        )
        journal.end_run(counts=dict(tally), exit_code=exit_code)
    rows = {b.key: b.row for b in scope}
    unchecked = {rows[k]: why for k, why in (poller.unchecked if poller else {}).items()}
    return StatusResult(
        exit_code=exit_code,
        view=view,
        written=written,
        scope=scope,
        by_status=tally,
        unchecked=unchecked,
        stats=stats,
        timed_out=timed_out,
        unknown_rows=view.unknown_rows(states),
        duration_s=time.time() - started,
        notes=notes,
    )
