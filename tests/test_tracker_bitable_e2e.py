"""A Bitable table (and Wiki pages) as the team's tracker, with the real CLI and sandbox (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from conftest import FAST_RATES, SANDBOX_TOKEN, MakeSandbox, read_results, run_cli

from batchbind.sandbox import SandboxServer
from batchbind.sandbox.contact import derived_id
from batchbind.tracker.base import WRITTEN_COLUMNS

ADMIN = "exadmin@corp.example"
APP = "bascnTeamTracker01"
LINK = f"https://corp.feishu.cn/base/{APP}?table=tblPeople"
TEAM_FIELDS = ["Name", "管理员账号", "Mailbox", "Owner", "Notes"]


def people(count: int = 4, **extra: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "table_id": "tblPeople",
        "name": "People",
        "fields": [
            {"name": "Name", "type": 1},
            {"name": "管理员账号", "type": 1},
            {"name": "Mailbox", "type": 1, "ui_type": "Email"},
            {"name": "Owner", "type": 11},
            {"name": "Notes", "type": 1},
        ],
        "records": [
            {
                "record_id": f"rec{i}",
                "fields": {
                    "Name": f"Person {i}",
                    "管理员账号": ADMIN,
                    "Mailbox": f"p{i}@corp.example",
                    "Owner": [f"p{i}@corp.example"],
                    "Notes": f"desk {i}",
                },
            }
            for i in range(1, count + 1)
        ],
        "views": [{"view_id": "vewTwo", "records": ["rec3", "rec1"]}],
    }
    table.update(extra)
    return table


def scenario(table: dict[str, Any] | None = None, **base: Any) -> dict[str, Any]:
    return {
        "sync": {"seconds": 0},
        "bitables": [
            {"app_token": APP, "name": "Move tracker", "tables": [table or people()], **base}
        ],
        "sheets": [
            {
                "token": "shtcnWikiSheet01",
                "title": "Sheet tracker",
                "tabs": [
                    {
                        "sheet_id": "s1",
                        "title": "名单",
                        "cells": [
                            ["admin_account", "exchange_account", "user_id"],
                            [ADMIN, "sheet1@corp.example", "ou_sheet1"],
                        ],
                    }
                ],
            }
        ],
        "wiki": [
            {"node_token": "wikcnBase0001", "obj_type": "bitable", "obj_token": APP},
            {"node_token": "wikcnSheet001", "obj_type": "sheet", "obj_token": "shtcnWikiSheet01"},
        ],
    }


def run(link: str, sandbox: SandboxServer, tmp_path: Path, *extra: str) -> Any:
    return run_cli(
        "run",
        link,
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        "--state",
        tmp_path / "journal.sqlite",
        *FAST_RATES,
        *extra,
        cwd=tmp_path,
        timeout=120,
    )


def bitable(sandbox: SandboxServer) -> dict[str, Any]:
    found = httpx.get(sandbox.base_url + "/_sandbox/documents/bitables", trust_env=False).json()
    table: dict[str, Any] = found["bitables"][0]["tables"][0]
    return table


def records(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    return {r["record_id"]: r["fields"] for r in bitable(sandbox)["records"]}


def endpoint_count(sandbox: SandboxServer, name: str) -> int:
    return sum(1 for r in sandbox.requests() if r["endpoint"] == name)


def test_a_run_writes_every_rows_outcome_back_and_a_rerun_sends_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())
    before = records(sandbox)

    done = run(LINK, sandbox, tmp_path)

    assert done.returncode == 0, done.stderr
    creates = [r for r in sandbox.requests() if r["endpoint"] == "create"]
    assert sorted(r["user_id"] for r in creates) == sorted(
        derived_id(f"p{i}@corp.example", "open_id") for i in range(1, 5)
    )
    after = records(sandbox)
    for record_id, values in before.items():
        assert {k: v for k, v in after[record_id].items() if k not in WRITTEN_COLUMNS} == values
        assert after[record_id]["outcome"] == "bound"
        assert after[record_id]["exchange_binding_id"]
    fields = [f["name"] for f in bitable(sandbox)["fields"]]
    assert fields == TEAM_FIELDS + list(WRITTEN_COLUMNS)
    results = read_results(tmp_path / "Move tracker.results.xlsx")  # named after the base
    assert [r["outcome"] for r in results] == ["bound"] * 4
    assert [r["row"] for r in results] == ["2", "3", "4", "5"]

    again = run(LINK, sandbox, tmp_path)

    assert again.returncode == 0, again.stderr
    assert endpoint_count(sandbox, "create") == 4  # nothing sent again
    assert [f["name"] for f in bitable(sandbox)["fields"]] == fields  # no second set
    assert endpoint_count(sandbox, "bitable.field_create") == len(WRITTEN_COLUMNS)
    assert {v["outcome"] for v in records(sandbox).values()} == {"bound"}


def test_several_people_in_one_person_cell_make_that_row_invalid(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    table = people()
    table["records"][1]["fields"]["Owner"] = ["p2@corp.example", "ann.lee@corp.example"]
    sandbox = make_sandbox(scenario(table))

    done = run(LINK, sandbox, tmp_path, "--json")

    assert done.returncode == 1, done.stderr
    written = records(sandbox)["rec2"]
    assert written["outcome"] == "invalid"
    assert written["code"] == "several_people"
    assert written["msg"] == (
        "Owner holds several people (P2, Ann Lee); a row binds one mailbox to one person"
    )
    assert "row 3 (record rec2 · Person 2)" in done.stderr
    assert endpoint_count(sandbox, "create") == 3
    assert json.loads(done.stdout)["exit_code"] == 1


def test_a_view_link_binds_only_the_views_rows_in_its_order(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())

    done = run(LINK + "&view=vewTwo", sandbox, tmp_path)

    assert done.returncode == 0, done.stderr
    results = read_results(tmp_path / "Move tracker.results.xlsx")
    assert [r["Name"] for r in results] == ["Person 3", "Person 1"]
    assert sorted(
        r["exchange_account"] for r in sandbox.requests() if r["endpoint"] == "create"
    ) == [
        "p1@corp.example",
        "p3@corp.example",
    ]
    written = records(sandbox)
    assert written["rec3"]["outcome"] == written["rec1"]["outcome"] == "bound"
    assert "outcome" not in written["rec2"]


def test_wiki_links_to_a_bitable_and_to_a_sheet(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(scenario())

    base = run("https://corp.feishu.cn/wiki/wikcnBase0001", sandbox, tmp_path)

    assert base.returncode == 0, base.stderr
    assert "reading the first table of 'Move tracker', 'People'" in base.stdout + base.stderr
    assert {v["outcome"] for v in records(sandbox).values()} == {"bound"}

    sheet = run("https://corp.feishu.cn/wiki/wikcnSheet001", sandbox, tmp_path)

    assert sheet.returncode == 0, sheet.stderr
    assert "sheet1@corp.example" in {
        r["exchange_account"] for r in sandbox.requests() if r["endpoint"] == "create"
    }


def test_a_base_the_admin_cannot_open_stops_before_sending(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(access={SANDBOX_TOKEN: "none"}))

    done = run(LINK, sandbox, tmp_path)

    assert done.returncode == 2, done.stderr
    assert "91403" in done.stderr and "Share the document" in done.stderr
    assert "Traceback" not in done.stderr
    assert endpoint_count(sandbox, "create") == 0
    assert endpoint_count(sandbox, "bitable.search") == 0


def test_a_base_the_admin_may_only_read_stops_before_sending(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(access={SANDBOX_TOKEN: "read"}))

    done = run(LINK, sandbox, tmp_path)

    assert done.returncode == 2, done.stderr
    assert "1254302" in done.stderr
    assert endpoint_count(sandbox, "create") == 0


def test_validate_on_a_link_never_writes(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(scenario())

    done = run_cli("validate", LINK, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN)

    assert done.returncode == 0, done.stderr
    writes = {"bitable.field_create", "bitable.batch_update", "create"}
    assert not [r for r in sandbox.requests() if r["endpoint"] in writes]


def test_write_conflicts_and_a_throttled_write_are_retried(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(conflicts=3, throttle_writes=1))

    done = run(LINK, sandbox, tmp_path)

    assert done.returncode == 0, done.stderr
    codes = [
        r["code"]
        for r in sandbox.requests()
        if r["endpoint"] in ("bitable.field_create", "bitable.batch_update")
    ]
    assert codes[:4] == [99991400, 1254291, 1254291, 1254291]
    assert {v["outcome"] for v in records(sandbox).values()} == {"bound"}


def test_a_record_deleted_during_the_run_does_not_fail_the_others(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(people(deleted_after_read=["rec2"])))

    done = run(LINK, sandbox, tmp_path)

    assert done.returncode == 0, done.stderr
    written = records(sandbox)
    assert sorted(written) == ["rec1", "rec3", "rec4"]
    assert {v["outcome"] for v in written.values()} == {"bound"}
    results = read_results(tmp_path / "Move tracker.results.xlsx")
    assert [r["outcome"] for r in results] == ["bound"] * 4  # the journal stays the truth
