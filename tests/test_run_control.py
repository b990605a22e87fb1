"""`RunControl`: stopping a job from another thread as Ctrl-C does, and watching its figures.

A job run in a worker thread (the page of `batchbind ui`) has no signal to stop it; without the
control, the harness also tried to install signal handlers there, which only the main thread
may do.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import ADMIN, FAST_LIMITS, MakeSandbox, read_results, write_input

from batchbind import RunSettings, run_job
from batchbind.jobs.control import RunControl
from batchbind.jobs.run import JobResult


def _settings(tmp_path: Path, base_url: str, rows: int) -> RunSettings:
    source = write_input(
        tmp_path / "in.csv",
        [(ADMIN, f"u{i}@corp.example", f"ou_{i:032x}") for i in range(rows)],
    )
    return RunSettings(
        input=source,
        base_url=base_url,
        token="u-sandbox",
        state=tmp_path / "journal.sqlite",
        rate_per_second=5000,
        rate_per_minute=300000,
        concurrency=4,
        progress=False,
    )


def _in_thread(
    settings: RunSettings, control: RunControl
) -> tuple[threading.Thread, list[JobResult]]:
    done: list[JobResult] = []
    thread = threading.Thread(target=lambda: done.append(run_job(settings, control=control)))
    thread.start()
    return thread, done


def test_stop_from_another_thread_ends_the_run_as_ctrl_c_does(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 100, "max_ms": 100}})
    control = RunControl()
    thread, done = _in_thread(_settings(tmp_path, sandbox.base_url, 200), control)
    deadline = time.monotonic() + 30
    while control.figures().done < 8:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.02)
    control.stop()
    assert control.figures().stopping
    thread.join(30)
    (result,) = done
    assert result.exit_code == 130  # as the first Ctrl-C: 128 + SIGINT
    bound = result.counts.by_outcome["bound"]
    assert 8 <= bound < 200
    assert result.counts.by_outcome["pending"] == 200 - bound
    figures = control.figures()
    assert figures.total == 200 and figures.done == bound and figures.pending == 200 - bound
    assert figures.requests == bound
    assert result.results_path is not None
    outcomes = [r["outcome"] for r in read_results(result.results_path)]
    assert outcomes.count("bound") == bound


def test_a_stop_asked_before_sending_starts_sends_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    control = RunControl()
    control.stop()
    thread, done = _in_thread(_settings(tmp_path, sandbox.base_url, 20), control)
    thread.join(30)
    (result,) = done
    assert result.exit_code == 130
    assert result.counts.by_outcome["pending"] == 20
    assert not [r for r in sandbox.requests() if r["endpoint"] == "create"]


def test_a_job_without_a_stop_runs_to_the_end_in_a_worker_thread(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    control = RunControl()
    thread, done = _in_thread(_settings(tmp_path, sandbox.base_url, 20), control)
    thread.join(30)
    (result,) = done
    assert result.exit_code == 0 and result.counts.by_outcome["bound"] == 20
    assert control.figures().done == 20 and not control.figures().stopping
