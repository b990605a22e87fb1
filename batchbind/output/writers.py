"""The results file: one row per input row, the input cells then the result columns.

An input column named like a result column (an ordinary sheet's own `row`, `outcome` or `code`)
is written as `<name> [input]`, so no header appears twice and a results file read back still
tells its result columns from the input's. Brackets, not parentheses: a note in parentheses is
ignored when headers are matched, so `row (input)` would read back as `row`.

`.xlsx` results have a `Results` sheet (every cell typed text, never a formula, number or link)
and a `Summary` sheet; `.csv` results are UTF-8 with BOM with formula-looking values escaped.
Rows are streamed: xlsxwriter's constant-memory mode flushes each row to disk as it goes, so
100,000 rows cost little memory. Every file is written to a temporary name and renamed into
place, so a reader never sees half a file and a crash leaves the previous results intact.
"""

from __future__ import annotations

import csv
import itertools
import os
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from batchbind.errors import InputError, OutputError
from batchbind.input.cleaning import normalise_header
from batchbind.model import RESULT_COLUMNS, Outcome, ResultRow, RunInfo
from batchbind.output import i18n
from batchbind.output.cells import escape_csv_cell, xlsx_safe

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

#: Light fill and dark text per outcome (Excel's "Good"/"Bad" palette and kin).
OUTCOME_COLOURS: dict[Outcome, tuple[str, str]] = {
    Outcome.BOUND: ("#C6EFCE", "#006100"),
    Outcome.FAILED: ("#FFC7CE", "#9C0006"),
    Outcome.INVALID: ("#FCD5B4", "#974706"),
    Outcome.DUPLICATE: ("#E7E6E6", "#3A3838"),
    Outcome.PENDING: ("#DDEBF7", "#1F4E79"),
    Outcome.UNBOUND: ("#E4DFEC", "#5B2C6F"),
}

#: Stronger colours for the chart, where the light fills would be too pale.
_CHART_COLOURS: dict[Outcome, str] = {
    Outcome.BOUND: "#70AD47",
    Outcome.FAILED: "#E0474C",
    Outcome.INVALID: "#ED7D31",
    Outcome.DUPLICATE: "#A5A5A5",
    Outcome.PENDING: "#5B9BD5",
    Outcome.UNBOUND: "#8064A2",
}


def _lang(lang: str) -> str:
    return "zh" if lang == "zh" else "en"


def write_results(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[ResultRow],
    info: RunInfo,
    *,
    lang: str = "en",
) -> Path:
    """Write the results file (`.xlsx` or `.csv`, by suffix); return the path actually written.

    That is `path`, or `<stem> (1)<suffix>`, `(2)`, ... when `path` is locked (open in Excel).
    """
    path = Path(path)
    suffix = _check_suffix(path)
    lang = _lang(lang)
    if suffix == ".csv":
        return write_atomically(path, lambda tmp: _write_csv(tmp, columns, rows))
    return write_atomically(path, lambda tmp: _write_xlsx(tmp, columns, rows, info, lang))


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


@dataclass(slots=True)
class _Tally:
    """Counts per outcome and per code, gathered while rows stream past."""

    outcomes: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    hints: dict[str, str] = field(default_factory=dict)  # first hint seen per code

    def add(self, row: ResultRow) -> None:
        self.outcomes[row.outcome.value] += 1
        if row.code:
            self.codes[row.code] += 1
            if row.code not in self.hints:
                self.hints[row.code] = row.hint


def summary_counts(rows: Sequence[ResultRow]) -> tuple[dict[str, int], dict[str, int]]:
    """Rows per outcome (every outcome, zeros included) and rows per non-empty code."""
    tally = _Tally()
    for row in rows:
        tally.add(row)
    return _outcome_counts(tally), dict(tally.codes.most_common())


def _outcome_counts(tally: _Tally) -> dict[str, int]:
    return {outcome.value: tally.outcomes[outcome.value] for outcome in Outcome}


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
) -> None:
    workbook = xlsxwriter.Workbook(str(tmp), WORKBOOK_OPTIONS)
    try:
        tally = _write_results_sheet(workbook, columns, rows, lang)
        _write_summary_sheet(workbook, tally, info, lang)
    finally:
        workbook.close()


def _write_results_sheet(
    workbook: Any, columns: Sequence[str], rows: Iterable[ResultRow], lang: str
) -> _Tally:
    sheet = workbook.add_worksheet("Results")
    headers = results_header(columns)
    width = len(columns)
    outcome_col = width + RESULT_COLUMNS.index("outcome")
    msg_col = width + RESULT_COLUMNS.index("msg")

    input_header = workbook.add_format({"bold": True, "bg_color": "#E7E6E6", "bottom": 1})
    result_header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1})
    for col, name in enumerate(headers):
        sheet.write_string(0, col, _clean(name), input_header if col < width else result_header)

    iterator = iter(rows)
    sample = list(itertools.islice(iterator, _WIDTH_SAMPLE_ROWS))
    for col, chars in enumerate(_column_widths(headers, sample, width)):
        sheet.set_column(col, col, chars)

    tally = _Tally()
    write = sheet.write_string
    last = 0
    for last, row in enumerate(_chain(sample, iterator), start=1):
        if last >= _XLSX_MAX_ROWS:
            raise OutputError.of("xlsx_too_many_rows", max=_XLSX_MAX_ROWS - 1)
        tally.add(row)
        values = _fit(row.cells, width) + row.result_values()
        values = _xlsx_values(values, msg_col, lang)
        for col, value in enumerate(values):
            if value:  # empty cells stay blank: smaller file, and Excel's ISBLANK holds
                write(last, col, value)

    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), len(headers) - 1)
    _colour_outcomes(workbook, sheet, outcome_col, max(last, 1))
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


def _display_width(value: str) -> int:
    # East Asian wide characters take two columns in Excel's default fonts.
    if value.isascii():
        return len(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def _column_widths(headers: Sequence[str], sample: Sequence[ResultRow], width: int) -> list[int]:
    widths = [_display_width(h) + 3 for h in headers]  # room for the filter button
    for row in sample:
        values = _fit(row.cells, width) + row.result_values()
        for col, value in enumerate(values):
            line = max(value.splitlines() or [""], key=len)
            widths[col] = max(widths[col], _display_width(line) + 1)
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


def _write_summary_sheet(workbook: Any, tally: _Tally, info: RunInfo, lang: str) -> None:
    def label(name: str) -> str:
        return i18n.text(f"sheet_{name}", lang)

    sheet = workbook.add_worksheet("Summary")
    bold = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#E7E6E6"})
    title = workbook.add_format({"bold": True, "font_size": 14})
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 60)
    text = sheet.write_string
    r = 0

    def header(*names: str) -> None:
        nonlocal r
        for col, name in enumerate(names):
            text(r, col, name, bold)
        r += 1

    text(r, 0, label("title"), title)
    r += 1
    text(r, 0, label("command"))
    text(r, 1, _clean(info.command))
    r += 2

    header(label("outcomes"), label("rows"), label("meaning"))
    first_outcome = r
    for outcome in Outcome:
        fill, font = OUTCOME_COLOURS[outcome]
        text(r, 0, outcome.value, workbook.add_format({"bg_color": fill, "font_color": font}))
        sheet.write_number(r, 1, tally.outcomes[outcome.value])
        text(r, 2, i18n.text(f"outcome_{outcome.value}", lang))
        r += 1
    last_outcome = r - 1
    text(r, 0, label("total"), workbook.add_format({"bold": True}))
    sheet.write_number(r, 1, sum(tally.outcomes.values()))
    r += 2

    header(label("codes"), label("rows"), label("hint"))
    if not tally.codes:
        text(r, 0, label("none"))
        r += 1
    for code, count in tally.codes.most_common():
        text(r, 0, _clean(code))
        sheet.write_number(r, 1, count)
        if tally.hints.get(code):
            text(r, 2, _clean(tally.hints[code]))
        r += 1
    r += 1

    header(label("run"), label("value"))
    run_facts = [
        (label("started"), info.started_at),
        (label("ended"), info.ended_at),
        (label("duration"), _duration(info.duration_s)),
        (label("requests"), info.requests_sent),
        (label("throttled"), info.throttled),
        (label("rate"), round(info.achieved_per_minute, 1)),
        (label("journal"), info.journal or label("none")),
    ]
    for fact, value in run_facts:
        text(r, 0, fact)
        if isinstance(value, str):
            text(r, 1, _clean(value))
        else:
            sheet.write_number(r, 1, value)
        r += 1
    r += 1

    header(label("settings"), label("value"))
    for key, value in info.settings.items():
        text(r, 0, _clean(key))
        text(r, 1, _clean(value))
        r += 1

    _add_outcome_chart(workbook, sheet, first_outcome, last_outcome, label("chart"))


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d} ({seconds:.1f} s)"


def _add_outcome_chart(workbook: Any, sheet: Any, first: int, last: int, name: str) -> None:
    # A column chart rather than a pie: outcomes with no rows are simply absent, where a pie
    # would stack their zero labels on top of each other.
    chart = workbook.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": name,
            "categories": ["Summary", first, 0, last, 0],
            "values": ["Summary", first, 1, last, 1],
            "points": [{"fill": {"color": _CHART_COLOURS[outcome]}} for outcome in Outcome],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": name})
    chart.set_legend({"none": True})
    sheet.insert_chart(1, 3, chart, {"x_offset": 10})
