"""A spreadsheet read as a grid of text, and written back as a copy with some cells filled in.

`resolve` must read sheets that `batchbind.input.load.load_table` refuses on purpose (no `user_id` column yet,
or an `email` column next to `exchange_account`, which the binding reader counts as two Exchange
columns), and hand back the same sheet with every other cell as it was. So this reader keeps every
row and every column, and the writer changes only the cells it is told to change. A CSV file is
read by the binding reader's own functions (`batchbind.input.csvfile`): the same encodings (a
byte-order mark, then strict UTF-8, then GB18030, never a codec that decodes anything), the same
`csv.reader` and its messages. Its cells are kept as written, formula escapes included.

Whatever the sheet held and whatever the server answered, nothing in the copy runs as a formula:
a CSV copy escapes every cell as the results do (`escape_csv_cell`; the binding reader strips
the escape again from a file with a `resolve_status` column), an `.xlsx` copy writes text cells.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import python_calamine
import xlsxwriter

from batchbind.errors import InputError
from batchbind.input.cleaning import cell_text
from batchbind.input.csvfile import DELIMITERS, check_delimiter, read_text, records
from batchbind.input.excel import open_workbook
from batchbind.input.load import check_before_reading, workbook_kind
from batchbind.output.cells import escape_csv_cell, xlsx_safe
from batchbind.output.writers import WORKBOOK_OPTIONS, write_atomically


@dataclass(slots=True)
class Sheet:
    name: str
    rows: list[list[str]]  # rows[i] is physical row i + 1
    # What reading a cell found wrong (`cell_text`: a number Excel has rounded), by (i, column).
    problems: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(slots=True)
class Grid:
    path: Path
    kind: Literal["csv", "xlsx"]
    sheets: list[Sheet] = field(default_factory=list)
    delimiter: str = ","


def read_grid(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> Grid:
    """Every sheet of a workbook, or the one table of a CSV file (one delimiter per candidate)."""
    if not path.is_file():
        raise InputError.of("file_not_found", path=path)
    kind = workbook_kind(path)
    if kind != "csv":
        return _read_workbook(path, kind)
    check_delimiter(delimiter)
    text = read_text(path, encoding)
    grid = Grid(path, "csv", delimiter=delimiter or ",")
    unreadable: list[InputError] = []
    for candidate in (delimiter,) if delimiter else DELIMITERS:
        try:
            grid.sheets.append(Sheet(candidate, records(text, candidate, path.name)))
        except InputError as exc:  # quotes that only pair up under another delimiter
            unreadable.append(exc)
    if not grid.sheets:
        raise unreadable[0]
    return grid


def _sheet(name: str, values: Sequence[Sequence[object]]) -> Sheet:
    sheet = Sheet(name, [])
    for i, row in enumerate(values):
        cells = []
        for column, value in enumerate(row):
            text, problem = cell_text(value)
            cells.append(text)
            if problem is not None:
                sheet.problems[i, column] = problem
        sheet.rows.append(cells)
    return sheet


def _read_workbook(path: Path, kind: str) -> Grid:
    """A .xlsx, .xls or .ods, checked as the binding reader checks it; "xlsx" is the grid's kind
    for all of them (a workbook of sheets, written back as a .xlsx)."""
    grid = Grid(path, "xlsx")
    check_before_reading(path, kind)
    try:
        with open_workbook(path, kind) as book:
            for name in book.sheet_names:
                values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                grid.sheets.append(_sheet(name, values))
    except python_calamine.PasswordError:
        raise InputError.of("workbook_password", name=path.name) from None
    except Exception as exc:  # calamine reports damaged files with several exception types
        raise InputError.of(
            "xlsx_unreadable", name=path.name, error=exc, hint_key="convert_hint"
        ) from None
    return grid


def write_grid(grid: Grid, sheets: Iterable[Sheet], out: Path) -> Path:
    """Write `sheets` as a copy (.csv: the first sheet; .xlsx: all, as text); return the path."""
    chosen = list(sheets)
    if out.suffix.lower() == ".csv":
        delimiter = grid.delimiter if grid.kind == "csv" else ","

        def write_csv(tmp: Path) -> None:
            with tmp.open("w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream, delimiter=delimiter)
                for row in chosen[0].rows:
                    writer.writerow([escape_csv_cell(value) for value in row])

        return write_atomically(out, write_csv)
    if out.suffix.lower() != ".xlsx":
        raise InputError.of("copy_out_suffix", name=out.name)

    def write_xlsx(tmp: Path) -> None:
        book = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
        try:
            for sheet in chosen:
                page = book.add_worksheet(sheet.name[:31] or "Sheet1")
                for r, row in enumerate(sheet.rows):
                    for c, value in enumerate(row):
                        if value:
                            page.write_string(r, c, xlsx_safe(value)[0])
        finally:
            book.close()

    return write_atomically(out, write_xlsx)
