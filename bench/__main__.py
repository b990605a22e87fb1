"""batchbind's performance suite (issue 7): one command, one table.

    python -m bench              # the full suite (about 20 minutes)
    python -m bench --quick      # a short smoke version (about 2 minutes; skips 1b)
    python -m bench --only 3     # one scenario (repeat --only for several)

Scenarios: 1 at the ceiling, 2 slow server, 3 someone else uses the app, 4 unthrottled, 5 peers
(the official SDK in a loop and in a thread pool, then batchbind). Each contender runs in its own
process against a fresh emulator in another. Rates are measured at the server (first to last
accepted create) as a fraction of the ceiling min(per_second, per_minute / 60); limits may be
scaled up to keep runs short, and the table states them. Exit status 0 when every target is met.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from bench.scenarios import FULL, QUICK, SCENARIOS, Row, Size

COLUMNS = ("scenario", "limits", "rows", "time", "rate vs ceiling", "429s", "failed/lost")
COLUMNS_END = ("target", "result")


def run_suite(size: Size, only: Iterable[int], workdir: Path) -> list[Row]:
    rows: list[Row] = []
    for number in sorted(set(only)):
        started = time.monotonic()
        found = SCENARIOS[number](size, workdir / f"s{number}")
        print(
            f"  scenario {number}: {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True
        )
        for row in found:  # as they come: the table only prints at the end of a long run
            verdict = "-" if row.passed is None else ("PASS" if row.passed else "FAIL")
            print(
                f"    {row.scenario}: {row.rate}, 429s {row.throttled}, lost {row.lost}, {verdict}",
                file=sys.stderr,
                flush=True,
            )
        rows.extend(found)
    return rows


def render(rows: list[Row]) -> str:
    """A Markdown table, then the notes of each line."""
    cells = [
        [
            r.scenario,
            r.limits,
            f"{r.rows:,}",
            r.time,
            r.rate,
            r.throttled,
            r.lost,
            r.target,
            "-" if r.passed is None else ("PASS" if r.passed else "FAIL"),
        ]
        for r in rows
    ]
    header = [*COLUMNS, *COLUMNS_END]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *cells, strict=False)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(c) for c in cells)
    out.append("")
    out.extend(f"- {r.scenario}: {'; '.join(n for n in r.notes if n)}" for r in rows)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="short smoke version (about 2 minutes)")
    ap.add_argument(
        "--only", type=int, action="append", choices=sorted(SCENARIOS), help="scenario number"
    )
    args = ap.parse_args(argv)
    size = QUICK if args.quick else FULL
    only = args.only or list(SCENARIOS)
    started = time.monotonic()
    print(
        f"batchbind bench ({size.name}): scenarios {', '.join(map(str, sorted(set(only))))}; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()),
        file=sys.stderr,
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="batchbind-bench-") as tmp:
        rows = run_suite(size, only, Path(tmp))
    print(render(rows))
    print(
        f"\n{size.name} suite in {time.monotonic() - started:.0f}s on {os.cpu_count()} cores; "
        "load at the end {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
