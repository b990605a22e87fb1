"""The benchmarks (`python -m bench`, `bench/bench_input.py`) at their smallest, so they cannot
rot unnoticed.

Targets are not asserted here (they depend on the machine's load); that every part still runs end
to end, every row gets bound, the peers still lose what they do not retry and the ideal is right is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `bench` is a folder of the repository, not an installed package
    sys.path.insert(0, str(ROOT))

from bench.__main__ import render, run_suite  # noqa: E402
from bench.emulator import Emulator  # noqa: E402
from bench.measure import fluid_ideal_s, greedy_ideal_s, sending  # noqa: E402
from bench.processes import run_peer, write_rows  # noqa: E402
from bench.scenarios import TINY  # noqa: E402


def test_the_quickest_suite_binds_every_row_and_prints_its_table(tmp_path: Path) -> None:
    rows = run_suite(TINY, [1, 4], tmp_path)

    assert [r.scenario for r in rows] == [
        "1a at the ceiling (scaled)",
        "4 unthrottled (client overhead)",
    ]
    assert [(r.rows, r.lost) for r in rows] == [
        (TINY.ceiling_rows, "0"),
        (TINY.unthrottled_rows, "0"),
    ]
    table = render(rows).splitlines()
    assert table[0].startswith("| scenario ") and table[0].rstrip().endswith("| result |")
    assert [line.split("|")[-2].strip() in ("PASS", "FAIL") for line in table[2:4]] == [True] * 2


def test_the_unpaced_thread_pool_loses_the_rows_answered_429(tmp_path: Path) -> None:
    sheet = tmp_path / "rows.csv"
    write_rows(sheet, 40)
    scenario = {
        "limits": {"per_second": 5, "per_minute": 300},
        "latency": {"min_ms": 20, "max_ms": 20},
    }
    with Emulator(scenario, tmp_path) as emulator:
        summary = run_peer("pool", sheet, emulator.base_url, threads=16).json()
        sent = sending(emulator.requests())
        bound = emulator.bound()

    assert sent.throttled > 0
    assert summary["bound"] == bound == sent.accepted < 40  # never retried: lost
    assert summary["codes"]["99991400"] == sent.throttled


def test_the_ideal_follows_the_emulators_windows() -> None:
    steady = {"per_second": 10, "per_minute": 600}
    assert greedy_ideal_s(steady, 25, 0.0) == pytest.approx(
        2.0
    )  # 10 at once, 10 a second later, 5 at 2 s
    assert fluid_ideal_s(steady, 25, 0.0) == pytest.approx(2.5)

    # Halved at 3 s: the sliding minute already holds 30 of the 300 now allowed, so the per-second
    # cap rules; restored at 5 s.
    shared = {
        **steady,
        "schedule": [{"after_s": 3, "per_second": 5, "per_minute": 300}, {"after_s": 5}],
    }
    assert greedy_ideal_s(shared, 45, 0.0) == pytest.approx(
        5.0
    )  # 30 by 2 s, 5 at 3 s, 5 at 4 s, 5 at 5 s
    assert fluid_ideal_s(shared, 45, 0.0) == pytest.approx(3.0 + 10 / 5 + 5 / 10)


def test_the_input_benchmark_runs_and_prints_every_measure(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_input.py"), "--rows", "1500", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: a bound missed, at this tiny size
    lines = done.stdout.splitlines()
    measures = [line for line in lines if line.rstrip().endswith(("PASS", "FAIL"))]
    assert len(measures) == 7, done.stdout
    assert any(line.startswith("pandas ") and "text columns read as" in line for line in lines)
