"""The results spreadsheet as a person reads and prints it (issue 13, items 12 to 14).

Every test opens the real written .xlsx with openpyxl: wrapped `msg` and `hint`, the print setup,
the Summary's chart clear of its tables, every code and column explained, local times with their
offset, and a re-run that sent nothing telling where the whole job stands.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from conftest import (
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    read_results,
    run_cli,
    write_input,
)
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from batchbind.model import RESULT_COLUMNS, JobFigures, Outcome, ResultRow, RunInfo
from batchbind.output import i18n
from batchbind.output.summary import local_time, wrapped_lines
from batchbind.output.writers import write_results

COLUMNS = ["admin_account", "exchange_account", "user_id"]
ADMIN = "exadmin@corp.example"
LONG_HINT = (
    "Admin account not found: bind the Exchange admin account in the admin console first, or "
    "fix the admin_account column."
)


def _info(**kw: object) -> RunInfo:
    base: dict[str, object] = {
        "command": "run",
        "started_at": "2026-11-26T15:05:00Z",
        "ended_at": "2026-11-26T15:07:30Z",
        "duration_s": 150.0,
        "settings": {"input": "/data/" + "very-long-folder-name/" * 6 + "bindings.csv"},
        "journal": "/data/default.sqlite",
        "requests_sent": 3,
    }
    return RunInfo(**{**base, **kw})  # type: ignore[arg-type]


def _rows() -> list[ResultRow]:
    def cells(n: int) -> list[str]:
        return [ADMIN, f"u{n}@corp.example", f"ou_{n:032d}"]

    return [
        ResultRow(cells(2), 2, Outcome.BOUND, code="0", attempts=1, http_status=200),
        ResultRow(
            cells(3),
            3,
            Outcome.FAILED,
            code="195106",
            msg="admin account not found " * 3,
            hint=LONG_HINT,
        ),
        ResultRow(cells(4), 4, Outcome.INVALID, code="missing_value", msg="x", hint="Fill it."),
        ResultRow(cells(5), 5, Outcome.FAILED, code="424242", msg="odd", hint=""),
    ]


def _book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def _col(name: str) -> str:
    return get_column_letter(len(COLUMNS) + RESULT_COLUMNS.index(name) + 1)


def _pairs(sheet: Worksheet) -> dict[str, object]:
    return {str(r[0]): r[1] for r in sheet.iter_rows(values_only=True) if r and r[0] is not None}


def _table(sheet: Worksheet, title: str) -> list[tuple[object, ...]]:
    """The lines of the Summary table whose header starts with `title`, up to the blank line."""
    lines = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(lines) if r and str(r[0]).startswith(title))
    table = []
    for line in lines[start + 1 :]:
        if not line or all(v is None for v in line):
            break
        table.append(line)
    return table


# -- item 12: msg and hint wrap, print setup, codes and columns explained, the chart -------------


def test_msg_and_hint_wrap_at_a_readable_width(tmp_path: Path) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info())
    ws = _book(out)["Results"]

    for name, (low, high) in {"msg": (24, 40), "hint": (30, 50)}.items():
        width = ws.column_dimensions[_col(name)].width
        assert low <= width <= high + 1, (name, width)  # openpyxl adds xlsxwriter's padding
    hint = ws[f"{_col('hint')}3"]
    msg = ws[f"{_col('msg')}3"]
    assert hint.value == LONG_HINT and hint.alignment.wrap_text
    assert msg.alignment.wrap_text
    assert hint.alignment.vertical == "top"
    # The row grows to show every line (LibreOffice would leave it one line tall, overlapping).
    height = ws.row_dimensions[3].height
    lines = wrapped_lines(LONG_HINT, ws.column_dimensions[_col("hint")].width - 0.71)
    assert lines >= 2 and height is not None and height >= 15 * lines
    assert ws.row_dimensions[2].height is None  # a one-line row keeps the default height
    # Headers stay as the contract names them: scripts read them.
    assert [c.value for c in ws[1]] == [*COLUMNS, *RESULT_COLUMNS]


def test_results_print_landscape_one_page_wide_with_the_header_on_every_page(
    tmp_path: Path,
) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info())
    book = _book(out)
    ws = book["Results"]

    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1) == 1  # 1 is the default, left out of the file
    assert ws.page_setup.fitToHeight == 0  # as many pages down as the rows need
    assert ws.print_title_rows == "$1:$1"
    assert "&P" in ws.oddFooter.center.text
    summary = book["Summary"]
    assert summary.page_setup.orientation == "landscape"
    assert summary.sheet_properties.pageSetUpPr.fitToPage


def test_every_code_in_the_summary_is_explained_code_0_included(tmp_path: Path) -> None:
    for lang in ("en", "zh"):
        out = write_results(tmp_path / f"{lang}.xlsx", COLUMNS, _rows(), _info(), lang=lang)
        codes = _table(_book(out)["Summary"], i18n.text("sheet_codes", lang))
        meanings = {str(code): meaning for code, _rows_, meaning in codes}
        assert set(meanings) == {"0", "195106", "missing_value", "424242"}
        assert meanings["0"] == i18n.text("sheet_code_0", lang)
        # Feishu's codes from the one code table (not a row's hint with its own notes).
        assert meanings["195106"] == i18n.text("code_195106_hint", lang)
        assert meanings["missing_value"] == "Fill it."
        assert meanings["424242"] == "odd"  # no hint: the message says what happened
    assert "Success" in i18n.text("sheet_code_0", "en")


def test_the_summary_translates_what_every_result_column_means(tmp_path: Path) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info(), lang="zh")
    book = _book(out)
    columns = _table(book["Summary"], i18n.text("sheet_columns", "zh"))
    meanings = {str(line[0]): str(line[2]) for line in columns}
    assert list(meanings)[1:] == list(RESULT_COLUMNS)  # after "(your columns)"
    for name in RESULT_COLUMNS:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in meanings[name]), name
    assert "UTC" in meanings["updated_at"]
    assert [c.value for c in book["Results"][1]][3:] == list(RESULT_COLUMNS)  # not translated


def _text_width(value: object) -> float:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_summary_chart_covers_no_table_nor_text_running_on(tmp_path: Path, lang: str) -> None:
    out = write_results(tmp_path / "r.xlsx", COLUMNS, _rows(), _info(), lang=lang)
    ws = _book(out)["Summary"]
    (chart,) = ws._charts
    top, left = chart.anchor._from.row, chart.anchor._from.col  # zero-based
    bottom, right = chart.anchor.to.row, chart.anchor.to.col
    assert left >= 3  # beside the three columns of the tables

    def width(col: int) -> float:
        found = ws.column_dimensions[get_column_letter(col + 1)].width
        return float(found) if found else 8.43

    chart_x = sum(width(c) for c in range(left))
    for line in ws.iter_rows(min_row=top + 1):
        for cell in line:
            if cell.value is None or cell.value == "":
                continue
            col = cell.column - 1
            assert not (top <= cell.row - 1 <= bottom and left <= col <= right), cell.coordinate
            # Text that does not wrap runs on into the empty cells to its right.
            start = sum(width(c) for c in range(col))
            shown = (
                width(col) if cell.alignment.wrap_text else max(width(col), _text_width(cell.value))
            )
            assert start + shown <= chart_x, (cell.coordinate, cell.value)


def test_the_chart_moves_right_of_a_long_value(tmp_path: Path) -> None:
    short = write_results(tmp_path / "s.xlsx", COLUMNS, _rows(), _info(settings={}))
    long = write_results(tmp_path / "l.xlsx", COLUMNS, _rows(), _info())
    left = [_book(p)["Summary"]._charts[0].anchor._from.col for p in (short, long)]
    assert left[0] < left[1]


# -- item 13: local times with their offset ------------------------------------------------------


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="TZ is read by tzset (not on Windows)")
def test_local_time_shows_the_zone_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.setenv("TZ", "Asia/Shanghai")
        time.tzset()
        assert local_time("2026-11-26T15:05:00Z") == "2026-11-26 23:05 +08:00"
        monkeypatch.setenv("TZ", "America/St_Johns")  # -03:30 in November
        time.tzset()
        assert local_time("2026-11-26T15:05:00Z") == "2026-11-26 11:35 -03:30"
        assert local_time("") == ""
    finally:
        monkeypatch.undo()
        time.tzset()


def _sandbox_run(
    source: Path, base_url: str, state: Path, out: Path, *extra: str
) -> tuple[int, str]:
    done = run_cli(
        "run",
        source,
        "--base-url",
        base_url,
        "--token",
        SANDBOX_TOKEN,
        "--state",
        state,
        "--out",
        out,
        *FAST_RATES,
        *extra,
        env={"TZ": "Asia/Shanghai"},
    )
    return done.returncode, done.stderr


def test_the_summary_shows_start_and_end_in_local_time_under_tz(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    source = write_input(tmp_path / "in.csv", [(ADMIN, "a@corp.example", "ou_a")])
    code, err = _sandbox_run(source, sandbox.base_url, tmp_path / "j.sqlite", tmp_path / "r.xlsx")
    assert code == 0, err

    summary = _pairs(_book(tmp_path / "r.xlsx")["Summary"])
    for which in ("started", "ended"):
        utc = str(summary[i18n.text(f"sheet_{which}", "en")])
        local = str(summary[i18n.text(f"sheet_{which}_local", "en")])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc)
        moment = datetime.fromisoformat(utc.replace("Z", "+00:00")) + timedelta(hours=8)
        assert local == f"{moment:%Y-%m-%d %H:%M} +08:00"
    # updated_at stays ISO 8601 UTC (the contract).
    (row,) = read_results(tmp_path / "r.xlsx")
    assert row["updated_at"].endswith("Z")
    assert datetime.fromisoformat(row["updated_at"].replace("Z", "+00:00")).tzinfo == UTC


# -- item 14: where the whole job stands, and what this run did ---------------------------------


def test_a_rerun_that_sent_nothing_tells_where_the_whole_job_stands(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"tenant": {"missing_users": ["ou_gone"]}})
    rows = [(ADMIN, f"p{n}@corp.example", f"ou_p{n}") for n in range(5)]
    rows += [(ADMIN, "gone@corp.example", "ou_gone"), (ADMIN, "bad", "ou_bad")]
    source = write_input(tmp_path / "in.csv", rows)
    state = tmp_path / "j.sqlite"

    code, err = _sandbox_run(source, sandbox.base_url, state, tmp_path / "first.xlsx")
    assert code == 1, err
    first = _book(tmp_path / "first.xlsx")["Summary"]
    assert _pairs(first)[i18n.text("sheet_to_send", "en")] == 6
    bound_line = _table(first, i18n.text("sheet_standing", "en"))[0]
    assert bound_line[:2] == ("bound", 5)
    assert bound_line[2] == "bound in Feishu: 0 in earlier runs, 5 in this run"

    code, err = _sandbox_run(source, sandbox.base_url, state, tmp_path / "again.xlsx")
    assert code == 1, err
    summary = _book(tmp_path / "again.xlsx")["Summary"]
    pairs = _pairs(summary)
    # The headline: the job stands where the first run left it, and nothing is left to send.
    assert pairs["Status"] == i18n.text("sheet_status_person", "en", rows=2)
    standing = {str(line[0]): line for line in _table(summary, i18n.text("sheet_standing", "en"))}
    assert standing["bound"][1] == 5
    assert standing["bound"][2] == "bound in Feishu: 5 in earlier runs, 0 in this run"
    assert standing["failed"][1] == 1
    assert "1 need a person, 0 are sent again by a re-run" in str(standing["failed"][2])
    assert standing["invalid"][1] == 1 and standing["pending"][1] == 0
    # What this run did, apart: it sent nothing, and says why.
    assert pairs[i18n.text("sheet_to_send", "en")] == 0
    assert pairs[i18n.text("sheet_skip_bound", "en")] == 5
    assert pairs[i18n.text("sheet_skip_failed", "en")] == 1
    assert pairs[i18n.text("sheet_requests", "en")] == 0
    assert i18n.text("sheet_rate", "en") not in pairs  # a rate of nothing sent is no rate
    # The tables come before the run's own figures: the headline is not "Requests sent 0".
    labels = [str(r[0]) for r in summary.iter_rows(values_only=True) if r and r[0]]
    assert labels.index(i18n.text("sheet_standing", "en")) < labels.index("Requests sent")


def test_a_run_stopped_early_says_rows_are_still_to_send(tmp_path: Path) -> None:
    rows = [*_rows()[:1], ResultRow(["a", "b", "c"], 6, Outcome.PENDING)]
    job = JobFigures(sent={"bound": 1, "pending": 1}, retry_later=0)
    out = write_results(tmp_path / "r.xlsx", COLUMNS, rows, _info(), job=lambda: job)
    pairs = _pairs(_book(out)["Summary"])
    assert pairs["Status"] == i18n.text("sheet_status_again", "en", rows=1)
    assert pairs[i18n.text("sheet_now_pending", "en")] == 1


def test_the_job_figures_are_read_after_the_last_row(tmp_path: Path) -> None:
    """`run` counts the figures while its rows stream past: the writer asks for them last."""
    job = JobFigures()
    seen: list[int] = []

    def stream() -> Iterator[ResultRow]:
        for row in _rows():
            job.bound_earlier += 1
            yield row

    def figures() -> JobFigures:
        seen.append(job.bound_earlier)
        return job

    out = write_results(tmp_path / "r.xlsx", COLUMNS, stream(), _info(), job=figures)
    assert seen == [4]
    assert _pairs(_book(out)["Summary"])[i18n.text("sheet_skip_bound", "en")] == 4
