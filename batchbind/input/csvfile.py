"""Reading a CSV file: its encoding and delimiter detected, its records numbered as Excel shows them.

The encoding order is explicit and never ends in a codec that decodes anything (no latin-1
fallback): a byte-order mark, then strict UTF-8, then GB18030 (what Chinese Excel's "Save as CSV"
writes). The delimiter is the one of comma, semicolon and tab under which the header is found.
Record numbers count from the first record of the file as 1, so a blank line is a row, as in Excel.

`csv.reader` is the one CSV reader: `load_csv` (the binding reader), `resolve`'s copy of a sheet
(`batchbind.output.sheetcopy`) and the look at a results file's header (`batchbind.jobs.view`)
all read through `read_text` and `records` here.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from batchbind.errors import InputError
from batchbind.input.footers import drop_table_footers
from batchbind.input.headers import (
    HEADER_SCAN_ROWS,
    Header,
    Rows,
    assemble,
    check_header,
    find_header,
)
from batchbind.model import Field, Table
from batchbind.output.i18n import Phrase

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
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
# What `str.splitlines` also breaks lines at, besides \r and \n; a file (and csv) does not.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def load_csv(
    path: Path, encoding: str | None, delimiter: str | None, data: bytes | None = None
) -> Table:
    """The table of a CSV file (or of `data`, a pipe's bytes): every record but blank ones."""
    check_delimiter(delimiter)
    text = read_text(path, encoding, data)
    chosen, header = find_csv_header(text, delimiter, path.name)
    cells = records(text, chosen, path.name)
    del cells[: header.row]  # the header and anything above it
    # Records are numbered from 1 (`records`): the data are numbered on from the header.
    rows = Rows(list(range(header.row + 1, header.row + 1 + len(cells))), cells)
    table = assemble(header, rows, source=str(path), sheet=None, unescape=header.escaped)
    drop_table_footers(table)  # a CSV saved from a sheet keeps the sheet's totals line
    return table


def check_delimiter(delimiter: str | None) -> None:
    if delimiter is not None and len(delimiter) != 1:
        raise InputError.of("delimiter_not_one", value=repr(delimiter))


def read_text(path: Path, encoding: str | None, data: bytes | None = None) -> str:
    """The text of a CSV file (or `data`, its bytes already read), decoded as `decode` says;
    never text holding a NUL byte."""
    try:
        raw = path.read_bytes() if data is None else data
    except OSError as exc:
        raise InputError.of("file_unreadable", path=path, error=exc.strerror or exc) from None
    text = decode(raw, path.name, encoding)
    # Only a NUL byte decodes to NUL in the encodings batchbind detects; --encoding may differ.
    if (encoding is not None or b"\x00" in raw) and "\x00" in text:
        raise InputError.of("csv_nul", name=path.name)
    return text


def find_csv_header(text: str, delimiter: str | None, name: str) -> tuple[str, Header]:
    """The delimiter (given, or the one under which the header is found) and the header."""
    candidates = (delimiter,) if delimiter else DELIMITERS
    best: tuple[int, int, str, Header | None] | None = None
    unreadable: list[InputError] = []
    for candidate in candidates:
        try:
            head = records(text, candidate, name, limit=HEADER_SCAN_ROWS)
        except InputError as exc:  # e.g. quotes that only pair up with the right delimiter
            unreadable.append(exc)
            continue
        header = find_header(list(enumerate(head, start=1)))
        score = (header.score if header else -1, len(header.cells) if header else 0)
        if best is None or score > best[:2]:
            best = (*score, candidate, header)
    if unreadable and (best is None or best[0] < len(Field)):
        raise unreadable[0]  # a quoting problem explains a missing header better than the header
    assert best is not None
    return best[2], check_header(best[3], name)


def records(text: str, delimiter: str, name: str, limit: int | None = None) -> list[list[str]]:
    """The CSV records of the text (the first `limit` only, if given); record n is at n - 1.

    A blank line is a record too (it is a row in Excel), read as []. A long value is read
    whole: validation judges it, or it is carried as it is, never refused by csv's guard
    against unbounded fields.
    """
    with _any_field_size():
        try:
            # Strict first: a lenient reader swallows everything after an unclosed quote into
            # one cell, silently losing every row below it.
            reader = csv.reader(_line_iter(text, limit), delimiter=delimiter, strict=True)
            return list(itertools.islice(reader, limit))
        except csv.Error as exc:
            strict_error = str(exc)
        found: list[list[str]] = []
        reader = csv.reader(_line_iter(text, limit), delimiter=delimiter)
        start_line = end_line = 1
        try:
            for record in itertools.islice(reader, limit):
                found.append(record)
                start_line, end_line = end_line, reader.line_num + 1
        except csv.Error as exc:
            raise InputError.of(
                "csv_unreadable_at", name=name, line=reader.line_num, error=exc
            ) from None
    if "end of data" in strict_error:
        raise InputError.of("csv_unclosed_quote", name=name, line=start_line)
    # Other strict complaints (text after a closing quote, `"a"b`) read as Excel reads them.
    return found


@contextlib.contextmanager
def _any_field_size() -> Iterator[None]:
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # the largest a C long holds everywhere (Windows too)
    try:
        yield
    finally:
        csv.field_size_limit(limit)


def _line_iter(text: str, limit: int | None) -> Iterable[str]:
    """The lines of the text with their endings, as a file opened with newline="" gives them."""
    if limit is None:
        if any(char in text for char in _OTHER_BREAKS):
            return io.StringIO(text, newline="")
        # The same lines, a fifth faster to read: `str.splitlines` breaks at \r\n, \r and \n,
        # as a file does, and only at those when the others are not in the text.
        return text.splitlines(keepends=True)
    # A few records only (the header search): found lazily, since a StringIO copies all the text.
    return (match[0] for match in _LINE.finditer(text))


def decode(raw: bytes, name: str, encoding: str | None) -> str:
    """The file's text: BOM, then strict UTF-8, then GB18030; never a codec that takes anything."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError.of("encoding_unknown", encoding=encoding) from None
        how = Phrase("decode_as_option", {"encoding": encoding})
        return _strict(raw, encoding, name, how).removeprefix("\ufeff")
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            how = Phrase("decode_as_bom", {"codec": codec})
            return _strict(raw[len(bom) :], codec, name, how)
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
    raise InputError.of("encoding_neither", name=name, line=line)


def _strict(raw: bytes, codec: str, name: str, how: Phrase) -> str:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_of(raw, exc.start, codec)
        raise InputError.of(
            "decode_failed_at", name=name, how=how, line=line, encoding=exc.encoding
        ) from None
    except UnicodeError as exc:  # e.g. a codec that cannot decode at all
        raise InputError.of("decode_failed", name=name, how=how, error=exc) from None


def _line_of(raw: bytes, offset: int, codec: str) -> int:
    return raw[:offset].decode(codec, errors="replace").count("\n") + 1
