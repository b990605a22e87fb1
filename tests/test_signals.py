"""Ctrl-C and SIGTERM in the middle of a run: in-flight requests finish, results are written with
the rest `pending`, and a re-run finishes the job without sending any row twice."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    creates,
    read_results,
    run_cli,
    spawn_cli,
    write_input,
)

from batchbind.sandbox import SandboxServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ROWS = 300


def wait_for_bindings(
    sandbox: SandboxServer, at_least: int, process: subprocess.Popen[str]
) -> None:
    """Poll the sandbox until it holds `at_least` bindings (the run is well under way)."""
    deadline = time.monotonic() + 20
    while len(sandbox.bindings()) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the run did not get going"
        time.sleep(0.02)


def in_flight(journal: Path) -> int:
    """Rows whose request left and whose answer is not recorded (read while the run writes)."""
    try:
        with sqlite3.connect(journal, timeout=5) as db:
            found = db.execute("SELECT count(*) FROM rows WHERE state = 'inflight'").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return 0
    return int(found[0])


def check_interrupted_results(sandbox: SandboxServer, out: Path) -> set[str]:
    """Every row the sandbox bound is `bound`, every other row `pending` and never sent."""
    rows = read_results(out)
    assert len(rows) == ROWS
    outcomes = Counter(r["outcome"] for r in rows)
    assert set(outcomes) == {"bound", "pending"}, outcomes
    bound = {r["exchange_account"] for r in rows if r["outcome"] == "bound"}
    assert bound == {b["exchange_account"] for b in sandbox.bindings()}
    sent = {r["exchange_account"] for r in creates(sandbox)}
    assert sent == bound  # no row in flight was lost, no pending row was sent
    for row in rows:
        if row["outcome"] == "pending":
            assert row["msg"] and row["hint"] and row["exchange_binding_id"] == ""
    return bound


def test_sigint_then_sigterm_then_rerun_finishes_without_resending(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 150, "max_ms": 250}})
    rows = [(ADMIN, f"p{n:03}@corp.example", f"ou_p{n:03}") for n in range(ROWS)]
    source = write_input(tmp_path / "many.csv", rows)
    out = tmp_path / "results.csv"
    common: list[str | Path] = [
        "run",
        source,
        "--base-url",
        sandbox.base_url,
        "--token",
        SANDBOX_TOKEN,
        "--state",
        tmp_path / "journal.sqlite",
        "--out",
        out,
    ]
    slow = ["--rate-per-second", "10", "--concurrency", "4"]

    bound_before = 0
    for signum, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        process = spawn_cli(*common, *slow)
        wait_for_bindings(sandbox, bound_before + 8, process)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=30)

        assert process.returncode == code, stderr
        assert "Traceback" not in stderr
        assert "Interrupted" in stderr
        bound = check_interrupted_results(sandbox, out)
        assert bound_before + 8 <= len(bound) < ROWS
        bound_before = len(bound)

    done = run_cli(*common, *FAST_RATES, "--concurrency", "64")

    assert done.returncode == 0, done.stderr
    rows_out = read_results(out)
    assert [r["outcome"] for r in rows_out] == ["bound"] * ROWS
    assert len(sandbox.bindings()) == ROWS
    # Each Exchange account was created successfully exactly once, over the three runs.
    successes = Counter(r["exchange_account"] for r in creates(sandbox) if r["code"] == 0)
    assert set(successes.values()) == {1} and len(successes) == ROWS
    assert len(creates(sandbox)) == ROWS  # and nothing was sent again, not even refused


def test_a_second_ctrl_c_abandons_in_flight_requests_and_the_rerun_settles_them(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # Slow answers: the first Ctrl-C would wait for them; the second one does not.
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 4000, "max_ms": 4000}})
    rows = [(ADMIN, f"q{n:03}@corp.example", f"ou_q{n:03}") for n in range(20)]
    source = write_input(tmp_path / "in.csv", rows)
    out = tmp_path / "results.csv"
    args: list[str | Path] = [
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "journal.sqlite", "--out", out, *FAST_RATES,
    ]  # fmt: skip
    process = spawn_cli(*args, "--concurrency", "5")
    deadline = time.monotonic() + 20
    while in_flight(tmp_path / "journal.sqlite") < 5:
        assert time.monotonic() < deadline, "no request left"
        time.sleep(0.02)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 3.5, "the second Ctrl-C did not abandon the requests"
    assert [r["outcome"] for r in read_results(out)] == ["pending"] * 20  # no answer came back
    assert in_flight(tmp_path / "journal.sqlite") == 5  # and the journal knows what was sent
    # The sandbox still stores the abandoned requests' bindings: the re-run must not lose them or
    # bind them twice (the journal knew they were in flight).
    done = run_cli(*args, "--concurrency", "20")
    assert done.returncode == 0, done.stderr
    assert [r["outcome"] for r in read_results(out)] == ["bound"] * 20
    assert len(sandbox.bindings()) == 20
