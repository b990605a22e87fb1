"""`batchbind run` end to end: the real CLI against the real sandbox on loopback.

Each test checks the results file row by row and proves from the sandbox's request log what was
(and was not) sent.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from click.testing import CliRunner, Result
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    creates,
    read_results,
    run_cli,
    write_input,
    xlsx_cell_types,
)

from batchbind.cli import cli
from batchbind.model import RESULT_COLUMNS
from batchbind.output import i18n
from batchbind.sandbox import SandboxServer, binding_id_for
from batchbind.sandbox.server import request_shutdown

OLD_ADMIN = "old-admin@corp.example"
REPO = Path(__file__).resolve().parent.parent


def run_args(
    input_path: Path, sandbox: SandboxServer, state: Path, *extra: str | Path
) -> list[str]:
    return [
        "run",
        str(input_path),
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        "--state",
        str(state),
        *FAST_RATES,
        *map(str, extra),
    ]


def bb_run(input_path: Path, sandbox: SandboxServer, state: Path, *extra: str | Path) -> Result:
    return CliRunner().invoke(cli, run_args(input_path, sandbox, state, *extra))


def person(name: str, admin: str = ADMIN) -> tuple[str, str, str]:
    return (admin, f"{name}@corp.example", f"ou_{name}")


def assert_bound(row: dict[str, str], *, attempts: int = 1) -> None:
    exchange = row["exchange_account"]
    assert row["outcome"] == "bound", row
    assert row["code"] == "0"
    assert row["exchange_binding_id"] == binding_id_for(row["admin_account"], exchange)
    assert row["binding_status"] in ("doing", "cal_done", "timespan_done", "done")
    assert row["attempts"] == str(attempts), row
    assert row["http_status"] == "200"
    assert row["log_id"]
    assert row["updated_at"].endswith("Z")


def successful_creates(sandbox: SandboxServer, exchange: str) -> int:
    return sum(1 for r in creates(sandbox, exchange) if r["code"] == 0 and r["http_status"] == 200)


# -- 1. every outcome --------------------------------------------------------------------------


def test_every_outcome_row_by_row(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "tenant": {"missing_users": ["ou_left"], "unknown_admin_accounts": [OLD_ADMIN]},
        }
    )
    rows = [
        person("alice"),  # 2 bound
        person("left"),  # 3 failed 195100
        person("x1", OLD_ADMIN),  # 4 failed 195106 (sent)
        (ADMIN, "not-an-address", "ou_bad"),  # 5 invalid e-mail
        (ADMIN, "conf@corp.example", "ou_c1"),  # 6 conflict
        (ADMIN, "conf@corp.example", "ou_c2"),  # 7 conflict
        person("alice"),  # 8 duplicate of 2
        person("x2", OLD_ADMIN),  # 9 failed, not sent
        person("x3", OLD_ADMIN),  # 10 failed, not sent
        person("bob"),  # 11 bound
    ]
    source = write_input(tmp_path / "people.csv", rows)
    # One worker, so the admin account's first refusal is known before its later rows come up.
    result = bb_run(source, sandbox, tmp_path / "journal.sqlite", "--concurrency", "1")

    assert result.exit_code == 1, result.output
    results_path = tmp_path / "people.results.xlsx"
    book = openpyxl.load_workbook(results_path, read_only=True)
    assert book.sheetnames == ["Results", "Summary"]
    summary = {line[0]: line[1] for line in book["Summary"].iter_rows(values_only=True) if line}
    book.close()
    counts = {o: summary[o] for o in ("bound", "failed", "invalid", "duplicate", "pending")}
    assert counts == {"bound": 2, "failed": 4, "invalid": 3, "duplicate": 1, "pending": 0}
    assert summary["Journal"] == str(tmp_path / "journal.sqlite")
    results = read_results(results_path)
    assert [r["row"] for r in results] == [str(n) for n in range(2, 12)]
    r = {int(row["row"]): row for row in results}
    log = sandbox.requests()

    assert_bound(r[2])
    assert_bound(r[11])

    left = r[3]
    assert (left["outcome"], left["code"], left["http_status"], left["attempts"]) == (
        "failed",
        "195100",
        "404",
        "1",
    )
    assert left["msg"] and "user_id" in left["hint"]
    assert left["exchange_binding_id"] == ""
    sent_left = creates(sandbox, "left@corp.example")
    assert len(sent_left) == 1 and left["log_id"] == sent_left[0]["log_id"]

    admin = r[4]
    assert (admin["outcome"], admin["code"], admin["http_status"], admin["attempts"]) == (
        "failed",
        "195106",
        "404",
        "1",
    )
    assert admin["msg"] and "admin" in admin["hint"].lower()
    assert admin["log_id"] == creates(sandbox, "x1@corp.example")[0]["log_id"]
    for later in (r[9], r[10]):
        assert later["outcome"] == "failed"
        assert later["code"] == "195106"
        assert "not sent" in later["msg"] and "row 4" in later["msg"]
        assert later["hint"]
        assert later["attempts"] in ("", "0") and later["http_status"] == "" and not later["log_id"]
    assert [q for q in log if q["admin_account"] == OLD_ADMIN] == creates(
        sandbox, "x1@corp.example"
    )

    bad = r[5]
    assert (bad["outcome"], bad["code"]) == ("invalid", "invalid_email")
    assert "not-an-address" in bad["msg"] and bad["hint"]
    for row in (r[6], r[7]):
        assert (row["outcome"], row["code"]) == ("invalid", "duplicate_exchange_account")
        assert row["msg"] and row["hint"]
        assert row["attempts"] == "" and row["exchange_binding_id"] == ""
    assert "row 7" in r[6]["msg"] and "row 6" in r[7]["msg"]
    assert creates(sandbox, "conf@corp.example") == []
    assert creates(sandbox, "not-an-address") == []

    dup = r[8]
    assert dup["outcome"] == "duplicate"
    assert "row 2" in dup["msg"] and dup["hint"]
    assert dup["exchange_binding_id"] == r[2]["exchange_binding_id"]
    assert len(creates(sandbox, "alice@corp.example")) == 1

    assert {b["exchange_account"] for b in sandbox.bindings()} == {
        "alice@corp.example",
        "bob@corp.example",
    }
    # The preflight status query, then one create per row that could be sent.
    assert [q["endpoint"] for q in log] == ["get"] + ["create"] * 4


# -- 2. a 429 storm ------------------------------------------------------------------------------


def test_429_storm_ends_with_every_row_bound(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    # The sandbox allows 10 a second; batchbind is told 50 may go, so it must obey the 429s.
    sandbox = make_sandbox({"limits": {"per_second": 10, "per_minute": 100_000}, "sync": {}})
    rows = [person(f"storm{n:02}") for n in range(60)]
    source = write_input(tmp_path / "storm.csv", rows)
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(source),
            "--base-url",
            sandbox.base_url,
            "--token",
            SANDBOX_TOKEN,
            "--state",
            str(tmp_path / "journal.sqlite"),
            "--rate-per-second",
            "50",
            "--rate-per-minute",
            "1000",
            "--out",
            str(tmp_path / "out.csv"),
        ],
    )

    assert result.exit_code == 0, result.output
    results = read_results(tmp_path / "out.csv")
    assert len(results) == 60
    for row in results:
        assert_bound(row, attempts=1)  # waiting out a 429 is not an attempt
    log = creates(sandbox)
    throttled = [q for q in log if q["throttled"]]
    assert throttled, "the sandbox never answered 429: the test proves nothing"
    assert all(q["http_status"] == 429 and q["code"] == 99991400 for q in throttled)
    ok = Counter(q["exchange_account"] for q in log if q["code"] == 0)
    assert len(ok) == 60 and set(ok.values()) == {1}  # each row bound by exactly one request
    assert len(sandbox.bindings()) == 60


@pytest.mark.parametrize("throttle_code", [190004, 190005, 190010])
def test_every_throttle_code_is_waited_out_and_counted(
    make_sandbox: MakeSandbox, tmp_path: Path, throttle_code: int
) -> None:
    sandbox = make_sandbox(
        {"limits": {"per_second": 10, "per_minute": 100_000, "throttle_code": throttle_code}}
    )
    source = write_input(tmp_path / "in.csv", [person(f"t{n:02}") for n in range(25)])
    args = run_args(source, sandbox, tmp_path / "j.sqlite", "--json", "--out", tmp_path / "r.csv")
    args[args.index("--rate-per-second") + 1] = "50"
    done = run_cli(*args)

    assert done.returncode == 0, done.stderr
    for row in read_results(tmp_path / "r.csv"):
        assert_bound(row, attempts=1)
    answered_429 = [q for q in sandbox.requests() if q["http_status"] == 429]
    assert answered_429 and {q["code"] for q in answered_429} == {throttle_code}
    # The summary's "answered 429" (RunInfo.throttled) counts every HTTP 429, whatever its code.
    assert json.loads(done.stdout)["throttled"] == len(answered_429)


# -- 3. transient faults -------------------------------------------------------------------------


FAULTY = {"e500": "error_500", "dropped": "drop", "gateway": "gateway_502"}


def faults_scenario(times: int) -> dict[str, Any]:
    return {
        "limits": FAST_LIMITS,
        "faults": {
            "rules": [
                {"exchange_account": f"{name}@corp.example", "fault": fault, "times": times}
                for name, fault in FAULTY.items()
            ]
        },
    }


def test_transient_faults_are_retried_until_bound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(faults_scenario(times=2))
    source = write_input(tmp_path / "faults.csv", [person(n) for n in (*FAULTY, "calm")])
    result = bb_run(source, sandbox, tmp_path / "journal.sqlite", "--out", tmp_path / "r.csv")

    assert result.exit_code == 0, result.output
    rows = by_exchange(read_results(tmp_path / "r.csv"))
    for name, fault in FAULTY.items():
        assert_bound(rows[f"{name}@corp.example"], attempts=3)
        seen = [q["fault"] for q in creates(sandbox, f"{name}@corp.example")]
        assert seen == [fault, fault, None]
    assert_bound(rows["calm@corp.example"], attempts=1)
    assert len(sandbox.bindings()) == 4


def test_transient_failure_exits_4_and_a_rerun_binds_it(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(faults_scenario(times=2))
    source = write_input(tmp_path / "faults.csv", [person(n) for n in (*FAULTY, "calm")])
    journal = tmp_path / "journal.sqlite"
    out = tmp_path / "r.csv"
    first = bb_run(source, sandbox, journal, "--max-attempts", "2", "--out", out)

    assert first.exit_code == 4, first.output
    rows = by_exchange(read_results(out))
    assert_bound(rows["calm@corp.example"])
    expected_status = {"e500": "500", "dropped": "", "gateway": "502"}
    for name in FAULTY:
        row = rows[f"{name}@corp.example"]
        assert row["outcome"] == "failed", row
        assert row["attempts"] == "2"
        assert row["http_status"] == expected_status[name]
        assert row["msg"] and row["hint"]
        assert row["exchange_binding_id"] == ""
    assert rows["e500@corp.example"]["code"] == "190003"
    assert rows["e500@corp.example"]["log_id"]
    assert rows["gateway@corp.example"]["log_id"]  # the gateway page still had its header
    assert len(creates(sandbox)) == 7

    again = bb_run(source, sandbox, journal, "--max-attempts", "2", "--out", out)

    assert again.exit_code == 0, again.output
    rows = by_exchange(read_results(out))
    for name in (*FAULTY, "calm"):
        assert rows[f"{name}@corp.example"]["outcome"] == "bound"
        assert successful_creates(sandbox, f"{name}@corp.example") == 1
    assert len(creates(sandbox, "calm@corp.example")) == 1  # bound rows are never sent again
    assert len(creates(sandbox)) == 10


# -- 4. the answer lost after the binding was stored ----------------------------------------------


def lost_answer_scenario(answer: str) -> dict[str, Any]:
    return {
        "limits": FAST_LIMITS,
        "recreate": {"answer": answer},
        "faults": {
            "rules": [{"exchange_account": "carol@corp.example", "fault": "drop_after_store"}]
        },
    }


def test_lost_answer_then_same_binding_is_bound_once(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(lost_answer_scenario("same"))
    source = write_input(tmp_path / "in.csv", [person("carol"), person("dave")])
    result = bb_run(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv")

    assert result.exit_code == 0, result.output
    rows = by_exchange(read_results(tmp_path / "r.csv"))
    assert_bound(rows["carol@corp.example"], attempts=2)
    assert [q["fault"] for q in creates(sandbox, "carol@corp.example")] == [
        "drop_after_store",
        None,
    ]
    carol = [b for b in sandbox.bindings() if b["exchange_account"] == "carol@corp.example"]
    assert len(carol) == 1
    assert carol[0]["exchange_binding_id"] == rows["carol@corp.example"]["exchange_binding_id"]


def test_lost_answer_then_error_is_confirmed_bound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(lost_answer_scenario("error"))
    source = write_input(tmp_path / "in.csv", [person("carol"), person("dave")])
    result = bb_run(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv")

    assert result.exit_code == 0, result.output
    rows = by_exchange(read_results(tmp_path / "r.csv"))
    carol = rows["carol@corp.example"]
    assert carol["outcome"] == "bound", carol
    assert "confirmed" in carol["msg"]
    assert carol["exchange_binding_id"] == binding_id_for(ADMIN, "carol@corp.example")
    assert carol["log_id"]
    assert_bound(rows["dave@corp.example"])
    # The re-create was refused; a status query on the derived id proved the binding exists.
    log = [q for q in sandbox.requests() if q["exchange_account"] == "carol@corp.example"]
    assert [(q["endpoint"], q["code"]) for q in log] == [
        ("create", 0),
        ("create", 190002),
        ("get", 0),
    ]
    stored = [b for b in sandbox.bindings() if b["exchange_account"] == "carol@corp.example"]
    assert len(stored) == 1


@pytest.mark.parametrize(
    ("tenant", "admin", "code", "msg"),
    [
        ({"missing_users": ["ou_carol"]}, ADMIN, "195100", "user has left or is not in the tenant"),
        (
            {"unknown_admin_accounts": ["gone@corp.example"]},
            "gone@corp.example",
            "195106",
            "admin account not found",
        ),
    ],
)
def test_lost_answer_then_a_refusal_that_proves_it_unbound_fails_plainly(
    make_sandbox: MakeSandbox,
    tmp_path: Path,
    tenant: dict[str, Any],
    admin: str,
    code: str,
    msg: str,
) -> None:
    # The create's answer is lost (the connection drops before Feishu stores anything); the
    # resend is refused with a code no earlier request could have got past; the confirming GET
    # fails twice itself before it answers.
    rules = [
        {"exchange_account": "carol@corp.example", "fault": "drop"},
        {
            "exchange_account": "carol@corp.example",
            "fault": "error_500",
            "endpoint": "get",
            "times": 2,
        },
    ]
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tenant": tenant, "faults": {"rules": rules}})
    source = write_input(tmp_path / "in.csv", [person("carol", admin), person("dave")])
    out, journal = tmp_path / "r.csv", tmp_path / "j.sqlite"

    result = bb_run(source, sandbox, journal, "--out", out, "--max-attempts", "5")

    assert result.exit_code == 1, result.output  # a person must look: not "schedule again"
    rows = by_exchange(read_results(out))
    carol = rows["carol@corp.example"]
    assert (carol["outcome"], carol["code"], carol["msg"]) == ("failed", code, msg)
    assert carol["hint"] == i18n.text(f"code_{code}_hint", "en")
    assert "Calendar > Exchange" not in carol["msg"] + carol["hint"]  # not "go and check"
    assert_bound(rows["dave@corp.example"])
    log = [q for q in sandbox.requests() if q["exchange_account"] == "carol@corp.example"]
    assert [(q["endpoint"], q["fault"] or q["code"]) for q in log] == [
        ("create", "drop"),
        ("create", int(code)),
        ("get", "error_500"),
        ("get", "error_500"),
        ("get", 195103),
    ]
    again = bb_run(source, sandbox, journal, "--out", out)
    assert again.exit_code == 1, again.output
    assert len(creates(sandbox, "carol@corp.example")) == 2  # failed for good: not sent again


# -- 5. run-wide failures ------------------------------------------------------------------------


def test_non_admin_token_sends_nothing_and_exits_3(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tokens": {"u-clerk": "user"}})
    rows = [person("alice"), person("bob"), (ADMIN, "broken", "ou_x"), person("carol")]
    source = write_input(tmp_path / "in.csv", rows)
    args = run_args(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv")
    args[args.index("--token") + 1] = "u-clerk"
    done = run_cli(*args)

    assert done.returncode == 3, done.stderr
    assert "195101" in done.stderr
    assert "super administrator" in done.stderr
    assert "run the same command again" in done.stderr
    assert "Traceback" not in done.stderr
    assert [(q["endpoint"], q["code"]) for q in sandbox.requests()] == [("get", 195101)]
    rows_out = read_results(tmp_path / "r.csv")
    assert [r["outcome"] for r in rows_out] == ["pending", "pending", "invalid", "pending"]
    for row in rows_out:
        assert row["attempts"] == "" and row["exchange_binding_id"] == ""


def test_expired_token_sends_nothing_and_exits_3(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tokens": {"u-old": "expired"}})
    source = write_input(tmp_path / "in.csv", [person("alice"), person("bob")])
    args = run_args(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv")
    args[args.index("--token") + 1] = "u-old"
    done = run_cli(*args)

    assert done.returncode == 3, done.stderr
    assert "99991677" in done.stderr and "auth login" in done.stderr
    assert [q["endpoint"] for q in sandbox.requests()] == ["get"]
    assert [r["outcome"] for r in read_results(tmp_path / "r.csv")] == ["pending", "pending"]


# -- 6. formula-looking input ------------------------------------------------------------------


FORMULAS = ["=1+1", "+86 138", "-x", "@SUM(A1)"]


def formula_rows() -> list[tuple[str, str, str, str]]:
    rows = [(ADMIN, f"f{n}@corp.example", f"ou_f{n}", note) for n, note in enumerate(FORMULAS)]
    rows.append((ADMIN, "=cmd@corp.example", "ou_cmd", "plain"))
    return rows


def test_formula_looking_input_stays_text(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    header = ("admin_account", "exchange_account", "user_id", "note")
    source = write_input(tmp_path / "formulas.xlsx", formula_rows(), header=header)
    xlsx_out = tmp_path / "out.xlsx"
    result = bb_run(source, sandbox, tmp_path / "j.sqlite", "--out", xlsx_out)

    assert result.exit_code == 0, result.output
    assert xlsx_cell_types(xlsx_out) == {"s"}  # every cell is text, none a formula or number
    rows = read_results(xlsx_out)
    assert [(r["exchange_account"], r["note"]) for r in rows] == [
        (exchange, note) for _, exchange, _, note in formula_rows()
    ]
    assert all(r["outcome"] == "bound" for r in rows)

    csv_out = tmp_path / "out.csv"
    again = bb_run(source, sandbox, tmp_path / "j.sqlite", "--out", csv_out)
    assert again.exit_code == 0, again.output
    stored = read_results(csv_out)
    assert [r["note"] for r in stored] == ["'" + f for f in FORMULAS] + ["plain"]
    assert stored[-1]["exchange_account"] == "'=cmd@corp.example"

    # The results file read back as input: the same values, its result columns replaced.
    checked = tmp_path / "checked.xlsx"
    done = CliRunner().invoke(cli, ["validate", str(csv_out), "--out", str(checked)])
    assert done.exit_code == 0, done.output
    back = read_results(checked)
    assert list(back[0]) == [*header, *RESULT_COLUMNS]  # no result column twice
    assert [(r["exchange_account"], r["note"]) for r in back] == [
        (exchange, note) for _, exchange, _, note in formula_rows()
    ]

    # Run on its own results file: it is the same rows (nothing sent), rewritten in place,
    # escaped once, not twice.
    sent = len(sandbox.requests())
    rerun = CliRunner().invoke(cli, run_args(csv_out, sandbox, tmp_path / "j.sqlite"))
    assert rerun.exit_code == 0, rerun.output
    assert len(sandbox.requests()) == sent
    rewritten = read_results(csv_out)
    assert list(rewritten[0]) == [*header, *RESULT_COLUMNS]
    assert [r["note"] for r in rewritten] == [r["note"] for r in stored]
    assert [r["outcome"] for r in rewritten] == ["bound"] * len(stored)
    assert len(creates(sandbox, "=cmd@corp.example")) == 1


# -- 7. re-runs ------------------------------------------------------------------------------


def test_rerun_sends_nothing_even_resorted_and_renamed(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    rows = [person(f"p{n}") for n in range(6)]
    journal = tmp_path / "j.sqlite"
    first = bb_run(write_input(tmp_path / "a.csv", rows), sandbox, journal)
    assert first.exit_code == 0, first.output
    sent = len(sandbox.requests())
    assert sent == 7  # the preflight and six creates

    again = bb_run(tmp_path / "a.csv", sandbox, journal)
    assert again.exit_code == 0, again.output
    assert len(sandbox.requests()) == sent

    resorted = write_input(tmp_path / "renamed.xlsx", list(reversed(rows)))
    third = bb_run(resorted, sandbox, journal)
    assert third.exit_code == 0, third.output
    assert len(sandbox.requests()) == sent
    results = read_results(tmp_path / "renamed.results.xlsx")
    first_ids = {
        r["exchange_account"]: r["exchange_binding_id"]
        for r in read_results(tmp_path / "a.results.xlsx")
    }
    for row in results:
        assert row["outcome"] == "bound" and row["msg"]  # "bound earlier"
        assert row["exchange_binding_id"] == first_ids[row["exchange_account"]]


def test_rerun_with_invalid_rows_exits_1_again_and_sends_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "a.csv", [person("alice"), (ADMIN, "nope", "ou_nope")])
    journal = tmp_path / "j.sqlite"
    assert bb_run(source, sandbox, journal).exit_code == 1
    sent = len(sandbox.requests())
    again = bb_run(source, sandbox, journal)
    assert again.exit_code == 1, again.output
    assert len(sandbox.requests()) == sent
    outcomes = [r["outcome"] for r in read_results(tmp_path / "a.results.xlsx")]
    assert outcomes == ["bound", "invalid"]


# -- 8. where the results go ----------------------------------------------------------------


def test_results_location_default_and_out(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    folder = tmp_path / "in here"
    folder.mkdir()
    source = write_input(folder / "team.csv", [person("alice")])
    result = bb_run(source, sandbox, tmp_path / "j.sqlite")
    assert result.exit_code == 0, result.output
    default = folder / "team.results.xlsx"
    assert default.exists()
    assert str(default) in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["team.csv", "team.results.xlsx"]

    out = tmp_path / "x.csv"
    again = bb_run(source, sandbox, tmp_path / "j.sqlite", "--out", out)
    assert again.exit_code == 0, again.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert [r["outcome"] for r in read_results(out)] == ["bound"]


# -- 9. --json ---------------------------------------------------------------------------------


def test_json_prints_one_object_on_stdout(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "a.csv", [person("alice"), person("alice"), (ADMIN, "x", "y")])
    done = run_cli(*run_args(source, sandbox, tmp_path / "j.sqlite", "--json"))

    assert done.returncode == 1, done.stderr
    payload = json.loads(done.stdout)  # the whole of stdout is one JSON object
    assert isinstance(payload, dict)
    assert payload["exit_code"] == 1
    counts = payload["counts"]
    assert (counts["bound"], counts["duplicate"], counts["invalid"]) == (1, 1, 1)
    assert counts["failed"] == counts["pending"] == 0
    assert payload["rows"] == 3
    assert Path(payload["results"]) == tmp_path / "a.results.xlsx"
    assert SANDBOX_TOKEN not in done.stdout


# -- 10. the bundled sample ------------------------------------------------------------------


def test_bundled_sample_shows_every_outcome(tmp_path: Path) -> None:
    port = os.environ["BATCHBIND_SANDBOX_PORT"]
    source = tmp_path / "bindings.csv"
    source.write_bytes((REPO / "sample_data" / "bindings.csv").read_bytes())
    try:
        done = run_cli(
            "run",
            source,
            "--sandbox-scenario",
            REPO / "sample_data" / "scenario.toml",
            "--state",
            tmp_path / "j.sqlite",
            timeout=90,
        )
    finally:
        with contextlib.suppress(httpx.HTTPError):
            request_shutdown(f"http://127.0.0.1:{port}")

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    rows = read_results(tmp_path / "bindings.results.xlsx")
    outcomes = {r["outcome"] for r in rows}
    assert {"bound", "failed", "invalid", "duplicate"} <= outcomes
    assert "pending" not in outcomes
    by_account = by_exchange(rows)
    # The scenario's faults hit these once each; batchbind recovers on its own.
    for faulty in ("qiang.wu@contoso.com", "mei.liu@contoso.com", "hao.chen@contoso.com"):
        assert by_account[faulty]["outcome"] == "bound"
    failed = {r["code"] for r in rows if r["outcome"] == "failed"}
    assert failed == {"195100", "195106"}
    assert "bound" in done.stdout and "failed" in done.stdout
