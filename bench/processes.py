"""Running a contender as a user would: its own process, timed, with its own CPU and peak memory.

`os.wait4` reports the rusage of exactly that child (getrusage(RUSAGE_CHILDREN) would fold in every
emulator reaped before it, and its ru_maxrss is the largest of them all). On Linux a child's
ru_maxrss also keeps the peak of the process image it replaced at exec, which after subprocess's
vfork is this process: so it is an upper bound, and `spawner_rss_mb` says how loose.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.emulator import ROOT

ADMIN = "exadmin@bench.example"


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_s: float  # user + system
    peak_rss_mb: float
    spawner_rss_mb: float  # this process's RSS when it started the child

    def json(self) -> dict[str, Any]:
        """The contender's JSON summary (the last line of stdout)."""
        lines = self.stdout.strip().splitlines()
        if self.returncode not in (0, 1) or not lines:
            raise RuntimeError(f"exit {self.returncode}: {self.stderr.strip()[-2000:]}")
        summary: dict[str, Any] = json.loads(lines[-1])
        return summary


def run_process(argv: list[str], env: dict[str, str] | None = None) -> Finished:
    spawner_rss = _own_rss_mb()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=ROOT, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            returncode=process.returncode,
            stdout=out.read(),
            stderr=err.read(),
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024.0,  # Linux: kilobytes
            spawner_rss_mb=spawner_rss,
        )


def _own_rss_mb() -> float:
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:  # not Linux
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def write_rows(path: Path, count: int) -> None:
    """`count` valid rows, one Exchange account each: the same sheet for every contender."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["admin_account", "exchange_account", "user_id"])
        for i in range(count):
            writer.writerow([ADMIN, f"user{i:06d}@bench.example", f"ou_bench{i:08d}"])


def run_batchbind(
    rows: Path,
    base_url: str,
    workdir: Path,
    *,
    per_second: float,
    per_minute: float,
    concurrency: int = 32,
    out_suffix: str = ".csv",
) -> Finished:
    """`batchbind run` with a fresh journal, exactly as on the command line."""
    env = {
        **os.environ,
        "BATCHBIND_DATA_DIR": str(workdir / "data"),
        "BATCHBIND_CONFIG_DIR": str(workdir / "config"),
        "FEISHU_USER_ACCESS_TOKEN": "u-sandbox",
    }
    argv = [
        sys.executable,
        "-m",
        "batchbind",
        "run",
        str(rows),
        "--base-url",
        base_url,
        "--state",
        str(workdir / "journal.sqlite"),
        "--out",
        str(workdir / f"results{out_suffix}"),
        "--json",
        "--rate-per-second",
        f"{per_second:g}",
        "--rate-per-minute",
        f"{per_minute:g}",
        "--concurrency",
        str(concurrency),
    ]
    return run_process(argv, env)


def run_peer(kind: str, rows: Path, base_url: str, threads: int = 32) -> Finished:
    """One of the SDK scripts in `bench.peers` (`loop` or `pool`)."""
    argv = [
        sys.executable,
        "-m",
        "bench.peers",
        kind,
        str(rows),
        base_url,
        "--threads",
        str(threads),
    ]
    return run_process(argv, dict(os.environ))
