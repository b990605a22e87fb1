"""The results file, written for real and read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from batchbind.errors import InputError
from batchbind.model import RESULT_COLUMNS, Outcome, ResultRow, RunInfo
from batchbind.output import i18n
from batchbind.output.cells import unescape_csv_cell
from batchbind.output.writers import summary_counts, write_results

COLUMNS = ["admin_account", "exchange_account", "user_id", "部门"]
FORMULAS = ["=1+1", "+33 1", "-x", "@SUM(A1)", "\tx", "\r=2"]


def _info(**settings: str) -> RunInfo:
    return RunInfo(
        command="run",
        started_at="2024-05-01T10:00:00Z",
        ended_at="2024-05-01T10:02:05Z",
        duration_s=125.0,
        settings=settings,
        journal="/data/default.sqlite",
        requests_sent=42,
        throttled=3,
        achieved_per_minute=20.2,
    )


def _row(n: int, outcome: Outcome, *, cells: list[str] | None = None, **kw: object) -> ResultRow:
    cells = cells or ["admin@contoso.com", f"user{n}@contoso.com", f"ou_{n:08d}", "销售部"]
    return ResultRow(cells=cells, row=n, outcome=outcome, **kw)  # type: ignore[arg-type]


def _rows() -> list[ResultRow]:
    return [
        _row(
            2,
            Outcome.BOUND,
            code="0",
            msg="success",
            exchange_binding_id="YmluZA==",
            binding_status="doing",
            attempts=1,
            http_status=200,
            log_id="20240501abc",
            updated_at="2024-05-01T10:00:01Z",
        ),
        _row(3, Outcome.FAILED, code="195100", msg="user not in tenant", hint="Check the user_id."),
        _row(4, Outcome.INVALID, cells=[*FORMULAS[:3], FORMULAS[3]], code="email", msg="bad"),
        _row(5, Outcome.DUPLICATE, msg="copy of row 2"),
        _row(6, Outcome.PENDING),
        _row(7, Outcome.FAILED, code="195100", msg="user not in tenant", hint="Check the user_id."),
    ]


def _sheet_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path)
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def _expected_line(row: ResultRow) -> list[str]:
    return row.cells + row.result_values()


def test_xlsx_results_sheet_holds_every_value_as_text(tmp_path: Path) -> None:
    rows = _rows()
    out = write_results(tmp_path / "r.xlsx", COLUMNS, rows, _info())

    assert out == tmp_path / "r.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Results", "Summary"]
    ws = wb["Results"]
    lines = [[c.value for c in line] for line in ws.iter_rows()]
    assert lines[0] == [*COLUMNS, *RESULT_COLUMNS]
    for got, row in zip(lines[1:], rows, strict=True):
        # Empty values are left blank rather than written as empty strings.
        assert [v or "" for v in got] == _expected_line(row)
    typed = {c.data_type for line in ws.iter_rows() for c in line if c.value is not None}
    assert typed == {"s"}  # every cell is text: no formula ("f"), number ("n") or date
    assert lines[3][:4] == ["=1+1", "+33 1", "-x", "@SUM(A1)"]
    assert lines[1][3] == "销售部"


def test_xlsx_results_sheet_is_frozen_filtered_and_coloured(tmp_path: Path) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info())
    ws = openpyxl.load_workbook(out)["Results"]

    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O7"
    outcome_col = openpyxl.utils.get_column_letter(len(COLUMNS) + 2)  # row, then outcome
    rules = {
        rule.formula[0]: rule.dxf.fill.bgColor.rgb
        for cf in ws.conditional_formatting
        if str(cf.sqref) == f"{outcome_col}2:{outcome_col}7"
        for rule in cf.rules
    }
    assert set(rules) == {f'"{o.value}"' for o in Outcome}
    assert rules['"bound"'].endswith("C6EFCE")
    assert rules['"failed"'].endswith("FFC7CE")
    widths = [ws.column_dimensions[c].width for c in "ABC"]
    assert all(8 <= w <= 61 for w in widths)


def test_control_characters_are_removed_and_noted(tmp_path: Path) -> None:
    dirty = _row(2, Outcome.FAILED, cells=["a\x01dmin@x.com", "u@x.com", "ou_1", "x\x0by"], msg="m")
    clean = _row(3, Outcome.PENDING)
    no_msg = _row(4, Outcome.PENDING, cells=["a@x.com", "u@x.com", "ou_\x1f2", ""])

    en = _sheet_rows(
        write_results(tmp_path / "en.xlsx", COLUMNS, [dirty, clean, no_msg], _info()), "Results"
    )
    msg = 4 + RESULT_COLUMNS.index("msg")
    assert en[1][:4] == ("admin@x.com", "u@x.com", "ou_1", "xy")
    assert en[1][msg] == "m (control characters removed from the cells of this row)"
    assert en[2][msg] is None
    assert en[3][2] == "ou_2"
    assert en[3][msg] == "(control characters removed from the cells of this row)"

    zh = _sheet_rows(
        write_results(tmp_path / "zh.xlsx", COLUMNS, [dirty], _info(), lang="zh"), "Results"
    )
    assert zh[1][msg] == "m（已删除本行单元格中的控制字符）"


def test_summary_sheet_counts_settings_and_chart(tmp_path: Path) -> None:
    out = write_results(
        tmp_path / "r.xlsx", COLUMNS, _rows(), _info(rate_per_minute="1000", input="=in.csv")
    )
    summary = _sheet_rows(out, "Summary")
    pairs = {r[0]: r[1] for r in summary if r[0] is not None}

    assert pairs["bound"] == 1
    assert pairs["failed"] == 2
    assert pairs["invalid"] == 1
    assert pairs["duplicate"] == 1
    assert pairs["pending"] == 1
    assert pairs["unbound"] == 0
    assert pairs["Total"] == 6
    assert pairs["195100"] == 2 and pairs["0"] == 1 and pairs["email"] == 1
    assert pairs["rate_per_minute"] == "1000"
    assert pairs["input"] == "=in.csv"  # a setting is text, never a formula
    assert pairs["Journal"] == "/data/default.sqlite"
    assert pairs["Started (UTC)"] == "2024-05-01T10:00:00Z"
    assert pairs["Ended (UTC)"] == "2024-05-01T10:02:05Z"
    assert pairs["Duration"] == "0:02:05 (125.0 s)"
    assert pairs["Requests sent"] == 42
    assert pairs["Requests answered 429"] == 3
    assert pairs["Achieved rate (per minute)"] == 20.2
    # A Feishu code is explained by the one code table (issue 13: every code in the Summary is
    # explained, 0 included), no longer by the first row's hint.
    hint_row = next(r for r in summary if r[0] == "195100")
    assert hint_row[2] == i18n.text("code_195100_hint", "en")
    assert next(r for r in summary if r[0] == "0")[2] == i18n.text("sheet_code_0", "en")
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "Summary!$B$" in chart  # the chart plots the outcome counts


def test_summary_sheet_labels_in_chinese(tmp_path: Path) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info(), lang="zh")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Results", "Summary"]
    labels = {r[0] for r in _sheet_rows(out, "Summary")}
    assert {"合计", "已发送请求数", "绑定记录", "bound"} <= labels
    assert "Total" not in labels
    # Result column headers stay English: scripts depend on them.
    assert _sheet_rows(out, "Results")[0][4:] == RESULT_COLUMNS


def test_csv_results_escape_formulas_and_keep_chinese(tmp_path: Path) -> None:
    rows = _rows()
    out = write_results(tmp_path / "r.csv", COLUMNS, rows, _info())

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == len(rows) + 1  # header and records end in CRLF
    assert raw.count(b"\n") == len(rows) + 1
    text = raw.decode("utf-8-sig")
    with open(out, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == [*COLUMNS, *RESULT_COLUMNS]
    assert lines[3][:4] == ["'=1+1", "'+33 1", "'-x", "'@SUM(A1)"]
    for got, row in zip(lines[1:], rows, strict=True):
        assert [unescape_csv_cell(v) for v in got] == _expected_line(row)
    assert "销售部" in text
    assert not (tmp_path / "Summary.csv").exists()


def test_csv_escapes_tab_and_carriage_return(tmp_path: Path) -> None:
    row = _row(2, Outcome.PENDING, cells=["\tx", "\r=2", "ou_1", "a\x01b"])
    out = write_results(tmp_path / "r.csv", COLUMNS, [row], _info())
    with open(out, encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f))
    assert lines[1][:4] == ["'\tx", "'\r=2", "ou_1", "a\x01b"]  # CSV can hold control characters
    assert [unescape_csv_cell(v) for v in lines[1][:4]] == row.cells
    assert out.read_bytes().count(b"\r\n") == 2  # "\r=2" is quoted, so only the two line ends


def test_unknown_suffix_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.xlsx or \.csv"):
        write_results(tmp_path / "r.xls", COLUMNS, _rows(), _info())
    assert list(tmp_path.iterdir()) == []


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    write_results(target, COLUMNS, _rows(), _info())
    before = target.read_bytes()

    def broken() -> Iterator[ResultRow]:
        yield _rows()[0]
        raise RuntimeError("journal went away")

    with pytest.raises(RuntimeError):
        write_results(target, COLUMNS, broken(), _info())
    assert target.read_bytes() == before  # the previous results survive a failed write
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]

    write_results(target, COLUMNS, _rows()[:1], _info())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]
    assert len(_sheet_rows(target, "Results")) == 2


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_locked_target_goes_to_a_new_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    target = tmp_path / f"results{suffix}"
    target.write_bytes(b"open in Excel")
    (tmp_path / f"results (1){suffix}").write_bytes(b"an earlier fallback")
    real_replace = os.replace

    # Windows refuses to replace a file Excel holds open; Linux cannot, so this one is simulated.
    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == target:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    out = write_results(target, COLUMNS, _rows(), _info())

    assert out == tmp_path / f"results (2){suffix}"
    assert target.read_bytes() == b"open in Excel"
    assert (tmp_path / f"results (1){suffix}").read_bytes() == b"an earlier fallback"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"results{suffix}", f"results (1){suffix}", f"results (2){suffix}"]
    )


def test_locked_target_first_fallback_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.xlsx"
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == target:
            raise PermissionError(13, "locked", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    out = write_results(target, COLUMNS, _rows(), _info())
    assert out == tmp_path / "r (1).xlsx"
    assert _sheet_rows(out, "Results")[0] == (*COLUMNS, *RESULT_COLUMNS)


def test_summary_counts() -> None:
    per_outcome, per_code = summary_counts(_rows())
    assert per_outcome == {
        "bound": 1,
        "failed": 2,
        "invalid": 1,
        "duplicate": 1,
        "pending": 1,
        "unbound": 0,
    }
    assert per_code == {"195100": 2, "0": 1, "email": 1}


def test_hundred_thousand_rows_stream_to_xlsx(tmp_path: Path) -> None:
    n = 100_000

    def rows() -> Iterator[ResultRow]:
        for i in range(n):
            yield ResultRow(cells=[f"u{i}@x.com"], row=i + 2, outcome=Outcome.PENDING)

    out = write_results(tmp_path / "big.xlsx", ["exchange_account"], rows(), _info())

    with zipfile.ZipFile(out) as z, z.open("xl/worksheets/sheet1.xml") as sheet:
        head = sheet.read(2000).decode()
    assert f'<dimension ref="A1:L{n + 1}"/>' in head
    wb = openpyxl.load_workbook(out, read_only=True)  # read-only parses only the sheet asked for
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0]}
    wb.close()
    assert summary["pending"] == n
