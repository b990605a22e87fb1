"""Totals and notes lines under the data (`合计 5`, `Total`, `共 5 人`, `制表人：…`): not bindings.

A team's sheet often ends with a line that counts the rows, and sometimes one that says who made
it; a block of rows may end with a subtotal. Read as data, such a line is "three empty cells".
It is skipped instead, and the reader says which rows it skipped and what they held.

A row is such a line only when every cell it fills (merged cells count once, where their value
is) is one of:

- a totals word, alone or with a count: `合计`, `总计`, `小计`, `共计`, `汇总`, `Total`, `Sum`,
  `Grand total`, `Subtotal`, `Count`, `合计：5`, `Total: 5 rows`, `共 5 人`, `(以下空白)`;
- a sign-off or note with its colon: `制表人：张三`, `审核：`, `备注：…`, `Prepared by: …`,
  `Note: …`;
- a number, only beside a totals word (the count or the sum);

and at least one cell holds a totals word or a note. No cell may hold an `@`. A real row always
has an e-mail address, and a row missing its addresses holds an id or a name, which none of
these patterns takes: such a row stays, and is reported as the row it is.
"""

from __future__ import annotations

import itertools
import operator
import re
import unicodedata
from collections.abc import Sequence

from batchbind.input.headers import Rows
from batchbind.model import Field, SkippedRow, Table
from batchbind.output import i18n

_COUNT = r"\d[\d,]*(?:\.\d+)?"
_UNIT = (
    r"(?:人|名|位|个|個|条|條|行|项|項|户|戶|个账号|个帐号|个邮箱|条记录|名用户|个用户|"
    r"rows?|users?|people|persons?|accounts?|mailboxes|records?|entries|items?|bindings?)"
)
_TOTAL_WORD = (
    r"(?:合计|合計|总计|總計|小计|小計|共计|共計|总共|總共|总数|總數|总和|總和|汇总|彙總|匯總|"
    r"人数合计|合计人数|总人数|總人數|"
    r"grandtotal|subtotal|totals?|sum|count|"
    r"(?:total|numberof)(?:rows|users|accounts|mailboxes|people|records|entries|bindings))"
)
# A cell as `_squeeze` leaves it: a totals word with or without a count, "共 5 人", "5 rows in
# total", or a "nothing below" line.
_TOTAL = re.compile(
    rf"{_TOTAL_WORD}[:=]?(?:{_COUNT}{_UNIT}?)?|共{_COUNT}{_UNIT}?|{_COUNT}{_UNIT}?(?:in)?total"
    r"|以下空白|以下无|以下無|以下为空|以下為空|blankbelow|endoflist"
)
# The words before the colon of a sign-off or a note.
_NOTE_WORD = re.compile(
    r"制表人?|製表人?|填表人?|填报人|填報人|审核人?|審核人?|复核人?|覆核人?|批准人?|负责人|負責人|"
    r"联系人|聯繫人|联系电话|聯繫電話|日期|填表日期|制表日期|製表日期|备注|備註|说明|說明|注|"
    r"preparedby|checkedby|reviewedby|approvedby|date|notes?|remarks?|comments?"
)
_NUMBER = re.compile(rf"[-+]?{_COUNT}%?{_UNIT}?")
# Spaces, underscores and brackets: "( 以下空白 )", "Grand_Total", "【合计】".
_NOISE = re.compile(r"[\s_*()\[\]【】「」〔〕]+")


def _squeeze(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _kind(cell: str) -> str | None:
    """'total', 'note', 'number', or None for a cell that no totals line holds."""
    if "@" in cell:
        return None
    head, colon, _rest = unicodedata.normalize("NFKC", cell).partition(":")  # NFKC: "：" is ":"
    if colon and _NOTE_WORD.fullmatch(_squeeze(head)):
        return "note"
    squeezed = _squeeze(cell)
    if _TOTAL.fullmatch(squeezed):
        return "total"
    if _NUMBER.fullmatch(squeezed):
        return "number"
    return None


def footer_text(cells: Sequence[str]) -> str | None:
    """What a totals or notes line holds (its filled cells, joined), or None for any other row."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    if not filled:
        return None
    kinds = [_kind(cell) for cell in filled]
    if None in kinds:
        return None
    if "total" not in kinds and any(kind != "note" for kind in kinds):
        return None  # a number is a count only beside a totals word
    return " | ".join(filled)


def drop_footers(rows: Rows, column: int) -> list[SkippedRow]:
    """Take the totals and notes lines out of `rows` (`column`: the Exchange account's), and
    say which they were. For rows read before merged ranges are filled in: a range that covers
    a totals line does not make it data."""
    found = [
        SkippedRow(number, text)
        for number, cells in zip(rows.numbers, rows.cells, strict=True)
        if (column >= len(cells) or "@" not in cells[column])
        and (text := footer_text(cells)) is not None
    ]
    if found:
        dropped = {line.row for line in found}
        kept = [number not in dropped for number in rows.numbers]
        rows.numbers = list(itertools.compress(rows.numbers, kept))
        rows.cells = list(itertools.compress(rows.cells, kept))
        for number in dropped:
            rows.problems.pop(number, None)
    return found


def drop_table_footers(table: Table) -> None:
    """Take the totals and notes lines out of a table, into `table.skipped`.

    A totals line has no `@` at all, and every real row has one in its admin account: when
    every admin cell has one (the common case), a pass in C over that column proves there is
    no such line.
    """
    at = operator.contains
    admin = table.data[table.fields[Field.ADMIN_ACCOUNT]]
    if all(map(at, admin, itertools.repeat("@"))):
        return
    exchange = table.data[table.fields[Field.EXCHANGE_ACCOUNT]]
    found = [
        (index, SkippedRow(table.numbers[index], text))
        for index, (first, second) in enumerate(zip(admin, exchange, strict=True))
        if "@" not in first
        and "@" not in second
        and (text := footer_text(table.cells(index))) is not None
    ]
    if not found:
        return
    dropped = {index for index, _line in found}
    kept = [index not in dropped for index in range(len(table.numbers))]
    table.numbers = list(itertools.compress(table.numbers, kept))
    table.data = [list(itertools.compress(column, kept)) for column in table.data]
    renumbered = dict(zip(itertools.compress(range(len(kept)), kept), itertools.count()))
    table.cell_problems = {
        renumbered[index]: codes
        for index, codes in table.cell_problems.items()
        if index in renumbered
    }
    table.skipped = sorted([*table.skipped, *(line for _index, line in found)])


#: How many skipped lines a note names, and how much of each it shows.
_NOTE_LINES = 3
_NOTE_WIDTH = 40


def skipped_note(skipped: Sequence[SkippedRow], lang: str) -> str | None:
    """The sentence that says which lines were skipped and what they held (None: none was)."""
    if not skipped:
        return None

    def shown(line: SkippedRow) -> str:
        return line.text if len(line.text) <= _NOTE_WIDTH else line.text[: _NOTE_WIDTH - 1] + "…"

    if len(skipped) == 1:
        return i18n.text("skipped_line", lang, row=skipped[0].row, text=shown(skipped[0]))
    items = [
        i18n.text("skipped_line_item", lang, row=line.row, text=shown(line))
        for line in skipped[:_NOTE_LINES]
    ]
    if len(skipped) > _NOTE_LINES:
        items.append(i18n.text("skipped_lines_more", lang, count=len(skipped) - _NOTE_LINES))
    separator = "；" if lang == "zh" else "; "
    return i18n.text("skipped_lines", lang, count=len(skipped), listed=separator.join(items))
