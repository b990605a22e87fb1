"""The fill-in template that `batchbind template PATH` writes (and `templates/` ships).

The data sheet comes first and holds only the header row: a filled template is read back as
input, so example rows would be sent. The examples live on the `Instructions` sheet instead,
which the reader skips because its headers do not match.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from batchbind.errors import InputError
from batchbind.model import Field
from batchbind.output import i18n
from batchbind.output.writers import write_atomically

__all__ = ["DATA_SHEET", "HEADERS", "INSTRUCTIONS_SHEET", "write_template"]

HEADERS: tuple[str, ...] = tuple(f.value for f in Field)
DATA_SHEET = "Bindings"
INSTRUCTIONS_SHEET = "Instructions"

# A fixed creation date keeps the file identical from one run to the next, so the copy shipped
# in templates/ can be checked against what the command writes.
_CREATED = datetime(2024, 1, 1)

_WIDTHS = (34, 38, 40)

# The Instructions sheet's text is in the message catalogue (`i18n.py`, keys `template_...`):
# what to type in each column, the rules, the steps to run. Both languages are always shown.
_RULES = tuple(f"template_rule_{n}" for n in range(1, 7))
_STEPS = tuple(f"template_step_{n}" for n in range(1, 4))

_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("exchange-admin@contoso.com", "alice@contoso.com", "ou_7d8a6e6df7621556ce0d21922b676706"),
    ("exchange-admin@contoso.com", "bob@contoso.com", "ou_9f1c2b3a4d5e6f708192a3b4c5d6e7f8"),
)


def write_template(path: Path, *, lang: str = "en") -> Path:
    """Write an empty template (`.xlsx` or `.csv`, by suffix); return the path written.

    The headers are always the English column names; `lang` only puts that language first on
    the instructions sheet (both are always there).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_atomically(path, _write_csv)
    if suffix == ".xlsx":
        zh_first = lang == "zh"
        return write_atomically(path, lambda tmp: _write_xlsx(tmp, zh_first=zh_first))
    raise InputError.of("template_suffix", name=path.name)


def _write_csv(tmp: Path) -> None:
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerow(HEADERS)


def _write_xlsx(tmp: Path, *, zh_first: bool) -> None:
    workbook = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False})
    workbook.set_properties(
        {"title": "batchbind template", "author": "batchbind", "created": _CREATED}
    )
    try:
        _write_data_sheet(workbook)
        _write_instructions(workbook, zh_first=zh_first)
    finally:
        workbook.close()


def _write_data_sheet(workbook: Any) -> None:
    sheet = workbook.add_worksheet(DATA_SHEET)
    # '@' is Excel's Text format: typed ids stay text (no 1.23E+15, no lost leading zeros).
    text = workbook.add_format({"num_format": "@"})
    header = workbook.add_format(
        {
            "num_format": "@",
            "bold": True,
            "bg_color": "#DDEBF7",
            "bottom": 1,
            "font_color": "#1F4E79",
        }
    )
    last = len(HEADERS) - 1
    for col, (name, width) in enumerate(zip(HEADERS, _WIDTHS, strict=True)):
        sheet.set_column(col, col, width, text)
        sheet.write_string(0, col, name, header)
    sheet.freeze_panes(1, 0)
    # Excel would otherwise flag every typed id as "number stored as text".
    sheet.ignore_errors({"number_stored_as_text": f"A2:{chr(ord('A') + last)}1048576"})
    for col, name in enumerate(HEADERS):
        en, zh = _both(f"template_column_{name}")
        # An input message shows when a cell of the column is selected: help where it is needed.
        sheet.data_validation(
            1,
            col,
            1_048_575,
            col,
            {
                "validate": "any",
                "input_title": name[:32],
                "input_message": _clip(f"{en}\n{zh}", 255),
            },
        )


def _both(key: str) -> tuple[str, str]:
    return i18n.text(key, "en"), i18n.text(key, "zh")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_instructions(workbook: Any, *, zh_first: bool) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    heading = workbook.add_format({"bold": True, "bg_color": "#E7E6E6", "bottom": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    code = workbook.add_format({"font_name": "Consolas", "valign": "top", "text_wrap": True})
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 2, 70)

    def pair(key: str) -> tuple[str, str]:
        en, zh = _both(key)
        return (zh, en) if zh_first else (en, zh)

    r = 0
    sheet.write_string(r, 0, " / ".join(pair("template_title")), title)
    r += 2

    sheet.write_string(r, 0, " / ".join(pair("template_columns")), heading)
    r += 1
    for name in HEADERS:
        first, second = pair(f"template_column_{name}")
        sheet.write_string(r, 0, name, code)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
    r += 1

    sheet.write_string(r, 0, " / ".join(pair("template_rules")), heading)
    r += 1
    for key in _RULES:
        first, second = pair(key)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
    r += 1

    sheet.write_string(r, 0, " / ".join(pair("template_examples")), heading)
    r += 1
    for col, name in enumerate(HEADERS):
        # Not the bare column names: this row must never look like a data header to the reader.
        sheet.write_string(r, col, f"{name} (example)", heading)
    r += 1
    for example in _EXAMPLES:
        for col, value in enumerate(example):
            sheet.write_string(r, col, value, code)
        r += 1
    r += 1

    sheet.write_string(r, 0, " / ".join(pair("template_steps")), heading)
    r += 1
    for key in _STEPS:
        first, second = pair(key)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
