"""The results file: one row per input row, the input cells then the result columns.

An input column named like a result column (an ordinary sheet's own `row`, `outcome` or `code`)
is written as `<name> [input]`, so no header appears twice and a results file read back still
tells its result columns from the input's. Brackets, not parentheses: a note in parentheses is
ignored when headers are matched, so `row (input)` would read back as `row`.

`.xlsx` results have a `Results` sheet (every cell typed text, never a formula, number or link;
`msg` and `hint` wrapped; set up to print landscape, one page wide, the header on every page) and
a `Summary` sheet (`output/summary.py`); `.csv` results are UTF-8 with BOM with formula-looking
values escaped.
Rows are streamed: xlsxwriter's constant-memory mode flushes each row to disk as it goes, so
100,000 rows cost little memory. Every file is written to a temporary name and renamed into
place, so a reader never sees half a file and a crash leaves the previous results intact.
"""

from __future__ import annotations

import csv
import itertools
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from batchbind.errors import InputError, OutputError
from batchbind.input.cleaning import normalise_header
from batchbind.model import RESULT_COLUMNS, JobFigures, Outcome, ResultRow, RunInfo
from batchbind.output import i18n
from batchbind.output.cells import escape_csv_cell, xlsx_safe
from batchbind.output.summary import (
    ONE_LINE_POINTS,
    OUTCOME_COLOURS,
    RowTally,
    display_width,
    print_setup,
    row_height,
    write_summary_sheet,
)

__all__ = ["OutputError", "summary_counts", "write_atomically", "write_results"]

SUFFIXES = (".xlsx", ".csv")

#: Options that keep xlsxwriter from turning any text into something else, whatever method is used.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}

# Excel's own limits: a cell holds 32,767 UTF-16 units; a sheet 1,048,576 rows.
_XLSX_MAX_CELL = 32_767
_XLSX_MAX_ROWS = 1_048_576
_WIDTH_SAMPLE_ROWS = 200
_MAX_WIDTH = 60
_MIN_WIDTH = 8
_LOCKED_RETRIES = 100

#: The columns that wrap, and the width (characters) they take: at least the first number, so
#: a short message is not broken up, at most the second, a line a person reads at a glance.
_WRAPPED: dict[str, tuple[int, int]] = {"msg": (24, 40), "hint": (30, 50)}


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def write_results(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[ResultRow],
    info: RunInfo,
    *,
    lang: str = "en",
    job: Callable[[], JobFigures] | None = None,
) -> Path:
    """Write the results file (`.xlsx` or `.csv`, by suffix); return the path actually written.

    That is `path`, or `<stem> (1)<suffix>`, `(2)`, ... when `path` is locked (open in Excel).
    `job`, called once the last row is written, gives what the Summary says about the whole job
    and this run beyond the counts (`run` counts it while its rows stream past).
    """
    path = Path(path)
    suffix = _check_suffix(path)
    lang = _lang(lang)
    if suffix == ".csv":
        return write_atomically(path, lambda tmp: _write_csv(tmp, columns, rows))
    return write_atomically(path, lambda tmp: _write_xlsx(tmp, columns, rows, info, lang, job))


_RESULT_NAMES = frozenset(normalise_header(name) for name in RESULT_COLUMNS)


def results_header(columns: Sequence[str]) -> list[str]:
    """The input columns then the result columns, an input column named like one renamed."""
    taken = {normalise_header(c) for c in columns} | _RESULT_NAMES
    header = []
    for name in columns:
        if normalise_header(name) in _RESULT_NAMES:
            renamed, n = f"{name} [input]", 1
            while normalise_header(renamed) in taken:  # the sheet has that name too
                n += 1
                renamed = f"{name} [input {n}]"
            taken.add(normalise_header(renamed))
            name = renamed
        header.append(name)
    return [*header, *RESULT_COLUMNS]


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError.of("results_suffix", name=path.name)
    return suffix


def summary_counts(rows: Sequence[ResultRow]) -> tuple[dict[str, int], dict[str, int]]:
    """Rows per outcome (every outcome, zeros included) and rows per non-empty code."""
    tally = RowTally()
    for row in rows:
        tally.add(row)
    per_outcome = {outcome.value: tally.outcomes[outcome.value] for outcome in Outcome}
    return per_outcome, dict(tally.codes.most_common())


# -- writing atomically ------------------------------------------------------------------------


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Have `write` fill a temporary file next to `path`, then rename it into place.

    Returns the path written: `path`, or the first free `<stem> (n)<suffix>` when `path` is
    locked (Windows refuses to replace a file Excel holds open).
    """
    tmp = _new_temp_file(path)
    try:
        try:
            write(tmp)
        except (OSError, XlsxWriterException) as exc:
            raise OutputError.of("cannot_write", path=path, error=exc) from exc
        return _move_into_place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_temp_file(path: Path) -> Path:
    # Created with open(..., "x") rather than mkstemp so that the file gets the user's usual
    # permissions (umask) instead of mkstemp's owner-only 0600.
    for _ in range(10):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "xb"):
                return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError.of(
                "cannot_write_in", folder=path.parent, error=exc.strerror or exc
            ) from exc
    raise OutputError.of("no_temp_file", folder=path.parent)


def _move_into_place(tmp: Path, path: Path) -> Path:
    try:
        os.replace(tmp, path)
        return path
    except PermissionError:
        pass
    for n in range(1, _LOCKED_RETRIES + 1):
        other = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if other.exists():  # never overwrite a file the user did not name
            continue
        try:
            os.replace(tmp, other)
            return other
        except PermissionError:
            continue
    raise OutputError.of("results_locked", path=path)


# -- CSV ---------------------------------------------------------------------------------------


def _write_csv(tmp: Path, columns: Sequence[str], rows: Iterable[ResultRow]) -> None:
    width = len(columns)
    # utf-8-sig writes the BOM that makes Excel read the file as UTF-8 (Chinese shows right).
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow([escape_csv_cell(v) for v in results_header(columns)])
        for row in rows:
            values = _fit(row.cells, width) + row.result_values()
            writer.writerow([escape_csv_cell(v) for v in values])


def _fit(cells: list[str], width: int) -> list[str]:
    """Exactly one value per input column, so result columns stay under their headers."""
    if len(cells) == width:
        return list(cells)
    return (list(cells) + [""] * width)[:width]


# -- xlsx --------------------------------------------------------------------------------------


def _write_xlsx(
    tmp: Path,
    columns: Sequence[str],
    rows: Iterable[ResultRow],
    info: RunInfo,
    lang: str,
    job: Callable[[], JobFigures] | None,
) -> None:
    workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
    try:
        tally = _write_results_sheet(workbook, columns, rows, lang)
        # Only now, every row written, are the job's figures complete (they are counted as the
        # rows stream past).
        write_summary_sheet(workbook, tally, info, lang, job() if job else None)
    finally:
        workbook.close()


def _write_results_sheet(
    workbook: Any, columns: Sequence[str], rows: Iterable[ResultRow], lang: str
) -> RowTally:
    sheet = workbook.add_worksheet("Results")
    headers = results_header(columns)
    width = len(columns)
    outcome_col = width + RESULT_COLUMNS.index("outcome")
    msg_col = width + RESULT_COLUMNS.index("msg")
    wrapped = {width + RESULT_COLUMNS.index(name): limits for name, limits in _WRAPPED.items()}

    input_header = workbook.add_format(
        {"bold": True, "bg_color": "#E7E6E6", "bottom": 1, "valign": "top"}
    )
    result_header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "valign": "top"}
    )
    for col, name in enumerate(headers):
        sheet.write_string(0, col, _clean(name), input_header if col < width else result_header)

    # `msg` and `hint` wrap within a readable width instead of running across the next columns.
    # A row made taller by them is top-aligned, so that it still reads as one line (only those
    # rows: a format on every cell of 100,000 rows costs a tenth of the writing time).
    top = workbook.add_format({"valign": "top"})
    wrap = workbook.add_format({"valign": "top", "text_wrap": True})
    plain: list[Any] = [wrap if col in wrapped else None for col in range(len(headers))]
    tall = [wrap if col in wrapped else top for col in range(len(headers))]

    iterator = iter(rows)
    sample = list(itertools.islice(iterator, _WIDTH_SAMPLE_ROWS))
    wrap_widths: dict[int, int] = {}
    for col, chars in enumerate(_column_widths(headers, sample, width)):
        if col in wrapped:
            low, high = wrapped[col]
            wrap_widths[col] = min(max(chars, low), high)
            sheet.set_column(col, col, wrap_widths[col], wrap)
        else:
            sheet.set_column(col, col, chars)

    tally = RowTally()
    write = sheet.write_string
    last = 0
    for last, row in enumerate(_chain(sample, iterator), start=1):
        if last >= _XLSX_MAX_ROWS:
            raise OutputError.of("xlsx_too_many_rows", max=_XLSX_MAX_ROWS - 1)
        tally.add(row)
        values = _fit(row.cells, width) + row.result_values()
        values = _xlsx_values(values, msg_col, lang)
        height = row_height([(values[col], chars) for col, chars in wrap_widths.items()])
        formats = plain
        if height is not None:
            sheet.set_row(last, height)
            if height > ONE_LINE_POINTS:
                formats = tall
        for col, value in enumerate(values):
            if value:  # empty cells stay blank: smaller file, and Excel's ISBLANK holds
                write(last, col, value, formats[col])

    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), len(headers) - 1)
    _colour_outcomes(workbook, sheet, outcome_col, max(last, 1))
    print_setup(sheet, title_row=True)
    return tally


def _chain(first: list[ResultRow], rest: Iterator[ResultRow]) -> Iterator[ResultRow]:
    yield from first
    yield from rest


def _clean(value: str) -> str:
    return xlsx_safe(value)[0]


def _xlsx_values(values: list[str], msg_col: int, lang: str) -> list[str]:
    """The values an .xlsx can hold, with a note in `msg` when something had to change."""
    # One check over the whole row first: almost every row is clean, and one regex pass over
    # the joined text is much cheaper than one per cell.
    joined = "".join(values)
    removed = xlsx_safe(joined)[1]
    long = len(joined) > _XLSX_MAX_CELL // 2 and any(_utf16_len(v) > _XLSX_MAX_CELL for v in values)
    if not removed and not long:
        return values
    notes = ""
    if removed:
        values = [_clean(v) for v in values]
        notes += i18n.text("note_control", lang)
    if long:
        notes += i18n.text("note_truncated", lang)
    msg = values[msg_col]
    values[msg_col] = msg + notes if msg else notes.strip()
    return values


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _column_widths(headers: Sequence[str], sample: Sequence[ResultRow], width: int) -> list[int]:
    widths = [display_width(h) + 3 for h in headers]  # room for the filter button
    for row in sample:
        values = _fit(row.cells, width) + row.result_values()
        for col, value in enumerate(values):
            line = max(value.splitlines() or [""], key=len)
            widths[col] = max(widths[col], display_width(line) + 1)
    return [min(max(w, _MIN_WIDTH), _MAX_WIDTH) for w in widths]


def _colour_outcomes(workbook: Any, sheet: Any, col: int, last_row: int) -> None:
    # Conditional formats: one rule per outcome over the whole column instead of a format on
    # every cell, so colouring costs nothing per row and follows the value if someone edits it.
    for outcome, (fill, text) in OUTCOME_COLOURS.items():
        fmt = workbook.add_format({"bg_color": fill, "font_color": text})
        sheet.conditional_format(
            1,
            col,
            last_row,
            col,
            {"type": "cell", "criteria": "==", "value": f'"{outcome.value}"', "format": fmt},
        )
