"""Turning what a spreadsheet holds into the text batchbind sends, the way a careful person would.

Two jobs live here. `cell_text` turns an Excel cell (a number, a date, a boolean) into the text a
person sees, refusing numbers Excel has already rounded. `clean_value` tidies one of the three
binding fields: the spaces, full-width characters and `mailto:` prefixes that copying from web
pages, Word and Chinese input methods leave behind. Extra columns are never cleaned: they are
carried into the results exactly as read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: Problem code for a number cell of 16 or more digits (see `cell_text`).
NUMBER_ROUNDED = "number_rounded"
#: Problem code for an id written in scientific notation (see `is_scientific`).
SCIENTIFIC_NOTATION = "scientific_notation"

# Invisible characters that copy-paste leaves at the edges of a value. NFKC does not remove them
# and `str.strip()` does not see them as spaces.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# Every character Python counts as whitespace (all below U+3001), plus the zero-width ones.
_TRIM = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + _ZERO_WIDTH

_MAILTO = "mailto:"

# Excel keeps 15 significant digits; anything from 10**15 up has lost its last digits already.
_EXACT_LIMIT = 10**15


def clean_value(value: str) -> str:
    """One binding field as it will be sent: trimmed, NFKC-normalised, without `mailto:`."""
    # NFKC turns full-width `＠`, digits and letters into ASCII, and the non-breaking and
    # ideographic spaces into ordinary ones; ASCII needs none of that.
    ascii_only = value.isascii()
    text = value.strip() if ascii_only else unicodedata.normalize("NFKC", value).strip(_TRIM)
    if text[:7].lower() == _MAILTO:
        text = text[7:].strip(_TRIM)
    return text


def cell_text(value: object) -> tuple[str, str | None]:
    """The text of an Excel cell value, and a problem code when that text cannot be trusted.

    Ids typed into Excel become numbers: `12345` must come back as `12345`, not `12345.0`.
    A number of 16 or more digits has already been rounded by Excel (it keeps 15), so the
    original id is lost: that is a problem for the cell, never a silently wrong id.
    """
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return str(value), (NUMBER_ROUNDED if abs(value) >= _EXACT_LIMIT else None)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(), None
    if isinstance(value, dt.timedelta):
        return str(value), None
    if value is None:
        return "", None
    return str(value), None


def _float_text(value: float) -> tuple[str, str | None]:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value), None
    if value.is_integer():
        return str(int(value)), (NUMBER_ROUNDED if abs(value) >= _EXACT_LIMIT else None)
    # 15 significant digits is what Excel shows for a general number: 0.1 + 0.2 reads `0.3`.
    return format(value, ".15g"), None


# How Excel (`1.23457E+17`, `1.2E-05`, `1,23457E+17` in a comma-decimal locale), Numbers, Sheets,
# Python and JavaScript (`1.2345678901234568e+17`) write a number too long for its cell: a
# mantissa, then an exponent with its sign, or a decimal part and an exponent. Tenant-defined
# employee ids are free text and may mix digits and letters (`12E4`, `3e8`), so a bare
# `<digits>E<digits>` is not enough to refuse one.
_SCIENTIFIC = re.compile(
    r"[+-]?[0-9]+(?:[.,][0-9]+)?[Ee][+-][0-9]+|[+-]?[0-9]+[.,][0-9]+[Ee][0-9]+"
)


def is_scientific(text: str) -> bool:
    """Whether `text` is a number in scientific notation, as Excel shows a long id.

    Excel shows a number of 12 or more digits as `1.23457E+17` in a General cell; a copy of the
    cell, a CSV saved from the sheet or a paste into a Text cell keeps only those six digits. The
    id is lost, wherever the text came from: a row holding it cannot be sent.
    """
    return _SCIENTIFIC.fullmatch(text) is not None


_PARENTHESES = re.compile(r"\(.*?\)")
_HEADER_NOISE = str.maketrans("", "", " _-*:" + _TRIM)


def normalise_header(text: str) -> str:
    """A header as compared with the known names: case, spaces, `_`, `-` and notes ignored.

    `Exchange 账号`, `exchange_account`, `Exchange-Account (required)` and the full-width
    `ＡＤＭＩＮ＿ＡＣＣＯＵＮＴ` all compare equal to their plain forms.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PARENTHESES.sub("", text)
    return text.translate(_HEADER_NOISE)
