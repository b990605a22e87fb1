"""The rows that need a person, grouped by cause: one line per cause, not one per row.

A run of 100,000 rows where 10,000 share a problem should say so in one group: the cause, how
many rows, the first few row numbers, and what to do. `group_causes` (or `CauseTally`, fed one
result at a time while a run streams its results) builds the groups from the per-row results;
`cause_lines` puts them into words for the terminal. Anything else that reports a run (a
notification card, say) can take the same groups and lay them out its own way.

Rows are grouped by what the results file says of them: their outcome, their code (a Feishu
code or a validation problem code), and for invalid rows the column the problem is in. A group
takes its hint and its example message from its first row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from batchbind.feishu.codes import CODES, Kind
from batchbind.model import Outcome, ResultRow
from batchbind.output import i18n

__all__ = [
    "NEEDS_A_PERSON",
    "SHOWN_CAUSES",
    "SHOWN_ROWS",
    "CauseGroup",
    "CauseTally",
    "cause_key",
    "cause_lines",
    "group_causes",
    "row_label",
    "rows_text",
]

#: The outcomes a person has to look at (fix the row, or the tenant, and run again).
NEEDS_A_PERSON: frozenset[Outcome] = frozenset({Outcome.INVALID, Outcome.FAILED})

#: How many row numbers a group names before it only counts the rest.
SHOWN_ROWS = 8

#: How many groups the terminal shows before it only counts the rest.
SHOWN_CAUSES = 12

#: Answers that were retried until batchbind gave up: the cause is "gave up", whatever the code.
_RETRIED = frozenset({Kind.TRANSIENT, Kind.THROTTLED, Kind.CONTENTION})


def cause_key(outcome: Outcome, code: str) -> str:
    """The catalogue key of the cause of a row with this outcome and code (`cause_...`)."""
    own = f"cause_{code}"
    if code.isdigit():
        meaning = CODES.get(int(code))
        if i18n.has(own):
            return own
        if meaning is not None and meaning.kind in _RETRIED:
            return "cause_gave_up"
        return "cause_feishu_other"
    if not code:
        return "cause_no_answer" if outcome is Outcome.FAILED else "cause_other_problem"
    return own if i18n.has(own) else "cause_other_problem"


#: Causes whose words say too little on their own: the group shows its first row's message.
_VAGUE = frozenset({"cause_feishu_other", "cause_other_problem", "cause_gave_up"})


@dataclass(frozen=True, slots=True)
class CauseGroup:
    """Rows that need a person for the same reason.

    `key` is the catalogue key of the cause (`cause(lang)` says it), `code` and `column` what the
    results file says of these rows, `rows` the first `SHOWN_ROWS` row numbers (in input order)
    of `count`, and `hint` and `example` the hint and message of the first row.
    """

    key: str
    outcome: Outcome
    code: str
    column: str
    count: int
    rows: tuple[int, ...]
    hint: str
    example: str

    @property
    def more(self) -> int:
        """How many rows the group counts but does not name."""
        return self.count - len(self.rows)

    def cause(self, lang: str) -> str:
        """The cause in words, in `lang`."""
        return i18n.text(self.key, lang, column=self.column or "?", code=self.code)


@dataclass(slots=True)
class _Open:
    """A group while rows are still coming."""

    first: ResultRow
    count: int = 0
    rows: list[int] = field(default_factory=list)


class CauseTally:
    """Groups results by cause as they stream past (a run renders its rows a chunk at a time)."""

    def __init__(self, *, keep: int = SHOWN_ROWS) -> None:
        self._keep = keep
        self._open: dict[tuple[Outcome, str, str], _Open] = {}

    def add(self, result: ResultRow) -> None:
        if result.outcome not in NEEDS_A_PERSON:
            return
        key = (result.outcome, result.code, result.column)
        group = self._open.get(key)
        if group is None:
            group = self._open[key] = _Open(result)
        group.count += 1
        if len(group.rows) < self._keep:
            group.rows.append(result.row)

    def groups(self) -> tuple[CauseGroup, ...]:
        """The groups, the largest first (then in the order of their first row)."""
        made = [
            CauseGroup(
                key=cause_key(outcome, code),
                outcome=outcome,
                code=code,
                column=column,
                count=group.count,
                rows=tuple(group.rows),
                hint=group.first.hint,
                example=group.first.msg,
            )
            for (outcome, code, column), group in self._open.items()
        ]
        made.sort(key=lambda g: (-g.count, g.rows[0] if g.rows else 0))
        return tuple(made)


def group_causes(results: Iterable[ResultRow], *, keep: int = SHOWN_ROWS) -> tuple[CauseGroup, ...]:
    """The rows of `results` that need a person, grouped by cause, the largest group first."""
    tally = CauseTally(keep=keep)
    for result in results:
        tally.add(result)
    return tally.groups()


def row_label(row: int, lang: str, names: Mapping[int, str] | None = None) -> str:
    """A row as a message names it: its number, and its name when the table has one (a Bitable
    record: its id and primary field, `Table.row_names`)."""
    name = names.get(row) if names else None
    return i18n.text("row_named", lang, row=row, name=name) if name else str(row)


def rows_text(
    rows: Sequence[int], count: int, lang: str, names: Mapping[int, str] | None = None
) -> str:
    """ "rows 7, 19, 24" for the first `rows` of `count`, and how many more the file has
    (each row named as `row_label` names it)."""
    labels = (row_label(row, lang, names) for row in rows)
    listed = i18n.text("causes_row_separator", lang).join(labels)
    if count > len(rows):
        return i18n.text("causes_rows_more", lang, rows=listed, more=count - len(rows))
    return i18n.text("causes_row" if len(rows) == 1 else "causes_rows", lang, rows=listed)


def _example_tells_more(group: CauseGroup, lang: str) -> bool:
    """Whether the first row's message says what the cause alone does not (the value, another
    row involved, Feishu's own words for an unknown code)."""
    if not group.example or not (group.outcome is Outcome.INVALID or group.key in _VAGUE):
        return False
    return group.example.rstrip(".。").casefold() != group.cause(lang).casefold()


def cause_lines(
    groups: Iterable[CauseGroup],
    lang: str,
    *,
    shown: int = SHOWN_CAUSES,
    row_names: Mapping[int, str] | None = None,
) -> list[str]:
    """The groups as the terminal shows them: a heading, then per cause a line with the count,
    the cause, the code and the first rows, the first row's message where the cause alone says
    too little, and the hint. Nothing at all when no row needs a person. `row_names` names the
    rows of a table whose rows have names (`Table.row_names`)."""
    groups = list(groups)
    if not groups:
        return []
    lines = [i18n.text("causes_heading", lang)]
    for group in groups[:shown]:
        code = i18n.text("causes_code", lang, code=group.code) if group.code else ""
        lines.append(
            "  "
            + i18n.text(
                "causes_line",
                lang,
                count=group.count,
                cause=group.cause(lang),
                code=code,
                rows=rows_text(group.rows, group.count, lang, row_names),
            )
        )
        if _example_tells_more(group, lang):
            first = row_label(group.rows[0], lang, row_names) if group.rows else "?"
            lines.append("    " + i18n.text("causes_example", lang, row=first, msg=group.example))
        if group.hint:
            lines.append("    " + group.hint)
    hidden = groups[shown:]
    if hidden:
        rows = sum(g.count for g in hidden)
        lines.append("  " + i18n.text("causes_more", lang, count=len(hidden), rows=rows))
    return lines


def causes_json(groups: Iterable[CauseGroup], lang: str) -> list[dict[str, Any]]:
    """The groups of rows that need a person, as JSON (`--json`, the web page; the cause in
    `lang`)."""
    return [
        {
            "outcome": g.outcome.value,
            "code": g.code,
            "column": g.column,
            "cause": g.cause(lang),
            "hint": g.hint,
            "count": g.count,
            "rows": list(g.rows),
        }
        for g in groups
    ]
