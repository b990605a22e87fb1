"""The whole lifecycle end to end: run, status --wait, unbind a subset, a nightly run that sends
nothing, run --rebind; and every lifecycle command interrupted (SIGINT) and run again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    read_results,
    spawn_cli,
    write_input,
)

from batchbind.cli import cli
from batchbind.sandbox import SandboxServer

ERR = "e3@corp.example"
ROWS = [(ADMIN, f"e{n}@corp.example", f"ou_e{n}") for n in range(10)]

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def bb(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def conn(sandbox: SandboxServer, state: Path) -> list[str | Path]:
    return ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", state]


def endpoint_calls(sandbox: SandboxServer, endpoint: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] == endpoint]


def test_run_status_unbind_nightly_rebind(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0.3, "err_accounts": [ERR]}})
    source = write_input(tmp_path / "team.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    results = tmp_path / "team.results.xlsx"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES).exit_code == 0

    waited = bb("status", results, *conn(sandbox, state), "--wait", "--timeout", "20")

    assert waited.exit_code == 1, waited.output  # one calendar ends in err
    rows = read_results(results)
    assert Counter(r["binding_status"] for r in rows) == {"done": 9, "err": 1}

    undone = bb(
        "unbind", results, *conn(sandbox, state), "--rows", "2-4", "--yes", "--reason", "pilot",
    )  # fmt: skip

    assert undone.exit_code == 0, undone.output
    rows = by_exchange(read_results(results))
    unbound = {e for e, r in rows.items() if r["outcome"] == "unbound"}
    assert unbound == {"e0@corp.example", "e1@corp.example", "e2@corp.example"}
    assert all("pilot" in rows[e]["msg"] for e in unbound)
    assert len(sandbox.bindings()) == 7

    # The nightly run reads the same sheet: a rollback is never undone, nothing at all is sent.
    before = len(sandbox.requests())
    nightly = bb("run", source, *conn(sandbox, state), *FAST_RATES)
    assert nightly.exit_code == 0, nightly.output
    assert len(sandbox.requests()) == before
    nightly_rows = by_exchange(read_results(results))
    assert {e for e, r in nightly_rows.items() if r["outcome"] == "unbound"} == unbound

    # Status leaves the unbound rows alone and still reports the err row.
    again = bb("status", results, *conn(sandbox, state))
    assert again.exit_code == 1, again.output
    assert all(r["binding_id"] not in {None, ""} for r in endpoint_calls(sandbox, "get"))

    rebind = bb("run", source, *conn(sandbox, state), *FAST_RATES, "--rebind")

    assert rebind.exit_code == 0, rebind.output
    assert [r["outcome"] for r in read_results(results)] == ["bound"] * 10
    assert len(sandbox.bindings()) == 10
    created = Counter(r["exchange_account"] for r in endpoint_calls(sandbox, "create"))
    assert {e for e, n in created.items() if n == 2} == unbound


def test_status_wait_exits_0_when_every_calendar_is_done(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0.3}})
    source = write_input(tmp_path / "team.csv", ROWS)
    state = tmp_path / "journal.sqlite"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES).exit_code == 0

    waited = bb("status", tmp_path / "team.results.xlsx", *conn(sandbox, state), "--wait")

    assert waited.exit_code == 0, waited.output
    assert "done 10" in waited.output


# -- interrupted and run again ----------------------------------------------------------------


def wait_until(done: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while not done():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command did not get going"
        time.sleep(0.02)


def interrupt(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    return stderr


MANY = [(ADMIN, f"m{n:03}@corp.example", f"ou_m{n:03}") for n in range(120)]
SLOW = ("--rate-per-second", "20", "--concurrency", "2")


@posix_only
def test_status_and_unbind_interrupted_then_rerun(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}})
    source = write_input(tmp_path / "many.csv", MANY)
    state = tmp_path / "journal.sqlite"
    results = tmp_path / "many.results.xlsx"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES).exit_code == 0

    status = spawn_cli("status", results, *conn(sandbox, state), *SLOW)
    wait_until(lambda: len(endpoint_calls(sandbox, "get")) > 10, status)
    interrupt(status)
    asked = {r["binding_id"] for r in endpoint_calls(sandbox, "get")}
    statuses = Counter(r["binding_status"] for r in read_results(results))
    # What was answered is in the file; the rest still shows what the create said.
    assert statuses["done"] + 1 >= len(asked) - 1 and statuses["doing"] > 0
    finished = bb("status", results, *conn(sandbox, state), *FAST_RATES)
    assert finished.exit_code == 0, finished.output
    assert {r["binding_status"] for r in read_results(results)} == {"done"}

    unbind = spawn_cli("unbind", results, *conn(sandbox, state), "--yes", *SLOW)
    wait_until(lambda: len(endpoint_calls(sandbox, "delete")) > 10, unbind)
    interrupt(unbind)
    rows = read_results(results)
    gone = {r["exchange_account"] for r in rows if r["outcome"] == "unbound"}
    remaining = {b["exchange_account"] for b in sandbox.bindings()}
    assert gone and remaining and not gone & remaining  # the journal agrees with Feishu
    assert len(gone) + len(remaining) == len(MANY)

    rest = bb("unbind", results, *conn(sandbox, state), "--yes", *FAST_RATES)

    assert rest.exit_code == 0, rest.output
    assert sandbox.bindings() == []
    assert {r["outcome"] for r in read_results(results)} == {"unbound"}
    deletes = Counter(r["exchange_account"] for r in endpoint_calls(sandbox, "delete"))
    assert set(deletes.values()) == {1} and len(deletes) == len(MANY)  # none undone twice


@posix_only
def test_resolve_interrupted_then_rerun(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 150, "max_ms": 200}})
    monkeypatch.setenv("FEISHU_APP_SECRET", "sandbox-secret")
    emails = [(f"r{n:03}@corp.example", "") for n in range(400)]
    source = write_input(tmp_path / "people.csv", emails, header=("email", "user_id"))
    args = ("resolve", source, "--base-url", sandbox.base_url, "--app-id", "cli_sandbox")

    process = spawn_cli(*args, "--concurrency", "1")
    wait_until(lambda: len(endpoint_calls(sandbox, "lookup")) >= 2, process)
    interrupt(process)
    out = tmp_path / "people.resolved.csv"
    statuses = Counter(r["resolve_status"] for r in read_results(out))
    assert statuses["found"] >= 50 and statuses["pending"] >= 50, statuses

    done = bb(*args)

    assert done.exit_code == 0, done.output
    rows = read_results(out)
    assert {r["resolve_status"] for r in rows} == {"found"}
    assert all(r["user_id"].startswith("ou_") for r in rows)
