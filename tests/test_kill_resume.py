"""Nothing lost, nothing sent twice: the real CLI killed with SIGKILL.

First exactly where it is hardest: Feishu has stored a binding and the sandbox holds its answer
until the client is dead, so the journal never hears of it. Then at random moments: a few
thousand rows against a sandbox with faults (including "stored, but the answer was lost") and
throttling; the run is killed several times, then re-run until it exits 0. The proof comes from
the sandbox's own bindings and request log and from the journal's audit trail.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    creates,
    read_results,
    run_cli,
    spawn_cli,
)
from conftest import write_input as write_rows

ROWS = 2000
KILLS = 4
CONCURRENCY = 16

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def wait_for(what: str, ready: Callable[[], bool], *, process: subprocess.Popen[str]) -> None:
    """Poll until `ready()` (a loaded machine may take a while), failing if the run ends first."""
    deadline = time.monotonic() + 60
    while not ready():
        assert process.poll() is None, f"the run ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def journal_states(journal: Path) -> dict[str, str]:
    with sqlite3.connect(journal) as db:
        return dict(db.execute("SELECT exchange_key, state FROM rows").fetchall())


@pytest.mark.parametrize("recreate", ["same", "error"])
def test_a_kill_between_feishu_storing_and_the_journal_recording_binds_once(
    make_sandbox: MakeSandbox, tmp_path: Path, recreate: str
) -> None:
    held = "h2@corp.example"
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "recreate": {"answer": recreate},
            "faults": {"rules": [{"exchange_account": held, "fault": "hold_after_store"}]},
        }
    )
    people = [(f"h{i}@corp.example", f"ou_h{i}") for i in range(5)]
    source = write_rows(tmp_path / "in.csv", [[ADMIN, e, u] for e, u in people])
    journal, out = tmp_path / "j.sqlite", tmp_path / "out.csv"
    args = [
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", journal,
        "--out", out, "--concurrency", "1", "-q",
    ]  # fmt: skip

    process = spawn_cli(*args)
    wait_for("Feishu stored the held row", lambda: bool(sandbox.held()), process=process)
    assert [b["exchange_account"] for b in sandbox.bindings()] == [e for e, _ in people[:3]]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert sandbox.release() == 1  # its answer goes to a dead client
    # The journal never heard of it: the row is still in flight, the rows before it are bound.
    states = journal_states(journal)
    assert states[held] != "bound"
    assert [states[e] for e, _ in people[:2]] == ["bound", "bound"]

    again = run_cli(*args)

    assert again.returncode == 0, again.stderr
    stored = {b["exchange_account"]: b for b in sandbox.bindings()}
    assert sorted(stored) == [e for e, _ in people]  # exactly one binding per row
    rows = by_exchange(read_results(out))
    assert rows[held]["outcome"] == "bound"
    assert rows[held]["exchange_binding_id"] == stored[held]["exchange_binding_id"]
    sent = Counter(q["exchange_account"] for q in creates(sandbox))
    # Rows the journal knew were bound are never sent again; the held row once more, to learn
    # what became of it (a re-create refused as "already bound" is then confirmed by a GET).
    assert sent == {e: 2 if e == held else 1 for e, _ in people}
    log = [(q["endpoint"], q["code"]) for q in sandbox.requests() if q["exchange_account"] == held]
    assert log == (
        [("create", 0), ("create", 0)]
        if recreate == "same"
        else [("create", 0), ("create", 190002), ("get", 0)]
    )


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
        # Start-up takes its time on a loaded machine: the kill waits for the run to have bound
        # rows (so every killed run made progress), then lands at a random moment after that.
        deadline = time.monotonic() + 60
        while len(sandbox.bindings()) <= before and process.poll() is None:
            assert time.monotonic() < deadline, "the killed run made no progress"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.0))
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

    # The sandbox's log: once the journal has recorded a create's success (by its log id), no
    # create for that row ever reaches Feishu again, whatever Feishu would answer to it (with
    # recreate = "error" a resend is refused, so counting second successes would prove nothing).
    # A success answered but not recorded (the kill landed in between) may be sent again once.
    log = creates(sandbox)
    with sqlite3.connect(journal) as db:
        recorded = {i for (i,) in db.execute("SELECT log_id FROM attempts WHERE code = '0'")}
    succeeded_at: dict[str, int] = {}
    killed_in_between: set[str] = set()  # answered, not dropped, yet never recorded
    for index, q in enumerate(log):
        exchange = q["exchange_account"].casefold()
        first = succeeded_at.get(exchange)
        if first is not None:
            assert log[first]["log_id"] not in recorded, f"{exchange} sent again after success"
            if log[first]["fault"] is None:
                killed_in_between.add(exchange)
        elif q["code"] == 0:
            succeeded_at[exchange] = index
    assert len(killed_in_between) <= kills * CONCURRENCY  # at most the rows in flight at a kill
    assert any(q["fault"] == "drop_after_store" for q in log)  # the hard case really happened
    assert any("confirmed with Feishu" in row["msg"] for row in results)  # and was proven bound
    assert any(q["throttled"] for q in log)  # and so did throttling

    # One more run sends nothing and exits 0.
    sent = len(log)
    final = run_cli(*args)
    assert final.returncode == 0, final.stderr
    assert len(creates(sandbox)) == sent
