"""Finding the header row and turning the rows below it into a `Table`.

The header row is the first of the top rows that names all three fields (in English or Chinese,
case, spaces and underscores ignored), so a title line or a blank row above it is fine. Extra
columns are kept in order; a results file read back has its result columns dropped, to be
replaced by the next results rather than duplicated. Readers (CSV, Excel) hand their rows here
as text, numbered by physical row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress

from batchbind.errors import InputError
from batchbind.input.cleaning import normalise_header
from batchbind.model import RESULT_COLUMNS, Field, Table, transpose
from batchbind.output.cells import unescape_csv_cell
from batchbind.output.i18n import Phrase

#: Header names recognised for each field (compared with `normalise_header`).
HEADER_ALIASES: dict[Field, tuple[str, ...]] = {
    Field.ADMIN_ACCOUNT: (
        "admin_account", "admin", "admin_email", "admin_mail", "administrator",
        "administrator_account", "exchange_admin", "exchange_admin_account",
        "管理员账号", "管理员帐号", "管理员账户", "管理员邮箱", "管理员",
        "Exchange 管理员账号", "Exchange 管理员", "超级管理员账号",
    ),
    Field.EXCHANGE_ACCOUNT: (
        "exchange_account", "exchange", "exchange_email", "exchange_mail", "exchange_mailbox",
        "exchange_address", "mailbox", "email", "e-mail", "email_address", "mail",
        "Exchange 账号", "Exchange 帐号", "Exchange 账户", "Exchange 邮箱", "Exchange 邮箱地址",
        "邮箱", "邮箱地址", "邮箱账号", "电子邮箱", "电子邮件", "邮件地址", "用户邮箱",
    ),
    Field.USER_ID: (
        "user_id", "userid", "open_id", "openid", "union_id", "unionid", "feishu_id",
        "feishu_user_id", "feishu_open_id", "lark_id", "lark_user_id", "lark_open_id",
        "用户ID", "用户 ID", "飞书ID", "飞书 ID", "飞书用户ID", "飞书账号ID", "用户标识", "Lark ID",
    ),
}  # fmt: skip

#: How many rows (physical) are searched for the header row, below title lines.
HEADER_SCAN_ROWS = 10

_FIELD_BY_NAME: dict[str, Field] = {
    normalise_header(alias): f for f, aliases in HEADER_ALIASES.items() for alias in aliases
}
_RESULT_NAMES = frozenset(normalise_header(name) for name in RESULT_COLUMNS)
# A file is batchbind's own results when these are all there (a user may delete the others).
_RESULTS_MARKERS = frozenset(normalise_header(n) for n in ("row", "outcome", "code", "msg"))
# `resolve`'s copy of a sheet has this column: its CSV cells carry batchbind's formula escapes.
_RESOLVE_MARKER = normalise_header("resolve_status")


@dataclass(slots=True)
class Header:
    """The header row found among the first rows, and what its columns mean."""

    row: int  # physical row number
    cells: list[str]
    fields: dict[Field, list[int]] = field(default_factory=dict)
    results_file: bool = False
    resolve_copy: bool = False

    @property
    def score(self) -> int:
        return len(self.fields)

    @property
    def escaped(self) -> bool:
        """Whether batchbind wrote the file, so a CSV's `'` before a formula is its own escape."""
        return self.results_file or self.resolve_copy


def match_header(row: int, cells: list[str]) -> Header:
    names = [normalise_header(c) for c in cells]
    header = Header(row, cells)
    header.results_file = _RESULTS_MARKERS.issubset(names)
    header.resolve_copy = _RESOLVE_MARKER in names
    for index, name in enumerate(names):
        found = _FIELD_BY_NAME.get(name)
        if found is not None:
            header.fields.setdefault(found, []).append(index)
    return header


def find_header(rows: Sequence[tuple[int, list[str]]]) -> Header | None:
    """The first row naming all three fields, else the best partial match, else None."""
    best: Header | None = None
    for row, cells in rows[:HEADER_SCAN_ROWS]:
        if not any(c.strip() for c in cells):
            continue
        header = match_header(row, cells)
        if header.score == len(Field):
            return header
        if best is None or header.score > best.score:
            best = header
    return best


def _is_result(cell: str) -> bool:
    return normalise_header(cell) in _RESULT_NAMES


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26 (the inverse of `column_letter`)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_header(header: Header | None, where: str | Phrase) -> Header:
    """The header, or the InputError that says why it cannot be used (`where`: the file, sheet)."""
    if header is None:
        raise InputError.of("no_rows", where=where, hint_key="headers_hint")
    for name, columns in header.fields.items():
        if len(columns) > 1:
            named = [f"{column_letter(i)} ({header.cells[i].strip()})" for i in columns]
            both: str | Phrase = named[0]
            for column in named[1:]:  # "A (x) and B (y) and C (z)", in the user's language
                both = Phrase("column_pair", {"first": both, "second": column})
            raise InputError.of(
                "column_twice", where=where, columns=both, row=header.row, field=name.value
            )
    missing = [f.value for f in Field if f not in header.fields]
    if missing:
        found: str | Phrase = ", ".join(repr(c.strip()) for c in header.cells if c.strip())
        raise InputError.of(
            "missing_column",
            where=where,
            missing=", ".join(missing),
            row=header.row,
            found=found or Phrase("none_found"),
            hint_key="headers_hint",
        )
    return header


@dataclass(slots=True)
class Rows:
    """Data rows below the header, as text, with the problems found converting cells.

    `numbers[i]` is the physical row number of `cells[i]`. Parallel lists rather than pairs, so
    that 100,000 rows are handled a column or a list at a time, without a tuple per row.
    """

    numbers: list[int] = field(default_factory=list)
    cells: list[list[str]] = field(default_factory=list)
    problems: dict[int, dict[int, str]] = field(default_factory=dict)  # physical row -> col -> code


def assemble(
    header: Header, data: Rows, *, source: str, sheet: str | None, unescape: bool
) -> Table:
    """Keep the header's columns (and unnamed ones that hold data), drop result columns."""
    head = header.cells
    named = [i for i, c in enumerate(head) if c.strip()]
    start, end = named[0], named[-1] + 1
    numbers, rows = data.numbers, data.cells
    if (
        start == 0
        and end == len(head)
        and not header.results_file
        and not unescape
        and set(map(len, rows)) <= {end}
    ):
        # The common case: every row is exactly as wide as the header (so no empty line).
        flat = list(chain.from_iterable(rows))
        columns = [flat[index::end] for index in range(end)]
        del flat
        numbers, columns = _without_blank_rows_in_columns(numbers, columns)
        fields = {f: cols[0] for f, cols in header.fields.items()}
        problems = _problems_by_index(numbers, data.problems, {i: i for i in range(end)})
        return Table(list(head), fields, numbers, columns, problems, source=source, sheet=sheet)
    numbers, rows = _without_blank_rows(numbers, rows)
    for cells in rows:
        if len(cells) > end:
            for i in range(len(cells) - 1, end - 1, -1):
                if cells[i].strip():
                    end = i + 1
                    break
        if start:
            for i in range(start):
                if i < len(cells) and cells[i].strip():
                    start = i
                    break
    dropped: set[int] = set()
    if header.results_file:
        # batchbind's own results read back: its result columns are replaced by the next
        # results, never duplicated.
        dropped = {i for i in range(start, min(end, len(head))) if _is_result(head[i])}
    kept = [i for i in range(start, end) if i not in dropped]
    position = {raw: new for new, raw in enumerate(kept)}
    fields = {f: position[cols[0]] for f, cols in header.fields.items()}
    width = len(kept)
    simple = kept == list(range(width))

    def take(cells: list[str]) -> list[str]:
        if simple:
            # The row lists are this module's own, so a row of the right width is used as is.
            taken = cells if len(cells) == width else cells[:width]
            if len(taken) < width:
                taken.extend([""] * (width - len(taken)))
        else:
            taken = [cells[i] if i < len(cells) else "" for i in kept]
        return [unescape_csv_cell(c) for c in taken] if unescape else taken

    problems = _problems_by_index(numbers, data.problems, position)
    columns = transpose(list(map(take, rows)), width)
    return Table(take(head), fields, numbers, columns, problems, source=source, sheet=sheet)


def _without_blank_rows(
    numbers: list[int], rows: list[list[str]]
) -> tuple[list[int], list[list[str]]]:
    """Blank rows (nothing but spaces) are not rows: Excel users leave them between blocks."""
    filled = list(map(bool, map(str.strip, map("".join, rows))))
    if all(filled):
        return numbers, rows
    return list(compress(numbers, filled)), list(compress(rows, filled))


def _without_blank_rows_in_columns(
    numbers: list[int], columns: list[list[str]]
) -> tuple[list[int], list[list[str]]]:
    """`_without_blank_rows`, for rows held as columns."""
    if all(map(str.strip, columns[0])):
        return numbers, columns  # a value in the first column: no row is blank
    filled = list(map(bool, map(str.strip, map("".join, zip(*columns, strict=True)))))
    if all(filled):
        return numbers, columns
    return list(compress(numbers, filled)), [list(compress(c, filled)) for c in columns]


def _problems_by_index(
    numbers: list[int], problems: dict[int, dict[int, str]], position: dict[int, int]
) -> dict[int, dict[int, str]]:
    """The readers' problems (by physical row and raw column) by row index and kept column."""
    if not problems:
        return {}
    found: dict[int, dict[int, str]] = {}
    for index, number in enumerate(numbers):
        codes = problems.get(number)
        kept = {position[i]: c for i, c in codes.items() if i in position} if codes else None
        if kept:
            found[index] = kept
    return found


def choose_sheet(
    names: list[str], wanted: str | None, name: str, header_of: Callable[[str], Header | None]
) -> tuple[str, Header]:
    """The named sheet, or the first whose headers match (an instructions sheet is skipped).

    `names` are the workbook's (or the tracker's) sheets in order, `name` the file or document
    as messages name it, `header_of` a sheet's header found among its first rows.
    """
    listed: str | Phrase = ", ".join(repr(n) for n in names) or Phrase("none_found")
    if wanted is not None:
        matches = [n for n in names if n == wanted] or [
            n for n in names if n.strip().casefold() == wanted.strip().casefold()
        ]
        if len(matches) != 1:
            raise InputError.of("no_such_sheet", name=name, sheet=repr(wanted), listed=listed)
        header = header_of(matches[0])
        return matches[0], check_header(header, _where(name, matches[0]))
    best: tuple[str, Header | None] | None = None
    for sheet in names:
        header = header_of(sheet)
        if header is not None and header.score == len(Field):
            return sheet, check_header(header, _where(name, sheet))
        if header is not None and (best is None or best[1] is None or header.score > best[1].score):
            best = (sheet, header)
    if best is None:
        raise InputError.of("no_worksheet_rows", name=name, hint_key="headers_hint")
    where = _where(name, best[0], listed if len(names) > 1 else None)
    return best[0], check_header(best[1], where)


def _where(name: str, sheet: str, listed: str | Phrase | None = None) -> Phrase:
    """ "book.xlsx, sheet 'Data'" (and the other sheets' names) in the user's language."""
    if listed is None:
        return Phrase("where_sheet", {"name": name, "sheet": repr(sheet)})
    return Phrase("where_sheets", {"name": name, "sheet": repr(sheet), "listed": listed})
