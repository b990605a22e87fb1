"""`batchbind ui` with the team's tracker as the input: a Feishu Sheet or Bitable link pasted on
the page, read with the chosen target's token, run, and written back (issues 14 and 16).

The real page server and the real sandbox on loopback; the Sheet's cells are read back from the
sandbox (`/_sandbox/documents/sheets`), what the CLI says is the reference.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import test_ui
from conftest import ADMIN, FAST_LIMITS, MakeSandbox, creates, read_results, run_cli, write_input
from test_ui import Page

from batchbind.output import i18n
from batchbind.store.journal import Journal
from batchbind.store.paths import default_journal

SAMPLE_DATA = Path(__file__).parent.parent / "sample_data"
TRACKER = SAMPLE_DATA / "tracker.toml"
SHEET = "https://contoso.feishu.cn/sheets/shtcnContosoMigration01"
BITABLE = "https://contoso.feishu.cn/base/bascnContosoMove01?table=tblMove01"
TITLE = "Contoso 日历迁移名单"

serve = test_ui.serve  # the page server fixture, shared


def tracker_scenario(**extra: Any) -> dict[str, Any]:
    """The README's rehearsal document (sample_data/tracker.toml), synced at once."""
    scenario = tomllib.loads(TRACKER.read_text(encoding="utf-8"))
    return {**scenario, "limits": FAST_LIMITS, "sync": {"seconds": 0}, **extra}


def sheet_rows(base_url: str) -> list[list[Any]]:
    found = httpx.get(f"{base_url}/_sandbox/documents/sheets").json()["documents"]
    document = next(d for d in found if d["title"] == TITLE)
    tab = next(t for t in document["tabs"] if t["title"] == "名单")
    rows: list[list[Any]] = tab["cells"]
    return rows


def read_link(page: Page, link: str, target: str = "sandbox") -> httpx.Response:
    return page.post("/api/input", json={"link": link, "target": target})


def test_a_sheet_link_is_checked_as_validate_checks_it_and_nothing_is_written(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(tracker_scenario())
    before = sheet_rows(sandbox.base_url)
    _server, page = serve(sandbox)
    answer = read_link(page, SHEET)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    cli = run_cli(
        "validate", SHEET, "--json", "--base-url", sandbox.base_url, "--token", "u-sandbox",
        "--out", tmp_path / "v.xlsx",
    )  # fmt: skip
    expected = json.loads(cli.stdout)
    assert shown["groups"] == expected["causes"] and shown["counts"] == expected["counts"]
    assert shown["rows"] == expected["rows"] == 5
    assert shown["exit_code"] == cli.returncode == 1  # 陈敏 has no user id
    assert shown["name"] == TITLE and shown["link"] == SHEET
    assert [s["row"] for s in shown["skipped"]] == [8]  # the totals line, said as run says it
    assert (
        shown["skipped_note"]
        == "Row 8 is a totals or notes line, not a binding: skipped ('合计 5 人')."
    )
    assert sheet_rows(sandbox.base_url) == before  # a check writes nothing into the tracker


def test_a_run_of_a_sheet_link_binds_writes_back_and_says_so(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(tracker_scenario())
    _server, page = serve(sandbox)
    assert read_link(page, SHEET).status_code == 200
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    done = page.wait("done", "error")
    assert done["state"] == "done" and done["exit_code"] == 1, done
    assert done["counts"]["bound"] == 4 and done["counts"]["invalid"] == 1
    assert done["notes"] == [f"Results written back to {TITLE}: 5 rows."]
    # The Sheet: the result columns to the right of the team's, one outcome per row, in place.
    rows = sheet_rows(sandbox.base_url)
    header = rows[1]
    outcome = header.index("outcome")
    assert header[:6] == ["管理员账号", "Exchange 邮箱", "用户ID", "姓名", "部门", "备注"]
    assert [r[outcome] for r in rows[2:7]] == ["bound", "bound", "bound", "invalid", "bound"]
    assert len(rows) < 8 or not any(rows[7][outcome:])  # nothing on the totals line
    # The journal names the link (so `report --write-back` can write it again from a terminal).
    with Journal(default_journal("default"), tenant="", exclusive=False) as journal:
        assert journal.runs()[0].input == SHEET
    # The download is named after the document and holds every row.
    download = page.http.get("/api/results.xlsx")
    assert download.status_code == 200
    named = f"filename*=UTF-8''{quote(f'{TITLE}.results.xlsx')}"  # RFC 6266: a name in UTF-8
    assert named in download.headers["content-disposition"]
    saved = tmp_path / "downloaded.xlsx"
    saved.write_bytes(download.content)
    assert sorted(r["outcome"] for r in read_results(saved)) == ["bound"] * 4 + ["invalid"]
    # A second run sends no binding again, and writes the results back again.
    assert len(creates(sandbox)) == 4
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    again = page.wait("done", "error")
    assert again["counts"]["bound"] == 4 and again["notes"] == done["notes"]
    assert len(creates(sandbox)) == 4


def test_a_bitable_link_reads_its_person_field_and_writes_back_each_record(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    sandbox = make_sandbox(tracker_scenario())
    _server, page = serve(sandbox)
    answer = read_link(page, BITABLE)
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 4
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    done = page.wait("done", "error")
    assert done["state"] == "done", done
    assert done["notes"] and "Contoso 日历迁移（多维表格）" in done["notes"][-1]
    assert answer.json()["counts"]["invalid"] == 1  # 王强's Person cell holds two people
    found = httpx.get(f"{sandbox.base_url}/_sandbox/documents/bitables").json()["bitables"]
    outcomes = {r["record_id"]: r["fields"]["outcome"] for r in found[0]["tables"][0]["records"]}
    assert outcomes == {"recZW": "bound", "recLN": "bound", "recWQ": "invalid", "recZQ": "bound"}


def test_a_link_batchbind_cannot_read_gets_a_sentence_and_the_previous_input_stays(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    sandbox = make_sandbox(tracker_scenario())
    _server, page = serve(sandbox)
    assert read_link(page, SHEET).status_code == 200
    for link, said in (
        ("https://contoso.feishu.cn/docx/doxcnAbc", "Sheet"),  # a Docs page
        ("https://contoso.feishu.cn/sheets/shtcnNoSuchSheet", "shtcnNoSuchSheet"),
        ("", "Paste the link"),
    ):
        answer = read_link(page, link)
        assert answer.status_code == 400, (link, answer.text)
        error = answer.json()["error"]
        assert said in error and "Traceback" not in error
    # The Sheet read first is still the input: a run binds its rows.
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    assert page.wait("done", "error")["counts"]["bound"] == 4


def test_a_link_read_with_a_target_that_is_not_a_profile_is_refused(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    _server, page = serve(make_sandbox(tracker_scenario()))
    answer = read_link(page, SHEET, target="profile:nobody")
    assert answer.status_code == 400
    assert "nobody" in answer.json()["error"]


def test_switching_the_language_reads_the_tracker_again_in_it(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    _server, page = serve(make_sandbox(tracker_scenario()))
    english = read_link(page, SHEET).json()
    switched = page.post("/api/lang", json={"lang": "zh"}).json()["check"]
    assert switched["link"] == SHEET and switched["counts"] == english["counts"]
    assert switched["groups"][0]["cause"] != english["groups"][0]["cause"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in switched["groups"][0]["cause"])


def test_a_write_back_that_fails_is_said_with_what_to_do_on_the_page(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    scenario = tracker_scenario()
    scenario["sheets"][0]["writable_writes"] = 1  # the headers, then the edit right is gone
    sandbox = make_sandbox(scenario)
    _server, page = serve(sandbox)
    assert read_link(page, SHEET).status_code == 200
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    done = page.wait("done", "error")
    # The bindings are done and the run's exit code is its own; only the write-back failed.
    assert done["state"] == "done" and done["exit_code"] == 1 and done["counts"]["bound"] == 4
    (note,) = done["notes"]
    assert note.startswith(f"The results could not be written back to {TITLE}:")
    assert i18n.text("tracker_denied_hint", "en") in note  # what to do about the refusal
    # and what to do on the page (no terminal command)
    assert note.endswith(i18n.text("ui_write_back_again", "en")) and "batchbind report" not in note
    assert page.http.get("/api/results.xlsx").status_code == 200


def test_the_status_button_on_a_link_writes_the_sync_status_back_into_the_sheet(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    sandbox = make_sandbox(tracker_scenario())
    _server, page = serve(sandbox)
    assert read_link(page, SHEET).status_code == 200
    page.post("/api/run", json={"target": "sandbox"})
    assert page.wait("done", "error")["state"] == "done"
    assert page.post("/api/status", json={"target": "sandbox"}).status_code == 202
    done = page.wait("done", "error")
    assert done["state"] == "done" and done["kind"] == "status", done
    assert done["notes"] == [f"Results written back to {TITLE}: 5 rows."]
    rows = sheet_rows(sandbox.base_url)
    status = rows[1].index("binding_status")
    assert [r[status] for r in rows[2:7]] == ["done", "done", "done", "", "done"]


SHEETS_ANY = [
    "sheets:spreadsheet",
    "sheets:spreadsheet:readonly",
    "drive:drive",
    "drive:drive:readonly",
]


def test_a_token_without_the_sheets_scope_is_told_to_log_in_on_the_page_with_the_box_ticked(
    serve: Any, make_sandbox: MakeSandbox
) -> None:
    # The first thing a page user meets: `auth login` asks for no tracker scope by default.
    sandbox = make_sandbox(tracker_scenario(scopes={"missing": SHEETS_ANY, "code": 99991679}))
    _server, page = serve(sandbox)
    answer = read_link(page, SHEET)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "sheets:spreadsheet" in error  # the scope, named
    assert error.endswith(i18n.text("ui_scope_login_tracker", "en"))


def test_a_run_stopped_for_the_binding_scope_says_to_log_in_again_on_the_page(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    create = "calendar:exchange.bindings:create"
    sandbox = make_sandbox(
        {"limits": FAST_LIMITS, "scopes": {"missing": [create], "code": 99991679}}
    )
    _server, page = serve(sandbox)
    source = write_input(tmp_path / "in.csv", [(ADMIN, "a@corp.example", "ou_a")])
    assert page.upload(source).status_code == 200
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    done = page.wait("done", "error")
    assert done["exit_code"] == 3, done
    assert create in done["error"] and f"auth login --scope {create}" in done["error"]
    assert done["error"].endswith(i18n.text("ui_scope_login", "en"))
