"""Reading a workbook (.xlsx, .xlsm, legacy .xls, .ods) with calamine: the right sheet, cells as
the text shown.

calamine reads several times faster than openpyxl and gives the same values: numbers, dates,
the cached value of formulas, hidden rows. The sheet is the one named by `--sheet`, else the first
whose headers match, so a template's instructions sheet or a cover sheet is skipped. Row numbers
are Excel's. Every format gets the same rules: a number Excel has rounded is a problem of its
cell (`batchbind.input.cleaning`), and a formula saved without a value (files written by
scripts), which calamine reads as empty, is found (in a .xlsx sheet's XML, or by the .ods scan of
`batchbind.input.opendocument`) and reported, never sent empty; a .xls always holds its
formulas' values.

A merged range's value applies to every cell it covers: one admin account merged down a block
of rows is that admin account on each of them (calamine gives the ranges of a .xlsx or .xls;
the .ods scan gives those of an .ods). A totals or notes line under the data is skipped, and
said so (`batchbind.input.footers`).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import IO, cast
from xml.etree import ElementTree

import python_calamine

from batchbind.errors import InputError
from batchbind.input.bounds import open_source
from batchbind.input.cleaning import cell_text
from batchbind.input.footers import drop_footers, drop_table_footers
from batchbind.input.headers import (
    HEADER_SCAN_ROWS,
    Header,
    Rows,
    assemble,
    choose_sheet,
    column_index,
    find_header,
)
from batchbind.input.opendocument import OdsSheet
from batchbind.model import Field, Table

# What calamine hands back for a cell.
_CellValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta


def load_workbook(
    path: Path,
    sheet: str | None,
    data: bytes | None = None,
    *,
    kind: str = "xlsx",
    ods: Mapping[str, OdsSheet] | None = None,
) -> Table:
    """The table of the chosen sheet of a workbook (`data`: its bytes, when read from a pipe).

    `kind` is what its bytes say it is ("xlsx", "xls" or "ods"). Its size must have been checked
    (`batchbind.input.bounds.check_workbook`, `batchbind.input.ole2.check_ole2`, or
    `batchbind.input.opendocument.check_ods`, whose findings `ods` is).
    """
    try:
        with open_workbook(path, kind, data) as book:
            names = [
                m.name
                for m in book.sheets_metadata
                if m.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
            sheets = _Sheets(book)
            chosen, header = choose_sheet(
                names, sheet, path.name, lambda name: _sheet_header(sheets, name)
            )
            parsed = sheets.get(chosen)
            values = parsed.to_python(skip_empty_area=False)
            merges = parsed.merged_cell_ranges
    except InputError:
        raise
    except python_calamine.PasswordError:
        raise InputError.of("workbook_password", name=path.name) from None
    except Exception as exc:  # calamine reports damaged files with several exception types
        raise _damaged(path, exc) from None
    except BaseException as exc:
        # A panic in calamine (a malformed file it did not expect) arrives as pyo3's
        # PanicException, which is not an Exception.
        if type(exc).__name__ != "PanicException":
            raise
        raise _damaged(path, exc) from None
    body = values[header.row :]
    rows = Rows(list(range(header.row + 1, len(values) + 1)))
    if {str} == set(map(type, itertools.chain.from_iterable(body))):
        rows.cells = cast("list[list[str]]", body)  # an id list of text cells: nothing to convert
    else:
        for number, row in zip(rows.numbers, body, strict=True):
            cells, problems = _texts(row)
            rows.cells.append(cells)
            if problems:
                rows.problems[number] = problems
    layout = None if ods is None else ods.get(chosen, OdsSheet())
    if layout is not None:
        merges = layout.merges  # calamine gives none for an .ods
    skipped = []
    if merges:
        # Totals lines are found before the ranges are filled (one may cover a totals line).
        skipped = drop_footers(rows, header.fields[Field.EXCHANGE_ACCOUNT][0])
        _fill_merges(rows, merges, path.name)
    if _has_empty_field(rows.cells, [columns[0] for columns in header.fields.values()]):
        # Only an empty field can hide a formula without a saved value: look for those then.
        if layout is None:
            formulas = _formulas_without_value(open_source(str(path), data), chosen)
        else:
            formulas = {}
            for at, col in layout.formulas_without_value:
                formulas.setdefault(at + 1, []).append(col)
        _mark_formulas_without_value(formulas, rows)
    table = assemble(header, rows, source=str(path), sheet=chosen, unescape=False)
    table.skipped = skipped
    drop_table_footers(table)
    return table


_SUFFIXES = {"xlsx": (".xlsx", ".xlsm", ".xlsb"), "xls": (".xls",), "ods": (".ods",)}


def open_workbook(
    path: Path, kind: str, data: bytes | None = None
) -> python_calamine.CalamineWorkbook:
    """The workbook, read as its bytes say: calamine goes by the name when given a path, and a
    .xls saved as `list.xlsx` is still a .xls."""
    if data is None and path.suffix.lower() in _SUFFIXES[kind]:
        return python_calamine.CalamineWorkbook.from_path(path)
    return python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(path.read_bytes() if data is None else data)
    )


def _damaged(path: Path, exc: BaseException) -> InputError:
    return InputError.of("xlsx_damaged", name=path.name, error=exc, hint_key="convert_hint")


def _fill_merges(
    rows: Rows, merges: list[tuple[tuple[int, int], tuple[int, int]]], name: str
) -> None:
    """Give every cell a merged range covers the value (and the problem) of its first cell.

    Ranges are clipped to the rows read and the width of the sheet; one that starts above the
    data (a title, the header) or on a skipped line is left alone. Excel never saves ranges that
    overlap; a file that has them would make this fill the same cells over and over, so the
    cells filled are counted, and more than the sheet holds is a damaged file.
    """
    index = {number: i for i, number in enumerate(rows.numbers)}
    if not index:
        return
    width = max(map(len, rows.cells))
    budget = len(rows.cells) * width
    last = rows.numbers[-1]
    for (first_row, first_col), (last_row, last_col) in merges:
        origin = index.get(first_row + 1)
        if origin is None or first_col >= width:
            continue
        value = rows.cells[origin][first_col] if first_col < len(rows.cells[origin]) else ""
        problem = rows.problems.get(first_row + 1, {}).get(first_col)
        for number in range(first_row + 1, min(last_row + 1, last) + 1):
            at = index.get(number)
            if at is None:
                continue
            cells = rows.cells[at]
            end = min(last_col, width - 1) + 1
            if len(cells) < end:
                cells.extend([""] * (end - len(cells)))
            for col in range(first_col, end):
                cells[col] = value
                if problem is not None:
                    rows.problems.setdefault(number, {})[col] = problem
                elif (
                    number in rows.problems
                ):  # a value hidden under the range goes, and its problem
                    rows.problems[number].pop(col, None)
            budget -= end - first_col
            if budget < 0:
                raise InputError.of(
                    "xlsx_damaged",
                    name=name,
                    error="merged ranges overlap",
                    hint_key="convert_hint",
                )


def _has_empty_field(rows: list[list[str]], columns: list[int]) -> bool:
    widths = set(map(len, rows))
    if widths and min(widths) > max(columns):
        return not all(all(map(operator.itemgetter(i), rows)) for i in columns)
    return any(i >= len(cells) or not cells[i] for cells in rows for i in columns)


def _mark_formulas_without_value(formulas: dict[int, list[int]], data: Rows) -> None:
    if not formulas:
        return
    for row, cells in zip(data.numbers, data.cells, strict=True):
        for col in formulas.get(row, ()):
            if col < len(cells) and not cells[col]:
                data.problems.setdefault(row, {})[col] = "formula_without_value"


def _texts(values: list[_CellValue]) -> tuple[list[str], dict[int, str] | None]:
    if all(type(v) is str for v in values):  # most rows of an id list: nothing to convert
        return cast("list[str]", values), None
    cells: list[str] = []
    problems: dict[int, str] | None = None
    for col, value in enumerate(values):
        text, problem = cell_text(value)
        cells.append(text)
        if problem is not None:
            problems = problems or {}
            problems[col] = problem
    return cells, problems


class _Sheets:
    """The sheets of a workbook, each parsed once: calamine parses a whole sheet to give any row,
    and parsing is most of the time spent reading a workbook."""

    def __init__(self, book: python_calamine.CalamineWorkbook) -> None:
        self.book = book
        self.parsed: dict[str, python_calamine.CalamineSheet] = {}

    def get(self, name: str) -> python_calamine.CalamineSheet:
        sheet = self.parsed.get(name)
        if sheet is None:
            sheet = self.parsed[name] = self.book.get_sheet_by_name(name)
        return sheet


def _sheet_header(book: _Sheets, sheet: str) -> Header | None:
    values = book.get(sheet).to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
    rows = [(index + 1, _texts(row)[0]) for index, row in enumerate(values)]
    return find_header(rows)


_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[ >]")
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _formulas_without_value(source: str | IO[bytes], sheet: str) -> dict[int, list[int]]:
    """Row -> columns of formula cells saved without a value (calamine reads those as empty).

    Files written by scripts (openpyxl, many exporters) store formulas with no cached result;
    Excel fills them in on the next save. Telling the user beats sending an empty value. The
    sheet's XML is streamed out of the zip, never held whole: first only to see whether it has
    a formula at all, then, if it does, parsed element by element.
    """
    found: dict[int, list[int]] = {}
    try:
        with zipfile.ZipFile(source) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or not _has_formula(archive, part):
                return {}
            with archive.open(part) as stream:
                for _event, element in ElementTree.iterparse(stream):
                    if not element.tag.endswith("}c") and element.tag != "c":
                        continue
                    children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                    value = children.get("v")
                    if "f" in children and (value is None or not (value.text or "")):
                        match = _CELL_REF.fullmatch(element.get("r", ""))
                        if match:
                            found.setdefault(int(match[2]), []).append(column_index(match[1]))
                    element.clear()
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return found
    return found


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether the sheet's XML holds a formula element, read a megabyte at a time."""
    with archive.open(part) as stream:
        head = stream.read(2000)
        # The prefix of the root element (often none) is the prefix of every formula element.
        prefix = _ROOT_PREFIX.search(head)
        tag = b"<" + ((prefix[1] or b"") if prefix else b"") + b"f"
        wanted = (tag + b">", tag + b" ")
        tail = b""
        block = head
        while block:
            text = tail + block
            if any(w in text for w in wanted):
                return True
            tail = text[-len(tag) - 1 :]
            block = stream.read(1024 * 1024)
    return False


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for element in workbook.iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet:
            rel_id = element.get(_DOC_REL)
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_RELS_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target[1:]
            return str(PurePosixPath("xl") / target)
    return None
