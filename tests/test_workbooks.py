"""Workbooks as teams send them (issue 13, items 2 and 3): legacy .xls and .ods read like .xlsx,
password-protected workbooks named as such, merged cells, and totals lines under the data.

The .xls, .ods and encrypted files are real ones, made once by LibreOffice and msoffcrypto-tool
(tests/fixtures/README.md); the .xlsx and CSV files are written here.
"""

from __future__ import annotations

import os
import shutil
import struct
import threading
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
import xlsxwriter
from conftest import (
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    creates,
    read_results,
    run_cli,
    write_input,
)

from batchbind.errors import InputError
from batchbind.input import ole2
from batchbind.input.footers import footer_text
from batchbind.input.load import load_table
from batchbind.model import SkippedRow

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ADMIN_1, ADMIN_2 = "admin1@corp.example", "admin2@corp.example"
HEADER_ZH = ["管理员账号", "Exchange 账号", "用户ID", "姓名"]


def fixture(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    """A copy of a committed fixture (tests write results beside their input)."""
    copy = tmp_path / (as_name or name)
    shutil.copyfile(FIXTURES / name, copy)
    return copy


def refusal(path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_table(path)
    return caught.value


# -- item 3: legacy .xls and .ods read like .xlsx ------------------------------------------------

# The sheet both fixtures hold ("Bindings", after an instructions sheet "说明"): a title merged
# across A1:D1, the header on row 2, admin1 merged down A3:A5, an id typed as a number (row 5),
# a formula (row 6), a 19-digit number Excel has rounded (row 7), "合计" merged across A8:B8 with
# a COUNTA formula beside it, and a sign-off line (row 9).
EXPECTED_ROWS = [
    (3, [ADMIN_1, "zhang.san@corp.example", "ou_1a", "张三"]),
    (4, [ADMIN_1, "li.si@corp.example", "ou_2b", "李四"]),
    (5, [ADMIN_1, "wang.wu@corp.example", "12345", "王五"]),
    (6, [ADMIN_2, "zhao.liu@corp.example", "ou_4d", "赵六"]),
]


@pytest.mark.parametrize("name", ["bindings.xls", "bindings.ods"])
def test_legacy_xls_and_ods_read_like_xlsx(name: str) -> None:
    table = load_table(FIXTURES / name)
    assert table.sheet == "Bindings"  # the instructions sheet before it is passed over
    assert table.columns == HEADER_ZH
    rows = [(r.row, r.cells) for r in table.rows]
    assert rows[:4] == EXPECTED_ROWS  # the merged admin on rows 4 and 5, 12345 not 12345.0
    assert rows[4][0] == 7 and table.rows[4].cell_problems == {2: "number_rounded"}
    assert [line.row for line in table.skipped] == [8, 9]
    assert table.skipped[0] == SkippedRow(8, "合计 | 5")


@pytest.mark.parametrize("name", ["bindings.xls", "bindings.ods"])
def test_validate_a_legacy_workbook_through_the_cli(tmp_path: Path, name: str) -> None:
    source = fixture(name, tmp_path)
    done = run_cli("validate", source)
    assert done.returncode == 1, done.stderr  # rows 5 (not an open_id) and 7 (rounded)
    assert "Traceback" not in done.stderr
    assert "2 rows are totals or notes lines, not bindings: skipped" in done.stdout
    assert "row 8: '合计 | 5'" in done.stdout and "row 9: '制表人：HR'" in done.stdout
    assert "row 7: 用户ID is a number of 16 or more digits" in done.stdout
    assert "管理员账号 is empty" not in done.stdout  # the merged admin covers rows 4 and 5
    results = read_results(tmp_path / f"{Path(name).stem}.results.xlsx")
    assert [r["row"] for r in results] == ["3", "4", "5", "6", "7"]  # no totals line in results
    assert [r["管理员账号"] for r in results] == [ADMIN_1] * 3 + [ADMIN_2] * 2
    assert [r["outcome"] for r in results] == [
        "pending",
        "pending",
        "invalid",
        "pending",
        "invalid",
    ]
    assert source.read_bytes() == (FIXTURES / name).read_bytes()  # the input is never written


@pytest.mark.parametrize("name", ["bindings.xls", "bindings.ods"])
def test_run_a_legacy_workbook_against_the_sandbox(
    make_sandbox: MakeSandbox, tmp_path: Path, name: str
) -> None:
    sandbox = make_sandbox({"limits": {"per_second": 10_000, "per_minute": 1_000_000}})
    source = fixture(name, tmp_path)
    args = ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, *FAST_RATES]
    done = run_cli("run", source, "--state", tmp_path / "journal.sqlite", *args)
    assert done.returncode == 1, done.stderr  # rows 5 and 7 need a person
    assert "2 rows are totals or notes lines" in done.stderr  # said before anything is sent
    sent = {r["exchange_account"]: r["admin_account"] for r in creates(sandbox)}
    assert sent == {
        "zhang.san@corp.example": ADMIN_1,
        "li.si@corp.example": ADMIN_1,  # the merged admin account, sent for the covered row
        "zhao.liu@corp.example": ADMIN_2,
    }
    results = {
        r["Exchange 账号"]: r for r in read_results(tmp_path / f"{Path(name).stem}.results.xlsx")
    }
    assert results["li.si@corp.example"]["outcome"] == "bound"
    assert results["li.si@corp.example"]["管理员账号"] == ADMIN_1
    assert results["zhao.liu@corp.example"]["用户ID"] == "ou_4d"  # a formula's saved value


@pytest.mark.parametrize("name", ["bindings.xls", "bindings.ods"])
def test_a_workbook_is_read_by_its_bytes_not_its_name(tmp_path: Path, name: str) -> None:
    renamed = fixture(name, tmp_path, as_name="bindings.xlsx")  # "Save as" with the wrong name
    assert [(r.row, r.cells) for r in load_table(renamed).rows][:4] == EXPECTED_ROWS


def test_a_legacy_workbook_from_a_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.xls"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as stream:
            stream.write((FIXTURES / "bindings.xls").read_bytes())

    writer = threading.Thread(target=feed)
    writer.start()
    table = load_table(pipe)
    writer.join()
    assert [(r.row, r.cells) for r in table.rows][:4] == EXPECTED_ROWS


# -- item 3: a password-protected workbook says so, in one plain sentence ------------------------


@pytest.mark.parametrize("name", ["encrypted.xlsx", "encrypted.xls", "encrypted.ods"])
def test_a_password_protected_workbook_is_named_as_such(tmp_path: Path, name: str) -> None:
    source = fixture(name, tmp_path)
    done = run_cli("validate", source)
    assert done.returncode == 2
    assert (
        done.stderr.splitlines()[0]
        == f"Error: {name} is password-protected, so batchbind cannot read it."
    )
    assert "remove the password (File > Info > Protect Workbook" in done.stderr
    assert "legacy" not in done.stderr and "Traceback" not in done.stderr
    zh = run_cli("validate", source, "--lang", "zh")
    assert zh.returncode == 2
    assert zh.stderr.startswith(f"错误：{name} 受密码保护，batchbind 无法读取。")
    assert "文件 > 信息 > 保护工作簿" in zh.stderr
    assert not (tmp_path / f"{Path(name).stem}.results.xlsx").exists()


def test_run_on_a_password_protected_workbook_sends_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    source = fixture("encrypted.xlsx", tmp_path)
    done = run_cli("run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN)
    assert done.returncode == 2 and "password-protected" in done.stderr
    assert creates(sandbox) == []


def test_an_ole2_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    # An OLE2 header with nothing sound behind it (as a truncated download leaves it).
    path = tmp_path / "old.xls"
    path.write_bytes(ole2.OLE2_MAGIC + bytes(504))
    err = refusal(path)
    assert err.key == "xlsx_damaged" and "old.xls is a damaged Excel file" in err.message
    assert "CSV UTF-8" in err.hint


# -- item 3: the workbook-bomb bounds have their .xls and .ods equivalents -------------------------


def _patched_xls(tmp_path: Path, patch: str) -> Path:
    """A copy of bindings.xls whose Workbook stream says more than it holds (same size)."""
    path = fixture("bindings.xls", tmp_path, as_name=f"bomb-{patch}.xls")
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        position = 0
        while position + 4 <= len(data):
            typ, length = struct.unpack_from("<HH", data, position)
            if patch == "dimensions" and typ == 0x0200 and length == 14:
                struct.pack_into("<IIHH", data, position + 4, 0, 0x00FFFFFF, 0, 255)
            if patch == "far-cell" and typ == 0x027E:  # an RK cell (the number 12345)
                struct.pack_into("<HH", data, position + 4, 65535, 65535)
            position += 4 + length
        ole.write_stream("Workbook", bytes(data))
    return path


def test_a_xls_declaring_billions_of_cells_is_refused_before_calamine(tmp_path: Path) -> None:
    # calamine reserves memory for what DIMENSIONS declares: this 7 KB file aborted the process.
    done = run_cli("validate", _patched_xls(tmp_path, "dimensions"))
    assert done.returncode == 2, done.stderr
    assert "has or declares a sheet of more than 1,048,576 rows" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_xls_cell_far_away_is_refused_before_calamine(tmp_path: Path) -> None:
    done = run_cli("validate", _patched_xls(tmp_path, "far-cell"))
    assert done.returncode == 2, done.stderr
    assert "cells span 65,536 rows by 65,536 columns" in done.stderr


def test_a_xls_larger_than_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = fixture("bindings.xls", tmp_path)
    monkeypatch.setattr(ole2, "MAX_XLS_BYTES", 4096)  # the fixture is 7 KB
    err = refusal(source)
    assert err.key == "xls_too_large" and "legacy .xls" in err.message


_ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type='
    '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def _ods(path: Path, rows: str) -> Path:
    """An .ods whose one sheet ("S") holds these table rows (content.xml as written by hand)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path


def _cell(text: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string"{extra}><text:p>{text}</text:p></table:table-cell>'


def _row(*cells: str, extra: str = "") -> str:
    return f"<table:table-row{extra}>{''.join(cells)}</table:table-row>"


HEADER_ROW = _row(_cell("admin_account"), _cell("exchange_account"), _cell("user_id"))
DATA_ROW = _row(_cell("a@corp.example"), _cell("b@corp.example"), _cell("ou_b"))


@pytest.mark.parametrize(
    ("rows", "refused"),
    [
        # one filled row repeated past Excel's height (a few hundred bytes)
        (
            _row(_cell("x"), extra=' table:number-rows-repeated="2000000"'),
            "more than 1,048,576 rows",
        ),
        # a filled cell repeated across 10,000 columns, repeated down 10,000 rows
        (
            _row(
                _cell("x", ' table:number-columns-repeated="10000"'),
                extra=' table:number-rows-repeated="10000"',
            ),
            "cells span 10,001 rows by 10,000 columns",
        ),
    ],
)
def test_an_ods_that_repeats_into_billions_of_cells_is_refused(
    tmp_path: Path, rows: str, refused: str
) -> None:
    done = run_cli("validate", _ods(tmp_path / "bomb.ods", HEADER_ROW + rows))
    assert done.returncode == 2, done.stderr
    assert refused in done.stderr and "Traceback" not in done.stderr


def test_an_ods_with_libreoffices_trailing_empty_rows_is_read(tmp_path: Path) -> None:
    # LibreOffice writes the empty rest of a sheet as one row repeated a million times, with an
    # empty cell repeated across every column: calamine drops it, and so does the bound.
    trailing = _row(
        '<table:table-cell table:number-columns-repeated="16384"/>',
        extra=' table:number-rows-repeated="1048574"',
    )
    table = load_table(_ods(tmp_path / "lo.ods", HEADER_ROW + DATA_ROW + trailing))
    assert [(r.row, r.cells) for r in table.rows] == [
        (2, ["a@corp.example", "b@corp.example", "ou_b"])
    ]


def test_an_ods_formula_saved_without_a_value_is_reported(tmp_path: Path) -> None:
    # Scripts (odfpy and others) write formulas without their value; calamine reads them empty.
    no_value = '<table:table-cell table:formula="of:=LOWER(&quot;OU_X&quot;)"/>'
    path = _ods(
        tmp_path / "f.ods",
        HEADER_ROW + _row(_cell("a@corp.example"), _cell("b@corp.example"), no_value),
    )
    (row,) = load_table(path).rows
    assert row.cell_problems == {2: "formula_without_value"}


def test_merged_cells_of_an_ods_written_by_hand(tmp_path: Path) -> None:
    merged = _cell(
        "a@corp.example", ' table:number-rows-spanned="2" table:number-columns-spanned="1"'
    )
    rows = _row(merged, _cell("b@corp.example"), _cell("ou_b")) + _row(
        "<table:covered-table-cell/>", _cell("c@corp.example"), _cell("ou_c")
    )
    table = load_table(_ods(tmp_path / "m.ods", HEADER_ROW + rows))
    assert [r.cells[0] for r in table.rows] == ["a@corp.example", "a@corp.example"]


# -- item 3: the results side -------------------------------------------------------------------


def test_resolve_on_a_xls_writes_a_xlsx_copy_and_leaves_the_xls_alone(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": {"per_second": 10_000, "per_minute": 1_000_000}})
    source = fixture("bindings.xls", tmp_path)
    done = run_cli(
        "resolve",
        source,
        "--email-column",
        "Exchange 账号",
        "--base-url",
        sandbox.base_url,
        "--app-id",
        "cli_sandbox",
        env={"FEISHU_APP_SECRET": "sandbox-secret"},
    )
    assert done.returncode in (0, 1), done.stderr
    assert source.read_bytes() == (FIXTURES / "bindings.xls").read_bytes()
    copy = tmp_path / "bindings.resolved.xlsx"
    assert zipfile.is_zipfile(copy) and not (tmp_path / "bindings.resolved.xls").exists()
    book = openpyxl.load_workbook(copy, read_only=True)
    try:
        assert book.sheetnames == ["说明", "Bindings"]
    finally:
        book.close()


def test_resolve_refuses_to_write_a_xls(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": {"per_second": 10_000, "per_minute": 1_000_000}})
    source = fixture("bindings.xls", tmp_path)
    done = run_cli(
        "resolve",
        source,
        "--email-column",
        "Exchange 账号",
        "--base-url",
        sandbox.base_url,
        "--app-id",
        "cli_sandbox",
        "--out",
        tmp_path / "out.xls",
        env={"FEISHU_APP_SECRET": "sandbox-secret"},
    )
    assert done.returncode == 2 and "write a .xlsx or a .csv file" in done.stderr
    assert not (tmp_path / "out.xls").exists()


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
