"""Reading the team's spreadsheet (CSV or Excel) into a `Table`, or one clear `InputError`.

What arrives is rarely clean: GBK CSV from Chinese Excel, UTF-16 "Unicode text", a title line
above the headers, an instructions sheet before the data, a results file fed back in. Everything
that can be read is read faithfully; anything that cannot is one sentence saying what to do,
never a traceback and never a silent guess (no latin-1 fallback that "decodes" anything).

Row numbers are physical, so a message points at the row a person sees: the Excel row, or the
CSV record number counting from the first record of the file (the header, normally) as 1.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import cast
from xml.etree import ElementTree

import python_calamine

from batchbind.cells import unescape_csv_cell
from batchbind.cleaning import cell_text, normalise_header
from batchbind.errors import InputError
from batchbind.model import RESULT_COLUMNS, Field, SourceRow, Table

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

_FIELD_BY_NAME: dict[str, Field] = {
    normalise_header(alias): f for f, aliases in HEADER_ALIASES.items() for alias in aliases
}
_RESULT_NAMES = frozenset(normalise_header(name) for name in RESULT_COLUMNS)
# A file is batchbind's own results when these are all there (a user may delete the others).
_RESULTS_MARKERS = frozenset(normalise_header(n) for n in ("row", "outcome", "code", "msg"))

#: How many rows (physical) are searched for the header row, below title lines.
HEADER_SCAN_ROWS = 10

_CONVERT_HINT = "Open it in Excel and save it as .xlsx or as CSV UTF-8, then run again."
_HEADERS_HINT = (
    "Name the columns admin_account, exchange_account and user_id (or 管理员账号, Exchange 账号, "
    "用户ID); `batchbind template` writes a ready-to-fill file."
)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
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
_DELIMITERS = (",", ";", "\t")


def load_table(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read a CSV or Excel file into a Table; raise InputError when it cannot be used."""
    head = _read_head(path)
    kind = _kind(path, head)
    with paused_gc():
        if kind == "xlsx":
            return _load_workbook(path, sheet)
        if sheet is not None:
            raise InputError(
                f"--sheet only applies to Excel workbooks, and {path.name} is a CSV file.",
                hint="Leave out --sheet, or point at the .xlsx file.",
            )
        return _load_csv(path, encoding, delimiter)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small, acyclic objects.

    Python 3.11 runs a full collection again and again while 100,000 rows of lists are
    created, finding nothing to free; that alone costs a third of reading a large file.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- what kind of file --------------------------------------------------------------------


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
        return "It looks like an Apple Numbers document: " + _CONVERT_HINT
    return ""


def _kind(path: Path, head: bytes) -> str:
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
            raise InputError(f"{name} is {what}, not a spreadsheet.", hint=_HEADERS_HINT)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        _check_zip(path)
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xlsb"):
        raise InputError(
            f"{name} is named like an Excel workbook but is not one.",
            hint="If it is really a CSV file, rename it to .csv; otherwise " + _CONVERT_HINT,
        )
    if suffix in (".xls", ".ods", ".numbers"):
        raise InputError(f"{name} is not in a format batchbind reads.", hint=_CONVERT_HINT)
    return "csv"


def _check_zip(path: Path) -> None:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError) as exc:
        raise InputError(
            f"{name} is a damaged zip or Excel file ({exc}).", hint=_CONVERT_HINT
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
        raise InputError(f"{name} is a Word document, not a spreadsheet.", hint=_HEADERS_HINT)
    raise InputError(
        f"{name} is a zip archive, not an Excel workbook.",
        hint="Extract the spreadsheet from it, or " + _CONVERT_HINT[0].lower() + _CONVERT_HINT[1:],
    )


# --- headers and the table ----------------------------------------------------------------


@dataclass(slots=True)
class _Header:
    """The header row found among the first rows, and what its columns mean."""

    row: int  # physical row number
    cells: list[str]
    fields: dict[Field, list[int]] = field(default_factory=dict)
    results_file: bool = False

    @property
    def score(self) -> int:
        return len(self.fields)


def _match_header(row: int, cells: list[str]) -> _Header:
    names = [normalise_header(c) for c in cells]
    header = _Header(row, cells)
    header.results_file = _RESULTS_MARKERS.issubset(names)
    for index, name in enumerate(names):
        found = _FIELD_BY_NAME.get(name)
        if found is not None:
            header.fields.setdefault(found, []).append(index)
    return header


def _find_header(rows: Sequence[tuple[int, list[str]]]) -> _Header | None:
    """The first row naming all three fields, else the best partial match, else None."""
    best: _Header | None = None
    for row, cells in rows[:HEADER_SCAN_ROWS]:
        if not any(c.strip() for c in cells):
            continue
        header = _match_header(row, cells)
        if header.score == len(Field):
            return header
        if best is None or header.score > best.score:
            best = header
    return best


def _is_result(cell: str) -> bool:
    return normalise_header(cell) in _RESULT_NAMES


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_header(header: _Header | None, where: str) -> _Header:
    if header is None:
        raise InputError(f"{where} has no rows.", hint=_HEADERS_HINT)
    for name, columns in header.fields.items():
        if len(columns) > 1:
            both = " and ".join(f"{_column_letter(i)} ({header.cells[i].strip()})" for i in columns)
            raise InputError(
                f"{where}: columns {both} on row {header.row} both name {name.value}.",
                hint="Rename or delete one of them, so that each of admin_account, "
                "exchange_account and user_id appears once.",
            )
    missing = [f.value for f in Field if f not in header.fields]
    if missing:
        found = ", ".join(repr(c.strip()) for c in header.cells if c.strip()) or "none"
        raise InputError(
            f"{where} has no column for {', '.join(missing)} (looked at row {header.row}, "
            f"columns found: {found}).",
            hint=_HEADERS_HINT,
        )
    return header


@dataclass(slots=True)
class _Rows:
    """Data rows below the header, as text, with the problems found converting cells."""

    items: list[tuple[int, list[str]]] = field(default_factory=list)
    problems: dict[int, dict[int, str]] = field(default_factory=dict)  # physical row -> col -> code


def _assemble(
    header: _Header, data: _Rows, *, source: str, sheet: str | None, unescape: bool
) -> Table:
    """Keep the header's columns (and unnamed ones that hold data), drop result columns."""
    head = header.cells
    named = [i for i, c in enumerate(head) if c.strip()]
    start, end = named[0], named[-1] + 1
    rows: list[tuple[int, list[str]]] = []
    for row, cells in data.items:
        if not "".join(cells).strip():
            continue  # blank rows are not rows
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
        rows.append((row, cells))
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

    table_rows: list[SourceRow] = []
    for row, cells in rows:
        source_row = SourceRow(row, take(cells))
        found = data.problems.get(row)
        if found:
            source_row.cell_problems = {position[i]: c for i, c in found.items() if i in position}
        table_rows.append(source_row)
    columns = take(head)
    return Table(columns=columns, fields=fields, rows=table_rows, source=source, sheet=sheet)


# --- CSV ----------------------------------------------------------------------------------


def _load_csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    text = _decode(raw, path.name, encoding)
    if "\x00" in text:
        raise InputError(
            f"{path.name} contains NUL bytes: it is not a text CSV file.",
            hint="If it is UTF-16 text without a byte-order mark, pass --encoding utf-16-le; "
            "otherwise " + _CONVERT_HINT[0].lower() + _CONVERT_HINT[1:],
        )
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(
            f"--delimiter must be one character, not {delimiter!r}.",
            hint="For tab-separated files, pass a literal tab or leave --delimiter out.",
        )
    candidates = (delimiter,) if delimiter else _DELIMITERS
    best: tuple[int, int, str, _Header | None] | None = None
    unreadable: list[InputError] = []
    for candidate in candidates:
        try:
            head_rows = _records(text, candidate, path.name, limit=HEADER_SCAN_ROWS)
        except InputError as exc:  # e.g. quotes that only pair up with the right delimiter
            unreadable.append(exc)
            continue
        header = _find_header(head_rows)
        score = (header.score if header else -1, len(header.cells) if header else 0)
        if best is None or score > best[:2]:
            best = (*score, candidate, header)
    if unreadable and (best is None or best[0] < len(Field)):
        raise unreadable[0]  # a quoting problem explains a missing header better than the header
    assert best is not None
    chosen, header = best[2], best[3]
    header = _check_header(header, path.name)
    data = _Rows(_records(text, chosen, path.name))
    del data.items[: header.row]  # the header and anything above it
    return _assemble(header, data, source=str(path), sheet=None, unescape=header.results_file)


def _records(
    text: str, delimiter: str, name: str, limit: int | None = None
) -> list[tuple[int, list[str]]]:
    """CSV records numbered from 1; a blank line is a record too (it is a row in Excel)."""
    try:
        # Strict first: a lenient reader swallows everything after an unclosed quote into one
        # cell, silently losing every row below it.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        return list(itertools.islice(enumerate(reader, start=1), limit))
    except csv.Error as exc:
        strict_error = str(exc)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start_line = end_line = 1
    try:
        for record in itertools.islice(enumerate(reader, start=1), limit):
            records.append(record)
            start_line, end_line = end_line, reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"{name} cannot be read as CSV at line {reader.line_num}: {exc}.",
            hint='Look for an unclosed quote (") near that line.',
        ) from None
    if "end of data" in strict_error:
        raise InputError(
            f"{name}: the quoted value that starts on line {start_line} is never closed.",
            hint='Add the missing closing quote (") on that line, or remove the opening one.',
        )
    # Other strict complaints (text after a closing quote, `"a"b`) read as Excel reads them.
    return records


def _decode(raw: bytes, name: str, encoding: str | None) -> str:
    """The file's text: BOM, then strict UTF-8, then GB18030; never a codec that takes anything."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                f"--encoding {encoding} is not an encoding Python knows.",
                hint="Try utf-8, gb18030, utf-16 or cp1252.",
            ) from None
        return _strict(raw, encoding, name, f"--encoding {encoding}").removeprefix("\ufeff")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return _strict(raw[len(bom) :], codec, name, f"its byte-order mark ({codec})")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # What Chinese Excel's "Save as CSV" writes (GBK, a subset of GB18030), with no BOM.
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    line = _line_of(raw, utf8_error.start, "utf-8")
    raise InputError(
        f"{name} is neither UTF-8 nor GB18030 (GBK) text: line {line} has bytes that neither "
        "can read.",
        hint="Pass --encoding with the file's encoding (for example --encoding cp1252 or "
        "--encoding big5), or save it from Excel as CSV UTF-8.",
    )


def _strict(raw: bytes, codec: str, name: str, how: str) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_of(raw, exc.start, codec)
        raise InputError(
            f"{name} cannot be decoded as {how}: line {line} has bytes that are not "
            f"{exc.encoding}.",
            hint="Pass --encoding with the file's real encoding (utf-8, gb18030, utf-16, cp1252), "
            "or save it from Excel as CSV UTF-8.",
        ) from None
    except UnicodeError as exc:  # e.g. a codec that cannot decode at all
        raise InputError(f"{name} cannot be decoded as {how}: {exc}.") from None


def _line_of(raw: bytes, offset: int, codec: str) -> int:
    return raw[:offset].decode(codec, errors="replace").count("\n") + 1


# --- Excel --------------------------------------------------------------------------------

# What calamine hands back for a cell.
_CellValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta


def _load_workbook(path: Path, sheet: str | None) -> Table:
    try:
        with python_calamine.CalamineWorkbook.from_path(path) as book:
            names = [
                m.name
                for m in book.sheets_metadata
                if m.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
            chosen, header = _choose_sheet(book, names, sheet, path.name)
            values = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except InputError:
        raise
    except python_calamine.PasswordError:
        raise InputError(
            f"{path.name} is password-protected.",
            hint="Open it in Excel, remove the password, and save it as .xlsx or as CSV UTF-8.",
        ) from None
    except Exception as exc:  # calamine reports damaged files with several exception types
        raise InputError(
            f"{path.name} is a damaged Excel file ({exc}).", hint=_CONVERT_HINT
        ) from None
    data = _Rows()
    field_columns = [columns[0] for columns in header.fields.values()]
    empty_fields = False
    for index in range(header.row, len(values)):
        cells, problems = _texts(values[index])
        row = index + 1
        data.items.append((row, cells))
        if problems:
            data.problems[row] = problems
        if not empty_fields:
            empty_fields = any(i >= len(cells) or not cells[i] for i in field_columns)
    if empty_fields:
        # Only an empty field can hide a formula without a saved value: look for those then.
        _mark_formulas_without_value(path, chosen, data)
    return _assemble(header, data, source=str(path), sheet=chosen, unescape=False)


def _mark_formulas_without_value(path: Path, sheet: str, data: _Rows) -> None:
    formulas = _formulas_without_value(path, sheet)
    if not formulas:
        return
    for row, cells in data.items:
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


def _choose_sheet(
    book: python_calamine.CalamineWorkbook, names: list[str], wanted: str | None, name: str
) -> tuple[str, _Header]:
    """The named sheet, or the first whose headers match (an instructions sheet is skipped)."""
    listed = ", ".join(repr(n) for n in names) or "none"
    if wanted is not None:
        matches = [n for n in names if n == wanted] or [
            n for n in names if n.strip().casefold() == wanted.strip().casefold()
        ]
        if len(matches) != 1:
            raise InputError(
                f"{name} has no sheet named {wanted!r}; its sheets are {listed}.",
                hint="Pass one of those names to --sheet (quote names with spaces).",
            )
        header = _sheet_header(book, matches[0])
        return matches[0], _check_header(header, f"{name}, sheet {matches[0]!r}")
    best: tuple[str, _Header | None] | None = None
    for sheet in names:
        header = _sheet_header(book, sheet)
        if header is not None and header.score == len(Field):
            return sheet, _check_header(header, f"{name}, sheet {sheet!r}")
        if header is not None and (best is None or best[1] is None or header.score > best[1].score):
            best = (sheet, header)
    if best is None:
        raise InputError(f"{name} has no worksheet with rows.", hint=_HEADERS_HINT)
    where = f"{name}, sheet {best[0]!r}" + (f" (sheets: {listed})" if len(names) > 1 else "")
    return best[0], _check_header(best[1], where)


def _sheet_header(book: python_calamine.CalamineWorkbook, sheet: str) -> _Header | None:
    values = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=HEADER_SCAN_ROWS)
    rows = [(index + 1, _texts(row)[0]) for index, row in enumerate(values)]
    return _find_header(rows)


_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet[ >]")
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _formulas_without_value(path: Path, sheet: str) -> dict[int, list[int]]:
    """Row -> columns of formula cells saved without a value (calamine reads those as empty).

    Files written by scripts (openpyxl, many exporters) store formulas with no cached result;
    Excel fills them in on the next save. Telling the user beats sending an empty value.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return {}
            xml = archive.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return {}
    # The prefix of the root element (often none) is the prefix of every formula element.
    prefix = _ROOT_PREFIX.search(xml[:2000])
    tag = b"<" + ((prefix[1] or b"") if prefix else b"") + b"f"
    if tag + b">" not in xml and tag + b" " not in xml:
        return {}
    found: dict[int, list[int]] = {}
    try:
        for _event, element in ElementTree.iterparse(io.BytesIO(xml)):
            if not element.tag.endswith("}c") and element.tag != "c":
                continue
            children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            value = children.get("v")
            if "f" in children and (value is None or not (value.text or "")):
                match = _CELL_REF.fullmatch(element.get("r", ""))
                if match:
                    found.setdefault(int(match[2]), []).append(_column_index(match[1]))
            element.clear()
    except ElementTree.ParseError:
        return found
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


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
