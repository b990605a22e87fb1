"""`batchbind status`: sync status of every bound row, polled through the real CLI against the
real sandbox; the journal and the results file are checked row by row."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import httpx
from click.testing import CliRunner, Result
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    read_results,
    write_input,
)

from batchbind.cli import cli
from batchbind.sandbox import SandboxServer, binding_id_for

ROWS = [(ADMIN, f"s{n}@corp.example", f"ou_s{n}") for n in range(6)]
ERR = "s2@corp.example"


def bb(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def conn(sandbox: SandboxServer, state: Path) -> list[str]:
    return ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", str(state)]


def bound_run(
    make_sandbox: MakeSandbox, tmp_path: Path, sync: dict[str, object]
) -> tuple[SandboxServer, Path, Path]:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": sync})
    source = write_input(tmp_path / "people.csv", [*ROWS, (ADMIN, "bad", "ou_x")])
    state = tmp_path / "journal.sqlite"
    out = tmp_path / "people.results.csv"
    result = bb("run", source, *conn(sandbox, state), *FAST_RATES, "--out", out)
    assert result.exit_code == 1, result.output  # the invalid row
    return sandbox, state, out


def gets(sandbox: SandboxServer) -> list[dict[str, object]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "get"]


def remove_behind_our_back(sandbox: SandboxServer, binding_id: str) -> None:
    """What removing a binding in the admin console looks like to batchbind."""
    response = httpx.delete(
        f"{sandbox.base_url}/open-apis/calendar/v4/exchange_bindings/{quote(binding_id, safe='')}",
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    assert response.json()["code"] == 0
    sandbox.requests()  # (the request log now holds that delete too)


def test_wait_until_all_final_some_err(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 0.3, "err_accounts": [ERR]})
    result = bb("status", out, *conn(sandbox, state), "--wait", "--timeout", "20", "--json")

    assert result.exit_code == 1, result.output
    rows = by_exchange(read_results(out))
    assert rows[ERR]["binding_status"] == "err"
    assert "impersonation" in rows[ERR]["hint"]
    for n in (0, 1, 3, 4, 5):
        assert rows[f"s{n}@corp.example"]["binding_status"] == "done"
        assert rows[f"s{n}@corp.example"]["outcome"] == "bound"
    assert rows["bad"]["outcome"] == "invalid"  # other rows are left as they were
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["statuses"] == {"done": 5, "err": 1}
    assert summary["exit_code"] == 1
    # Rows already final are not asked again: each binding was asked at least once, and the
    # rows done in the first round exactly once.
    polled = Counter(r["binding_id"] for r in gets(sandbox))
    assert {binding_id_for(ADMIN, e) for e in rows if e != "bad"} <= set(polled)


def test_all_done_exits_0_and_only_non_final_rows_are_asked_again(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 0.0})

    first = bb("status", out, *conn(sandbox, state))

    assert first.exit_code == 0, first.output
    assert "done 6" in first.output
    assert {r["binding_status"] for r in read_results(out) if r["outcome"] == "bound"} == {"done"}
    asked = [r for r in gets(sandbox) if r["binding_id"] != "batchbind-preflight-check"]
    assert len(asked) == 6


def test_without_wait_still_syncing_exits_4(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 600})

    result = bb("status", out, *conn(sandbox, state))

    assert result.exit_code == 4, result.output
    rows = [r for r in read_results(out) if r["outcome"] == "bound"]
    assert {r["binding_status"] for r in rows} <= {"doing", "cal_done", "timespan_done"}
    assert all("status --wait" in r["hint"] for r in rows)


def test_wait_times_out_with_exit_4(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 600})
    gone = binding_id_for(ADMIN, "s4@corp.example")
    remove_behind_our_back(sandbox, gone)

    result = bb("status", out, *conn(sandbox, state), "--wait", "--timeout", "1.2")

    assert result.exit_code == 4, result.output
    assert "still syncing after 1.2s" in result.output
    asked = Counter(r["binding_id"] for r in gets(sandbox))
    assert asked[gone] == 1  # final after the first round: never asked again
    syncing = [binding_id_for(ADMIN, f"s{n}@corp.example") for n in (0, 1, 2, 3, 5)]
    assert all(asked[b] >= 2 for b in syncing), asked


def test_binding_removed_in_console_becomes_unbound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 0.0})
    remove_behind_our_back(sandbox, binding_id_for(ADMIN, "s4@corp.example"))

    result = bb("status", out, *conn(sandbox, state), "--out", tmp_path / "status.xlsx")

    assert result.exit_code == 0, result.output
    rows = by_exchange(read_results(tmp_path / "status.xlsx"))
    assert rows["s4@corp.example"]["outcome"] == "unbound"
    assert rows["s4@corp.example"]["code"] == "195103"
    assert "no longer exists" in rows["s4@corp.example"]["msg"]
    assert "unbound 1" in result.output


def test_wrong_token_is_a_run_wide_stop(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox, state, out = bound_run(make_sandbox, tmp_path, {"seconds": 0.0})
    before = read_results(out)

    result = bb(
        "status", out, "--base-url", sandbox.base_url, "--token", "u-wrong", "--state", state
    )

    assert result.exit_code == 3, result.output
    assert "u-wrong" not in result.output
    after = read_results(out)
    assert [r["binding_status"] for r in after] == [r["binding_status"] for r in before]
    assert [r["outcome"] for r in after] == [r["outcome"] for r in before]


def test_help_ends_with_examples() -> None:
    result = bb("status", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and "--wait" in result.output


def test_results_file_is_updated_in_place_and_an_input_sheet_never(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}})
    source = write_input(tmp_path / "input.csv", ROWS)
    state = tmp_path / "journal.sqlite"
    custom = tmp_path / "custom.csv"  # a results file whose name does not say so
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES, "--out", custom).exit_code == 0
    original = source.read_bytes()

    on_results = bb("status", custom, *conn(sandbox, state))
    on_input = bb("status", source, *conn(sandbox, state))

    assert on_results.exit_code == 0 and on_input.exit_code == 0, on_input.output
    assert {r["binding_status"] for r in read_results(custom)} == {"done"}
    assert source.read_bytes() == original
    assert {r["binding_status"] for r in read_results(tmp_path / "input.results.xlsx")} == {"done"}


def test_the_circuit_breaker_stops_a_streak_of_identical_failures(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    failing = ["s0@corp.example", "s1@corp.example"]
    rules = [
        {"exchange_account": e, "fault": "error_500", "times": 10, "endpoint": "get"}
        for e in failing
    ]
    sandbox = make_sandbox(
        {"limits": FAST_LIMITS, "sync": {"seconds": 0.0}, "faults": {"rules": rules}}
    )
    source = write_input(tmp_path / "people.csv", ROWS)
    state = tmp_path / "journal.sqlite"
    out = tmp_path / "people.results.csv"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES, "--out", out).exit_code == 0
    before = read_results(out)
    args = [*conn(sandbox, state), "--max-attempts", "1", "--concurrency", "1"]

    result = bb("status", out, *args, "--circuit-breaker", "2")

    assert result.exit_code == 3, result.output
    assert "2 rows in a row failed with the same answer (190003)" in result.output
    asked = [r for r in gets(sandbox) if r["binding_id"] != "batchbind-preflight-check"]
    assert len(asked) == 2  # then nothing more
    after = read_results(out)  # every row as it was
    assert [r["binding_status"] for r in after] == [r["binding_status"] for r in before]
    assert [r["outcome"] for r in after] == [r["outcome"] for r in before]

    off = bb("status", out, *args, "--circuit-breaker", "0")
    assert off.exit_code == 4, off.output  # never stops: two statuses are unknown
    assert Counter(r["binding_status"] for r in read_results(out))["done"] == 4
