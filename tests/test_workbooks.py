"""Workbooks as teams send them (issue 13, item 2): merged cells, and totals lines under the
data."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from conftest import read_results, run_cli, write_input

from batchbind.input.footers import footer_text
from batchbind.input.load import load_table
from batchbind.model import SkippedRow

ADMIN_1, ADMIN_2 = "admin1@corp.example", "admin2@corp.example"


# -- item 2: merged cells -------------------------------------------------------------------------


def _merged_xlsx(path: Path, *, footer: list[tuple[int, int, object]] | None = None) -> Path:
    """One admin account merged down rows 3-5 under a merged title; a user id merged too."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    sheet.merge_range(0, 0, 0, 2, "Exchange 绑定清单")
    sheet.write_row(1, 0, ["管理员账号", "Exchange 账号", "用户ID"])
    sheet.merge_range(2, 0, 4, 0, ADMIN_1)
    for row, name in enumerate(["ann", "bob", "cat"], start=2):
        sheet.write_string(row, 1, f"{name}@corp.example")
        sheet.write_string(row, 2, f"ou_{name}")
    sheet.write_string(5, 0, ADMIN_2)
    sheet.write_string(5, 1, "dan@corp.example")
    sheet.merge_range(5, 2, 6, 2, 1234567890123456789)  # a rounded number, merged down 2 rows
    sheet.write_string(6, 0, ADMIN_2)
    sheet.write_string(6, 1, "eve@corp.example")
    for row, col, value in footer or []:
        sheet.write(row, col, value)
    book.close()
    return path


def test_a_merged_admin_account_applies_to_every_row_it_covers(tmp_path: Path) -> None:
    table = load_table(_merged_xlsx(tmp_path / "merged.xlsx"))
    assert [(r.row, r.cells[0]) for r in table.rows] == [
        (3, ADMIN_1), (4, ADMIN_1), (5, ADMIN_1), (6, ADMIN_2), (7, ADMIN_2),
    ]  # fmt: skip
    # A merged number Excel has rounded is the same problem on every row it covers.
    assert table.rows[3].cell_problems == table.rows[4].cell_problems == {2: "number_rounded"}


def test_validate_a_merged_sheet_through_the_cli(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "team.xlsx"))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["管理员账号", "Exchange 账号", "用户ID"])
    sheet.merge_range(1, 0, 5, 0, ADMIN_1)
    for row in range(1, 6):
        sheet.write_row(row, 1, [f"u{row}@corp.example", f"ou_{row}"])
    sheet.merge_range(6, 0, 6, 1, "合计")
    sheet.write_number(6, 2, 5)
    sheet.write_string(7, 0, "共 5 人")
    book.close()
    done = run_cli("validate", tmp_path / "team.xlsx")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is empty" not in done.stdout
    assert (
        "2 rows are totals or notes lines, not bindings: skipped (row 7: '合计 | 5'; row 8: '共 5 人')"
        in done.stdout
    )
    assert "all 5 rows are valid" in done.stdout.lower() or "5 rows" in done.stdout
    zh = run_cli("validate", tmp_path / "team.xlsx", "--lang", "zh", "--force")
    assert (
        "有 2 行是合计或备注行，不是绑定：已跳过（第 7 行：“合计 | 5”；第 8 行：“共 5 人”）。"
        in zh.stdout
    )


def test_a_merged_admin_account_that_covers_a_subtotal_does_not_make_it_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "block.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["管理员账号", "Exchange 账号", "用户ID"])
    sheet.merge_range(1, 0, 3, 0, ADMIN_1)  # over two rows and the block's subtotal
    sheet.write_row(1, 1, ["a@corp.example", "ou_a"])
    sheet.write_row(2, 1, ["b@corp.example", "ou_b"])
    sheet.write_string(3, 1, "小计")
    sheet.write_number(3, 2, 2)
    book.close()
    table = load_table(path)
    assert [(r.row, r.cells[0]) for r in table.rows] == [(2, ADMIN_1), (3, ADMIN_1)]
    assert table.skipped == [SkippedRow(4, "小计 | 2")]


def test_a_merged_title_or_header_is_not_copied_into_the_data(tmp_path: Path) -> None:
    path = tmp_path / "title.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 2, 2, "a title merged over three rows")
    sheet.write_row(3, 0, ["admin_account", "exchange_account", "user_id"])
    sheet.write_row(4, 0, ["a@corp.example", "b@corp.example", "ou_b"])
    book.close()
    assert [(r.row, r.cells) for r in load_table(path).rows] == [
        (5, ["a@corp.example", "b@corp.example", "ou_b"])
    ]


# -- item 2: totals and notes lines ---------------------------------------------------------------

FOOTERS = [
    ["合计", "", "5"], ["合计：5"], ["总计", "5"], ["小计", "3"], ["共 5 人"], ["共计 12 条"],
    ["Total"], ["TOTAL:", "5"], ["Grand Total", "1,234"], ["Total: 5 rows"], ["Subtotal", "3"],
    ["Sum", "", "12"], ["Count", "5"], ["5 rows in total"], ["汇总", "共 12 人"], ["（以下空白）"],
    ["制表人：张三"], ["制表人：张三", "日期：2026-11-26"], ["Prepared by: HR"], ["备注：无"],
    ["【合计】", "5"], ["合　计", "５"],
]  # fmt: skip
NOT_FOOTERS = [
    ["", "", "12345"],  # a row missing its addresses: reported, never dropped
    ["", "", "ou_1"],
    ["", "", "12345", "备注：已离职"],  # an id beside a note is a row
    [ADMIN_1, "合计", ""],  # an address: a row
    ["Total", "", "ou_123"],
    ["合计", "张三"],
    ["张三"], ["备注"], ["date"], ["Note: mail it@corp.example"], ["", "", ""], ["Total", "5", "x"],
]  # fmt: skip


@pytest.mark.parametrize("cells", FOOTERS)
def test_a_totals_or_notes_line_is_recognised(cells: list[str]) -> None:
    assert footer_text(cells) == " | ".join(c.strip() for c in cells if c.strip())


@pytest.mark.parametrize("cells", NOT_FOOTERS)
def test_a_row_that_may_be_data_is_never_taken_for_a_totals_line(cells: list[str]) -> None:
    assert footer_text(cells) is None


def test_a_csv_exported_with_its_totals_line(tmp_path: Path) -> None:
    rows = [[ADMIN_1, f"u{n}@corp.example", f"ou_{n}"] for n in range(1, 4)]
    rows += [["合计", "", "3"], ["", "", ""], ["制表人：HR", "", ""]]
    source = write_input(tmp_path / "export.csv", rows)
    done = run_cli("validate", source)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "2 rows are totals or notes lines, not bindings: skipped (row 5: '合计 | 3'; row 7: '制表人：HR')"
        in done.stdout
    )
    assert [r["row"] for r in read_results(tmp_path / "export.results.xlsx")] == ["2", "3", "4"]


def test_a_subtotal_between_blocks_is_skipped_and_a_real_incomplete_row_is_reported(
    tmp_path: Path,
) -> None:
    rows = [
        [ADMIN_1, "a@corp.example", "ou_a"],
        ["小计", "", "1"],
        [ADMIN_2, "b@corp.example", "ou_b"],
        ["", "", "ou_c"],  # someone forgot the addresses: a row, not a footer
        ["Total", "", "2"],
    ]
    table = load_table(write_input(tmp_path / "blocks.csv", rows))
    assert table.numbers == [2, 4, 5]
    assert table.skipped == [SkippedRow(3, "小计 | 1"), SkippedRow(6, "Total | 2")]
    done = run_cli("validate", tmp_path / "blocks.csv")
    assert done.returncode == 1
    assert "row 5: admin_account is empty" in done.stdout


def test_many_totals_lines_are_one_note_not_a_line_each(tmp_path: Path) -> None:
    rows: list[list[str]] = []
    for block in range(10):
        rows.append([ADMIN_1, f"u{block}@corp.example", f"ou_{block}"])
        rows.append(["小计", "", "1"])
    done = run_cli("validate", write_input(tmp_path / "many.csv", rows), "--json")
    assert done.returncode == 0, done.stderr
    note = [line for line in done.stderr.splitlines() if "totals or notes" in line]
    assert note == [
        "10 rows are totals or notes lines, not bindings: skipped (row 3: '小计 | 1'; "
        "row 5: '小计 | 1'; row 7: '小计 | 1'; and 7 more)."
    ]
    assert '"skipped": [{"row": 3, "text": "小计 | 1"}' in done.stdout


def test_only_totals_lines_is_no_data(tmp_path: Path) -> None:
    done = run_cli("validate", write_input(tmp_path / "t.csv", [["合计", "", "0"]]))
    assert done.returncode == 2 and "has a header but no rows of data" in done.stderr


def test_the_xlsx_reader_keeps_a_plain_sheet_as_it_was(tmp_path: Path) -> None:
    # No merged cells, no footer: nothing changes (the bench's common case).
    rows = [[ADMIN_1, f"u{n}@corp.example", f"ou_{n}"] for n in range(50)]
    table = load_table(write_input(tmp_path / "plain.xlsx", rows))
    assert table.skipped == [] and len(table) == 50
