"""Why a row is not sent, in words: a validation problem as a message and a hint.

Validation records a `Problem` (a stable code, the column, the values involved); the report and
the console turn it into a message and a hint here, in the user's language, from the catalogue's
`problem_<code>` and `problem_<code>_hint` entries (`i18n.py`). Codes are part of the
results file (the `code` column of invalid rows), so they never change once published.

Parameters a message may use: `{column}`, `{value}` (shown shortened, control characters made
visible), `{length}`, `{max}`, `{found}`, `{expected}`, `{row}`, `{rows}` (other rows involved,
already formatted with how many more there are), `{command}` and `{copy}` (the `resolve` command
that fills in ids from e-mail addresses, and the copy it writes).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping

from batchbind.model import Problem
from batchbind.output import i18n
from batchbind.output.causes import row_label

#: How much of a value a message shows.
VALUE_PREVIEW = 60


#: Every problem code validation records (the catalogue holds `problem_<code>` and its hint).
PROBLEM_CODES: tuple[str, ...] = (
    "missing_value",
    "too_long",
    "invalid_email",
    "invalid_open_id",
    "invalid_union_id",
    "invalid_user_id",
    "wrong_id_type",
    "email_in_user_id",
    "control_characters",
    "number_rounded",
    "scientific_notation",
    "several_people",
    "formula_without_value",
    "duplicate_exchange_account",
    "user_has_several_accounts",
    "duplicate_row",
)


def describe(
    problem: Problem, lang: str, row_names: Mapping[int, str] | None = None
) -> tuple[str, str]:
    """The message and hint for a problem, in `en` or `zh` (anything else reads as English).

    `row_names` names the other rows a problem mentions (`Table.row_names`: a Bitable record's
    id and primary field), beside their numbers.
    """
    lang = "zh" if lang.lower().startswith("zh") else "en"
    params: defaultdict[str, str] = defaultdict(str, problem.param_dict())
    params["code"] = problem.code
    params["column"] = problem.column or params["column"]
    if "value" in params:
        params["value"] = preview(params["value"])
    if row_names and params["row"].isdigit():
        params["row"] = row_label(int(params["row"]), lang, row_names)
    if "rows" in params:
        rows = params["rows"]
        if row_names:
            separator = i18n.text("causes_row_separator", lang)
            numbers = [int(r) for r in rows.split(", ") if r.isdigit()]
            rows = separator.join(row_label(n, lang, row_names) for n in numbers)
        params["rows"] = _rows_text(rows, params["more"], lang)
    if problem.code not in PROBLEM_CODES:  # a code newer than this catalogue
        return i18n.template("problem_unknown", lang).format_map(params), ""
    key = f"problem_{problem.code}"
    msg, hint = i18n.template(key, lang), i18n.template(f"{key}_hint", lang)
    # format_map with a defaultdict: a parameter a problem did not record reads as empty.
    return msg.format_map(params), hint.format_map(params)


def preview(value: str, limit: int = VALUE_PREVIEW) -> str:
    """A value as a message shows it: control and invisible characters spelled out, shortened."""
    shown = "".join(_visible(c) for c in value[: limit + 1])
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


def _visible(char: str) -> str:
    if char == "\t":
        return "\\t"
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return f"<U+{ord(char):04X}>"
    return char


def _rows_text(rows: str, more: str, lang: str) -> str:
    extra = int(more) if more.isdigit() else 0
    if extra:
        return i18n.text("problem_rows_more", lang, rows=rows, extra=extra)
    return i18n.text("problem_rows" if "," in rows else "problem_row", lang, rows=rows)
