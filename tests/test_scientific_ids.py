"""Ids Excel has already mangled into scientific notation (issue 13, item 4).

Excel shows a long number as `1.23457E+17`; copied, pasted into a Text cell or saved as CSV, only
those digits survive. Such a value in the user column is an error for its row, in any input
format, with a hint saying how to get the ids into Excel intact. Real ids never look like that:
open_ids and union_ids start with `ou_` / `on_`, and tenant-defined user_ids (employee ids: `10086`,
`a1b2c3`, even `12E4`) have no exponent sign and no decimal point.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    creates,
    read_results,
    run_cli,
    write_input,
)

from batchbind.input.cleaning import is_scientific
from batchbind.sandbox.contact import derived_id

MANGLED = ["1.23457E+17", "1,23457E+17", "1.2345678901234568e+17", "1E+15", "1.5E-05"]
LEGITIMATE = ["10086", "a1b2c3", "12E4", "3e8", "E10086", "1e5x", "007"]


def said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def rows_of(ids: list[str]) -> list[tuple[str, str, str]]:
    return [(ADMIN, f"p{n}@exchange.example", value) for n, value in enumerate(ids)]


@pytest.mark.parametrize("value", MANGLED)
def test_the_shapes_excel_writes_are_scientific(value: str) -> None:
    assert is_scientific(value)


@pytest.mark.parametrize("value", LEGITIMATE)
def test_employee_ids_are_not(value: str) -> None:
    assert not is_scientific(value)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_mangled_id_is_an_error_for_its_row(tmp_path: Path, suffix: str) -> None:
    # .xlsx: `write_input` stores every value as a text cell, as a paste into a Text column does.
    source = write_input(tmp_path / f"ids{suffix}", rows_of(LEGITIMATE + MANGLED))
    out = tmp_path / "checked.xlsx"

    result = run_cli("validate", source, "--user-id-type", "user_id", "--out", out)

    assert result.returncode == 1, said(result)
    rows = read_results(out)
    assert [r["code"] for r in rows] == [""] * len(LEGITIMATE) + ["scientific_notation"] * len(
        MANGLED
    )
    assert all(r["outcome"] == "pending" for r in rows[: len(LEGITIMATE)])
    first_bad = len(LEGITIMATE) + 2  # the header is row 1
    assert f"row {first_bad}: user_id holds a number in scientific notation" in said(result)
    assert "Format Cells > Text" in rows[-1]["hint"]


def test_whatever_the_id_type_the_cause_named_is_excel(tmp_path: Path) -> None:
    source = write_input(tmp_path / "ids.csv", rows_of(["1.23457E+17"]))

    english = run_cli("validate", source, "--out", tmp_path / "en.csv")
    chinese = run_cli("validate", source, "--lang", "zh", "--out", tmp_path / "zh.csv")

    assert english.returncode == 1 and chinese.returncode == 1
    assert [r["code"] for r in read_results(tmp_path / "en.csv")] == ["scientific_notation"]
    assert "科学计数法" in said(chinese) and "设置单元格格式 > 文本" in said(chinese)


def test_a_real_number_cell_still_reads_as_rounded(tmp_path: Path) -> None:
    # The sibling rule: a number cell Excel has rounded (16+ digits) keeps its own code.
    path = tmp_path / "numbers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["admin_account", "exchange_account", "user_id"])
    sheet.append([ADMIN, "a@exchange.example", 123456789012345678])
    sheet.append([ADMIN, "b@exchange.example", "1.23457E+17"])
    book.save(path)

    result = run_cli("validate", path, "--user-id-type", "user_id", "--out", tmp_path / "r.csv")

    assert result.returncode == 1
    codes = [r["code"] for r in read_results(tmp_path / "r.csv")]
    assert codes == ["number_rounded", "scientific_notation"]


def test_run_sends_nothing_for_a_mangled_id(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}})
    source = write_input(tmp_path / "ids.csv", rows_of(["10086", "1.23457E+17"]))

    result = run_cli(
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
        "--user-id-type", "user_id", "--state", tmp_path / "j.sqlite", *FAST_RATES,
    )  # fmt: skip

    assert result.returncode == 1, said(result)
    assert [r["user_id"] for r in creates(sandbox)] == ["10086"]
    outcomes = [r["outcome"] for r in read_results(tmp_path / "ids.results.xlsx")]
    assert outcomes == ["bound", "invalid"]


def test_resolve_names_a_mangled_id_it_cannot_look_up(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # A mangled id with an e-mail address on its row is looked up again; one without is named.
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    header = ("admin_account", "exchange_account", "user_id", "email")
    rows = [
        (ADMIN, "a@exchange.example", "10086", ""),
        (ADMIN, "b@exchange.example", "1.23457E+17", ""),
        (ADMIN, "c@exchange.example", "1.23458E+17", "c@corp.example"),
    ]
    source = write_input(tmp_path / "ids.csv", rows, header=header)

    result = run_cli(
        "resolve", source, "--base-url", sandbox.base_url, "--user-id-type", "user_id",
        env={"FEISHU_APP_ID": "cli_sandbox", "FEISHU_APP_SECRET": "sandbox-secret"},
    )  # fmt: skip

    assert result.returncode == 1, said(result)
    assert "scientific notation" in said(result) and "row 3" in said(result)
    assert "looked up by e-mail instead: row 4" in said(result)
    copy = read_results(tmp_path / "ids.resolved.csv")
    assert [r["user_id"] for r in copy] == [
        "10086",
        "1.23457E+17",
        derived_id("c@corp.example", "user_id"),
    ]


def test_resolve_never_keeps_a_number_cell_excel_rounded(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    path = tmp_path / "numbers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["admin_account", "exchange_account", "user_id", "email"])
    sheet.append([ADMIN, "a@exchange.example", 123456789012345678, None])
    sheet.append([ADMIN, "b@exchange.example", 123456789012345679, "b@corp.example"])
    sheet.append([ADMIN, "c@exchange.example", 10086, None])
    book.save(path)

    result = run_cli(
        "resolve", path, "--base-url", sandbox.base_url, "--user-id-type", "user_id",
        "--out", tmp_path / "copy.csv",
        env={"FEISHU_APP_ID": "cli_sandbox", "FEISHU_APP_SECRET": "sandbox-secret"},
    )  # fmt: skip

    assert result.returncode == 1, said(result)
    assert "a number Excel has rounded" in said(result) and "row 2" in said(result)
    copy = read_results(tmp_path / "copy.csv")
    assert [r["resolve_status"] for r in copy] == ["invalid", "found", ""]
    assert [r["user_id"] for r in copy][1:] == [derived_id("b@corp.example", "user_id"), "10086"]
