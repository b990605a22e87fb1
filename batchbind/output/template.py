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
from batchbind.output.writers import write_atomically

__all__ = ["DATA_SHEET", "HEADERS", "INSTRUCTIONS_SHEET", "write_template"]

HEADERS: tuple[str, ...] = tuple(f.value for f in Field)
DATA_SHEET = "Bindings"
INSTRUCTIONS_SHEET = "Instructions"

# A fixed creation date keeps the file identical from one run to the next, so the copy shipped
# in templates/ can be checked against what the command writes.
_CREATED = datetime(2024, 1, 1)

_WIDTHS = (34, 38, 40)

#: (column, English, Chinese): what to type in each column.
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "admin_account",
        "The Exchange administrator account (an e-mail address) that Feishu uses to reach the "
        "mailbox, as registered in the Feishu admin console.",
        "Feishu 用来访问该邮箱的 Exchange 管理员账号（邮箱地址），"
        "即在飞书管理后台登记的管理员账号。",
    ),
    (
        "exchange_account",
        "The user's Exchange mailbox (an e-mail address), e.g. alice@contoso.com.",
        "用户的 Exchange 邮箱地址，例如 alice@contoso.com。",
    ),
    (
        "user_id",
        "The user's Feishu id. By default an open_id, which starts with ou_ . For a union_id "
        "(on_...) or a tenant user_id, run with --user-id-type union_id or --user-id-type user_id. "
        "If you only know people's e-mail addresses, `batchbind resolve FILE` fills this in.",
        "用户的飞书 ID。默认为 open_id，以 ou_ 开头；如填写 union_id（on_ 开头）或企业自定义的 "
        "user_id，运行时请加 --user-id-type union_id 或 --user-id-type user_id。"
        "如果只知道邮箱地址，可用 `batchbind resolve FILE` 自动补全。",
    ),
)

_RULES: tuple[tuple[str, str], ...] = (
    (
        "Fill in the first sheet (Bindings): one row per mailbox, starting on row 2.",
        "在第一个工作表（Bindings）中填写：每个邮箱一行，从第 2 行开始。",
    ),
    (
        "Do not change, translate or reorder the three headers. You may add other columns "
        "(e.g. name, department): they are copied into the results.",
        "请勿修改、翻译或调换三个表头。可以增加其他列（如姓名、部门），它们会被原样复制到结果中。",
    ),
    (
        "E-mail addresses are written in full, like name@example.com (no display names, no "
        "spaces). Upper and lower case do not matter.",
        "邮箱地址须完整填写，如 name@example.com（不要带显示名或空格），不区分大小写。",
    ),
    (
        "Each Exchange account appears once. Exact duplicate rows are sent only once.",
        "每个 Exchange 账号只能出现一次；完全相同的重复行只发送一次。",
    ),
    (
        "The columns are formatted as text so that Excel keeps ids exactly as typed. "
        "Blank rows are ignored.",
        "各列已设为文本格式，Excel 会原样保留 ID。空行会被忽略。",
    ),
    (
        "Do not put example rows on the Bindings sheet: every row there is sent to Feishu.",
        "不要在 Bindings 工作表中保留示例行：其中每一行都会被发送到飞书。",
    ),
)

_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("exchange-admin@contoso.com", "alice@contoso.com", "ou_7d8a6e6df7621556ce0d21922b676706"),
    ("exchange-admin@contoso.com", "bob@contoso.com", "ou_9f1c2b3a4d5e6f708192a3b4c5d6e7f8"),
)

_STEPS: tuple[tuple[str, str], ...] = (
    (
        "1. Check the file (sends nothing): batchbind validate FILE",
        "1. 检查文件（不会发送任何内容）：batchbind validate FILE",
    ),
    (
        "2. Bind every valid row: batchbind run FILE  (the results go next to it, in "
        "<name>.results.xlsx)",
        "2. 绑定所有有效行：batchbind run FILE（结果写入同目录下的 <文件名>.results.xlsx）",
    ),
    (
        "3. Run the same command again at any time: rows already bound are never sent twice.",
        "3. 可随时重新运行同一命令：已绑定的行不会重复发送。",
    ),
)

_TITLES = {
    "title": ("How to fill in this template", "如何填写本模板"),
    "columns": ("Columns", "各列说明"),
    "rules": ("Rules", "填写规则"),
    "examples": (
        "Examples (type your rows on the Bindings sheet)",
        "示例（请在 Bindings 表中填写）",
    ),
    "steps": ("How to run", "如何运行"),
}


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
    raise InputError(
        f"The template must end in .xlsx or .csv, not {path.name!r}.",
        hint="For example: batchbind template bindings.xlsx",
    )


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
    for col, (name, en, zh) in enumerate(_COLUMNS):
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

    def pair(en: str, zh: str) -> tuple[str, str]:
        return (zh, en) if zh_first else (en, zh)

    r = 0
    sheet.write_string(r, 0, " / ".join(pair(*_TITLES["title"])), title)
    r += 2

    sheet.write_string(r, 0, " / ".join(pair(*_TITLES["columns"])), heading)
    r += 1
    for name, en, zh in _COLUMNS:
        first, second = pair(en, zh)
        sheet.write_string(r, 0, name, code)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
    r += 1

    sheet.write_string(r, 0, " / ".join(pair(*_TITLES["rules"])), heading)
    r += 1
    for en, zh in _RULES:
        first, second = pair(en, zh)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
    r += 1

    sheet.write_string(r, 0, " / ".join(pair(*_TITLES["examples"])), heading)
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

    sheet.write_string(r, 0, " / ".join(pair(*_TITLES["steps"])), heading)
    r += 1
    for en, zh in _STEPS:
        first, second = pair(en, zh)
        sheet.write_string(r, 1, first, wrap)
        sheet.write_string(r, 2, second, wrap)
        r += 1
