"""What every kind of tracker does: read its rows into a `Table`, and write results back.

A tracker is opened from its link (`open_tracker`; a Wiki page is resolved to the Sheet or
Bitable behind it first), read once (`read`), then written back as often as the job wants
(`write_back`: after the run, and every few minutes during a long one). What it learns when
reading (the header row, the columns, the records' ids) is what it writes against, so a write
never lands on another person's row; the team's own cells are never written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from batchbind.model import RESULT_COLUMNS, ResultRow, Table
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import TrackerLink

__all__ = ["WRITTEN_COLUMNS", "Tracker", "WriteReport"]

#: The result columns written back into a tracker: the results file's, from `outcome` on (the
#: contract names them); `row` is the tracker's own row, so it is not written.
WRITTEN_COLUMNS: tuple[str, ...] = RESULT_COLUMNS[RESULT_COLUMNS.index("outcome") :]


@dataclass(slots=True)
class WriteReport:
    """What one write-back did."""

    rows_written: int = 0
    requests: int = 0
    # Rows whose result had nowhere to go (the row was deleted, or moved, since it was read).
    rows_missing: list[int] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)  # result columns / fields created


class Tracker(Protocol):
    """A Sheet tab or a Bitable table, read and written through `calls`."""

    link: TrackerLink
    calls: DocCalls

    @property
    def title(self) -> str:
        """The document's title (the default results file is named after it)."""
        ...

    async def read(self, *, sheet: str | None = None) -> Table:
        """The rows, exactly as a file's would be (header matching, cleaning happen here)."""
        ...

    async def write_back(self, rows: Iterable[ResultRow]) -> WriteReport:
        """Write each row's `WRITTEN_COLUMNS` into the tracker (only those cells or fields)."""
        ...
