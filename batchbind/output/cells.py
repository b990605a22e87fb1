"""Text cells that are safe to open in a spreadsheet program, and read back exactly.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula (and a tab or
carriage return can smuggle one in), so CSV values starting with those get a leading `'`, which
batchbind strips again when it reads its own files back (results, and `resolve`'s copy). A value
that already starts with apostrophes before such a character gets one more, so that stripping one
gives back exactly what was written. `.xlsx` cells are written as typed
text and need no prefix, but XML cannot hold most control characters, so those are removed.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 (and so .xlsx) cannot hold: C0 controls except tab, newline, CR.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_csv_cell(value: str) -> str:
    """The CSV text for a value, with a `'` before anything a spreadsheet would run."""
    if value.startswith(_FORMULA_START) or (
        value.startswith("'") and value.lstrip("'").startswith(_FORMULA_START)
    ):
        return "'" + value
    return value


def unescape_csv_cell(value: str) -> str:
    """Undo `escape_csv_cell` (only for values batchbind wrote itself)."""
    if value.startswith("'") and value.lstrip("'").startswith(_FORMULA_START):
        return value[1:]
    return value


def xlsx_safe(value: str) -> tuple[str, bool]:
    """The value without characters an .xlsx cannot hold, and whether any were removed."""
    cleaned = _XML_ILLEGAL.sub("", value)
    return cleaned, cleaned != value
