"""Reading the team's spreadsheet (CSV or Excel) into a `Table`, or one clear `InputError`.

What arrives is rarely clean: GBK CSV from Chinese Excel, UTF-16 "Unicode text", a title line
above the headers, an instructions sheet before the data, a results file fed back in. Everything
that can be read is read faithfully; anything that cannot is one sentence saying what to do,
never a traceback and never a silent guess.

This module tells the kinds of file apart (by their bytes, not only their names) and hands the
file to its reader: `batchbind.input.csvfile`, or `batchbind.input.excel` for a .xlsx, .xlsm,
legacy .xls or .ods. Headers are matched in `batchbind.input.headers`. A workbook's size is
checked first (`batchbind.input.bounds` for a .xlsx, `ole2` for a .xls, `opendocument` for an
.ods), and a password-protected one is told apart from a legacy .xls by its streams (`ole2`).

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
from batchbind.input.headers import HEADER_ALIASES
from batchbind.input.ole2 import OLE2_MAGIC, check_ole2
from batchbind.input.opendocument import OdsSheet, check_ods
from batchbind.model import Table
from batchbind.output.i18n import Phrase

__all__ = ["HEADER_ALIASES", "check_before_reading", "load_table", "workbook_kind"]

_NOT_SPREADSHEETS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "kind_pdf"),
    (b"\x89PNG", "kind_png"),
    (b"\xff\xd8\xff", "kind_jpeg"),
    (b"GIF8", "kind_gif"),
    (b"\x1f\x8b", "kind_gzip"),
    (b"Rar!", "kind_rar"),
    (b"7z\xbc\xaf", "kind_7z"),
    (b"SQLite format 3", "kind_sqlite"),
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
    if kind != "csv":
        ods = check_before_reading(path, kind, data)
        with paused_gc():
            table = load_workbook(path, sheet, data, kind=kind, ods=ods)
    else:
        if sheet is not None:
            raise InputError.of("sheet_not_for_csv", name=path.name)
        with paused_gc():
            table = load_csv(path, encoding, delimiter, data)
    if not table.numbers:
        # A header alone (the blank template) is not "all 0 rows are valid": a scheduler would
        # read exit 0 as done.
        raise InputError.of("no_data_rows", name=path.name, hint_key="no_data_rows_hint")
    return table


def workbook_kind(path: Path) -> str:
    """'xlsx', 'xls' or 'ods' for a workbook (by its bytes), 'csv' for anything else it may read;
    InputError for a file batchbind does not read."""
    return _kind(path, _read_head(path))


def check_before_reading(
    path: Path, kind: str, data: bytes | None = None
) -> dict[str, OdsSheet] | None:
    """Refuse (InputError) a workbook too big to read, or password-protected; for an .ods, give
    what the reader needs of it (`batchbind.input.opendocument`)."""
    source = open_source(str(path), data)
    if kind == "xlsx":
        check_workbook(source, path.name)
    elif kind == "xls":
        check_ole2(source, path.name, path.stat().st_size if data is None else len(data))
    elif kind == "ods":
        return check_ods(source, path.name)
    return None


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
        raise InputError.of("file_unopenable", path=path, error=exc.strerror or exc) from None
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
        raise InputError.of("file_not_found", path=path) from None
    except IsADirectoryError:
        raise InputError.of("input_is_folder", path=path, hint_key=_folder_hint(path)) from None
    except OSError as exc:
        raise InputError.of("file_unopenable", path=path, error=exc.strerror or exc) from None


def _folder_hint(path: Path) -> str:
    # A Numbers document is a folder on disk when it is not a single-file package.
    return "numbers_folder_hint" if path.suffix.lower() == ".numbers" else "input_is_folder_hint"


def _kind(path: Path, head: bytes, data: bytes | None = None) -> str:
    """'xlsx', 'xls', 'ods' or 'csv', or an InputError for everything batchbind does not read."""
    name, suffix = path.name, path.suffix.lower()
    if not head:
        raise InputError.of("file_empty", name=name)
    if head.startswith(OLE2_MAGIC):
        # A legacy .xls, or any password-protected workbook: `check_ole2` tells which.
        return "xls"
    for magic, what in _NOT_SPREADSHEETS:
        if head.startswith(magic):
            raise _not_spreadsheet(name, what)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _check_zip(path, data)
    if suffix in (".xlsx", ".xlsm", ".xlsb"):
        raise InputError.of("fake_xlsx", name=name)
    if suffix in (".xls", ".ods", ".numbers"):
        # Not the workbook its name says: often a web page or text saved under that name.
        raise InputError.of("unreadable_format", name=name, hint_key="convert_hint")
    return "csv"


def _not_spreadsheet(name: str, what: str) -> InputError:
    return InputError.of("not_spreadsheet", name=name, what=Phrase(what), hint_key="headers_hint")


def _check_zip(path: Path, data: bytes | None) -> str:
    """'xlsx' or 'ods' for a zip that is one, or the InputError saying what the zip is."""
    name = path.name
    try:
        with zipfile.ZipFile(path if data is None else io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise InputError.of("damaged_zip", name=name, error=exc, hint_key="convert_hint") from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype or (
        path.suffix.lower() == ".ods" and "content.xml" in names
    ):
        return "ods"
    if any(n.startswith("Index/") for n in names) or path.suffix.lower() == ".numbers":
        raise InputError.of("numbers_file", name=name)
    if "word/document.xml" in names:
        raise _not_spreadsheet(name, "kind_word")
    raise InputError.of("zip_not_xlsx", name=name)
