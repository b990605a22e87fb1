"""Reading a CSV file: its encoding and delimiter detected, its records numbered as Excel shows them.

The encoding order is explicit and never ends in a codec that decodes anything (no latin-1
fallback): a byte-order mark, then strict UTF-8, then GB18030 (what Chinese Excel's "Save as CSV"
writes). The delimiter is the one of comma, semicolon and tab under which the header is found.
Record numbers count from the first record of the file as 1, so a blank line is a row, as in Excel.

Three readers give the same rows: `csv.reader` (the reference, for anything unusual), a
column-at-a-time path that splits runs of plain lines with `str.split`, and, for large files,
polars (`batchbind.input.columnar`), whose answers are checked where it could differ from csv.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import itertools
import operator
import re
from collections.abc import Iterator
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from batchbind.errors import InputError
from batchbind.input import columnar
from batchbind.input.headers import (
    CONVERT_HINT,
    HEADER_SCAN_ROWS,
    Header,
    Rows,
    assemble,
    check_header,
    find_header,
)
from batchbind.model import Field, Table

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: The delimiters detected, in this order of preference.
DELIMITERS = (",", ";", "\t")
# A line as a file opened with newline="" reads it: up to and with \r\n, \r or \n.
_BARE_CR = re.compile(rb"\r(?!\n)")
_LINE_BYTES = re.compile(rb"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
# How much of a large UTF-8 file is decoded to find its header (`_large_utf8_table`).
_HEAD_BYTES = 1 << 16
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
# What `str.strip()` strips: every character Python counts as a space (all below U+3001).
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
# What `str.splitlines` also breaks lines at, besides \r and \n; csv does not.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def load_csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    # The whole file is in memory already: a long value is judged by validation (or carried
    # as it is), never refused by csv's guard against unbounded fields, and both the fast paths
    # and `csv.reader` read it the same way.
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # the largest a C long holds everywhere (Windows too)
    try:
        return _load_csv(path, encoding, delimiter)
    finally:
        csv.field_size_limit(limit)


def _load_csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(
            f"--delimiter must be one character, not {delimiter!r}.",
            hint="For tab-separated files, pass a literal tab or leave --delimiter out.",
        )
    tried = False  # whether polars has read the file already
    if encoding is None:
        table, tried = _large_utf8_table(raw, path, delimiter)
        if table is not None:
            return table
    text, utf8 = decode(raw, path.name, encoding)
    # Only a NUL byte decodes to NUL in the encodings batchbind detects; --encoding may differ.
    if (encoding is not None or b"\x00" in raw) and "\x00" in text:
        raise InputError(
            f"{path.name} contains NUL bytes: it is not a text CSV file.",
            hint="If it is UTF-16 text without a byte-order mark, pass --encoding utf-16-le; "
            "otherwise " + CONVERT_HINT[0].lower() + CONVERT_HINT[1:],
        )
    chosen, header = _find_header(text, delimiter, path.name)
    polars = not tried and len(text) >= columnar.TEXT_FROM
    table = _column_table(text, utf8, chosen, header, str(path), polars=polars)
    if table is not None:
        return table
    data = _split(text, chosen) or _parse(text, chosen, path.name)
    below = bisect.bisect_right(data.numbers, header.row)  # the header and anything above it
    del data.numbers[:below], data.cells[:below]
    return assemble(header, data, source=str(path), sheet=None, unescape=header.results_file)


def _find_header(text: str, delimiter: str | None, name: str) -> tuple[str, Header]:
    """The delimiter (given, or the one under which the header is found) and the header."""
    candidates = (delimiter,) if delimiter else DELIMITERS
    best: tuple[int, int, str, Header | None] | None = None
    unreadable: list[InputError] = []
    for candidate in candidates:
        try:
            head_rows = _records(text, candidate, name, limit=HEADER_SCAN_ROWS)
        except InputError as exc:  # e.g. quotes that only pair up with the right delimiter
            unreadable.append(exc)
            continue
        header = find_header(head_rows)
        score = (header.score if header else -1, len(header.cells) if header else 0)
        if best is None or score > best[:2]:
            best = (*score, candidate, header)
    if unreadable and (best is None or best[0] < len(Field)):
        raise unreadable[0]  # a quoting problem explains a missing header better than the header
    assert best is not None
    return best[2], check_header(best[3], name)


def _large_utf8_table(raw: bytes, path: Path, delimiter: str | None) -> tuple[Table | None, bool]:
    """A large UTF-8 file read by polars as it is, without decoding it whole first.

    Only the top of the file is decoded, to find the header; polars checks that the rest is
    UTF-8 as it reads. No table when the file is not that (another encoding, a NUL byte,
    anything `_polars_columns` leaves to Python): it is then decoded and read as usual, and any
    error is reported from there. Also says whether polars has read it, not to read it twice.
    """
    if len(raw) < columnar.TEXT_FROM or b"\x00" in raw:
        return None, False
    data = raw.removeprefix(codecs.BOM_UTF8)
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None, False  # UTF-16 or UTF-32
    cut = data.rfind(b"\n", 0, _HEAD_BYTES) + 1
    try:
        head = data[:cut].decode("utf-8")
        if cut < len(data) and head.count("\n") <= HEADER_SCAN_ROWS:
            return None, False  # fewer lines than the header search reads: decode it all
        chosen, header = _find_header(head, delimiter, path.name)
    except (UnicodeDecodeError, InputError):
        return None, False
    return _column_table(None, data, chosen, header, str(path), polars=True), True


class _Unusual(Exception):
    """The fast paths cannot read this text exactly: `csv.reader` reads all of it."""


def _lines(text: str) -> list[str] | None:
    """The text's lines, when the fast paths can read it (else None)."""
    if any(char in text for char in _OTHER_BREAKS):
        return None
    return text.splitlines()  # at \r\n, \r and \n, as csv does


def _pieces(
    text: str, lines: list[str], delimiter: str, start: int
) -> Iterator[tuple[list[str], list[str] | None]]:
    """The records from line `start` on: runs of lines without a quote, each with the record
    that follows it (read by `csv.reader`, as it may hold the delimiter or a line break), or
    None after the last run. Raises `_Unusual` where that would not be exact.

    A line without a quote is one record, its fields separated by the delimiter, whatever
    `csv.reader` would make of it; `str.split` gives the same fields several times faster.
    """
    quotes = text.count('"')
    if not quotes:
        yield lines[start:], None
        return
    if quotes * 4 > len(lines):
        raise _Unusual  # mostly quoted (some exporters quote every value): csv is faster then
    ending = _line_ending(text, lines)
    if ending is None:
        raise _Unusual  # quotes and mixed line endings: csv reads what a quoted value holds
    line = start  # index of the next line to read
    for first in compress(range(len(lines)), map(operator.contains, lines, repeat('"'))):
        if first < line:
            continue  # before the start, or inside a quoted value that spans lines
        rest = map(operator.add, map(lines.__getitem__, range(first, len(lines))), repeat(ending))
        reader = csv.reader(rest, delimiter=delimiter, strict=True)
        try:
            record = next(reader)
        except (csv.Error, StopIteration):
            raise _Unusual from None
        yield lines[line:first], record
        line = first + reader.line_num
    yield lines[line:], None


def _split(text: str, delimiter: str) -> Rows | None:
    """The records of a file, read a line at a time where that is exact; None where it is not.

    `csv.reader` takes as long as all the rest of reading and checking: lines without a quote
    are split with `str.split` instead (see `_pieces`). Anything unusual (line breaks that
    `str.splitlines` sees and csv does not, mostly quoted lines, a quoting error) returns None,
    and the whole file is read by `csv.reader`.
    """
    lines = _lines(text)
    if lines is None:
        return None
    data = Rows(blank_free=text.count('"') == 0)
    try:
        for plain, record in _pieces(text, lines, delimiter, 0):
            start = len(data.numbers) + 1
            data.numbers.extend(range(start, start + len(plain)))
            data.cells.extend(map(str.split, plain, repeat(delimiter)))
            if record is not None:
                data.numbers.append(len(data.numbers) + 1)
                data.cells.append(record)
    except _Unusual:
        return None
    if data.blank_free:
        # A line of nothing but spaces and delimiters is a blank row; seen here at little cost.
        data.blank_free = all(map(str.strip, lines, repeat(_SPACES + delimiter)))
    return data


def _column_table(
    text: str | None,
    utf8: bytes | None,
    delimiter: str,
    header: Header,
    source: str,
    *,
    polars: bool,
) -> Table | None:
    """The common case, read a column at a time: None where `assemble` has work to do.

    Every row below the header as wide as the header (or narrower, filled as `assemble` fills
    it), no blank row, and every column named. With `polars` (large files), polars reads the
    file (`_polars_columns`); otherwise, or where polars leaves it, each run of lines without a
    quote is joined and split once, and each column is a slice of what that gives
    (`_python_columns`). No list per row is made. `utf8` is the file's UTF-8 when it is UTF-8;
    `text` is its text, None when it was not decoded (then only polars reads it).
    """
    head = header.cells
    width = len(head)
    if header.results_file or not head[0].strip() or not head[-1].strip():
        return None  # columns to drop, unescape or look for: `assemble` does that
    if polars:
        encoded = utf8 if utf8 is not None else (text or "").encode()
        in_polars = _polars_columns(encoded, delimiter, header.row, width)
        if in_polars is not None:
            data = [column.to_list() for column in in_polars]
            return _table(header, data, source, in_polars)
    if text is None:
        return None
    found = _python_columns(text, delimiter, header.row, width)
    return None if found is None else _table(header, found, source, None)


def _table(header: Header, data: list[list[str]], source: str, in_polars: Any) -> Table:
    # One record a row, and no blank rows: the rows are numbered on from the header's.
    numbers = list(range(header.row + 1, header.row + 1 + len(data[0])))
    fields = {f: columns[0] for f, columns in header.fields.items()}
    return Table(list(header.cells), fields, numbers, data, source=source, polars=in_polars)


def _python_columns(text: str, delimiter: str, start: int, width: int) -> list[list[str]] | None:
    """The fields of the lines from line `start` on, as columns (None: not the common case)."""
    lines = _lines(text)
    if lines is None or '"' in "".join(lines[:start]):
        return None  # a quoted value above the data: its lines and records may differ
    data: list[list[str]] = [[] for _ in range(width)]
    spaces = _SPACES + delimiter
    try:
        for plain, record in _pieces(text, lines, delimiter, start):
            if plain:
                if set(map(str.count, plain, repeat(delimiter))) != {width - 1}:
                    return None  # a row of another width
                if not all(map(str.strip, plain, repeat(spaces))):
                    return None  # a blank row
                flat = delimiter.join(plain).split(delimiter)
                for index, column in enumerate(data):
                    column.extend(flat[index::width])
            if record is not None:
                if len(record) != width or not any(map(str.strip, record)):
                    return None
                for column, value in zip(data, record, strict=True):
                    column.append(value)
    except _Unusual:
        return None
    return data


def _polars_columns(data: bytes, delimiter: str, start: int, width: int) -> list[Any] | None:
    """`_python_columns` by polars, for large files, checked where polars and csv could differ.

    `data` is the file's text in UTF-8. polars reads records as csv does, but ends lines only
    at LF and CRLF, may leave out empty lines, and reads some malformed quoting its own way.
    So: no bare CR, exactly one row per line (no value spans lines), no blank row, and each
    line holding a quote read the same by `csv.reader` alone (or, when most lines hold one,
    every line quoted by the book, which both read alike). Otherwise None, and the Python
    path reads the file.
    """
    position = 0
    for _ in range(start):  # the header line and the lines above it
        found = _LINE_BYTES.match(data, position)
        if found is None:
            return None
        position = found.end()
    body = data[position:]
    if not body or body.startswith(codecs.BOM_UTF8):
        return None  # no data, or a byte-order mark polars would drop
    if b'"' in data[:position] and not _one_record_a_line(data[:position], delimiter, start):
        return None  # a quoted value over lines above the data: rows are not lines there
    if _BARE_CR.search(body):
        return None  # polars ends lines at LF only (CRLF included), csv at CR too
    lines = body.count(b"\n") + (not body.endswith(b"\n"))
    many_quotes = body.count(b'"') * 4 > lines
    if many_quotes and not columnar.every_line_matches(body, _well_quoted(delimiter)):
        return None  # some exporters quote every value; then every value must be quoted right
    columns = columnar.read_csv(body, delimiter, width)
    if columns is None or len(columns[0]) != lines:
        return None
    for index, line in () if many_quotes else _lines_with_quotes(body):
        try:
            record = next(csv.reader([line], delimiter=delimiter, strict=True))
        except (csv.Error, StopIteration):
            return None
        padded = record + [""] * (width - len(record))
        if len(record) > width or padded != [column[index] for column in columns]:
            return None
    if columnar.any_blank_row(columns, _SPACES):
        return None  # a blank row: `assemble` leaves it out
    return columns


def _one_record_a_line(top: bytes, delimiter: str, lines: int) -> bool:
    """Whether csv reads the UTF-8 `top` of a file, `lines` lines, as as many records."""
    reader = csv.reader(io.StringIO(top.decode("utf-8"), newline=""), delimiter=delimiter)
    try:
        return sum(1 for _ in reader) == lines == reader.line_num
    except csv.Error:
        return False


def _well_quoted(delimiter: str) -> str:
    """A line of fields either quoted by the book (`"..."`, a quote doubled inside, nothing
    around it) or holding no quote, separated by `delimiter` (Rust's regex syntax)."""
    sep = f"\\x{{{ord(delimiter):x}}}"
    field = f'(?:"(?:[^"\\r\\n]|"")*"|[^"\\r\\n{sep}]*)'
    return f"^{field}(?:{sep}{field})*\\r?$"


def _lines_with_quotes(body: bytes) -> Iterator[tuple[int, str]]:
    """(index, text without its line ending) of each line of UTF-8 `body` holding a quote."""
    index = counted = 0
    position = body.find(b'"')
    while position != -1:
        index += body.count(b"\n", counted, position)
        begin = body.rfind(b"\n", 0, position) + 1
        end = body.find(b"\n", position)
        end = len(body) if end == -1 else end
        yield index, body[begin:end].removesuffix(b"\r").decode("utf-8")
        counted = begin
        position = body.find(b'"', end)


def _line_ending(text: str, lines: list[str]) -> str | None:
    """The one line ending of the text ("\r\n" or "\n"), or None when they are mixed."""
    returns = text.count("\r")
    if not returns:
        return "\n"
    breaks = len(lines) - (not text.endswith(("\r", "\n")))
    return "\r\n" if returns == breaks == text.count("\n") else None


def _parse(text: str, delimiter: str, name: str) -> Rows:
    records = _records(text, delimiter, name)
    return Rows([number for number, _ in records], [cells for _, cells in records])


def _records(
    text: str, delimiter: str, name: str, limit: int | None = None
) -> list[tuple[int, list[str]]]:
    """CSV records numbered from 1; a blank line is a record too (it is a row in Excel)."""
    try:
        # Strict first: a lenient reader swallows everything after an unclosed quote into one
        # cell, silently losing every row below it.
        reader = csv.reader(_line_iter(text, limit), delimiter=delimiter, strict=True)
        return list(itertools.islice(enumerate(reader, start=1), limit))
    except csv.Error as exc:
        strict_error = str(exc)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(_line_iter(text, limit), delimiter=delimiter)
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


def _line_iter(text: str, limit: int | None) -> Iterator[str]:
    """The lines of the text with their endings, as a file opened with newline="" gives them."""
    if limit is None:
        return io.StringIO(text, newline="")
    # A few records only (the header search): found lazily, since a StringIO copies all the text.
    return (match[0] for match in _LINE.finditer(text))


def decode(raw: bytes, name: str, encoding: str | None) -> tuple[str, bytes | None]:
    """The file's text: BOM, then strict UTF-8, then GB18030; never a codec that takes anything.

    Also the bytes the text was decoded from when they are UTF-8 (after any byte-order mark),
    which polars reads as they are; None for other encodings.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(
                f"--encoding {encoding} is not an encoding Python knows.",
                hint="Try utf-8, gb18030, utf-16 or cp1252.",
            ) from None
        return _strict(raw, encoding, name, f"--encoding {encoding}").removeprefix("\ufeff"), None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            body = raw[len(bom) :]
            text = _strict(body, codec, name, f"its byte-order mark ({codec})")
            return text, body if codec == "utf-8" else None
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # What Chinese Excel's "Save as CSV" writes (GBK, a subset of GB18030), with no BOM.
        return raw.decode("gb18030"), None
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
