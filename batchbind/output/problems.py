"""Why a row is not sent, in words: one entry per validation problem code, in English and Chinese.

Validation records a `Problem` (a stable code, the column, the values involved); the report and
the console turn it into a message and a hint here, in the user's language. Codes are part of the
results file (the `code` column of invalid rows), so they never change once published.

Parameters a message may use: `{column}`, `{value}` (shown shortened, control characters made
visible), `{length}`, `{max}`, `{found}`, `{expected}`, `{row}`, `{rows}` (other rows involved,
already formatted with how many more there are).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import NamedTuple

from batchbind.model import Problem

#: How much of a value a message shows.
VALUE_PREVIEW = 60


class _Text(NamedTuple):
    en_msg: str
    en_hint: str
    zh_msg: str
    zh_hint: str


CATALOGUE: dict[str, _Text] = {
    "missing_value": _Text(
        "{column} is empty.",
        "Fill in {column}: every row needs an admin account, an Exchange account and a user id.",
        "{column} 为空。",
        "请填写 {column}：每一行都需要管理员账号、Exchange 账号和用户 ID。",
    ),
    "too_long": _Text(
        "{column} is {length} characters long; at most {max} are allowed.",
        "Check that the cell holds only this row's value (a pasted paragraph, or several values).",
        "{column} 有 {length} 个字符，最多允许 {max} 个。",
        "请确认该单元格只包含本行的一个值（而不是粘贴进来的一段文字或多个值）。",
    ),
    "invalid_email": _Text(
        "{column} is not an e-mail address: {value}",
        "Use the full address, like name@example.com, with one @ and no spaces.",
        "{column} 不是有效的邮箱地址：{value}",
        "请填写完整的邮箱地址，例如 name@example.com（只有一个 @，不含空格）。",
    ),
    "invalid_open_id": _Text(
        "{column} is not an open_id: {value}",
        "open_ids start with ou_. If the column holds other ids, pass --user-id-type union_id "
        "or user_id; to look ids up from e-mail addresses, run batchbind resolve.",
        "{column} 不是 open_id：{value}",
        "open_id 以 ou_ 开头。如果这一列是其他类型的 ID，请加上 --user-id-type union_id 或 "
        "user_id；如需根据邮箱查出 ID，请运行 batchbind resolve。",
    ),
    "invalid_union_id": _Text(
        "{column} is not a union_id: {value}",
        "union_ids start with on_. If the column holds other ids, pass --user-id-type open_id "
        "or user_id; to look ids up from e-mail addresses, run batchbind resolve.",
        "{column} 不是 union_id：{value}",
        "union_id 以 on_ 开头。如果这一列是其他类型的 ID，请加上 --user-id-type open_id 或 "
        "user_id；如需根据邮箱查出 ID，请运行 batchbind resolve。",
    ),
    "invalid_user_id": _Text(
        "{column} is not a user_id: {value}",
        "A user_id has no spaces and no @. Check the value in the Feishu admin console.",
        "{column} 不是有效的 user_id：{value}",
        "user_id 不含空格和 @。请在飞书管理后台核对该值。",
    ),
    "wrong_id_type": _Text(
        "{column} holds a {found} ({value}), but --user-id-type is {expected}.",
        "Pass --user-id-type {found} if the whole column holds {found}s; otherwise fix this row.",
        "{column} 是 {found}（{value}），但 --user-id-type 为 {expected}。",
        "如果整列都是 {found}，请加上 --user-id-type {found}；否则请修改这一行。",
    ),
    "email_in_user_id": _Text(
        "{column} holds an e-mail address, not a Feishu id: {value}",
        "Run batchbind resolve on this file to fill in the ids from people's e-mail addresses.",
        "{column} 填的是邮箱地址，不是飞书 ID：{value}",
        "请对该文件运行 batchbind resolve，根据邮箱地址自动填入 ID。",
    ),
    "control_characters": _Text(
        "{column} contains control or invisible characters: {value}",
        "Retype the value: copying from web pages or chats can bring in line breaks, tabs or "
        "zero-width spaces.",
        "{column} 含有控制字符或不可见字符：{value}",
        "请重新输入该值：从网页或聊天中复制时可能带入换行、制表符或零宽空格。",
    ),
    "number_rounded": _Text(
        "{column} is a number of 16 or more digits, which Excel has already rounded: {value}",
        "Excel keeps only 15 digits of a number. Format the column as Text and type the full "
        "value again (or save from the source system as CSV).",
        "{column} 是 16 位以上的数字，Excel 已将其四舍五入：{value}",
        "Excel 的数字只保留 15 位有效数字。请把该列设置为“文本”格式后重新输入完整的值"
        "（或从源系统直接导出 CSV）。",
    ),
    "formula_without_value": _Text(
        "{column} holds a formula whose value was not saved in the file.",
        "Open the file in Excel and save it again so the values are stored, or paste the column "
        "as values.",
        "{column} 是公式，文件中没有保存它的计算结果。",
        "请用 Excel 打开并重新保存该文件以保存计算结果，或将该列“粘贴为数值”。",
    ),
    "duplicate_exchange_account": _Text(
        "Exchange account {value} is also on {rows}, with another user or admin account.",
        "An Exchange mailbox binds to one Feishu user only: keep the right row, fix or delete "
        "the others.",
        "Exchange 账号 {value} 也出现在{rows}，但用户或管理员账号不同。",
        "一个 Exchange 邮箱只能绑定一个飞书用户：请保留正确的那一行，修改或删除其他行。",
    ),
    "user_has_several_accounts": _Text(
        "User {value} also has another Exchange account on {rows}.",
        "This is usually a shifted column: check these rows. If the person really has several "
        "mailboxes, pass --allow-multiple-per-user.",
        "用户 {value} 在{rows}还有另一个 Exchange 账号。",
        "这通常是列错位造成的，请检查这些行。如果此人确实有多个邮箱，请加上 "
        "--allow-multiple-per-user。",
    ),
    "duplicate_row": _Text(
        "Same as row {row}: sent once.",
        "Nothing to do; you may delete the copy.",
        "与第 {row} 行相同：只发送一次。",
        "无需处理；可以删除重复的行。",
    ),
}

_UNKNOWN = _Text(
    "Problem {code} in {column}.",
    "",
    "{column} 有问题：{code}。",
    "",
)


def describe(problem: Problem, lang: str) -> tuple[str, str]:
    """The message and hint for a problem, in `en` or `zh` (anything else reads as English)."""
    text = CATALOGUE.get(problem.code, _UNKNOWN)
    zh = lang.lower().startswith("zh")
    params: defaultdict[str, str] = defaultdict(str, problem.param_dict())
    params["code"] = problem.code
    params["column"] = problem.column or params["column"]
    if "value" in params:
        params["value"] = preview(params["value"])
    if "rows" in params:
        params["rows"] = _rows_text(params["rows"], params["more"], zh=zh)
    msg, hint = (text.zh_msg, text.zh_hint) if zh else (text.en_msg, text.en_hint)
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


def _rows_text(rows: str, more: str, *, zh: bool) -> str:
    extra = int(more) if more.isdigit() else 0
    if zh:
        text = "第 " + rows + " 行"
        return text + (f"等（另有 {extra} 行）" if extra else "")
    label = "row " if "," not in rows and not extra else "rows "
    return label + rows + (f" and {extra:,} more" if extra else "")
