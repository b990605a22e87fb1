"""How big a workbook batchbind agrees to read, checked before the Excel reader loads it.

A few kilobytes of zip can expand to gigabytes of XML, and calamine makes a rectangle of every
cell between the first and the last one it meets: one cell at XFD1048576 is 17 billion cells,
and the process aborts. So before calamine opens a workbook, `check_workbook` looks at it the
cheap way, a bounded piece at a time:

- the sizes its zip entries declare once unpacked (both zip readers refuse an entry that
  expands past its declared size, so the sum is a true bound);
- every sheet's `<dimension>`, and its rows and cells as the reader will place them, read from
  the sheet's XML as it streams out of the zip (never the whole sheet in memory), so a sheet
  that declares or holds more rows than Excel's own limit, or spreads its cells wider than
  batchbind holds, is refused in one sentence;
- the count of its shared strings, streamed the same way: no more than a sheet of MAX_CELLS
  cells could use (the reader holds each one, even an empty `<si/>` of five bytes).
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO
from xml.etree import ElementTree

from batchbind.errors import InputError

#: Excel's own limit: no sheet it saves has more rows.
MAX_ROWS = 1_048_576
#: Cells of a sheet's used rectangle (empty ones too: the reader holds them all). Sixteen columns
#: of Excel's full height; a list of bindings needs three.
MAX_CELLS = 16 * MAX_ROWS
#: What a workbook may unpack to. A sheet of Excel's full height in a few columns stays well
#: under it; a zip bomb does not.
MAX_UNPACKED = 512 * 1024 * 1024
#: Small parts read whole (workbook.xml and its relationships).
_MAX_SMALL_PART = 16 * 1024 * 1024
_CHUNK = 1024 * 1024

_REF = re.compile(r"([A-Z]*)(\d*)")
_ROOT_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_SST_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst[\s>]")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref=\"([^\"]*)\"")
# Anything that may reach far: a column beyond P (the 16th), a row number of seven digits.
# Excel, openpyxl and xlsxwriter write neither for a list of bindings, and write r="..." first
# in every row and cell, so a few byte counts and one search per block usually prove a sheet
# small (`_plainly_small`); only a sheet that is not is measured exactly (`_measure`).
_FAR = re.compile(rb'r="(?:[A-Za-z]{2}|[Q-Zq-z]|[A-Za-z]?\d{7})')


def _plainly_small(block: bytes, tags: dict[str, re.Pattern[bytes]]) -> bool:
    """Whether every row and cell of the block says where it goes, and none goes far."""
    return not (_FAR.search(block) or tags["unplaced"].search(block))


@functools.lru_cache(maxsize=8)
def _patterns(prefix: bytes) -> dict[str, re.Pattern[bytes]]:
    """The tags of a sheet whose elements carry this namespace prefix (often none)."""
    p = re.escape(prefix)
    return {
        "row": re.compile(rb"<" + p + rb"row[\s>/]"),
        "row_ref": re.compile(rb"<" + p + rb'row\s[^>]*?(?<=\s)r="(\d+)"'),
        "row_end": re.compile(rb"</" + p + rb"row>"),
        # A row or cell whose first attribute is not r="...": it goes after the one before.
        "unplaced": re.compile(rb"<" + p + rb'(?:c|row)(?:[>/\t\n\r]| (?!r="))'),
        "cell": re.compile(rb"<" + p + rb"c[\s>/]"),
        "cell_ref": re.compile(rb"<" + p + rb'c\s[^>]*?(?<=\s)r="([A-Za-z]+)(\d+)"'),
    }


_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def column_number(letters: bytes | str) -> int:
    """1 for A, 27 for AA, 16384 for XFD."""
    number = 0
    for letter in (letters.decode() if isinstance(letters, bytes) else letters).upper():
        number = number * 26 + ord(letter) - 64
    return number


@dataclass(slots=True)
class _Extent:
    """How far a sheet reaches: the last row and column any cell of it lands in (at most)."""

    rows: int = 0
    columns: int = 0
    rows_seen: int = 0  # row elements
    rows_placed: int = 0  # row elements with an r="..." of their own
    cells_seen: int = 0
    cells_placed: int = 0


def check_workbook(source: str | IO[bytes], name: str) -> None:
    """Refuse (InputError, exit 2) a workbook too big to read; return quietly otherwise."""
    try:
        with zipfile.ZipFile(source) as archive:
            check_unpacked(archive, name)
            for part in _sheet_parts(archive, name):
                _check_sheet(archive, part, name)
            for part in archive.namelist():
                if part.lower().endswith("sharedstrings.xml"):
                    _check_shared_strings(archive, part, name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, ElementTree.ParseError):
        return  # damaged: the reader says so in its own words


def check_unpacked(archive: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip (a .xlsx or .ods) whose entries unpack to more than batchbind reads."""
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED:
        raise InputError.of(
            "xlsx_unpacks_too_far",
            name=name,
            size=f"{unpacked // (1024 * 1024):,}",
            limit=f"{MAX_UNPACKED // (1024 * 1024):,}",
        )


def _sheet_parts(archive: zipfile.ZipFile, name: str) -> list[str]:
    """Every sheet the workbook's relationships name (the parts calamine may load)."""
    names = set(archive.namelist())
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if archive.getinfo(rels_name).file_size > _MAX_SMALL_PART:
        raise InputError.of("xlsx_part_too_large", name=name, part=rels_name)
    rels = ElementTree.fromstring(archive.read(rels_name))
    parts = []
    for rel in rels.iter(f"{_RELS_NS}Relationship"):
        if not rel.get("Type", "").lower().endswith("sheet"):
            continue
        target = rel.get("Target", "")
        part = target[1:] if target.startswith("/") else str(PurePosixPath("xl") / target)
        if part in names:
            parts.append(part)
    return parts


def _check_sheet(archive: zipfile.ZipFile, part: str, name: str) -> None:
    extent = _Extent()
    exact = False
    with archive.open(part) as stream:
        head = stream.read(4096)
        prefix = _ROOT_PREFIX.search(head)
        tags_prefix = (prefix[1] or b"") if prefix else b""
        tags = _patterns(tags_prefix)
        _dimension(head, extent)
        refuse_if_too_big(extent.rows, extent.columns, name)
        rows = 0
        for block in xml_blocks(stream, name, head):
            row = b"<" + tags_prefix + b"row"
            rows += block.count(row + b" ") + block.count(row + b">")
            if rows > MAX_ROWS:
                raise InputError.of("xlsx_too_many_rows_to_read", name=name, max=f"{MAX_ROWS:,}")
            exact = exact or not _plainly_small(block, tags)
    if exact:
        with archive.open(part) as stream:
            for block in xml_blocks(stream, name):
                _measure(block, extent, tags)
                refuse_if_too_big(extent.rows, extent.columns, name)
        if extent.cells_seen > extent.cells_placed:
            # Cells without r="..." follow the cell before them: the widest row decides.
            with archive.open(part) as stream:
                extent.columns = max(extent.columns, _widest_row(stream, name, tags))
        refuse_if_too_big(extent.rows, extent.columns, name)


def _check_shared_strings(archive: zipfile.ZipFile, part: str, name: str) -> None:
    """Refuse more shared strings than a sheet of MAX_CELLS cells could use: the reader holds
    each one, and a few hundred KB of empty `<si/>` unpack to a hundred million of them (2.5 GB
    of memory, measured, for one upload of 780 KB)."""
    with archive.open(part) as stream:
        head = stream.read(4096)
        prefix = _SST_PREFIX.search(head)
        tag = b"<" + ((prefix[1] or b"") if prefix else b"") + b"si"
        found = 0
        for block in xml_blocks(stream, name, head):
            found += sum(block.count(tag + end) for end in (b">", b" ", b"/"))
            if found > MAX_CELLS:
                raise InputError.of(
                    "xlsx_too_many_strings",
                    hint_key="xlsx_unpacks_too_far_hint",
                    name=name,
                    max=f"{MAX_CELLS:,}",
                )


def xml_blocks(
    stream: IO[bytes],
    name: str,
    carry: bytes = b"",
    *,
    unfinished: Callable[[bytes, int], bool] | None = None,
) -> Iterator[bytes]:
    """The XML in pieces of about a megabyte, each cut before a tag that is not complete.

    `<` never appears inside a tag of well-formed XML, so only the last `<` of a piece may start
    a tag cut in two: one with no `>` yet, or one `unfinished(data, at)` says is not over (a
    reader whose tags may hold `>` inside quoted values).
    """
    while chunk := stream.read(_CHUNK):
        data = carry + chunk
        cut = data.rfind(b"<")
        if cut >= 0 and (
            data.find(b">", cut) < 0 or (unfinished is not None and unfinished(data, cut))
        ):
            data, carry = data[:cut], data[cut:]
            if len(carry) > _CHUNK:  # no tag of a sheet is a megabyte long
                raise InputError.of("xlsx_damaged_sheet", name=name)
        else:
            carry = b""
        yield data
    if carry:
        yield carry


def _dimension(block: bytes, extent: _Extent) -> None:
    found = _DIMENSION.search(block)
    if found is None:
        return
    for ref in found[1].decode("ascii", "replace").upper().split(":"):
        match = _REF.fullmatch(ref.strip().replace("$", ""))
        if match:
            extent.columns = max(extent.columns, column_number(match[1]))
            extent.rows = max(extent.rows, int(match[2] or 0))


def _measure(block: bytes, extent: _Extent, tags: dict[str, re.Pattern[bytes]]) -> None:
    rows = tags["row_ref"].findall(block)
    extent.rows_seen += len(tags["row"].findall(block))
    extent.rows_placed += len(rows)
    if rows:
        extent.rows = max(extent.rows, max(map(int, rows)))
    # Rows without r="..." follow the row before them: at most this far down.
    extent.rows = max(extent.rows, extent.rows_seen - extent.rows_placed)
    cells = tags["cell_ref"].findall(block)
    extent.cells_seen += len(tags["cell"].findall(block))
    extent.cells_placed += len(cells)
    if cells:
        extent.columns = max(extent.columns, *map(column_number, {c[0] for c in cells}))
        extent.rows = max(extent.rows, max({int(c[1]) for c in cells}))


def _widest_row(stream: IO[bytes], name: str, tags: dict[str, re.Pattern[bytes]]) -> int:
    widest = current = 0  # `current`: cells of the row still open at the end of a block
    for block in xml_blocks(stream, name):
        *ended, still_open = tags["row_end"].split(block)
        for piece in ended:
            widest = max(widest, current + len(tags["cell"].findall(piece)))
            current = 0
        current += len(tags["cell"].findall(still_open))
    return max(widest, current)


def refuse_if_too_big(rows: int, columns: int, name: str) -> None:
    """Refuse (InputError) a sheet reaching this far: more rows than Excel's, or too many cells
    in the rectangle the reader would make of them."""
    if rows > MAX_ROWS:
        raise InputError.of("xlsx_too_many_rows_to_read", name=name, max=f"{MAX_ROWS:,}")
    if rows * max(columns, 1) > MAX_CELLS:
        raise InputError.of(
            "xlsx_too_many_cells",
            name=name,
            rows=f"{rows:,}",
            columns=f"{columns:,}",
            max=f"{MAX_CELLS:,}",
        )


def open_source(path: str, data: bytes | None) -> str | IO[bytes]:
    """What zipfile and calamine read: the path, or the bytes a pipe gave (read once)."""
    return path if data is None else io.BytesIO(data)
