"""Render one result per input row from the validation, the plan and the journal.

The journal is the truth for every valid row; the spreadsheet is only a view of it, so it can be
rendered again at any time and a crash before it is written loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from batchbind import i18n
from batchbind.codes import CODES, NO_ANSWER, UNKNOWN_ROW
from batchbind.journal import RowState, State
from batchbind.model import CheckedRow, Outcome, ResultRow, Table
from batchbind.plan import Disposition, Plan
from batchbind.problems import describe


@dataclass(frozen=True, slots=True)
class Counts:
    by_outcome: dict[str, int]
    transient_failures: int
    pending: int


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
                hint = f"{hint} {retry}"
            result.hint = hint
        case State.PENDING | State.INFLIGHT:
            result.outcome = Outcome.PENDING
            result.msg = state.msg or i18n.text("pending_msg", lang)
            result.hint = i18n.text("pending_hint", lang)
    return result


def render(
    table: Table,
    checked: list[CheckedRow],
    plan: Plan | None,
    states: dict[str, RowState],
    *,
    lang: str,
) -> Iterator[ResultRow]:
    """One ResultRow per input row, in input order."""
    by_row = {item.source.row: item for item in checked}
    for item in checked:
        row = item.source.row
        cells = item.source.cells
        if item.outcome is Outcome.INVALID:
            msgs, hints = zip(*(describe(p, lang) for p in item.problems), strict=True)
            yield ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.INVALID,
                code=item.problems[0].code,
                msg="; ".join(msgs),
                hint=" ".join(dict.fromkeys(h for h in hints if h)),
            )
            continue
        if item.outcome is Outcome.DUPLICATE:
            original = by_row.get(item.duplicate_of or -1)
            result = ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.DUPLICATE,
                msg=i18n.text("duplicate_of", lang, row=item.duplicate_of),
                hint=i18n.text("duplicate_hint", lang),
            )
            key = plan.keys.get(original.source.row) if plan and original else None
            known = states.get(key) if key else None
            if known is not None:
                result.exchange_binding_id = known.binding_id
                result.binding_status = known.binding_status
            yield result
            continue
        key = plan.keys.get(row) if plan else None
        disposition = plan.dispositions.get(row) if plan else None
        if plan is None or key is None:
            yield ResultRow(
                cells=cells, row=row, outcome=Outcome.PENDING, msg=i18n.text("pending_msg", lang)
            )
            continue
        if disposition is Disposition.CONFLICT:
            holder = plan.conflicts[row]
            binding = item.binding
            yield ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.INVALID,
                code="bound_to_another_user",
                msg=i18n.text(
                    "journal_conflict",
                    lang,
                    exchange=binding.exchange_account if binding else "",
                    user=holder.user_id,
                ),
                hint=i18n.text("journal_conflict_hint", lang),
                exchange_binding_id=holder.binding_id,
            )
            continue
        state = states.get(key)
        if state is None:
            yield ResultRow(
                cells=cells,
                row=row,
                outcome=Outcome.PENDING,
                msg=i18n.text("pending_msg", lang),
                hint=i18n.text("pending_hint", lang),
            )
            continue
        result = _from_state(cells, row, state, lang)
        if disposition is Disposition.SKIP_BOUND:
            result.msg = result.msg or i18n.text("bound_earlier", lang)
        elif disposition is Disposition.SKIP_FAILED:
            result.msg = f"{result.msg} ({i18n.text('failed_earlier', lang)})".strip()
            result.hint = f"{result.hint} {i18n.text('failed_earlier_hint', lang)}".strip()
        elif disposition is Disposition.SKIP_UNBOUND:
            result.msg = result.msg or i18n.text("unbound_earlier", lang)
            result.hint = i18n.text("unbound_earlier_hint", lang)
        yield result


def count(results: list[ResultRow], states: dict[str, RowState], plan: Plan | None) -> Counts:
    by_outcome: dict[str, int] = {o.value: 0 for o in Outcome}
    for r in results:
        by_outcome[r.outcome.value] += 1
    transient = 0
    if plan is not None:
        for key in set(plan.keys.values()):
            state = states.get(key)
            if state is not None and state.state is State.FAILED and state.transient:
                transient += 1
    return Counts(
        by_outcome=by_outcome,
        transient_failures=transient,
        pending=by_outcome[Outcome.PENDING.value],
    )
