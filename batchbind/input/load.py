"""Reading the team's spreadsheet (CSV or Excel) into a `Table`, or one clear `InputError`.

What arrives is rarely clean: GBK CSV from Chinese Excel, UTF-16 "Unicode text", a title line
above the headers, an instructions sheet before the data, a results file fed back in. Everything
that can be read is read faithfully; anything that cannot is one sentence saying what to do,
never a traceback and never a silent guess.

This module tells the kinds of file apart (by their bytes, not only their names) and hands the
file to its reader: `batchbind.input.csvfile` or `batchbind.input.excel`. Headers are matched in
`batchbind.input.headers`; a workbook's size is checked first (`batchbind.input.bounds`).

A pipe or a FIFO (`validate <(cat list.csv)`) can be read only once: it is read whole here, and
the readers work on those bytes.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

from batchbind.errors import InputError
from batchbind.input.bounds import check_workbook, open_source
from batchbind.input.csvfile import load_csv
from batchbind.input.excel import load_workbook
from batchbind.input.gc_pause import paused_gc
from batchbind.input.headers import CONVERT_HINT, HEADER_ALIASES, HEADERS_HINT
from batchbind.model import Table

__all__ = ["HEADER_ALIASES", "load_table"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NOT_SPREADSHEETS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"SQLite format 3", "an SQLite database"),
)


def load_table(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read a CSV or Excel file into a Table; raise InputError when it cannot be used."""
    data = read_if_stream(path)
    head = _read_head(path) if data is None else data[:16]
    kind = _kind(path, head, data)
    if kind == "xlsx":
        check_workbook(open_source(str(path), data), path.name)
        with paused_gc():
            return load_workbook(path, sheet, data)
    if sheet is not None:
        raise InputError(
            f"--sheet only applies to Excel workbooks, and {path.name} is a CSV file.",
            hint="Leave out --sheet, or point at the .xlsx file.",
        )
    with paused_gc():
        return load_csv(path, encoding, delimiter, data)


#: What batchbind reads from a pipe at most (a file's size is known; a pipe's is not).
MAX_STREAM_BYTES = 512 * 1024 * 1024


def read_if_stream(path: Path) -> bytes | None:
    """The whole content of a pipe, FIFO or device (read once), or None for anything else."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: `_read_head` says which
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_STREAM_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"{path} cannot be opened: {exc.strerror or exc}.",
            hint="Check that the file is readable, and close it in other programs.",
        ) from None
    if len(data) > MAX_STREAM_BYTES:
        raise InputError.of(
            "input_stream_too_large", name=path.name, limit=MAX_STREAM_BYTES // (1024 * 1024)
        )
    return data


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(16)
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist.", hint="Check the path and the file name."
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{path} is a folder, not a spreadsheet.",
            hint=_numbers_hint(path) or "Give the path of a .xlsx or .csv file.",
        ) from None
    except OSError as exc:
        raise InputError(
            f"{path} cannot be opened: {exc.strerror or exc}.",
            hint="Check that the file is readable, and close it in other programs.",
        ) from None


def _numbers_hint(path: Path) -> str:
    if path.suffix.lower() == ".numbers":
        return "It looks like an Apple Numbers document: " + CONVERT_HINT
    return ""


def _kind(path: Path, head: bytes, data: bytes | None = None) -> str:
    """'xlsx' or 'csv', or an InputError for everything batchbind does not read."""
    name, suffix = path.name, path.suffix.lower()
    if not head:
        raise InputError(f"{name} is empty.", hint="Fill in the rows, or use `batchbind template`.")
    if head.startswith(_OLE2):
        # Legacy .xls and password-protected .xlsx are both OLE2 containers; the bytes do not say
        # which without decrypting, so the message names both.
        raise InputError(
            f"{name} is a password-protected workbook or a legacy .xls file, which batchbind "
            "cannot read.",
            hint="Open it in Excel, remove the password if there is one, and save it as .xlsx "
            "or as CSV UTF-8.",
        )
    for magic, what in _NOT_SPREADSHEETS:
        if head.startswith(magic):
            raise InputError(f"{name} is {what}, not a spreadsheet.", hint=HEADERS_HINT)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        _check_zip(path, data)
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xlsb"):
        raise InputError(
            f"{name} is named like an Excel workbook but is not one.",
            hint="If it is really a CSV file, rename it to .csv; otherwise " + CONVERT_HINT,
        )
    if suffix in (".xls", ".ods", ".numbers"):
        raise InputError(f"{name} is not in a format batchbind reads.", hint=CONVERT_HINT)
    return "csv"


def _check_zip(path: Path, data: bytes | None) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise InputError(
            f"{name} is a damaged zip or Excel file ({exc}).", hint=CONVERT_HINT
        ) from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return
    if b"opendocument.spreadsheet" in mimetype or path.suffix.lower() == ".ods":
        raise InputError(
            f"{name} is an OpenDocument spreadsheet (.ods), which batchbind does not read.",
            hint="Open it in LibreOffice or Excel and save it as .xlsx or as CSV UTF-8.",
        )
    if any(n.startswith("Index/") for n in names) or path.suffix.lower() == ".numbers":
        raise InputError(
            f"{name} is an Apple Numbers document, which batchbind does not read.",
            hint="In Numbers, choose File > Export To > Excel (or CSV), then run again.",
        )
    if "word/document.xml" in names:
        raise InputError(f"{name} is a Word document, not a spreadsheet.", hint=HEADERS_HINT)
    raise InputError(
        f"{name} is a zip archive, not an Excel workbook.",
        hint="Extract the spreadsheet from it, or " + CONVERT_HINT[0].lower() + CONVERT_HINT[1:],
    )
