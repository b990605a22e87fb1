"""Tokens that last the whole run: renewal in the middle of `run`, once per expiry, across processes.

The sandbox issues short-lived tokens (a number of calls, or seconds) from its OAuth endpoints, so
a run of a few dozen rows outlives several of them. The request log proves how many refreshes
happened, and that none reused a refresh token.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import httpx
from conftest import ADMIN, FAST_LIMITS, FAST_RATES, MakeSandbox, read_results, write_input
from oauth_flow import bb, grant, import_grant, profile_path, refresh_by_hand, requests_of

from batchbind.auth.oauth import USER_INFO_PATH
from batchbind.sandbox import SandboxServer

API = ("create", "get", "delete", "user_info")


def people(prefix: str, n: int) -> list[tuple[str, str, str]]:
    return [(ADMIN, f"{prefix}{i}@corp.example", f"ou_{prefix}{i}") for i in range(n)]


def run_profile(source: Path, sandbox: SandboxServer, state: Path, *extra: str) -> list[str]:
    """`run` with no token given: the stored profile is used (it remembers the sandbox's host)."""
    return ["run", str(source), "--state", str(state), *FAST_RATES, *extra]


def accepted_calls(sandbox: SandboxServer) -> int:
    """API calls whose token was accepted (each spends one of the token's calls)."""
    return sum(
        1
        for r in sandbox.requests()
        if r["endpoint"] in API and r["code"] not in (99991677, 99991668, 99991661)
    )


def test_a_run_outlives_several_tokens_with_one_refresh_per_expiry(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    calls_per_token = 7
    sandbox = make_sandbox({"limits": FAST_LIMITS, "oauth": {"access_calls": calls_per_token}})
    import_grant(sandbox, grant(sandbox))
    source = write_input(tmp_path / "in.csv", people("p", 60))

    # 12 workers: many requests meet each expiry at once, and must share one refresh.
    out = tmp_path / "r.csv"
    result = bb(
        *run_profile(source, sandbox, tmp_path / "j.sqlite", "--out", out, "--concurrency", "12")
    )

    assert result.exit_code == 0, result.output
    rows = read_results(out)
    assert [r["outcome"] for r in rows] == ["bound"] * 60
    assert {r["attempts"] for r in rows} == {"1"}  # a renewal is not an attempt
    refreshes = requests_of(sandbox, "refresh")
    tokens_used = math.ceil(accepted_calls(sandbox) / calls_per_token)
    assert len(refreshes) == tokens_used - 1 >= 8
    assert {r["http_status"] for r in refreshes} == {200}  # no refresh token was used twice
    stored = json.loads(profile_path().read_text())
    final = httpx.get(
        sandbox.base_url + USER_INFO_PATH,
        headers={"Authorization": f"Bearer {stored['access_token']}"},
    )
    assert final.json()["code"] == 0  # the profile holds the latest pair


def test_time_limited_tokens_are_renewed_ahead_of_expiry(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "oauth": {"access_lifetime_s": 0.4}})
    import_grant(sandbox, grant(sandbox))
    source = write_input(tmp_path / "in.csv", people("t", 30))

    # 25 rows a second: the run lasts over a second, several token lifetimes.
    result = bb(
        "run",
        source,
        "--state",
        tmp_path / "j.sqlite",
        "--out",
        tmp_path / "r.csv",
        "--rate-per-second",
        "25",
        "--concurrency",
        "4",
    )

    assert result.exit_code == 0, result.output
    assert [r["outcome"] for r in read_results(tmp_path / "r.csv")] == ["bound"] * 30
    refreshes = requests_of(sandbox, "refresh")
    assert len(refreshes) >= 2
    assert {r["http_status"] for r in refreshes} == {200}


def test_an_expired_stored_token_is_renewed_by_the_preflight(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "oauth": {"access_calls": 2}})
    data = grant(sandbox)
    import_grant(sandbox, data)  # spends one call (whose token is it?)
    httpx.get(  # ...and this the last one: the stored token is now spent
        sandbox.base_url + USER_INFO_PATH,
        headers={"Authorization": f"Bearer {data['access_token']}"},
    )
    before = len(sandbox.requests())
    source = write_input(tmp_path / "in.csv", people("e", 3))

    result = bb(*run_profile(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv"))

    assert result.exit_code == 0, result.output
    run_requests = sandbox.requests()[before:]
    assert [(r["endpoint"], r["code"]) for r in run_requests[:2]] == [
        ("get", 99991677),
        ("refresh", 0),
    ]
    assert [r["outcome"] for r in read_results(tmp_path / "r.csv")] == ["bound"] * 3


def test_feishu_trouble_on_refresh_is_retried(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox(
        {"limits": FAST_LIMITS, "oauth": {"access_calls": 6, "refresh_server_errors": 1}}
    )
    import_grant(sandbox, grant(sandbox))
    source = write_input(tmp_path / "in.csv", people("s", 8))

    result = bb(*run_profile(source, sandbox, tmp_path / "j.sqlite", "--out", tmp_path / "r.csv"))

    assert result.exit_code == 0, result.output
    assert [r["code"] for r in requests_of(sandbox, "refresh")] == [20050, 0]
    assert [r["outcome"] for r in read_results(tmp_path / "r.csv")] == ["bound"] * 8


def test_a_reused_refresh_token_stops_cleanly_and_a_rerun_after_import_finishes(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "oauth": {"access_calls": 10}})
    first = grant(sandbox)
    second = refresh_by_hand(sandbox, first["refresh_token"])  # someone else refreshed it
    assert second["code"] == 0
    import_grant(sandbox, first)  # the stale pair: its refresh token is already used
    source = write_input(tmp_path / "in.csv", people("r", 25))
    out = tmp_path / "r.csv"
    args = run_profile(source, sandbox, tmp_path / "j.sqlite", "--out", out, "--concurrency", "1")

    stopped = bb(*args)

    assert stopped.exit_code == 3, stopped.output
    assert "20073" in stopped.output and "batchbind auth login" in stopped.output
    assert "Traceback" not in stopped.output
    outcomes = [r["outcome"] for r in read_results(out)]
    assert set(outcomes) == {"bound", "pending"}  # nothing failed, nothing lost
    assert outcomes.count("bound") == 8  # 10 calls: import's check, the preflight, 8 rows
    refreshes = requests_of(sandbox, "refresh")
    assert [r["code"] for r in refreshes] == [0, 20073]  # by hand, then the run's only try

    import_grant(sandbox, second)
    finished = bb(*args)

    assert finished.exit_code == 0, finished.output
    assert [r["outcome"] for r in read_results(out)] == ["bound"] * 25
    created = [r for r in requests_of(sandbox, "create") if r["code"] == 0]
    assert len(created) == 25  # every row bound exactly once across both runs


def test_two_processes_sharing_a_profile_both_finish(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "oauth": {"access_calls": 5}})
    import_grant(sandbox, grant(sandbox))
    runs = []
    for name in ("a", "b"):
        source = write_input(tmp_path / f"{name}.csv", people(name, 30))
        command = [
            sys.executable,
            "-m",
            "batchbind",
            *run_profile(source, sandbox, tmp_path / f"{name}.sqlite", "--concurrency", "4"),
            "--out",
            str(tmp_path / f"{name}.results.csv"),
        ]
        runs.append(
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    outputs = [run.communicate(timeout=60) for run in runs]

    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    for name in ("a", "b"):
        rows = read_results(tmp_path / f"{name}.results.csv")
        assert [r["outcome"] for r in rows] == ["bound"] * 30
    refreshes = requests_of(sandbox, "refresh")
    # Each expiry renewed once by one process; the other adopted the stored pair.
    assert {r["code"] for r in refreshes} == {0}
    assert len(refreshes) == math.ceil(accepted_calls(sandbox) / 5) - 1
