"""The fill-in templates, written for real, opened, filled in and read back."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from batchbind.errors import InputError
from batchbind.output.template import HEADERS, write_template

SHIPPED = Path(__file__).resolve().parent.parent / "templates"
BOM = b"\xef\xbb\xbf"


def _contents(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)]) for ws in wb]


def test_xlsx_template_has_the_data_sheet_first_and_nothing_to_send(tmp_path: Path) -> None:
    out = write_template(tmp_path / "t.xlsx")

    assert out == tmp_path / "t.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Bindings", "Instructions"]
    data = wb["Bindings"]
    assert [c.value for c in data[1]] == ["admin_account", "exchange_account", "user_id"]
    assert {c.data_type for c in data[1]} == {"s"}
    assert data.max_row == 1  # no example rows: a filled template is read back as input
    assert data.freeze_panes == "A2"
    for letter in "ABC":
        dim = data.column_dimensions[letter]
        assert dim.number_format == "@"  # Excel's Text format keeps typed ids as text
        assert dim.width is not None and dim.width >= 30
    assert data["A1"].font.b


def test_instructions_sheet_explains_in_english_and_chinese(tmp_path: Path) -> None:
    rows = dict(_contents(write_template(tmp_path / "t.xlsx")))["Instructions"]
    text = "\n".join(str(v) for row in rows for v in row if v is not None)

    for needle in (
        "admin_account",
        "exchange_account",
        "ou_",
        "--user-id-type",
        "one row per mailbox",
        "Do not change",
        "batchbind validate FILE",
        "batchbind run FILE",
        "每个邮箱一行",
        "请勿修改",
        "以 ou_ 开头",
    ):
        assert needle in text, needle
    # The examples sit here, under headers that must never be mistaken for the data header.
    assert "alice@contoso.com" in text
    assert all(tuple(row[:3]) != HEADERS for row in rows)


def test_chinese_first_when_asked(tmp_path: Path) -> None:
    en = dict(_contents(write_template(tmp_path / "en.xlsx")))["Instructions"]
    zh = dict(_contents(write_template(tmp_path / "zh.xlsx", lang="zh")))["Instructions"]
    assert en[0][0] == "How to fill in this template / 如何填写本模板"
    assert zh[0][0] == "如何填写本模板 / How to fill in this template"
    assert sorted(map(str, en)) != sorted(map(str, zh))


def test_filled_xlsx_template_keeps_its_columns(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    data = wb["Bindings"]
    data.append(["admin@contoso.com", "alice@contoso.com", "ou_00123"])
    data.append(["admin@contoso.com", "bob@contoso.com", "=1+1"])
    wb.save(path)

    rows = dict(_contents(path))["Bindings"]
    assert rows == [
        HEADERS,
        ("admin@contoso.com", "alice@contoso.com", "ou_00123"),
        ("admin@contoso.com", "bob@contoso.com", "=1+1"),
    ]


def test_csv_template_is_a_bom_and_the_header_line(tmp_path: Path) -> None:
    out = write_template(tmp_path / "t.csv")
    assert out.read_bytes() == BOM + b"admin_account,exchange_account,user_id\r\n"

    with open(out, "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerow(["a@x.com", "张三@x.com", "ou_1"])
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [list(HEADERS), ["a@x.com", "张三@x.com", "ou_1"]]


def test_unknown_suffix_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.xlsx or \.csv"):
        write_template(tmp_path / "t.xls")
    assert list(tmp_path.iterdir()) == []


def test_writing_leaves_no_temp_files(tmp_path: Path) -> None:
    write_template(tmp_path / "t.xlsx")
    write_template(tmp_path / "t.xlsx")
    write_template(tmp_path / "t.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.xlsx"]


def test_shipped_templates_are_what_the_command_writes(tmp_path: Path) -> None:
    shipped_csv = SHIPPED / "bindings-template.csv"
    assert shipped_csv.read_bytes() == write_template(tmp_path / "t.csv").read_bytes()
    shipped_xlsx = SHIPPED / "bindings-template.xlsx"
    assert _contents(shipped_xlsx) == _contents(write_template(tmp_path / "t.xlsx"))
