"""Render one result per input row from the validation, the plan and the journal.

The journal is the truth for every valid row; the spreadsheet is only a view of it, so it can be
rendered again at any time and a crash before it is written loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from batchbind.feishu.codes import CODES, NO_ANSWER, UNKNOWN_ROW
from batchbind.jobs.plan import Disposition, Plan
from batchbind.model import Checked, CheckedRow, Outcome, ResultRow
from batchbind.output import i18n
from batchbind.output.causes import CauseGroup, CauseTally, group_causes, row_label
from batchbind.output.problems import describe
from batchbind.store.journal import Journal, RowState, State


@dataclass(frozen=True, slots=True)
class Counts:
    by_outcome: dict[str, int]
    transient_failures: int
    pending: int
    #: The rows that need a person, grouped by cause (output/causes.py).
    causes: tuple[CauseGroup, ...] = ()


def _hint_for_code(code: str, lang: str, *, transient: bool) -> str:
    if not code:
        return NO_ANSWER.hint(lang)
    try:
        meaning = CODES.get(int(code))
    except ValueError:
        meaning = None
    if meaning is None:
        return (NO_ANSWER if transient else UNKNOWN_ROW).hint(lang)
    return meaning.hint(lang)


def _sentences(lang: str, *parts: str) -> str:
    """Sentences one after the other: a space between English ones, none between Chinese ones."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def _from_state(cells: list[str], row: int, state: RowState, lang: str) -> ResultRow:
    result = ResultRow(
        cells=cells,
        row=row,
        outcome=Outcome.PENDING,
        code=state.code,
        msg=state.msg,
        exchange_binding_id=state.binding_id,
        binding_status=state.binding_status,
        attempts=state.attempts or None,
        http_status=state.http_status,
        log_id=state.log_id,
        updated_at=state.updated_at,
    )
    match state.state:
        case State.BOUND:
            result.outcome = Outcome.BOUND
            result.code = state.code or "0"
        case State.UNBOUND:
            result.outcome = Outcome.UNBOUND
        case State.FAILED:
            result.outcome = Outcome.FAILED
            hint = _hint_for_code(state.code, lang, transient=state.transient)
            if state.transient:
                retry = i18n.text("transient_exhausted_hint", lang, attempts=state.attempts)
                hint = _sentences(lang, hint, retry)
            result.hint = hint
        case State.PENDING | State.INFLIGHT:
            result.outcome = Outcome.PENDING
            result.msg = state.msg or i18n.text("pending_msg", lang)
            result.hint = i18n.text("pending_hint", lang)
    return result


@dataclass(slots=True)
class Frame:
    """One input row as a run saw it: what to show without the journal, and where to look in it.

    Rows decided before sending (invalid, duplicate, a conflict with the journal) carry their
    result in `fixed`; valid rows carry their journal `key` and the plan's `disposition`.
    Duplicates carry their original's key, to show its binding.
    """

    row: int
    cells: list[str]
    key: str | None = None
    disposition: str = ""
    fixed: ResultRow | None = None


def _invalid(item: CheckedRow, lang: str, names: Mapping[int, str] | None = None) -> ResultRow:
    msgs, hints = zip(*(describe(p, lang, names) for p in item.problems), strict=True)
    return ResultRow(
        cells=item.source.cells,
        row=item.source.row,
        outcome=Outcome.INVALID,
        code=item.problems[0].code,
        msg="; ".join(msgs),
        hint=" ".join(dict.fromkeys(h for h in hints if h)),
        column=item.problems[0].column or "",
    )


def frames_for(checked: Checked, plan: Plan | None, *, lang: str) -> list[Frame]:
    """The frames of a run (or of a dry run, with no plan)."""
    frames: list[Frame] = []
    rejected = checked.rejected
    keys = plan.keys if plan else {}
    dispositions = plan.dispositions if plan else {}
    table = checked.table
    for index, (row, cells) in enumerate(zip(table.numbers, table.all_cells(), strict=True)):
        item = rejected.get(index)
        if item is not None and item.outcome is Outcome.DUPLICATE:
            fixed = ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.DUPLICATE,
                msg=i18n.text(
                    "duplicate_of",
                    lang,
                    row=row_label(item.duplicate_of or 0, lang, table.row_names),
                ),
                hint=i18n.text("duplicate_hint", lang),
            )
            frames.append(Frame(row, cells, key=keys.get(item.duplicate_of or -1), fixed=fixed))
            continue
        if item is not None:
            frames.append(Frame(row, cells, fixed=_invalid(item, lang, table.row_names)))
            continue
        disposition = dispositions.get(row)
        if plan is not None and disposition is Disposition.CONFLICT:
            holder = plan.conflicts[row]
            fixed = ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.INVALID,
                code="bound_to_another_user",
                msg=i18n.text(
                    "journal_conflict", lang, exchange=checked.exchanges[index], user=holder.user_id
                ),
                hint=i18n.text("journal_conflict_hint", lang),
                exchange_binding_id=holder.binding_id,
            )
            frames.append(Frame(row, cells, fixed=fixed))
            continue
        frames.append(Frame(row, cells, key=keys.get(row), disposition=disposition or ""))
    return frames


def _pending(cells: list[str], row: int, lang: str) -> ResultRow:
    return ResultRow(
        cells=cells,
        row=row,
        outcome=Outcome.PENDING,
        msg=i18n.text("pending_msg", lang),
        hint=i18n.text("pending_hint", lang),
    )


def render_frames(
    frames: Iterable[Frame], states: dict[str, RowState], *, lang: str
) -> Iterator[ResultRow]:
    """One ResultRow per frame, in input order, from the journal's states."""
    for frame in frames:
        known = states.get(frame.key) if frame.key else None
        if frame.fixed is not None:
            result = replace(frame.fixed, cells=frame.cells)
            if frame.fixed.outcome is Outcome.DUPLICATE and known is not None:
                result.exchange_binding_id = known.binding_id
                result.binding_status = known.binding_status
            yield result
            continue
        if known is None:
            yield _pending(frame.cells, frame.row, lang)
            continue
        result = _from_state(frame.cells, frame.row, known, lang)
        if frame.disposition == Disposition.SKIP_BOUND.value:
            result.msg = result.msg or i18n.text("bound_earlier", lang)
        elif frame.disposition == Disposition.SKIP_FAILED.value:
            result.msg = f"{result.msg} ({i18n.text('failed_earlier', lang)})".strip()
            result.hint = _sentences(lang, result.hint, i18n.text("failed_earlier_hint", lang))
        elif frame.disposition == Disposition.SKIP_UNBOUND.value:
            result.msg = result.msg or i18n.text("unbound_earlier", lang)
            result.hint = i18n.text("unbound_earlier_hint", lang)
        yield result


def render(
    checked: Checked, plan: Plan | None, states: dict[str, RowState], *, lang: str
) -> Iterator[ResultRow]:
    """One ResultRow per input row, in input order."""
    return render_frames(frames_for(checked, plan, lang=lang), states, lang=lang)


def count_frames(
    results: list[ResultRow], states: dict[str, RowState], frames: Iterable[Frame]
) -> Counts:
    by_outcome: dict[str, int] = {o.value: 0 for o in Outcome}
    for r in results:
        by_outcome[r.outcome.value] += 1
    transient = 0
    for key in {f.key for f in frames if f.key and f.fixed is None}:
        state = states.get(key)
        if state is not None and state.state is State.FAILED and state.transient:
            transient += 1
    return Counts(
        by_outcome=by_outcome,
        transient_failures=transient,
        pending=by_outcome[Outcome.PENDING.value],
        causes=group_causes(results),
    )


def count(results: list[ResultRow], states: dict[str, RowState], plan: Plan | None) -> Counts:
    keys = [Frame(0, [], key=k) for k in (plan.keys.values() if plan else ())]
    return count_frames(results, states, keys)


def to_run_row(frame: Frame) -> Journal.RunRow:
    fixed = None
    if frame.fixed is not None:
        f = frame.fixed
        fixed = {
            "outcome": f.outcome.value,
            "code": f.code,
            "msg": f.msg,
            "hint": f.hint,
            "exchange_binding_id": f.exchange_binding_id,
            "column": f.column,
        }
    return (frame.row, frame.key, frame.disposition, frame.cells, fixed)


def from_run_row(stored: Journal.RunRow) -> Frame:
    row, key, disposition, cells, fixed = stored
    result = None
    if fixed is not None:
        result = ResultRow(
            cells=cells,
            row=row,
            outcome=Outcome(fixed["outcome"]),
            code=fixed.get("code", ""),
            msg=fixed.get("msg", ""),
            hint=fixed.get("hint", ""),
            exchange_binding_id=fixed.get("exchange_binding_id", ""),
            column=fixed.get("column", ""),  # runs saved before it was kept: one group per code
        )
    return Frame(row, cells, key=key, disposition=disposition, fixed=result)


class Tally:
    """Counts results as they stream past: the exit code needs the counts, not the rows."""

    def __init__(self) -> None:
        self.by_outcome: dict[str, int] = {o.value: 0 for o in Outcome}
        self.transient_failures = 0
        self.rows = 0
        self.causes = CauseTally()

    def counts(self) -> Counts:
        return Counts(
            by_outcome=dict(self.by_outcome),
            transient_failures=self.transient_failures,
            pending=self.by_outcome[Outcome.PENDING.value],
            causes=self.causes.groups(),
        )


def render_from_journal(
    frames: list[Frame], journal: Journal, *, lang: str, tally: Tally, chunk: int = 500
) -> Iterator[ResultRow]:
    """`render_frames`, reading the journal a chunk of rows at a time, counting into `tally`."""
    for start in range(0, len(frames), chunk):
        part = frames[start : start + chunk]
        states = journal.states_for({f.key for f in part if f.key})
        for frame, result in zip(part, render_frames(part, states, lang=lang), strict=True):
            tally.rows += 1
            tally.by_outcome[result.outcome.value] += 1
            tally.causes.add(result)
            known = states.get(frame.key) if frame.key and frame.fixed is None else None
            if known is not None and known.state is State.FAILED and known.transient:
                tally.transient_failures += 1
            yield result
