"""Nothing lost, nothing sent twice: the real CLI killed with SIGKILL at random moments.

A few thousand rows against a sandbox with faults (including "stored, but the answer was lost")
and throttling; the run is killed several times, then re-run until it exits 0. The proof comes
from the sandbox's own bindings and request log and from the journal's audit trail.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ADMIN, SANDBOX_TOKEN, MakeSandbox, creates, read_results, run_cli, spawn_cli
from conftest import write_input as write_rows

ROWS = 2000
KILLS = 4
CONCURRENCY = 16

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def test_killed_runs_resume_until_every_row_is_bound_exactly_once(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(
        {
            "seed": 11,
            # The client is told 300/s; the server allows 120/s: it must obey the 429s.
            "limits": {"per_second": 120, "per_minute": 1_000_000},
            "latency": {"min_ms": 5, "max_ms": 40},
            "faults": {
                "error_500": 0.02,
                "drop": 0.02,
                "gateway_502": 0.02,
                "drop_after_store": 0.03,
            },
            # Re-creating an existing binding is refused: a resent row must be proven bound.
            "recreate": {"answer": "error"},
        }
    )
    people = [(f"k{i:05}@corp.example", f"ou_k{i:05}") for i in range(ROWS)]
    source = write_rows(tmp_path / "in.csv", [[ADMIN, e, u] for e, u in people])
    journal = tmp_path / "j.sqlite"
    out = tmp_path / "out.csv"
    args = [
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", journal,
        "--out", out, "--rate-per-second", "300", "--rate-per-minute", "100000",
        "--concurrency", str(CONCURRENCY), "--max-attempts", "3", "-q",
    ]  # fmt: skip
    rng = random.Random(5)

    kills = 0
    while kills < KILLS:
        before = len(sandbox.bindings())
        process = spawn_cli(*args)
        time.sleep(rng.uniform(1.0, 2.5))  # start-up, then a random moment mid-run
        if process.poll() is not None:
            break  # it finished before we could kill it: the rest of the test still holds
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        kills += 1
        assert len(sandbox.bindings()) > before, "the killed run made no progress"
    assert kills >= 2, "too few kills landed mid-run to prove anything"

    exit_codes = []
    for _ in range(10):
        done = run_cli(*args, timeout=120)
        exit_codes.append(done.returncode)
        if done.returncode == 0:
            break
        assert done.returncode == 4, done.stderr  # only transient failures may be left
    assert exit_codes[-1] == 0, exit_codes

    # The sandbox holds exactly one binding per row, for the right user.
    bindings = {b["exchange_account"].casefold(): b for b in sandbox.bindings()}
    assert len(bindings) == ROWS
    for exchange, user in people:
        assert bindings[exchange]["user_id"] == user

    # The results match the sandbox exactly.
    results = read_results(out)
    assert len(results) == ROWS
    for row in results:
        assert row["outcome"] == "bound", row
        binding = bindings[row["exchange_account"].casefold()]
        assert row["exchange_binding_id"] == binding["exchange_binding_id"]

    # The journal: once a row is recorded bound, it is never sent again.
    with sqlite3.connect(journal) as db:
        trail = db.execute(
            "SELECT key, endpoint, code FROM attempts WHERE endpoint = 'create' ORDER BY id"
        ).fetchall()
    recorded_bound: set[str] = set()
    for key, _endpoint, code in trail:
        assert key not in recorded_bound, "a row recorded bound was sent again"
        if code == "0":
            recorded_bound.add(key)

    # The sandbox's log: a row is created successfully more than once only when its answer was
    # lost (dropped after store) or a kill landed between Feishu's answer and the journal write.
    log = creates(sandbox)
    delivered = Counter(q["exchange_account"] for q in log if q["code"] == 0 and q["fault"] is None)
    assert set(delivered.values()) <= {1, 2}
    assert sum(1 for n in delivered.values() if n > 1) <= kills * CONCURRENCY
    assert any(q["fault"] == "drop_after_store" for q in log)  # the hard case really happened
    assert any("confirmed with Feishu" in row["msg"] for row in results)  # and was proven bound
    assert any(q["throttled"] for q in log)  # and so did throttling

    # One more run sends nothing and exits 0.
    sent = len(log)
    final = run_cli(*args)
    assert final.returncode == 0, final.stderr
    assert len(creates(sandbox)) == sent
