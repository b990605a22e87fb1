"""A Bitable table (and a Wiki page) as the team's tracker, against the real sandbox (issue 14).

These drive `BitableTracker` and `resolve` over `DocCalls` and the one HTTP client; the CLI's
end-to-end runs are in test_tracker_bitable_e2e.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from conftest import MakeSandbox

from batchbind.errors import InputError
from batchbind.feishu.client import FeishuClient
from batchbind.input.validation import validate
from batchbind.model import Field, Outcome, ResultRow, UserIdType
from batchbind.output.causes import cause_lines, group_causes, rows_text
from batchbind.output.problems import describe
from batchbind.output.render import frames_for
from batchbind.sandbox import SandboxServer
from batchbind.sandbox.contact import derived_id
from batchbind.sandbox.scenario import ScenarioError, load_scenario, scenario_from_dict
from batchbind.tracker.base import WRITTEN_COLUMNS
from batchbind.tracker.bitable import BitableTracker
from batchbind.tracker.calls import DocCalls, TrackerDenied
from batchbind.tracker.links import Kind, parse_link
from batchbind.tracker.wiki import resolve

T = TypeVar("T")
ADMIN = "exadmin@corp.example"
APP = "bascnTeamTracker01"
LINK = f"https://corp.feishu.cn/base/{APP}?table=tblPeople"


def people_table(**extra: Any) -> dict[str, Any]:
    """A base whose table has a Person field as its only user column, and the team's notes."""
    table: dict[str, Any] = {
        "table_id": "tblPeople",
        "name": "People",
        "fields": [
            {"name": "Name", "type": 1},
            {"name": "管理员账号", "type": 1},
            {"name": "Mailbox", "type": 1, "ui_type": "Email"},
            {"name": "Owner", "type": 11},
            {"name": "Desk", "type": 2},
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
                    "Desk": 100 + i,
                    "Notes": f"note {i}",
                },
            }
            for i in range(1, 6)
        ],
        "views": [{"view_id": "vewBackwards", "records": ["rec4", "rec2"]}],
    }
    table.update(extra)
    return table


def scenario(table: dict[str, Any] | None = None, **base: Any) -> dict[str, Any]:
    return {
        "bitables": [
            {"app_token": APP, "name": "Move tracker", "tables": [table or people_table()], **base}
        ],
        "wiki": [
            {"node_token": "wikcnBase0001", "obj_type": "bitable", "obj_token": APP},
            {"node_token": "wikcnDocx0001", "obj_type": "docx", "obj_token": "doxcnAbc"},
        ],
    }


def run(sandbox: SandboxServer, use: Callable[[DocCalls], Awaitable[T]]) -> T:
    async def main() -> T:
        async with FeishuClient(sandbox.base_url, lambda: "u-sandbox") as client:
            return await use(DocCalls(client, "the tracker"))

    return asyncio.run(main())


def documents(sandbox: SandboxServer) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(
        sandbox.base_url + "/_sandbox/documents/bitables", trust_env=False
    ).json()
    return found


def records(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    table = documents(sandbox)["bitables"][0]["tables"][0]
    return {r["record_id"]: r["fields"] for r in table["records"]}


def endpoints(sandbox: SandboxServer) -> list[str]:
    return [r["endpoint"] for r in sandbox.requests()]


def result(row: int, outcome: Outcome = Outcome.BOUND, **kw: Any) -> ResultRow:
    return ResultRow([], row, outcome, **kw)


def test_a_person_field_is_the_user_column_read_in_the_runs_id_type(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(scenario())

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls, user_id_type=UserIdType.UNION_ID)
        table = await tracker.read()
        return tracker, table

    tracker, table = run(sandbox, use)
    assert tracker.title == "Move tracker"
    assert table.columns == ["Name", "管理员账号", "Mailbox", "Owner", "Desk", "Notes"]
    assert table.fields == {Field.ADMIN_ACCOUNT: 1, Field.EXCHANGE_ACCOUNT: 2, Field.USER_ID: 3}
    assert table.numbers == [2, 3, 4, 5, 6]
    assert table.cells(0) == [
        "Person 1",
        ADMIN,
        "p1@corp.example",
        derived_id("p1@corp.example", "union_id"),
        "101",
        "note 1",
    ]
    assert table.row_names is not None and table.row_names[2] == "rec1 · Person 1"
    checked = validate(table, user_id_type=UserIdType.UNION_ID)
    assert checked.rejected == {}
    search = [r for r in sandbox.requests() if r["endpoint"] == "bitable.search"]
    assert len(search) == 1


def test_several_people_in_the_person_cell_make_that_row_invalid(make_sandbox: MakeSandbox) -> None:
    table = people_table()
    table["records"][1]["fields"]["Owner"] = ["p2@corp.example", "ann.lee@corp.example"]
    sandbox = make_sandbox(scenario(table))

    async def use(calls: DocCalls) -> Any:
        return await BitableTracker(parse_link(LINK), calls).read()

    read = run(sandbox, use)
    checked = validate(read, user_id_type=UserIdType.OPEN_ID)
    assert list(checked.rejected) == [1]
    problem = checked.rejected[1].problems[0]
    assert (problem.code, problem.column) == ("several_people", "Owner")
    msg, hint = describe(problem, "en")
    assert msg == (
        "Owner holds several people (P2, Ann Lee); a row binds one mailbox to one person"
    )
    assert hint.startswith("Keep one person in the cell")
    assert "只保留一个人员" in describe(problem, "zh")[1]


def test_a_user_column_by_name_wins_over_a_person_field(make_sandbox: MakeSandbox) -> None:
    table = people_table()
    table["fields"].append({"name": "open_id", "type": 1})
    table["fields"].append({"name": "Reviewer", "type": 11})
    for record in table["records"]:
        record["fields"]["open_id"] = "ou_typed"
    sandbox = make_sandbox(scenario(table))
    read = run(sandbox, lambda calls: BitableTracker(parse_link(LINK), calls).read())
    assert read.columns[read.fields[Field.USER_ID]] == "open_id"
    assert read.column(Field.USER_ID) == ["ou_typed"] * 5


def test_two_person_fields_and_no_user_column_are_one_sentence(make_sandbox: MakeSandbox) -> None:
    table = people_table()
    table["fields"].append({"name": "Reviewer", "type": 11})
    sandbox = make_sandbox(scenario(table))
    with pytest.raises(InputError) as caught:
        run(sandbox, lambda calls: BitableTracker(parse_link(LINK), calls).read())
    assert caught.value.key == "missing_column"
    assert "Move tracker" in str(caught.value)


def test_a_view_link_reads_the_views_rows_in_its_order(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario())
    link = parse_link(LINK + "&view=vewBackwards")
    read = run(sandbox, lambda calls: BitableTracker(link, calls).read())
    assert [read.cells(i)[0] for i in range(len(read))] == ["Person 4", "Person 2"]
    assert read.row_names == {2: "rec4 · Person 4", 3: "rec2 · Person 2"}


def test_values_in_bitables_shapes_are_read_as_text(make_sandbox: MakeSandbox) -> None:
    table = people_table()
    table["fields"] += [
        {"name": "Site", "type": 15},
        {"name": "Phone", "type": 13},
        {"name": "Badge", "type": 2},
    ]
    first = table["records"][0]["fields"]
    first.update({"Site": "https://x.example", "Phone": "13800138000", "Badge": 1234567890123456})
    first["Desk"] = 12.5
    sandbox = make_sandbox(scenario(table))
    read = run(sandbox, lambda calls: BitableTracker(parse_link(LINK), calls).read())
    assert read.cells(0)[4:] == [
        "12.5",
        "note 1",
        "https://x.example",
        "13800138000",
        "1234567890123456",
    ]
    assert read.cell_problems == {0: {8: "number_rounded"}}


def test_results_are_written_into_text_fields_created_once(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario())
    before = records(sandbox)

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls)
        table = await tracker.read()
        rows = [result(n, code="", attempts=1, http_status=200) for n in table.numbers]
        rows[2] = result(4, Outcome.FAILED, code="195100", msg="user not found", attempts=1)
        first = await tracker.write_back(rows)
        second = await tracker.write_back(rows)
        again = BitableTracker(parse_link(LINK), calls)
        table_again = await again.read()
        third = await again.write_back(rows)
        return first, second, third, table_again

    first, second, third, table_again = run(sandbox, use)
    assert first.columns_added == list(WRITTEN_COLUMNS)
    assert (first.rows_written, first.rows_missing) == (5, [])
    assert second.columns_added == third.columns_added == []
    assert table_again.columns == ["Name", "管理员账号", "Mailbox", "Owner", "Desk", "Notes"]
    fields = documents(sandbox)["bitables"][0]["tables"][0]["fields"]
    assert [f["name"] for f in fields][6:] == list(WRITTEN_COLUMNS)
    assert {f["type"] for f in fields[6:]} == {1}
    after = records(sandbox)
    for record_id, values in before.items():
        team = {k: v for k, v in after[record_id].items() if k not in WRITTEN_COLUMNS}
        assert team == values  # the team's fields untouched
    assert after["rec3"]["outcome"] == "failed"
    assert after["rec3"]["code"] == "195100"
    assert after["rec1"]["outcome"] == "bound"
    assert after["rec1"]["attempts"] == "1"
    assert after["rec1"]["http_status"] == "200"
    writes = [e for e in endpoints(sandbox) if e == "bitable.batch_update"]
    assert len(writes) == 3
    assert endpoints(sandbox).count("bitable.field_create") == len(WRITTEN_COLUMNS)


def test_a_deleted_record_is_reported_and_the_others_are_written(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario(people_table(deleted_after_read=["rec2", "rec5"])))

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls)
        table = await tracker.read()
        return await tracker.write_back([result(n) for n in table.numbers])

    report = run(sandbox, use)
    assert sorted(report.rows_missing) == [3, 6]
    assert report.rows_written == 3
    after = records(sandbox)
    assert sorted(after) == ["rec1", "rec3", "rec4"]
    assert {after[r]["outcome"] for r in after} == {"bound"}


def test_write_conflicts_and_throttled_writes_are_waited_out(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario(conflicts=2, throttle_writes=1))

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls)
        table = await tracker.read()
        return await tracker.write_back([result(n) for n in table.numbers]), calls

    report, calls = run(sandbox, use)
    assert report.rows_written == 5
    answers = [r["code"] for r in sandbox.requests() if r["endpoint"] == "bitable.field_create"]
    assert answers[:3] == [99991400, 1254291, 1254291]
    assert calls.throttled["bitable.write"] == 1
    assert {r["outcome"] for r in records(sandbox).values()} == {"bound"}


def test_a_base_the_admin_cannot_open_stops_before_reading_records(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(scenario(default_access="none"))
    with pytest.raises(TrackerDenied) as caught:
        run(sandbox, lambda calls: BitableTracker(parse_link(LINK), calls).read())
    assert caught.value.exit_code == 2
    assert "91403" in str(caught.value)
    assert endpoints(sandbox) == ["bitable.app"]


def test_a_base_the_admin_may_only_read_refuses_the_write(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario(default_access="read"))

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls)
        table = await tracker.read()
        return await tracker.write_back([result(n) for n in table.numbers])

    with pytest.raises(TrackerDenied, match="1254302"):
        run(sandbox, use)


def test_a_wiki_page_resolves_to_its_bitable_and_the_first_table(make_sandbox: MakeSandbox) -> None:
    second = people_table(table_id="tblOther", name="Other")
    base = scenario()
    base["bitables"][0]["tables"].append(second)
    sandbox = make_sandbox(base)

    async def use(calls: DocCalls) -> Any:
        link = await resolve(parse_link("https://corp.feishu.cn/wiki/wikcnBase0001"), calls)
        tracker = BitableTracker(link, calls)
        return link, tracker, await tracker.read()

    link, tracker, table = run(sandbox, use)
    assert (link.kind, link.token, link.table_id) == (Kind.BITABLE, APP, None)
    assert tracker.link.table_id == "tblPeople"
    assert tracker.notice is not None
    assert str(tracker.notice) == (
        "The link names no table: reading the first table of 'Move tracker', 'People'."
    )
    assert len(table) == 5
    kept = run(
        sandbox,
        lambda calls: resolve(
            parse_link("https://corp.feishu.cn/wiki/wikcnBase0001?table=tblOther&view=vewX"), calls
        ),
    )
    assert (kept.token, kept.table_id, kept.view_id) == (APP, "tblOther", "vewX")


def test_a_wiki_page_holding_a_document_is_one_sentence(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario())
    with pytest.raises(InputError) as caught:
        run(
            sandbox,
            lambda calls: resolve(parse_link("https://x.feishu.cn/wiki/wikcnDocx0001"), calls),
        )
    assert caught.value.key == "wiki_not_tracker"
    assert "holding a document, not a Sheet or a Bitable" in str(caught.value)
    assert "其中是文档" in caught.value.render("zh")[0]
    with pytest.raises(InputError) as missing:
        run(
            sandbox,
            lambda calls: resolve(parse_link("https://x.feishu.cn/wiki/wikcnNope0001"), calls),
        )
    assert missing.value.key == "tracker_not_found"


def test_messages_name_a_bitable_row_by_its_record_and_primary_field(
    make_sandbox: MakeSandbox,
) -> None:
    table = people_table()
    table["records"][3]["fields"] = dict(table["records"][1]["fields"], Name="Person 2 again")
    table["records"][4]["fields"]["Mailbox"] = "not an address"
    sandbox = make_sandbox(scenario(table))
    read = run(sandbox, lambda calls: BitableTracker(parse_link(LINK), calls).read())
    checked = validate(read, user_id_type=UserIdType.OPEN_ID)
    results = {r.row: r for r in (f.fixed for f in frames_for(checked, None, lang="en")) if r}
    assert results[5].outcome is Outcome.DUPLICATE
    assert results[5].msg == "same as row 3 (record rec2 · Person 2): sent once"
    assert results[5].row == 5  # the Results sheet's `row` stays the number
    lines = cause_lines(group_causes(results.values()), "en", row_names=read.row_names)
    assert "row 6 (record rec5 · Person 5)" in lines[1]
    zh = cause_lines(group_causes(results.values()), "zh", row_names=read.row_names)
    assert "6（记录 rec5 · Person 5）" in zh[1]
    assert rows_text([2, 3], 2, "en", read.row_names) == (
        "rows 2 (record rec1 · Person 1), 3 (record rec2 · Person 2)"
    )
    assert rows_text([2, 3], 2, "en") == "rows 2, 3"  # a file's rows: numbers alone


def test_the_sandbox_keeps_the_documented_limits_and_its_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    table = people_table()
    table["records"] = [{"record_id": f"rec{i}", "fields": {"Name": str(i)}} for i in range(1001)]
    base = scenario(table)
    path = f"/open-apis/bitable/v1/apps/{APP}/tables/tblPeople/records"
    auth = {"Authorization": "Bearer u-sandbox"}
    with SandboxServer(scenario_from_dict(base), port=0, state_file=state) as sandbox:
        url = sandbox.base_url + path
        big = httpx.post(url + "/search?page_size=501", json={}, headers=auth, trust_env=False)
        assert big.json()["code"] == 99992402
        many = [{"record_id": f"rec{i}", "fields": {"Notes": "x"}} for i in range(1001)]
        refused = httpx.post(
            url + "/batch_update", json={"records": many}, headers=auth, trust_env=False
        )
        assert refused.json()["code"] == 1254104
        gone = [
            {"record_id": "rec1", "fields": {"Notes": "y"}},
            {"record_id": "recX", "fields": {}},
        ]
        missing = httpx.post(
            url + "/batch_update", json={"records": gone}, headers=auth, trust_env=False
        )
        assert missing.json()["code"] == 1254043
        assert "Notes" not in records(sandbox)["rec1"]  # all or nothing
        done = httpx.post(
            url + "/batch_update", json={"records": many[:1000]}, headers=auth, trust_env=False
        )
        assert done.json()["code"] == 0
    with SandboxServer(scenario_from_dict(base), port=0, state_file=state) as again:
        assert records(again)["rec999"]["Notes"] == "x"
        assert "Notes" not in records(again)["rec1000"]


def test_a_synced_table_refuses_the_write_with_feishus_words(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(scenario(people_table(synced=True), synced_code=1254099))

    async def use(calls: DocCalls) -> Any:
        tracker = BitableTracker(parse_link(LINK), calls)
        table = await tracker.read()
        return await tracker.write_back([result(n) for n in table.numbers])

    with pytest.raises(InputError) as caught:
        run(sandbox, use)
    assert caught.value.key == "tracker_call_failed"
    assert "1254099" in str(caught.value) and "synced from another source" in str(caught.value)


def test_a_scenarios_bitable_is_checked() -> None:
    with pytest.raises(ScenarioError, match=r"bitables\.tables\.fields\.type"):
        scenario_from_dict(scenario(people_table(fields=[{"name": "A", "type": 6}])))
    with pytest.raises(ScenarioError, match="once each"):
        scenario_from_dict(scenario(people_table(fields=[{"name": "A"}, {"name": "A"}])))


def test_the_sample_trackers_bitable_reads_with_one_row_to_fix() -> None:
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "tracker.toml"
    with SandboxServer(load_scenario(sample)) as sandbox:
        link = parse_link("https://contoso.feishu.cn/wiki/wikcnContosoMove01")

        async def use(calls: DocCalls) -> Any:
            return await BitableTracker(await resolve(link, calls), calls).read()

        read = run(sandbox, use)
    checked = validate(read, user_id_type=UserIdType.OPEN_ID)
    assert len(read) == 4
    assert [checked.rejected[i].problems[0].code for i in checked.rejected] == ["several_people"]
