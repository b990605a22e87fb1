"""The sandbox's Feishu Sheets (issue 14): the shapes, the range syntax, the documented limits,
one writer at a time, the state across restarts; and the document calls (`tracker.calls`)
against them: throttles waited out, refusals in one sentence."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import SANDBOX_TOKEN, MakeSandbox

from batchbind.feishu.client import FeishuClient
from batchbind.output import i18n
from batchbind.sandbox import SandboxServer
from batchbind.sandbox.scenario import ScenarioError, scenario_from_dict
from batchbind.tracker.calls import DocCalls, TrackerCallFailed, TrackerDenied

TOKEN = "shtcnSandbox01"
V2 = f"/open-apis/sheets/v2/spreadsheets/{TOKEN}"
AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
CELLS = [["title"], ["a", "b", "c"], ["x@corp.example", 12345, 1.5], ["y", True, None]]


def scenario(**document: Any) -> dict[str, Any]:
    tab = {"sheet_id": "s1", "title": "Data", "cells": CELLS, "column_count": 5}
    return {"sheets": [{"token": TOKEN, "title": "Doc", "tabs": [tab], **document}]}


def get(sandbox: SandboxServer, path: str, **params: str) -> dict[str, Any]:
    answer = httpx.get(sandbox.base_url + path, params=params, headers=AUTH)
    body: dict[str, Any] = answer.json()
    body["_status"] = answer.status_code
    return body


def put(sandbox: SandboxServer, cell_range: str, values: list[list[Any]]) -> dict[str, Any]:
    body = {"valueRange": {"range": cell_range, "values": values}}
    answer = httpx.put(sandbox.base_url + f"{V2}/values", json=body, headers=AUTH, timeout=30)
    found: dict[str, Any] = answer.json()
    found["_status"] = answer.status_code
    return found


def test_tabs_and_values_in_the_documented_shapes(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario())
    tabs = get(sandbox, f"/open-apis/sheets/v3/spreadsheets/{TOKEN}/sheets/query")
    sheet = tabs["data"]["sheets"][0]
    assert (sheet["sheet_id"], sheet["title"], sheet["index"]) == ("s1", "Data", 0)
    assert sheet["grid_properties"]["row_count"] == 4
    assert sheet["grid_properties"]["column_count"] == 5
    whole = get(sandbox, f"{V2}/values/s1!A2:C3")["data"]["valueRange"]
    assert whole["majorDimension"] == "ROWS" and whole["range"] == "s1!A2:C3"
    assert whole["values"] == [["a", "b", "c"], ["x@corp.example", 12345, 1.5]]
    text = get(sandbox, f"{V2}/values/s1!B3:C4", valueRenderOption="ToString")
    assert text["data"]["valueRange"]["values"] == [["12345", "1.5"], ["TRUE", None]]
    for syntax, rows in (("s1!A:B", 4), ("s1!A3:B", 2), ("s1", 4)):
        found = get(sandbox, f"{V2}/values/{syntax}")["data"]["valueRange"]["values"]
        assert len(found) == rows, syntax
    batch = get(sandbox, f"{V2}/values_batch_get", ranges="s1!A1:A1,s1!C3:C3")
    assert [r["values"] for r in batch["data"]["valueRanges"]] == [[["title"]], [[1.5]]]
    assert get(sandbox, f"{V2}/values/zz!A1:B2")["code"] == 90215
    assert get(sandbox, f"{V2}/values/s1!B2:A1")["code"] == 90202


def test_the_documented_write_limits(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario())
    assert put(sandbox, "s1!A5:B6", [["n@corp.example", "=1+1"], ["m", 2]])["code"] == 0
    values = get(sandbox, f"{V2}/values/s1!A5:B6")["data"]["valueRange"]["values"]
    assert values == [["n@corp.example", "=1+1"], ["m", 2]]  # stored as given: no formula
    too_many = put(sandbox, "s1!A1:A5001", [["x"]] * 5001)
    assert (too_many["_status"], too_many["code"]) == (400, 90226)
    too_wide = put(sandbox, "s1!A1:CW1", [["x"] * 101])
    assert too_wide["code"] == 90226
    too_long = put(sandbox, "s1!A1:A1", [["x" * 50_001]])
    assert too_long["code"] == 90226
    assert put(sandbox, "s1!A1:A5000", [["y"]] * 5000)["code"] == 0  # the limit itself


def test_a_second_writer_meets_the_configured_answer(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario(write_ms=300.0))

    async def both() -> list[int]:
        async with httpx.AsyncClient(base_url=sandbox.base_url, headers=AUTH) as client:
            body = {"valueRange": {"range": "s1!A1:A1", "values": [["w"]]}}
            answers = await asyncio.gather(
                client.put(f"{V2}/values", json=body), client.put(f"{V2}/values", json=body)
            )
            return sorted(a.json()["code"] for a in answers)

    assert asyncio.run(both()) == [0, 90217]  # default: the Sheets' throttling answer


def test_access_per_token_and_unknown_documents(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(
        {**scenario(access={SANDBOX_TOKEN: "read"}), "tokens": {"u-other": "super_admin"}}
    )
    assert get(sandbox, f"{V2}/values/s1!A1:A1")["code"] == 0
    refused = put(sandbox, "s1!A1:A1", [["x"]])
    assert (refused["_status"], refused["code"]) == (403, 90213)
    other = httpx.get(
        sandbox.base_url + f"{V2}/values/s1!A1:A1", headers={"Authorization": "Bearer u-other"}
    )
    assert other.json()["code"] == 0  # default_access: edit
    missing = get(sandbox, "/open-apis/sheets/v3/spreadsheets/nope1234/sheets/query")
    assert missing["code"] == 1310214


def test_cells_outlive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with SandboxServer(scenario_from_dict(scenario()), state_file=state) as sandbox:
        assert put(sandbox, "s1!D2:D2", [["outcome"]])["code"] == 0
    assert (tmp_path / "state.sheets.json").exists()
    with SandboxServer(scenario_from_dict(scenario()), state_file=state) as again:
        values = get(again, f"{V2}/values/s1!D2:D2")["data"]["valueRange"]["values"]
        assert values == [["outcome"]]
        shown = httpx.get(f"{again.base_url}/_sandbox/documents/sheets").json()
        assert shown["documents"][0]["tabs"][0]["cells"][1][3] == "outcome"


def test_a_scenario_sheet_is_checked() -> None:
    with pytest.raises(ScenarioError):
        scenario_from_dict(scenario(default_access="owner"))
    with pytest.raises(ScenarioError):
        scenario_from_dict(
            {"sheets": [{"token": "t1234", "tabs": [{"sheet_id": "", "title": "x"}]}]}
        )


# -- the document calls against them ------------------------------------------------------------


def call(sandbox: SandboxServer, endpoint: str, method: str, path: str, **kw: Any) -> DocCalls:
    async def once() -> DocCalls:
        async with FeishuClient(sandbox.base_url, lambda: SANDBOX_TOKEN) as client:
            calls = DocCalls(client, "the tracker")
            await calls.call(endpoint, method, path, **kw)
            return calls

    return asyncio.run(once())


def test_doc_calls_wait_out_throttles_and_say_refusals_in_one_sentence(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(scenario(throttle_writes=1, busy_writes=1))
    body = {"valueRange": {"range": "s1!A1:A1", "values": [["x"]]}}
    calls = call(sandbox, "sheets.write", "PUT", f"{V2}/values", body=body)
    assert calls.requests["sheets.write"] == 3 and calls.throttled["sheets.write"] == 2
    denied = make_sandbox(scenario(access={SANDBOX_TOKEN: "none"}))
    with pytest.raises(TrackerDenied) as refused:
        call(denied, "sheets.read", "GET", f"{V2}/values/s1!A1:A1")
    assert refused.value.exit_code == 2
    assert "the tracker refuses access (code 90213)" in refused.value.render("en")[0]
    assert i18n.text("tracker_denied_hint", "en") in refused.value.render("en")[1]
    with pytest.raises(TrackerCallFailed) as gone:
        call(
            sandbox,
            "sheets.read",
            "GET",
            "/open-apis/sheets/v2/spreadsheets/nope1234/values/s1!A1:A1",
            not_found=frozenset({90214}),
        )
    assert "was not found (code 90214)" in gone.value.render("en")[0]
