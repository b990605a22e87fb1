"""The team's tracker as a Feishu Sheet, end to end: the real CLI against the sandbox (issue 14).

Every test compares the document's cells (`/_sandbox/documents/sheets`) with what the team
wrote, cell by cell, and proves from the sandbox's request log what was (and was not) sent.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ADMIN, FAST_LIMITS, FAST_RATES, SANDBOX_TOKEN, MakeSandbox, creates, run_cli

from batchbind.feishu.client import FeishuClient
from batchbind.model import Outcome, ResultRow
from batchbind.sandbox import SandboxServer
from batchbind.tracker.base import WRITTEN_COLUMNS
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import parse_link
from batchbind.tracker.sheets import SheetTracker

TOKEN = "shtcnTeamTracker01"
LINK = f"https://corp.feishu.cn/sheets/{TOKEN}"
TITLE = "Exchange 迁移名单 2026"
TAB = "d4e5f6"
TEAM = [
    ["2026 年 Exchange 日历迁移（IT 部维护）"],
    ["管理员账号", "Exchange 邮箱", "用户ID", "部门", "备注"],
    [ADMIN, "alice@corp.example", "ou_alice", "销售", "VIP"],
    [ADMIN, "bob@corp.example", "ou_bob", "研发", ""],
    [ADMIN, "carol@corp.example", "ou_carol", "研发", "=1+1"],
    [ADMIN, "dave@corp.example", "ou_dave", "财务", 3.5],
    ["合计 4 人"],
]
INSTRUCTIONS = [["本表由 IT 维护"], ["请勿修改表头"]]


def scenario(**document: Any) -> dict[str, Any]:
    tabs = [
        {"sheet_id": "a1b2c3", "title": "说明", "cells": copy.deepcopy(INSTRUCTIONS)},
        {"sheet_id": TAB, "title": "名单", "cells": copy.deepcopy(TEAM)},
    ]
    return {
        "limits": FAST_LIMITS,
        "sync": {"seconds": 0},
        "sheets": [{"token": TOKEN, "title": TITLE, "tabs": tabs, **document}],
    }


def cli(sandbox: SandboxServer, command: str, where: Path, *extra: str) -> Any:
    return run_cli(
        command,
        *extra,
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        *(
            ("--state", where / "journal.sqlite", *FAST_RATES)
            if command not in ("validate", "doctor")
            else ()
        ),
        cwd=where,
    )


def run(sandbox: SandboxServer, where: Path, link: str = LINK, *extra: str) -> Any:
    return cli(sandbox, "run", where, link, *extra)


def document(sandbox: SandboxServer) -> dict[str, Any]:
    found = httpx.get(f"{sandbox.base_url}/_sandbox/documents/sheets").json()["documents"]
    return next(d for d in found if d["token"] == TOKEN)


def cells(sandbox: SandboxServer, sheet_id: str = TAB) -> list[list[Any]]:
    return next(t for t in document(sandbox)["tabs"] if t["sheet_id"] == sheet_id)["cells"]


def results_by_row(grid: list[list[Any]], header_row: int = 2) -> dict[int, dict[str, Any]]:
    header = grid[header_row - 1]
    where = {name: header.index(name) for name in WRITTEN_COLUMNS if name in header}
    return {
        number: {name: (row[i] if i < len(row) else None) for name, i in where.items()}
        for number, row in enumerate(grid, start=1)
        if number > header_row
    }


def writes(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "sheets.write"]


def assert_team_untouched(grid: list[list[Any]], team: list[list[Any]] = TEAM) -> None:
    for number, row in enumerate(team):
        for col, value in enumerate(row):
            assert grid[number][col] == value, (number + 1, col, grid[number][col], value)
        # Nothing written into a title or totals line, or right of a team row's cells
        # except the result columns under their headers.
        if len(row) < 4:
            assert all(v in (None, "") for v in grid[number][len(row) :]), grid[number]


def test_run_writes_every_rows_outcome_back_and_leaves_the_team_cells(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())
    result = run(sandbox, tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    grid = cells(sandbox)
    assert_team_untouched(grid)
    assert cells(sandbox, "a1b2c3") == INSTRUCTIONS  # the other tab
    assert grid[1][5 : 5 + len(WRITTEN_COLUMNS)] == list(WRITTEN_COLUMNS)
    found = results_by_row(grid)
    assert [found[n]["outcome"] for n in (3, 4, 5, 6)] == ["bound"] * 4
    assert found[7]["outcome"] in (None, "")  # the totals line
    assert all(found[n]["exchange_binding_id"] for n in (3, 4, 5, 6))
    assert len(creates(sandbox)) == 4
    # The local results file is written too, named after the document's title.
    assert (tmp_path / f"{TITLE}.results.xlsx").exists()
    assert "Results written back" in result.stdout
    # One write at a time: no write request started before the previous one was answered.
    assert len(writes(sandbox)) >= 2  # the headers before sending, the results after


def test_a_rerun_sends_nothing_and_keeps_one_set_of_result_columns(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())
    assert run(sandbox, tmp_path).returncode == 0
    sent = len(creates(sandbox))
    again = run(sandbox, tmp_path, f"{LINK}?sheet={TAB}", "--json")
    assert again.returncode == 0, again.stderr
    assert len(creates(sandbox)) == sent  # no binding request
    header = cells(sandbox)[1]
    assert header.count("outcome") == 1
    assert [h for h in header if h in WRITTEN_COLUMNS] == list(WRITTEN_COLUMNS)
    summary = json.loads(again.stdout)
    assert summary["tracker"]["rows_written"] == 4
    assert summary["tracker"]["error"] is None
    assert summary["input"] == f"{LINK}?sheet={TAB}".replace("corp.feishu.cn", "corp.feishu.cn")
    # status on the link writes binding_status back.
    status = cli(sandbox, "status", tmp_path, LINK)
    assert status.returncode == 0, status.stderr + status.stdout
    found = results_by_row(cells(sandbox))
    assert [found[n]["binding_status"] for n in (3, 4, 5, 6)] == ["done"] * 4
    # The totals line is left out, and status says so as run does (it said nothing).
    assert "Row 7 is a totals or notes line" in status.stderr + status.stdout


def test_result_columns_moved_by_the_team_are_found_by_their_headers(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    team = copy.deepcopy(TEAM)
    # An earlier run's columns, in another order, one of them missing, far to the right.
    team[1] += ["", "msg", "outcome"]
    for row in team[2:6]:
        row += [""] * (len(team[1]) - len(row))
        row[-1] = "pending"
    data = scenario()
    data["sheets"][0]["tabs"][1]["cells"] = team
    sandbox = make_sandbox(data)
    assert run(sandbox, tmp_path).returncode == 0
    header = cells(sandbox)[1]
    assert header.count("outcome") == 1 and header.count("msg") == 1
    assert header.index("outcome") == 7
    assert sorted(h for h in header if h in WRITTEN_COLUMNS) == sorted(WRITTEN_COLUMNS)
    found = results_by_row(cells(sandbox))
    assert [found[n]["outcome"] for n in (3, 4, 5, 6)] == ["bound"] * 4


def test_a_document_that_refuses_the_token_stops_before_sending(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(access={SANDBOX_TOKEN: "none"}))
    result = run(sandbox, tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Share the document" in result.stderr
    assert "Traceback" not in result.stderr
    assert creates(sandbox) == []
    # Read-only: reading works, but the run needs to write back: it stops before sending too.
    readonly = make_sandbox(scenario(access={SANDBOX_TOKEN: "read"}))
    result = run(readonly, tmp_path)
    assert result.returncode == 2, result.stderr
    assert creates(readonly) == [] and writes(readonly)[0]["http_status"] == 403
    assert_team_untouched(cells(readonly))


def test_throttled_and_concurrent_writes_are_waited_out(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(throttle_writes=2, busy_writes=1))
    result = run(sandbox, tmp_path, LINK, "--json")
    assert result.returncode == 0, result.stderr
    seen = [(w["http_status"], w["code"]) for w in writes(sandbox)]
    assert seen[:3] == [(429, 99991400), (429, 99991400), (400, 90217)]
    assert seen[3:] == [(200, 0)] * (len(seen) - 3)
    found = results_by_row(cells(sandbox))
    assert [found[n]["outcome"] for n in (3, 4, 5, 6)] == ["bound"] * 4
    assert json.loads(result.stdout)["tracker"]["rows_written"] == 4


def test_a_failed_write_back_keeps_the_exit_code_and_the_results_file(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # The permission is taken away after the first write (the headers, before sending).
    sandbox = make_sandbox(scenario(writable_writes=1))
    result = run(sandbox, tmp_path, LINK, "--json")
    assert result.returncode == 0, result.stderr  # as the run would have exited
    summary = json.loads(result.stdout)
    assert summary["counts"]["bound"] == 4
    assert summary["tracker"]["error"]
    assert "could not be written back" in result.stderr
    assert "batchbind report --write-back" in result.stderr
    # Four bindings were sent: the refusal must not say that nothing was.
    assert "Nothing was sent" not in result.stderr
    assert (tmp_path / f"{TITLE}.results.xlsx").exists()
    found = results_by_row(cells(sandbox))
    assert all(found[n]["outcome"] in (None, "") for n in (3, 4, 5, 6))


def test_validate_on_a_link_writes_nothing_into_it(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())
    result = run_cli(
        "validate",
        LINK,
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert writes(sandbox) == []
    assert document(sandbox)["revision"] == 0
    assert cells(sandbox) == TEAM
    assert (tmp_path / f"{TITLE}.results.xlsx").exists()
    # Without a token, a link cannot be read: one sentence, exit 2.
    refused = run_cli("validate", LINK, "--base-url", sandbox.base_url, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_sheet_option_and_a_missing_tab(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(scenario())
    named = cli(sandbox, "validate", tmp_path, LINK, "--sheet", "说明")
    assert named.returncode == 2 and "说明" in named.stderr  # no binding headers there
    gone = cli(sandbox, "validate", tmp_path, f"{LINK}?sheet=zzz999")
    assert gone.returncode == 2 and "zzz999" in gone.stderr


# -- the library: what a write-back does when the Sheet changed under it ------------------------


def _results(table: Any) -> list[ResultRow]:
    return [
        ResultRow(table.cells(i), table.numbers[i], Outcome.BOUND, code="0", msg=f"r{n}")
        for i, n in enumerate(table.numbers)
    ]


async def _read_then(
    sandbox: SandboxServer, change: list[list[Any]] | None, results: Any = _results
) -> tuple[Any, Any]:
    link = parse_link(LINK)
    async with FeishuClient(sandbox.base_url, lambda: SANDBOX_TOKEN) as client:
        tracker = SheetTracker(link, DocCalls(client, LINK))
        table = await tracker.read()
        if change is not None:  # another person edits the Sheet between the read and the write
            body = {"valueRange": {"range": f"{TAB}!A1:E{len(change)}", "values": change}}
            answer = await client.call(
                "PUT", f"/open-apis/sheets/v2/spreadsheets/{TOKEN}/values", body=body
            )
            assert answer.code == 0, answer.msg
        report = await tracker.write_back(results(table))
        return table, report


def test_a_row_inserted_before_the_write_back_never_gets_someone_elses_result(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(scenario())
    changed = copy.deepcopy(TEAM[:3])
    changed.append([ADMIN, "erin@corp.example", "ou_erin", "新人", ""])  # inserted at row 4
    changed += copy.deepcopy(TEAM[3:4])  # bob moves to row 5
    changed += copy.deepcopy(TEAM[5:])  # carol deleted: dave moves to row 6, totals to 7
    _table, report = asyncio.run(_read_then(sandbox, changed))
    found = results_by_row(cells(sandbox))
    grid = cells(sandbox)
    by_person = {grid[n - 1][1]: found[n] for n in found if len(grid[n - 1]) > 1}
    assert by_person["erin@corp.example"]["outcome"] in (None, "")
    assert by_person["alice@corp.example"]["msg"] == "r3"
    assert by_person["bob@corp.example"]["msg"] == "r4"
    assert by_person["dave@corp.example"]["msg"] == "r6"
    assert report.rows_missing == [5]  # carol's row: gone
    assert report.rows_written == 3


def test_values_are_written_as_text_never_formulas_and_beyond_column_z(
    make_sandbox: MakeSandbox,
) -> None:
    wide = copy.deepcopy(TEAM)
    wide[1] += [f"extra {i}" for i in range(25)]  # 30 team columns: results from AE on
    data = scenario()
    data["sheets"][0]["tabs"][1]["cells"] = wide
    sandbox = make_sandbox(data)

    def formulas(table: Any) -> list[ResultRow]:
        return [
            ResultRow(table.cells(i), n, Outcome.FAILED, msg='=HYPERLINK("x")', hint="+1")
            for i, n in enumerate(table.numbers)
        ]

    _table, report = asyncio.run(_read_then(sandbox, None, formulas))
    assert report.columns_added == list(WRITTEN_COLUMNS)
    header = cells(sandbox)[1]
    assert header.index("outcome") == 30  # column AE
    row = cells(sandbox)[2]
    assert row[header.index("msg")] == '\'=HYPERLINK("x")'
    assert row[header.index("hint")] == "'+1"


def test_numbers_in_cells_read_as_text_and_a_rounded_id_is_caught(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    team = copy.deepcopy(TEAM)
    team[3][2] = 1234567890123456789  # an id Sheets has stored as a number: rounded
    data = scenario()
    data["sheets"][0]["tabs"][1]["cells"] = team
    sandbox = make_sandbox(data)
    result = cli(sandbox, "validate", tmp_path, LINK)
    assert result.returncode == 1
    assert "row 4" in result.stdout  # the Sheet's own row number
    assert "12345" not in result.stdout.split("row 4")[0]


@pytest.mark.parametrize("rows", [3])
def test_the_official_sdk_reads_a_sheets_values_from_the_sandbox(
    make_sandbox: MakeSandbox, rows: int
) -> None:
    import lark_oapi as lark  # type: ignore[import-untyped]

    sandbox = make_sandbox(scenario())
    sdk = (
        lark.Client.builder()
        .domain(sandbox.base_url)
        .enable_set_token(True)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )
    request = (
        lark.BaseRequest.builder()
        .http_method(lark.HttpMethod.GET)
        .uri(f"/open-apis/sheets/v2/spreadsheets/{TOKEN}/values/{TAB}!A2:C{rows + 1}")
        .token_types({lark.AccessTokenType.USER})
        .build()
    )
    option = lark.RequestOption.builder().user_access_token(SANDBOX_TOKEN).build()
    response = sdk.request(request, option)
    assert response.code == 0, response.msg
    body = json.loads(response.raw.content)
    values = body["data"]["valueRange"]["values"]
    assert values[0] == ["管理员账号", "Exchange 邮箱", "用户ID"]
    assert values[1] == [ADMIN, "alice@corp.example", "ou_alice"]
    assert body["data"]["valueRange"]["range"] == f"{TAB}!A2:C{rows + 1}"


def test_a_long_run_writes_back_while_it_sends(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    team = copy.deepcopy(TEAM[:2])
    team += [[ADMIN, f"p{i}@corp.example", f"ou_p{i}", "", ""] for i in range(12)]
    data = scenario()
    data["sheets"][0]["tabs"][1]["cells"] = team
    sandbox = make_sandbox(data)
    result = run_cli(
        "run",
        LINK,
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        "--state",
        tmp_path / "journal.sqlite",
        "--rate-per-second",
        "4",
        cwd=tmp_path,
        env={"BATCHBIND_TRACKER_WRITE_INTERVAL": "0.5"},
    )
    assert result.returncode == 0, result.stderr
    log = sandbox.requests()
    sent = [r["t"] for r in log if r["endpoint"] == "create"]
    during = [r["t"] for r in writes(sandbox) if sent[0] < r["t"] < sent[-1]]
    assert during, "no write-back while sending"
    found = results_by_row(cells(sandbox))
    assert [found[n]["outcome"] for n in range(3, 15)] == ["bound"] * 12


def test_doctor_reads_a_tracker_link_and_writes_nothing_into_it(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # Issue 17: doctor checks the tracker link as run would read it, and never writes.
    sandbox = make_sandbox(scenario())
    found = cli(sandbox, "doctor", tmp_path, LINK, "--json")
    assert found.returncode == 0, found.stderr
    checks = {c["name"]: c for c in json.loads(found.stdout)["checks"]}
    assert checks["input.read"]["status"] == "pass", checks["input.read"]
    assert checks["input.read"]["data"]["rows"] == 4
    tracker = checks["input.tracker"]
    assert tracker["status"] == "pass" and TITLE in tracker["message"]
    assert "edit" in tracker["message"]  # what doctor cannot prove without writing, said
    assert writes(sandbox) == [] and creates(sandbox) == []
    assert_team_untouched(cells(sandbox))
    # A document that refuses the token: a failed line with the sentence, exit 1, nothing sent.
    refused = make_sandbox(scenario(access={SANDBOX_TOKEN: "none"}))
    found = cli(refused, "doctor", tmp_path, LINK)
    assert found.returncode == 1, found.stderr
    assert "Share the document" in found.stdout and "Traceback" not in found.stderr
    assert creates(refused) == []
