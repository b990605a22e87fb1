"""The five scenarios of issue 7, each against fresh emulators in processes of their own.

Each scenario returns table rows: what was measured, the target, and whether it was met. Sizes
(rows, scaled limits) come from a `Size`: `FULL` for the published table, `QUICK` for a short
smoke run, `TINY` for the test that keeps the suite from rotting.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.emulator import Emulator
from bench.measure import (
    Sending,
    ceiling,
    fluid_ideal_s,
    greedy_ideal_s,
    phase_rates,
    sending,
)
from bench.processes import Finished, run_batchbind, run_peer, write_rows

REAL_PER_SECOND, REAL_PER_MINUTE = 50, 1000


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    ceiling_rows: int = 5000
    ceiling_limits: tuple[int, int] = (50, 3000)  # per second, per minute (scaled: 50/s sustained)
    real_rows: int = 3000  # scenario 1 at the real limits; 0 skips it
    slow_rows: int = 2500
    slow_limits: tuple[int, int] = (25, 1500)
    slow_concurrency: int = 64
    stall_probability: float = 0.01
    shared_rows: int = 5000
    shared_limits: tuple[int, int] = (50, 3000)
    shared_window: tuple[float, float] = (30.0, 120.0)  # the other user's share: from, until
    unthrottled_rows: int = 200_000
    peer_real_rows: int = 400
    peer_scaled_rows: int = 600


FULL = Size("full")
QUICK = Size(
    "quick",
    ceiling_rows=1500,
    ceiling_limits=(100, 6000),
    real_rows=0,
    slow_rows=600,
    slow_limits=(30, 1800),
    shared_rows=5000,  # as in FULL: after the other user stops, room for the ~15 s climb back
    shared_limits=(100, 6000),
    shared_window=(5.0, 25.0),
    unthrottled_rows=10_000,
    peer_real_rows=60,
    peer_scaled_rows=60,
)
TINY = Size(
    "tiny",
    ceiling_rows=150,
    ceiling_limits=(100, 6000),
    real_rows=0,
    slow_rows=60,
    slow_limits=(30, 1800),
    shared_rows=200,
    shared_limits=(100, 6000),
    shared_window=(0.5, 1.5),
    unthrottled_rows=500,
    peer_real_rows=10,
    peer_scaled_rows=10,
)


@dataclass(slots=True)
class Row:
    """One line of the table."""

    scenario: str
    limits: str
    rows: int
    time: str
    rate: str  # vs the ceiling
    throttled: str  # share of creates answered 429
    lost: str  # rows failed or never bound
    target: str
    passed: bool | None  # None: a peer, measured for comparison only
    notes: list[str] = field(default_factory=list)


def _limits(per_second: float, per_minute: float) -> dict[str, Any]:
    return {"per_second": int(per_second), "per_minute": int(per_minute)}


def _label(per_second: float, per_minute: float) -> str:
    return f"{per_second:g}/s, {per_minute:g}/min"


def _load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


@dataclass(frozen=True, slots=True)
class Outcome:
    """One contender's run against its own emulator."""

    finished: Finished
    sent: Sending
    bound: int  # bindings the tenant holds afterwards
    summary: dict[str, Any]
    emulator_cpu_s: float
    log: list[dict[str, Any]]


def _contend(
    workdir: Path,
    scenario: dict[str, Any],
    rows: int,
    start: Callable[[Path, str], Finished],
) -> Outcome:
    """A fresh emulator and a fresh sheet of `rows` rows for one contender."""
    workdir.mkdir(parents=True, exist_ok=True)
    sheet = workdir / "rows.csv"
    write_rows(sheet, rows)
    with Emulator(scenario, workdir) as emulator:
        finished = start(sheet, emulator.base_url)
        summary = finished.json()
        log = emulator.requests()
        bound = emulator.bound()
    return Outcome(finished, sending(log), bound, summary, emulator.cpu_s, log)


def _batchbind(
    workdir: Path, scenario: dict[str, Any], rows: int, concurrency: int = 32
) -> Outcome:
    limits = scenario["limits"]

    def start(sheet: Path, base_url: str) -> Finished:
        return run_batchbind(
            sheet,
            base_url,
            workdir,
            per_second=limits["per_second"],
            per_minute=limits["per_minute"],
            concurrency=concurrency,
        )

    return _contend(workdir, scenario, rows, start)


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def _time(outcome: Outcome) -> str:
    return f"{outcome.sent.span_s:.1f}s (wall {outcome.finished.wall_s:.0f}s)"


# -- 1. at the ceiling --------------------------------------------------------------------------


def at_the_ceiling(size: Size, workdir: Path) -> list[Row]:
    runs = [("1a at the ceiling (scaled)", size.ceiling_rows, size.ceiling_limits)]
    if size.real_rows:
        runs.append(
            ("1b at the ceiling (real)", size.real_rows, (REAL_PER_SECOND, REAL_PER_MINUTE))
        )
    table = []
    for i, (name, rows, (per_second, per_minute)) in enumerate(runs):
        scenario = {
            "seed": 1,
            "limits": _limits(per_second, per_minute),
            "latency": {"min_ms": 50, "max_ms": 300},
        }
        load = _load()
        outcome = _batchbind(workdir / f"ceiling{i}", scenario, rows)
        achieved = outcome.sent.rate / ceiling(per_second, per_minute)
        share = outcome.sent.throttled_share
        lost = rows - outcome.bound
        table.append(
            Row(
                name,
                _label(per_second, per_minute),
                rows,
                _time(outcome),
                _pct(achieved),
                _pct(share),
                str(lost),
                "≥97%, ≤1% 429",
                achieved >= 0.97 and share <= 0.01 and lost == 0,
                ["latency 50-300 ms, concurrency 32", load],
            )
        )
    return table


# -- 2. slow server ------------------------------------------------------------------------------


def slow_server(size: Size, workdir: Path) -> list[Row]:
    per_second, per_minute = size.slow_limits
    scenario = {
        "seed": 2,
        "limits": _limits(per_second, per_minute),
        "latency": {
            "min_ms": 500,
            "max_ms": 2000,
            "stall_probability": size.stall_probability,
            "stall_ms": 10_000,
        },
    }
    load = _load()
    outcome = _batchbind(workdir / "slow", scenario, size.slow_rows, size.slow_concurrency)
    achieved = outcome.sent.rate / ceiling(per_second, per_minute)
    lost = size.slow_rows - outcome.bound
    return [
        Row(
            "2 slow server",
            _label(per_second, per_minute),
            size.slow_rows,
            _time(outcome),
            _pct(achieved),
            _pct(outcome.sent.throttled_share),
            str(lost),
            "≥95%",
            achieved >= 0.95 and lost == 0,
            [
                f"latency 0.5-2 s, {size.stall_probability:.0%} stalls of 10 s, "
                f"concurrency {size.slow_concurrency}",
                load,
            ],
        )
    ]


# -- 3. someone else uses the app ----------------------------------------------------------------


def shared_app(size: Size, workdir: Path) -> list[Row]:
    per_second, per_minute = size.shared_limits
    since, until = size.shared_window
    limits = {
        **_limits(per_second, per_minute),
        "schedule": [
            {"after_s": since, **_limits(per_second / 2, per_minute / 2)},
            {"after_s": until},
        ],
    }
    scenario = {"seed": 3, "limits": limits, "latency": {"min_ms": 50, "max_ms": 300}}
    load = _load()
    outcome = _batchbind(workdir / "shared", scenario, size.shared_rows)
    sent = outcome.sent
    start = sent.first_t - sent.origin_t
    ideal = greedy_ideal_s(limits, size.shared_rows, start)
    fluid = fluid_ideal_s(limits, size.shared_rows, start)
    ratio = sent.span_s / ideal if ideal else float("inf")
    failed = int(outcome.summary["counts"]["failed"])
    lost = size.shared_rows - outcome.bound
    return [
        Row(
            "3 someone else uses the app",
            f"{_label(per_second, per_minute)}; half from {since:g}s to {until:g}s",
            size.shared_rows,
            _time(outcome),
            f"{ratio:.2f}x ideal",
            _pct(sent.throttled_share),
            f"{failed} failed, {lost} unbound",
            "≤1.15x ideal, ≤5% 429, 0 failed",
            ratio <= 1.15 and sent.throttled_share <= 0.05 and failed == 0 and lost == 0,
            [
                f"ideal {ideal:.1f}s (the emulator's limiter on a simulated clock, a client "
                f"sending the moment it is admitted); fluid cap x time {fluid:.1f}s "
                f"= {sent.span_s / fluid:.2f}x"
                if fluid
                else "",
                f"{sent.throttled} of {sent.creates} creates answered 429",
                "accepted/s before, during, after the other user: "
                + ", ".join(
                    f"{rate:.1f}"
                    for rate in phase_rates(outcome.log, sent.origin_t, [since, until])
                )
                + f" (caps {ceiling(per_second, per_minute):g}, "
                f"{ceiling(per_second / 2, per_minute / 2):g}, {ceiling(per_second, per_minute):g})",
                "after it, per 10 s: "
                + ", ".join(f"{rate:.1f}" for rate in _after(outcome, until)[:12]),
                load,
            ],
        )
    ]


def _after(outcome: Outcome, since: float) -> list[float]:
    """Accepted creates per second in 10-second steps from `since`: how fast the pace comes back."""
    edges = [since + 10.0 * i for i in range(1, 100)]
    last = outcome.sent.last_accepted_t - outcome.sent.origin_t
    rates = phase_rates(
        outcome.log, outcome.sent.origin_t, [since, *(e for e in edges if e < last)]
    )
    return rates[1:-1] if len(rates) > 2 else []  # whole steps only


# -- 4. unthrottled ------------------------------------------------------------------------------


#: Issue 11's bound for the client overhead (18x the platform's sustained ceiling), set when the
#: binding calls moved from aiohttp to httpx; issue 7 had asked 500 rows/s of aiohttp.
UNTHROTTLED_ROWS_PER_S = 300


def unthrottled(size: Size, workdir: Path) -> list[Row]:
    per_second, per_minute = 1_000_000, 60_000_000
    scenario = {"seed": 4, "limits": _limits(per_second, per_minute), "sync": {"seconds": 0}}
    rows = size.unthrottled_rows
    load = _load()
    outcome = _batchbind(workdir / "unthrottled", scenario, rows)
    finished = outcome.finished
    per_s = outcome.bound / finished.wall_s
    lost = rows - outcome.bound
    return [
        Row(
            "4 unthrottled (client overhead)",
            "no limits, no latency",
            rows,
            f"{finished.wall_s:.1f}s wall",
            f"{per_s:.0f} rows/s",
            _pct(outcome.sent.throttled_share),
            str(lost),
            f"≥{UNTHROTTLED_ROWS_PER_S} rows/s, RSS <500 MB",
            per_s >= UNTHROTTLED_ROWS_PER_S and finished.peak_rss_mb < 500 and lost == 0,
            [
                f"CPU {1e3 * finished.cpu_s / rows:.2f} ms/row ({finished.cpu_s:.1f}s), "
                f"peak RSS {finished.peak_rss_mb:.0f} MB (ru_maxrss, an upper bound: the suite "
                f"had {finished.spawner_rss_mb:.0f} MB when it started it), "
                f"sending {outcome.sent.rate:.0f} req/s (first to last create), "
                f"results .csv, concurrency 32; the emulator used {outcome.emulator_cpu_s:.0f}s CPU",
                load,
            ],
        )
    ]


# -- 5. peers ------------------------------------------------------------------------------------


def _peer(workdir: Path, scenario: dict[str, Any], rows: int, kind: str) -> Outcome:
    def start(sheet: Path, base_url: str) -> Finished:
        return run_peer(kind, sheet, base_url)

    return _contend(workdir, scenario, rows, start)


def peers(size: Size, workdir: Path) -> list[Row]:
    table = []
    runs = [
        ("real", size.peer_real_rows, (REAL_PER_SECOND, REAL_PER_MINUTE), 3.0),
        ("scaled", size.peer_scaled_rows, (50, 3000), 8.0),
    ]
    for label, rows, (per_second, per_minute), factor in runs:
        scenario = {
            "seed": 5,
            "limits": _limits(per_second, per_minute),
            "latency": {"min_ms": 200, "max_ms": 200},
        }
        load = _load()
        base = workdir / f"peers-{label}"
        loop = _peer(base / "loop", scenario, rows, "loop")
        pool = _peer(base / "pool", scenario, rows, "pool")
        ours = _batchbind(base / "batchbind", scenario, rows)
        top = ceiling(per_second, per_minute)
        limits = _label(per_second, per_minute) + ", 200 ms"
        for name, outcome in (("SDK loop", loop), ("SDK ThreadPool(32)", pool)):
            table.append(
                Row(
                    f"5 {label}: {name}",
                    limits,
                    rows,
                    _time(outcome),
                    _pct(outcome.sent.rate / top),
                    f"{_pct(outcome.sent.throttled_share)} ({outcome.sent.throttled})",
                    str(rows - outcome.bound),
                    "(peer)",
                    None,
                    [f"{outcome.bound} bound", load],
                )
            )
        speedup = ours.sent.rate / loop.sent.rate if loop.sent.rate else float("inf")
        lost = rows - ours.bound
        pool_lost = rows - pool.bound
        table.append(
            Row(
                f"5 {label}: batchbind",
                limits,
                rows,
                _time(ours),
                f"{_pct(ours.sent.rate / top)} = {speedup:.1f}x loop",
                f"{_pct(ours.sent.throttled_share)} ({ours.sent.throttled})",
                str(lost),
                f"≥{factor:g}x loop, 0 lost",
                speedup >= factor and lost == 0,
                [f"{ours.bound} bound; the thread pool lost {pool_lost}", load],
            )
        )
    return table


SCENARIOS: dict[int, Callable[[Size, Path], list[Row]]] = {
    1: at_the_ceiling,
    2: slow_server,
    3: shared_app,
    4: unthrottled,
    5: peers,
}
