"""At the ceiling: how close does `batchbind run` get to the platform's limit, and how many 429s?

The emulator runs in its own process (`batchbind sandbox`) at the documented limits (or scaled
ones), with network-like latency; batchbind runs as a user would run it, in another process.
Figures: rows bound, wall time, achieved rate as a fraction of the ceiling, share of 429s.

    python bench/bench_ceiling.py                    # 2,000 rows at the real limits (~2 minutes)
    python bench/bench_ceiling.py --rows 300 --per-minute 6000 --per-second 200   # quick, scaled
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_rows(path: Path, n: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["admin_account", "exchange_account", "user_id"])
        for i in range(n):
            w.writerow(["exadmin@bench.example", f"user{i:06d}@bench.example", f"ou_bench{i:08d}"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--per-second", type=int, default=50)
    ap.add_argument("--per-minute", type=int, default=1000)
    ap.add_argument("--latency-ms", default="50-300")
    ap.add_argument("--window", choices=["sliding", "fixed"], default="sliding")
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    lo, hi = (int(x) for x in args.latency_ms.split("-"))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        scenario = tmp / "scenario.toml"
        scenario.write_text(
            f"seed = 1\n[limits]\nper_second = {args.per_second:.0f}\nper_minute = {args.per_minute:.0f}\n"
            f'minute_window = "{args.window}"\n[latency]\nmin_ms = {lo}\nmax_ms = {hi}\n',
            encoding="utf-8",
        )
        rows = tmp / "rows.csv"
        write_rows(rows, args.rows)
        port = free_port()
        env = {**os.environ, "BATCHBIND_DATA_DIR": str(tmp / "data")}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "batchbind",
                "sandbox",
                "--port",
                str(port),
                "--scenario",
                str(scenario),
                "--state-file",
                str(tmp / "state.json"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/_sandbox/info", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            started = time.monotonic()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "batchbind",
                    "run",
                    str(rows),
                    "--base-url",
                    base,
                    "--state",
                    str(tmp / "journal.sqlite"),
                    "--out",
                    str(tmp / "out.csv"),
                    "--json",
                    "--rate-per-second",
                    str(args.per_second),
                    "--rate-per-minute",
                    str(args.per_minute),
                    "--concurrency",
                    str(args.concurrency),
                ],
                capture_output=True,
                text=True,
                env={**env, "FEISHU_USER_ACCESS_TOKEN": "u-sandbox"},
            )
            wall = time.monotonic() - started
            summary = json.loads(done.stdout)
            log = httpx.get(f"{base}/_sandbox/requests", timeout=30).json()["requests"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    creates = [r for r in log if r["endpoint"] == "create"]
    throttled = sum(1 for r in creates if r["throttled"])
    accepted = [r["t"] for r in creates if not r["throttled"]]
    span = max(accepted) - min(accepted) if len(accepted) > 1 else 0.0
    ceiling = min(args.per_second, args.per_minute / 60.0)
    rate = (len(accepted) - 1) / span if span else 0.0
    print(
        f"rows {args.rows}, limits {args.per_second:g}/s and {args.per_minute:g}/min "
        f"({args.window} minute window), latency {lo}-{hi} ms, concurrency {args.concurrency}"
    )
    print(f"exit code           {summary['exit_code']} (bound {summary['counts']['bound']})")
    print(f"wall time           {wall:.1f} s (whole command, including start-up and results)")
    print(
        f"create requests     {len(creates)}, answered 429: {throttled} "
        f"({100.0 * throttled / max(1, len(creates)):.2f}%)"
    )
    print(
        f"achieved rate       {rate * 60:.0f}/min = {100.0 * rate / ceiling:.1f}% of the ceiling "
        f"({ceiling * 60:.0f}/min), first to last accepted request"
    )
    return 0 if summary["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
