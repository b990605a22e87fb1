"""Large tables read and checked a column at a time by polars, in compiled code.

Reading 100,000 CSV rows and checking them one C call at a time from Python costs a pass of
Python objects per step; polars splits the file and runs the checks over whole columns. Each use
here is a fast path with a careful Python path beside it, and tests hold them to the same
results:

- `read_csv`: the fields of a CSV file's data lines (`batchbind.input.csvfile` decides when it may be
  used and checks what it gives, with `every_line_matches` and `any_blank_row` among others);
- `misfits`: which values of a column do not match a field's shape (`batchbind.input.quickcheck`);
- `repeated`: which values occur more than once (`batchbind.input.validation`, the checks across rows).

Below `COLUMNAR_FROM` values (or `TEXT_FROM` characters of CSV) the Python paths are as fast,
and polars is not imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: How many values a column needs before polars checks it (tests set 0 to check it everywhere).
COLUMNAR_FROM = 5_000
#: How many characters a CSV file needs before polars reads it.
TEXT_FROM = 500_000


def wanted(values: Sequence[str]) -> bool:
    return len(values) >= COLUMNAR_FROM


def _polars() -> Any:
    import polars  # imported on first use: 0.1-0.2 s, paid back by the first large table

    return polars


def _series(values: Sequence[str], series: Any = None) -> Any:
    """`values` in polars: `series` when the caller has them so already."""
    if series is not None:
        return series
    polars = _polars()
    return polars.Series(values, dtype=polars.String)


def patched(series: Any, indexes: Sequence[int], values: Sequence[str]) -> Any:
    """A copy of `series` with the values at `indexes` replaced."""
    copy = series.clone()
    if indexes:
        copy.scatter(list(indexes), list(values))
    return copy


def read_csv(data: bytes, delimiter: str, width: int) -> list[Any] | None:
    """The fields of UTF-8 CSV lines (no header), as `width` polars columns of text; None when
    polars cannot read them so (a row wider than `width`, a quoting error, an empty text).

    A row narrower than `width` is filled with empty texts, as `batchbind.headers.assemble`
    fills it. The caller checks the rest: the line endings, one record per line, blank rows.
    """
    polars = _polars()
    names = [f"c{index}" for index in range(width)]
    try:
        frame = polars.read_csv(
            data,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            schema=dict.fromkeys(names, polars.String),
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except (polars.exceptions.PolarsError, ValueError, OverflowError):
        return None
    return [frame.get_column(name).fill_null("") for name in names]


def every_line_matches(data: bytes, pattern: str) -> bool:
    """Whether every line of UTF-8 `data` (holding no NUL) matches `pattern` (Rust syntax)."""
    polars = _polars()
    try:
        lines = polars.read_csv(
            data,
            has_header=False,
            separator="\x00",
            quote_char=None,
            schema={"line": polars.String},
        ).get_column("line")
    except (polars.exceptions.PolarsError, ValueError, OverflowError):
        return False
    return bool(lines.fill_null("").str.contains(pattern).all())


def any_blank_row(columns: Sequence[Any], spaces: str) -> bool:
    """Whether some row of these polars columns holds nothing but `spaces` in every column."""
    if not columns:
        return False
    pattern = "^[" + "".join(f"\\x{{{ord(char):x}}}" for char in spaces) + "]*$"
    blank = None
    for column in columns:  # the first column is seldom blank: the others are rarely looked at
        empty = column.str.contains(pattern)
        blank = empty if blank is None else blank & empty
        if not blank.any():
            return False
    return True


def misfits(
    values: Sequence[str],
    pattern: str,
    *,
    series: Any = None,
    max_length: int,
    not_prefixes: Sequence[str] = (),
    not_prefixes_any_case: Sequence[str] = (),
) -> list[int]:
    """The indexes of the values that do not match `pattern` whole, are longer than
    `max_length`, or start with one of the prefixes named.

    `pattern` is in the syntax shared by Python's `re` and Rust's `regex` (no lookarounds, no
    possessive quantifiers), and matches ASCII only; it is anchored here.
    """
    column = _series(values, series)
    # Bytes, not characters: only ASCII matches `pattern`, and there the two are the same.
    fits = column.str.contains(f"^(?:{pattern})$") & (column.str.len_bytes() <= max_length)
    for prefix in not_prefixes:
        fits = fits & ~column.str.starts_with(prefix)
    for prefix in not_prefixes_any_case:
        fits = fits & ~column.str.contains(f"(?i)^{re.escape(prefix)}")
    result: list[int] = (~fits).arg_true().to_list()
    return result


def repeated(values: Sequence[str], *, casefold: bool = False, series: Any = None) -> set[int]:
    """The indexes of the values found more than once, compared exactly or case-folded."""
    column = _series(values, series)
    if casefold:
        if (column.str.len_bytes() != column.str.len_chars()).any():
            # Not all ASCII: Python's case folding (polars lower-cases, and `ß` is not `ss`).
            column = _series(list(map(str.casefold, values)))
        else:
            column = column.str.to_lowercase()
    result: list[int] = column.is_duplicated().arg_true().to_list()
    return set(result)
