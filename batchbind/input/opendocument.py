"""What the Excel reader does not tell about an OpenDocument spreadsheet (.ods), read first.

calamine reads an .ods, but it does not give its merged cells, reads a formula saved without a
value (files written by scripts) as an empty cell, and builds every sheet of the file when it
opens it, repeating a row as often as `table:number-rows-repeated` says: a few hundred bytes of
XML can ask for billions of cells. So before calamine opens the file, `check_ods` streams its
`content.xml` once, a megabyte at a time, and finds for every sheet:

- how far its cells reach, as calamine will place them (rows and cells repeated, trailing empty
  ones not), refused in one sentence when that is more than batchbind reads (the limits of
  `batchbind.input.bounds`, the same as for a .xlsx);
- its merged ranges (`table:number-rows-spanned`, `table:number-columns-spanned`);
- its formulas saved without a value.

A password-protected .ods (its manifest lists encryption data) is refused first, in its own
sentence. Elements are matched by their usual prefixes (`table:`, `office:`), as calamine
matches them.
"""

from __future__ import annotations

import html
import itertools
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from batchbind.errors import InputError
from batchbind.input.bounds import (
    MAX_CELLS,
    MAX_ROWS,
    check_unpacked,
    refuse_if_too_big,
    xml_blocks,
)

_MAX_MANIFEST = 16 * 1024 * 1024

# A start tag of a table, row or cell (attributes may hold `>` inside quotes), or a table's end.
_TAG = re.compile(
    rb"<table:(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
    rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    rb"|</table:table>"
)
_NAME = re.compile(rb'\stable:name="([^"]*)"')
_ROWS_REPEATED = re.compile(rb'\stable:number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'\stable:number-columns-repeated="(\d+)"')
_ROWS_SPANNED = re.compile(rb'\stable:number-rows-spanned="(\d+)"')
_COLUMNS_SPANNED = re.compile(rb'\stable:number-columns-spanned="(\d+)"')


@dataclass(slots=True)
class OdsSheet:
    """A sheet's merged ranges and formulas without a value, positions counted from 0."""

    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)


def check_ods(source: str | IO[bytes], name: str) -> dict[str, OdsSheet]:
    """Every sheet's merged ranges and formulas without value, by sheet name; InputError (exit 2)
    for a password-protected file or a sheet too big to read. A damaged file gives {}: the
    reader then says what is wrong in its own words."""
    try:
        with zipfile.ZipFile(source) as archive:
            check_unpacked(archive, name)
            _refuse_if_encrypted(archive, name)
            with archive.open("content.xml") as stream:
                return _scan(stream, name)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, zlib.error):
        return {}


def _refuse_if_encrypted(archive: zipfile.ZipFile, name: str) -> None:
    try:
        info = archive.getinfo("META-INF/manifest.xml")
    except KeyError:
        return
    if info.file_size > _MAX_MANIFEST:
        raise InputError.of("xlsx_part_too_large", name=name, part=info.filename)
    if b"encryption-data" in archive.read(info):
        raise InputError.of("workbook_password", name=name)


class _Table:
    """The running count of one table: where the current row is, how far the cells reach."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.sheet = OdsSheet()
        self.row = -1  # the current row (0-based); -1 before the first
        self.row_repeats = 0
        self.column = 0  # where the next cell of the current row goes
        self.row_reach = 0  # columns up to the current row's last non-empty cell
        self.rows = 0  # rows up to the last non-empty row (as calamine drops trailing empty ones)
        self.columns = 0

    def end_row(self, name: str) -> None:
        if self.row >= 0 and self.row_reach:
            self.rows = rows = self.row + self.row_repeats
            self.columns = columns = max(self.columns, self.row_reach)
            if rows > MAX_ROWS or rows * columns > MAX_CELLS:
                refuse_if_too_big(rows, columns, name)


_ROW_START = re.compile(rb"<table:table-row(?=[\s/>])")
# What makes a row more than a row of plain cells: only such rows are read a tag at a time.
_UNUSUAL = (b"repeated", b"spanned", b"formula", b"table:table ", b"table:table>")


def _scan(stream: IO[bytes], name: str) -> dict[str, OdsSheet]:
    scan = _Scan(name)
    for block in xml_blocks(stream, name, unfinished=_tag_unfinished):
        cuts = [match.start() for match in _ROW_START.finditer(block)]
        if not cuts or cuts[0]:
            cuts.insert(0, 0)
        cuts.append(len(block))
        unusual = any(word in block for word in _UNUSUAL)
        for start, end in itertools.pairwise(cuts):
            piece = block[start:end]
            if scan.table is None or (unusual and any(word in piece for word in _UNUSUAL)):
                scan.tags(piece)
            else:
                scan.plain(piece)
    return scan.sheets


class _Scan:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sheets: dict[str, OdsSheet] = {}
        self.table: _Table | None = None

    def plain(self, piece: bytes) -> None:
        """A row (or the rest of one) of cells without repeats, spans or formulas: counted, not
        parsed. If any of its cells holds a value, the row reaches as far as its last cell
        (further than calamine's when it ends in empty cells: a bound may say too much)."""
        table = self.table
        assert table is not None
        if piece.startswith(b"<table:table-row"):
            self._start_row(table, 1)
        table.column += piece.count(b"<table:table-cell") + piece.count(
            b"<table:covered-table-cell"
        )
        if b"office:" in piece:
            table.row_reach = table.column

    def tags(self, piece: bytes) -> None:
        for match in _TAG.finditer(piece):
            kind, attributes = match[1], match[2]
            table = self.table
            if kind is None:  # </table:table>
                if table is not None:
                    table.end_row(self.name)
                    if table.name is not None:
                        self.sheets.setdefault(table.name, table.sheet)
                self.table = None
            elif kind == b"table":
                found = _NAME.search(attributes)
                self.table = _Table(
                    html.unescape(found[1].decode("utf-8", "replace")) if found else None
                )
            elif table is None:
                continue  # a row or cell outside any table: calamine does not read it
            elif kind == b"table-row":
                self._start_row(table, _number(_ROWS_REPEATED, attributes))
            else:
                _cell(table, attributes)

    def _start_row(self, table: _Table, repeats: int) -> None:
        table.end_row(self.name)
        table.row += table.row_repeats if table.row >= 0 else 1
        table.row_repeats = repeats
        table.column = table.row_reach = 0


def _cell(table: _Table, attributes: bytes) -> None:
    repeats = _number(_COLUMNS_REPEATED, attributes) if b"repeated" in attributes else 1
    # calamine keeps a cell with a value (any office:... value attribute) or a formula.
    has_value = b"office:" in attributes
    if has_value or b"formula" in attributes:
        table.row_reach = table.column + repeats
        if not has_value and table.row >= 0:
            table.sheet.formulas_without_value.append((table.row, table.column))
    if b"spanned" in attributes and table.row >= 0:
        rows = _number(_ROWS_SPANNED, attributes)
        columns = _number(_COLUMNS_SPANNED, attributes)
        if rows > 1 or columns > 1:
            first = (table.row, table.column)
            table.sheet.merges.append((first, (first[0] + rows - 1, first[1] + columns - 1)))
    table.column += repeats


def _number(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    found = pattern.search(attributes)
    return max(int(found[1]), 1) if found else 1


def _tag_unfinished(data: bytes, at: int) -> bool:
    """A `<table:...` tag whose `>` so far is inside quotes (a value may hold `>`)."""
    return data.startswith(b"<table:", at) and not _TAG.match(data, at)
