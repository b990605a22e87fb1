"""Reading a CSV file: its encoding and delimiter detected, its records numbered as Excel shows them.

The encoding order is explicit and never ends in a codec that decodes anything (no latin-1
fallback): a byte-order mark, then strict UTF-8, then GB18030 (what Chinese Excel's "Save as CSV"
writes). The delimiter is the one of comma, semicolon and tab under which the header is found.
Record numbers count from the first record of the file as 1, so a blank line is a row, as in Excel.
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
from itertools import repeat
from pathlib import Path

from batchbind.errors import InputError
from batchbind.headers import (
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
_DELIMITERS = (",", ";", "\t")
# A line as a file opened with newline="" reads it: up to and with \r\n, \r or \n.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_FIELD_LIMIT = csv.field_size_limit()
# What `str.strip()` strips: every character Python counts as a space (all below U+3001).
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
# What `str.splitlines` also breaks lines at, besides \r and \n; csv does not.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def load_csv(path: Path, encoding: str | None, delimiter: str | None) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    text = _decode(raw, path.name, encoding)
    # Only a NUL byte decodes to NUL in the encodings batchbind detects; --encoding may differ.
    if (encoding is not None or b"\x00" in raw) and "\x00" in text:
        raise InputError(
            f"{path.name} contains NUL bytes: it is not a text CSV file.",
            hint="If it is UTF-16 text without a byte-order mark, pass --encoding utf-16-le; "
            "otherwise " + CONVERT_HINT[0].lower() + CONVERT_HINT[1:],
        )
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(
            f"--delimiter must be one character, not {delimiter!r}.",
            hint="For tab-separated files, pass a literal tab or leave --delimiter out.",
        )
    candidates = (delimiter,) if delimiter else _DELIMITERS
    best: tuple[int, int, str, Header | None] | None = None
    unreadable: list[InputError] = []
    for candidate in candidates:
        try:
            head_rows = _records(text, candidate, path.name, limit=HEADER_SCAN_ROWS)
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
    chosen, header = best[2], best[3]
    header = check_header(header, path.name)
    data = _split(text, chosen) or _parse(text, chosen, path.name)
    below = bisect.bisect_right(data.numbers, header.row)  # the header and anything above it
    del data.numbers[:below], data.cells[:below]
    return assemble(header, data, source=str(path), sheet=None, unescape=header.results_file)


def _split(text: str, delimiter: str) -> Rows | None:
    """The records of a file, read a line at a time where that is exact; None where it is not.

    `csv.reader` takes as long as all the rest of reading and checking. A line without a quote
    is one record, its fields separated by the delimiter, whatever `csv.reader` would make of
    it; `str.split` gives the same fields several times faster. Lines with a quote (a value
    holding the delimiter or a line break) go through `csv.reader`. Anything unusual (line breaks
    that `str.splitlines` sees and csv does not, very long lines, mostly quoted lines, a quoting
    error) returns None, and the whole file is read by `csv.reader`.
    """
    if any(char in text for char in _OTHER_BREAKS):
        return None
    lines = text.splitlines()  # at \r\n, \r and \n, as csv does
    if len(text) > _FIELD_LIMIT and max(map(len, lines)) > _FIELD_LIMIT:
        return None  # csv refuses fields this long: keep its message
    quotes = text.count('"')
    if not quotes:
        cells = list(map(str.split, lines, repeat(delimiter)))
        # A line of nothing but spaces and delimiters is a blank row; seen here at little cost.
        blank_free = all(map(str.strip, lines, repeat(_SPACES + delimiter)))
        return Rows(list(range(1, len(lines) + 1)), cells, blank_free=blank_free)
    if quotes * 4 > len(lines):
        return None  # mostly quoted (some exporters quote every value): csv is faster then
    ending = _line_ending(text, lines)
    if ending is None:
        return None  # quotes and mixed line endings: csv reads what a quoted value holds
    data = Rows()
    line = 0  # index of the next line to read
    for first in _quoted_lines(text, ending):
        if first < line:
            continue  # inside a quoted value that spans lines, already read
        _add_lines(data, lines[line:first], delimiter)
        rest = map(operator.add, map(lines.__getitem__, range(first, len(lines))), repeat(ending))
        reader = csv.reader(rest, delimiter=delimiter, strict=True)
        try:
            record = next(reader)
        except (csv.Error, StopIteration):
            return None
        data.numbers.append(len(data.numbers) + 1)
        data.cells.append(record)
        line = first + reader.line_num
    _add_lines(data, lines[line:], delimiter)
    return data


def _line_ending(text: str, lines: list[str]) -> str | None:
    """The one line ending of the text ("\r\n" or "\n"), or None when they are mixed."""
    returns = text.count("\r")
    if not returns:
        return "\n"
    breaks = len(lines) - (not text.endswith(("\r", "\n")))
    return "\r\n" if returns == breaks == text.count("\n") else None


def _quoted_lines(text: str, ending: str) -> list[int]:
    """The indexes of the lines holding a quote, found with `str.find` (there are few)."""
    found: list[int] = []
    line = counted = 0
    position = text.find('"')
    while position != -1:
        line += text.count(ending, counted, position)
        counted = position
        if not found or found[-1] != line:
            found.append(line)
        position = text.find('"', position + 1)
    return found


def _add_lines(data: Rows, lines: list[str], delimiter: str) -> None:
    start = len(data.numbers) + 1
    data.numbers.extend(range(start, start + len(lines)))
    data.cells.extend(map(str.split, lines, repeat(delimiter)))


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
        reader = csv.reader(_lines(text, limit), delimiter=delimiter, strict=True)
        return list(itertools.islice(enumerate(reader, start=1), limit))
    except csv.Error as exc:
        strict_error = str(exc)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(_lines(text, limit), delimiter=delimiter)
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


def _lines(text: str, limit: int | None) -> Iterator[str]:
    """The lines of the text with their endings, as a file opened with newline="" gives them."""
    if limit is None:
        return io.StringIO(text, newline="")
    # A few records only (the header search): found lazily, since a StringIO copies all the text.
    return (match[0] for match in _LINE.finditer(text))


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
