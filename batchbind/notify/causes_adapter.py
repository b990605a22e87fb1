"""Rows that need a person, grouped by cause: a stand-in until `output/causes.py` lands.

ADAPTER: another branch (`terminal`, issue 13 item 9) is writing the one grouping of "rows that
need a person by cause" in `batchbind/output/causes.py`, for the end of `run` in the terminal.
When it is on main, this module becomes `from batchbind.output.causes import group_causes` (its
`CauseGroup` has the same `key`, `code`, `hint`, `count` and `rows`); nothing else in
`batchbind.notify` groups rows. Until then this is the smallest grouping that serves the card:
invalid rows and rows Feishu refused for good, by code, the biggest group first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from batchbind.feishu.codes import Kind, classify
from batchbind.model import Outcome, ResultRow

#: How many row numbers a cause keeps (the card names a few; the results file has them all).
FIRST_ROWS = 5

#: The kinds of answer a re-run may still turn into a binding: those rows wait, not a person.
_LATER = frozenset({Kind.TRANSIENT, Kind.THROTTLED, Kind.CONTENTION})


@dataclass(frozen=True, slots=True, kw_only=True)
class Cause:
    """One cause of rows that need a person: its code, its hint, how many rows, the first ones."""

    key: str
    code: str
    hint: str
    count: int
    rows: tuple[int, ...]


def needs_a_person(row: ResultRow) -> bool:
    """Invalid, or refused for good (a transient failure binds on a re-run: not a person's job)."""
    if row.outcome is Outcome.INVALID:
        return True
    if row.outcome is not Outcome.FAILED:
        return False
    try:
        code: int | None = int(row.code) if row.code else None
    except ValueError:
        return True
    return classify(None, code).kind not in _LATER if code is not None else False


def group_causes(results: Iterable[ResultRow], *, keep: int = FIRST_ROWS) -> tuple[Cause, ...]:
    """The causes of the rows that need a person, biggest first (ties: the earliest row first)."""
    found: dict[str, tuple[str, str, list[int], list[int]]] = {}
    for row in results:
        if not needs_a_person(row):
            continue
        key = f"{row.outcome.value}:{row.code}"
        entry = found.setdefault(key, (row.code, row.hint, [0], []))
        entry[2][0] += 1
        if len(entry[3]) < keep:
            entry[3].append(row.row)
    causes = [
        Cause(key=k, code=code, hint=hint, count=n[0], rows=tuple(first))
        for k, (code, hint, n, first) in found.items()
    ]
    return tuple(sorted(causes, key=lambda c: (-c.count, c.rows[0] if c.rows else 0)))
