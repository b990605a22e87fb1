"""The data that flows through batchbind: rows read, rows checked, results rendered.

Rows are data, never exceptions: every stage hands the next one plain, typed records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class Field(StrEnum):
    """The three values a binding needs, by their contract column names."""

    ADMIN_ACCOUNT = "admin_account"
    EXCHANGE_ACCOUNT = "exchange_account"
    USER_ID = "user_id"


class UserIdType(StrEnum):
    OPEN_ID = "open_id"
    UNION_ID = "union_id"
    USER_ID = "user_id"


class Outcome(StrEnum):
    """The `outcome` column of the results file (the contract's words)."""

    BOUND = "bound"
    FAILED = "failed"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    PENDING = "pending"
    UNBOUND = "unbound"


#: The columns batchbind appends to every input row in the results file, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "row",
    "outcome",
    "code",
    "msg",
    "hint",
    "exchange_binding_id",
    "binding_status",
    "attempts",
    "http_status",
    "log_id",
    "updated_at",
)


class SkippedRow(NamedTuple):
    """A line under the header that is not a binding (a totals or notes line), and its text."""

    row: int  # physical row number
    text: str  # its filled cells, joined with " | "


@dataclass(slots=True)
class SourceRow:
    """One non-blank data row as read from the file (a view of one row of a `Table`).

    `row` is the physical row number (Excel row, or CSV record with the header as 1).
    `cells` holds one text value per column of the table, already converted from Excel types.
    `cell_problems` maps a column index to a problem code for cells whose value cannot be trusted
    (e.g. a 16-digit number Excel has already rounded); validation turns them into row problems.
    """

    row: int
    cells: list[str]
    cell_problems: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class Table:
    """A spreadsheet read into memory: the input columns (result columns removed) and the rows.

    The rows are held a column at a time, not as an object per row: `numbers[i]` is the physical
    row number of row i, and `data[c][i]` its text in column c. 100,000 rows are then read and
    checked a list at a time; `cells(i)` and `row(i)` build one row where one is wanted.
    `cell_problems` maps a row index to the problems found reading its cells (column -> code).
    """

    columns: list[str]
    fields: dict[Field, int]
    numbers: list[int]
    data: list[list[str]]
    cell_problems: dict[int, dict[int, str]] = field(default_factory=dict)
    source: str = ""
    sheet: str | None = None
    skipped: list[SkippedRow] = field(default_factory=list)  # totals and notes lines left out
    # How messages name a row when its number alone does not (a Bitable record: its id and
    # primary field), by row number; None for a file, whose rows are named by number.
    row_names: dict[int, str] | None = None

    @classmethod
    def of_rows(
        cls,
        columns: list[str],
        fields: dict[Field, int],
        rows: Iterable[SourceRow],
        *,
        source: str = "",
        sheet: str | None = None,
    ) -> Table:
        """A table from rows as wide as `columns`."""
        rows = list(rows)
        problems = {i: row.cell_problems for i, row in enumerate(rows) if row.cell_problems}
        return cls(
            columns,
            fields,
            [row.row for row in rows],
            transpose([row.cells for row in rows], len(columns)),
            problems,
            source=source,
            sheet=sheet,
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def cells(self, index: int) -> list[str]:
        """Row `index`'s texts, one per column (a new list)."""
        return [column[index] for column in self.data]

    def all_cells(self) -> Iterator[list[str]]:
        """Every row's texts, one list per row, in order."""
        return map(list, zip(*self.data, strict=True))

    def row(self, index: int) -> SourceRow:
        return SourceRow(
            self.numbers[index], self.cells(index), self.cell_problems.get(index) or {}
        )

    @property
    def rows(self) -> list[SourceRow]:
        """Every row as a `SourceRow`, built on demand."""
        return [self.row(index) for index in range(len(self.numbers))]

    def column(self, name: Field) -> list[str]:
        """One field's texts, a value per row (a copy, free to change)."""
        return list(self.data[self.fields[name]])


def transpose(rows: list[list[str]], width: int) -> list[list[str]]:
    """Rows of `width` texts as `width` columns."""
    if not rows:
        return [[] for _ in range(width)]
    return list(map(list, zip(*rows, strict=True)))


@dataclass(frozen=True, slots=True)
class Binding:
    """What one create call sends, exactly as given (after cleaning)."""

    admin_account: str
    exchange_account: str
    user_id: str

    def identity(self) -> tuple[str, str, str]:
        """E-mail addresses compare case-insensitively; ids compare exactly."""
        return (self.admin_account.casefold(), self.exchange_account.casefold(), self.user_id)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row cannot be sent: a stable code, the column concerned, and message parameters."""

    code: str
    column: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def param_dict(self) -> dict[str, str]:
        return dict(self.params)


@dataclass(slots=True)
class CheckedRow:
    """A row after validation: either a binding to send, or the reason it is not sent."""

    source: SourceRow
    binding: Binding | None
    outcome: Outcome | None = None  # INVALID or DUPLICATE; None means valid and to be sent
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: int | None = None  # physical row of the original, for duplicates

    @property
    def is_valid(self) -> bool:
        return self.outcome is None and self.binding is not None


@dataclass(slots=True)
class Checked:
    """Every row's verdict after validation, held a column at a time like the `Table`.

    A valid row is to be sent: its binding is the cleaned values at its index in `admins`,
    `exchanges` and `users`. A row not to be sent (invalid, or a duplicate) has its `CheckedRow`,
    with the problems found, in `rejected` under its index. Iterating gives a `CheckedRow` per
    row, in order, built on demand.
    """

    table: Table
    admins: list[str]
    exchanges: list[str]
    users: list[str]
    rejected: dict[int, CheckedRow] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.table.numbers)

    def __getitem__(self, index: int) -> CheckedRow:
        found = self.rejected.get(index)
        if found is not None:
            return found
        return CheckedRow(self.table.row(index), self.binding(index))

    def __iter__(self) -> Iterator[CheckedRow]:
        return map(self.__getitem__, range(len(self.table.numbers)))

    def binding(self, index: int) -> Binding:
        """What row `index` sends (meaningful for the valid rows)."""
        return Binding(self.admins[index], self.exchanges[index], self.users[index])

    def valid(self) -> list[int]:
        """The indexes of the rows to send, in order."""
        if not self.rejected:
            return list(range(len(self.table.numbers)))
        rejected = self.rejected
        return [i for i in range(len(self.table.numbers)) if i not in rejected]


@dataclass(slots=True)
class ResultRow:
    """One line of the results file: the input cells, then the contract's result columns."""

    cells: list[str]
    row: int
    outcome: Outcome
    code: str = ""
    msg: str = ""
    hint: str = ""
    exchange_binding_id: str = ""
    binding_status: str = ""
    attempts: int | None = None
    http_status: int | None = None
    log_id: str = ""
    updated_at: str = ""
    # Not a results column: the input column an invalid row's first problem concerns, which
    # tells "user_id is empty" from "admin_account is empty" when rows are grouped by cause.
    column: str = ""

    def result_values(self) -> list[str]:
        """The result columns as text, in RESULT_COLUMNS order."""
        return [
            str(self.row),
            self.outcome.value,
            self.code,
            self.msg,
            self.hint,
            self.exchange_binding_id,
            self.binding_status,
            "" if self.attempts is None else str(self.attempts),
            "" if self.http_status is None else str(self.http_status),
            self.log_id,
            self.updated_at,
        ]


@dataclass(slots=True)
class RunInfo:
    """What the Summary sheet says about the run besides the per-row counts (never a secret)."""

    command: str
    started_at: str  # ISO 8601, UTC
    ended_at: str
    duration_s: float
    settings: dict[str, str] = field(default_factory=dict)
    journal: str = ""
    requests_sent: int = 0
    throttled: int = 0  # requests answered 429
    achieved_per_minute: float = 0.0  # create calls per minute over the sending time
    lang: str = "en"


@dataclass(slots=True)
class JobFigures:
    """What the Summary says beyond the counts per outcome: where the whole job stands and what
    this run did to it (a re-run that sent nothing must not read as a job that did nothing).

    Counted from the plan's dispositions and the journal while the rows stream to the writer.
    """

    retry_later: int = 0  # failed rows that a re-run sends again (transient failures)
    #: the rows this run set out to send, by their outcome now
    sent: dict[str, int] = field(default_factory=dict)
    #: valid rows this run did not send, and why
    bound_earlier: int = 0
    failed_earlier: int = 0  # refused for good in an earlier run (not sent without a change)
    unbound_earlier: int = 0  # undone by `unbind` (not bound again without --rebind)
