"""What an OLE2 file is (a legacy .xls, a password-protected workbook, another Office document),
and how far a legacy .xls reaches, checked before the Excel reader opens it.

Excel 97-2003 workbooks and every password-protected Office file share one container, the OLE2
compound file: an encrypted .xlsx is an OLE2 file holding `EncryptionInfo` and
`EncryptedPackage` streams, a .xls one holding a `Workbook` stream (`Book` before Excel 97).
The stream names tell them apart without a password.

calamine reads a whole .xls when it opens it and trusts what the file says: a `DIMENSIONS`
record declaring a billion rows makes it reserve memory for them, and one cell at the last row
and column makes a rectangle of every cell before it. A 7 KB file then aborts the process. So,
as `batchbind.input.bounds` does for a .xlsx, `check_xls` walks the workbook's records first
(the records calamine reads, from the offsets calamine follows) and refuses a sheet that
declares or holds more than batchbind reads, in one sentence.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import IO

import olefile

from batchbind.errors import InputError
from batchbind.input.bounds import MAX_CELLS, refuse_if_too_big
from batchbind.output.i18n import Phrase

#: The first bytes of every OLE2 compound file.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: What batchbind reads of a legacy workbook: Excel 97-2003 holds 65,536 rows of 256 columns,
#: and a list of bindings that fills them in a few columns is a few megabytes.
MAX_XLS_BYTES = 128 * 1024 * 1024

_ENCRYPTED = frozenset({"encryptioninfo", "encryptedpackage"})
_WORKBOOK_STREAMS = ("Workbook", "Book", "WORKBOOK", "BOOK")  # as calamine looks for them

# BIFF record types (MS-XLS 2.3): those that say where a sheet is, where it ends, how big it
# says it is, and every cell record calamine places.
_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _DIMENSIONS, _MULRK = (
    0x0809,
    0x000A,
    0x002F,
    0x0085,
    0x0200,
    0x00BD,
)
_CELLS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006})
_HEADER = struct.Struct("<HH")


def check_ole2(source: str | IO[bytes], name: str, size: int) -> None:
    """Return quietly for a legacy workbook batchbind can read; raise InputError (exit 2) for a
    password-protected file, another kind of Office document, or a workbook too big to read."""
    if size > MAX_XLS_BYTES:
        raise InputError.of(
            "xls_too_large",
            name=name,
            size=f"{size // (1024 * 1024):,}",
            limit=f"{MAX_XLS_BYTES // (1024 * 1024):,}",
        )
    try:
        with olefile.OleFileIO(source) as ole:
            entries = {"/".join(path).casefold() for path in ole.listdir()}
            if entries & _ENCRYPTED:
                raise InputError.of("workbook_password", name=name)
            stream = next((s for s in _WORKBOOK_STREAMS if ole.exists(s)), None)
            if stream is None:
                word = "worddocument" in entries
                what = Phrase("kind_word" if word else "kind_office")
                raise InputError.of(
                    "not_spreadsheet", name=name, what=what, hint_key="convert_hint"
                )
            data = ole.openstream(stream).read()
    except InputError:
        raise
    except Exception as exc:  # olefile reports a damaged container with several exception types
        raise InputError.of("xlsx_damaged", name=name, error=exc, hint_key="convert_hint") from None
    _check_records(data, name)


def _check_records(data: bytes, name: str) -> None:
    """Walk the workbook's globals, then each sheet from the offset its BOUNDSHEET gives."""
    offsets: list[int] = []
    for typ, start, length in _records(data, 0, name):
        if typ == _FILEPASS:
            # Everything after it is encrypted (or, for type 0, obfuscated with a password).
            raise InputError.of("workbook_password", name=name)
        if typ == _BOUNDSHEET and length >= 4:
            offsets.append(int.from_bytes(data[start : start + 4], "little"))
        elif typ == _EOF:
            break
    for offset in offsets:
        if offset >= len(data):
            raise InputError.of(
                "xlsx_damaged", name=name, error="sheet offset", hint_key="convert_hint"
            )
        _check_sheet(data, offset, name)


def _check_sheet(data: bytes, offset: int, name: str) -> None:
    # One loop, not a generator of records: a sheet of 65,536 rows has 200,000 of them.
    rows = columns = 0  # how far the cells reach (the last row and column, counted from 1)
    depth = 0  # nested substreams (an embedded chart): calamine skips their records
    seen_bof = False
    unpack = _HEADER.unpack_from
    cells = _CELLS
    end = len(data)
    position = offset
    while position + 4 <= end:
        typ, length = unpack(data, position)
        start = position + 4
        position = start + length
        if position > end:
            raise InputError.of(
                "xlsx_damaged", name=name, error="record length", hint_key="convert_hint"
            )
        if depth:
            depth += (typ == _BOF) - (typ == _EOF)
        elif typ in cells:
            if length >= 4:
                row, column = unpack(data, start)
                if row >= rows:
                    rows = row + 1
                    if rows * columns > MAX_CELLS:
                        refuse_if_too_big(rows, columns, name)
                if column >= columns:
                    columns = column + 1
                    refuse_if_too_big(rows, columns, name)
        elif typ == _MULRK and length >= 6:
            row, column = unpack(data, start)
            column = max(column, int.from_bytes(data[position - 2 : position], "little"))
            rows, columns = max(rows, row + 1), max(columns, column + 1)
            refuse_if_too_big(rows, columns, name)
        elif typ == _BOF:
            depth, seen_bof = (1, True) if seen_bof else (0, True)
        elif typ == _EOF:
            break
        elif typ == _DIMENSIONS:
            # calamine reserves room for the rectangle this record declares, before any cell.
            refuse_if_too_big(*_declared(data[start:position]), name)


def _declared(body: bytes) -> tuple[int, int]:
    """The rows and columns a DIMENSIONS record makes calamine reserve (its arithmetic: 32-bit,
    wrapping, a first column past 255 read as 0)."""
    if len(body) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
    elif len(body) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
    else:
        return 0, 0  # calamine refuses the file itself
    if first_col > 0xFF or last_col < first_col:
        first_col = 0
    if last_row < 1 or last_col < 1:
        return 1, 1
    return (last_row - first_row) % 2**32, (last_col - first_col) % 2**32


def _records(data: bytes, offset: int, name: str) -> Iterator[tuple[int, int, int]]:
    """(type, start of the body, length of the body) of each BIFF record from `offset` on."""
    end = len(data)
    position = offset
    unpack = _HEADER.unpack_from
    while position + 4 <= end:
        typ, length = unpack(data, position)
        position += 4
        if position + length > end:
            raise InputError.of(
                "xlsx_damaged", name=name, error="record length", hint_key="convert_hint"
            )
        yield typ, position, length
        position += length
