"""What `status` and `unbind` share: a results file read back as a view of the journal.

Both commands read a results file (or any input sheet), find each valid row's journal key by its
content, act on the rows the journal knows are bound, and render the results file again from the
journal, exactly as `run` does. The journal stays the truth; the file is only re-rendered.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from batchbind.errors import BatchbindError, OutputError
from batchbind.jobs.engine import PoolStats
from batchbind.jobs.plan import Disposition, Plan, valid_keys
from batchbind.jobs.run import iso_utc, read_and_check
from batchbind.jobs.settings import ConnectionSettings, ReadSettings
from batchbind.jobs.target import check_results_path, is_results_file
from batchbind.jobs.tracking import TrackerInput, open_input
from batchbind.model import Checked, CheckedRow, Outcome, ResultRow, RunInfo, Table
from batchbind.output import i18n
from batchbind.output.render import Counts, count, render
from batchbind.output.writers import write_results
from batchbind.store.journal import Journal, RowState, State
from batchbind.store.paths import default_results

log = logging.getLogger(__name__)

#: The sync statuses after which a binding's status no longer changes.
FINAL_STATUSES = frozenset({"done", "err"})


@dataclass(kw_only=True)
class LifecycleSettings(ConnectionSettings):
    """Where the results file is, which tenant and journal, and how fast to talk to Feishu."""

    def results_path(self) -> Path:
        """`--out`, else the results file itself (never an input sheet: that gets its own)."""
        if self.out is not None:
            return self.out
        return self.input if is_results_file(self.input) else default_results(self.input)

    def check_out(self) -> None:
        """Refuse, before anything is sent, a results path that cannot or must not be written."""
        check_results_path(self.results_path(), source=self.input, force=self.force, in_place=True)


@dataclass(frozen=True, slots=True)
class BoundRow:
    """A bound row of the file, as the journal knows it (the first copy of duplicates)."""

    row: int
    key: str
    state: RowState
    checked: CheckedRow

    @property
    def exchange_account(self) -> str:
        binding = self.checked.binding
        return binding.exchange_account if binding else ""

    @property
    def user_id(self) -> str:
        binding = self.checked.binding
        return binding.user_id if binding else ""

    def target(self) -> Target:
        return Target(self.key, self.row, self.state.binding_id)


@dataclass(slots=True)
class Target:
    """A bound row to act on (`status` asks about it, `unbind` deletes it), by its binding id."""

    key: str
    row: int
    binding_id: str
    attempts: int = 0
    retry_since: float | None = None


@dataclass(slots=True)
class View:
    """A results file read back: its rows, and each valid row's journal key."""

    table: Table
    checked: Checked
    keys: dict[int, str]  # physical row -> journal key, for valid rows
    tracking: TrackerInput | None = None  # the team's tracker, when read from a link

    def plan(self, states: dict[str, RowState]) -> Plan:
        """A plan that sends nothing: rendering reads every row's state from the journal.

        A row the journal does not know whose Exchange account is bound to another user is
        shown as the conflict `run` reported, not as a row still to send.
        """
        plan = Plan(keys=dict(self.keys))
        bound_to = {s.exchange_key: s for s in states.values() if s.state is State.BOUND}
        numbers, exchanges = self.table.numbers, self.checked.exchanges
        for index in self.checked.valid():
            row = numbers[index]
            key = self.keys.get(row)
            if key is None or key in states:
                continue
            holder = bound_to.get(exchanges[index].casefold())
            if holder is not None:
                plan.dispositions[row] = Disposition.CONFLICT
                plan.conflicts[row] = holder
        return plan

    def bound(self, states: dict[str, RowState]) -> list[BoundRow]:
        """The rows the journal knows are bound, once per key, in file order."""
        seen: set[str] = set()
        rows: list[BoundRow] = []
        numbers = self.table.numbers
        for index in self.checked.valid():
            key = self.keys.get(numbers[index])
            if key is None or key in seen:
                continue
            seen.add(key)
            state = states.get(key)
            if state is not None and state.state is State.BOUND and state.binding_id:
                rows.append(BoundRow(numbers[index], key, state, self.checked[index]))
        return rows

    def unknown_rows(self, states: dict[str, RowState]) -> int:
        """Valid rows the journal has never seen: the wrong --state or --user-id-type?"""
        return sum(1 for key in set(self.keys.values()) if key not in states)


def read_view(settings: ReadSettings, tenant: str) -> View:
    """Read a results file (or any input sheet) back, with each valid row's journal key."""
    tracking = open_input(settings) if settings.link is not None else None
    table, checked = read_and_check(settings, tracking=tracking)
    keys = valid_keys(checked, tenant, settings.user_id_type.value)
    return View(table, checked, keys, tracking)


# -- writing the view -------------------------------------------------------------------------


def annotate(results: list[ResultRow], lang: str) -> None:
    """Hints for what `status` and `unbind` leave behind: sync errors, syncing, unbound rows."""
    for result in results:
        if result.outcome is Outcome.BOUND and not result.hint:
            if result.binding_status == "err":
                result.hint = i18n.text("sync_err_hint", lang)
            elif result.binding_status and result.binding_status not in FINAL_STATUSES:
                result.hint = i18n.text("syncing_hint", lang)
        elif result.outcome is Outcome.UNBOUND and not result.hint:
            result.hint = i18n.text("unbound_earlier_hint", lang)


@dataclass(slots=True)
class Written:
    results: list[ResultRow]
    counts: Counts
    path: Path
    wanted: Path
    # Why the file could not be written (the journal has everything: it can be written again).
    error: BatchbindError | OSError | None = None


def write_view(
    view: View,
    journal: Journal,
    settings: LifecycleSettings,
    *,
    command: str,
    started: float,
    stats: PoolStats | None,
    extra: dict[str, str] | None = None,
) -> Written:
    """Render the file again from the journal and write it atomically."""
    states = journal.states()
    plan = view.plan(states)
    results = list(render(view.checked, plan, states, lang=settings.lang))
    annotate(results, settings.lang)
    counts = count(results, states, plan)
    out = settings.results_path()
    ended = time.time()
    info = RunInfo(
        command=command,
        started_at=iso_utc(started),
        ended_at=iso_utc(ended),
        duration_s=ended - started,
        settings={**settings.public(), **(extra or {})},
        journal=str(settings.state),
        requests_sent=stats.requests if stats else 0,
        throttled=stats.throttled if stats else 0,
        lang=settings.lang,
    )
    try:
        path = write_results(out, view.table.columns, results, info, lang=settings.lang)
    except (OSError, OutputError) as exc:
        # Checked before the first request, yet the disk filled up or the folder went away:
        # what was done is journalled, and the command's own outcome stands.
        log.debug("writing %s failed", out, exc_info=True)
        return Written(results, counts, out, out, error=exc)
    return Written(results, counts, path, out)
