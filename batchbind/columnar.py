"""The column checks of large tables, run by polars instead of the Python loop.

Checking 100,000 values one C call at a time from Python still costs a pass of Python objects
per check; polars runs the same checks over a whole column in compiled code. Two checks are
done here, both fast paths that only sort values for the careful checks, never judges:

- which values of a column do not match a field's shape (`batchbind.quickcheck`);
- which values occur more than once (`batchbind.validation`, the checks across rows).

Below `COLUMNAR_FROM` values the plain Python paths are faster (and polars is not imported).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: How many values a column needs before polars checks it (tests set 0 to check it everywhere).
COLUMNAR_FROM = 5_000


def wanted(values: Sequence[str]) -> bool:
    return len(values) >= COLUMNAR_FROM


def _series(values: Sequence[str]) -> Any:
    import polars  # imported on first use: 0.1-0.2 s, paid back by the first large table

    return polars.Series(values, dtype=polars.String)


def misfits(
    values: Sequence[str],
    pattern: str,
    *,
    max_length: int,
    not_prefixes: Sequence[str] = (),
    not_prefixes_any_case: Sequence[str] = (),
) -> list[int]:
    """The indexes of the values that do not match `pattern` whole, are longer than
    `max_length`, or start with one of the prefixes named.

    `pattern` is in the syntax shared by Python's `re` and Rust's `regex` (no lookarounds, no
    possessive quantifiers); it is anchored here.
    """
    column = _series(values)
    fits = column.str.contains(f"^(?:{pattern})$") & (column.str.len_chars() <= max_length)
    for prefix in not_prefixes:
        fits = fits & ~column.str.starts_with(prefix)
    if not_prefixes_any_case:
        head = column.str.slice(0, max(map(len, not_prefixes_any_case))).str.to_lowercase()
        for prefix in not_prefixes_any_case:
            fits = fits & ~head.str.starts_with(prefix.lower())
    result: list[int] = (~fits).arg_true().to_list()
    return result


def repeated(values: Sequence[str], *, casefold: bool = False) -> set[int]:
    """The indexes of the values found more than once, compared exactly or case-folded."""
    column = _series(values)
    if casefold:
        if (column.str.len_bytes() != column.str.len_chars()).any():
            # Not all ASCII: Python's case folding (polars lower-cases, and `ß` is not `ss`).
            column = _series(list(map(str.casefold, values)))
        else:
            column = column.str.to_lowercase()
    result: list[int] = column.is_duplicated().arg_true().to_list()
    return set(result)
