"""The team's tracker at size (issue 14): a 20,000-row tracker read and written back.

    python bench/bench_tracker.py [--sheet] [--bitable] [--rows 20000]     (both by default)

Starts the sandbox (in this process, on loopback) with one document of that many rows, reads it
through the tracker as `run` does, then writes every row's result back, and prints the requests
used per endpoint (from the sandbox's request log), the time of each phase, and the largest
write. The documents' own limits apply, as the sandbox enforces them: a Sheet write of at most
5,000 rows and 100 columns, one writer at a time; a Bitable search page of at most 500 records
(paced at 20/s), a batch_update of at most 1,000 (50/s), a second writer refused with 1254291.
One kind per flag (`KINDS`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from batchbind.feishu.client import FeishuClient  # noqa: E402
from batchbind.model import Outcome, ResultRow, Table  # noqa: E402
from batchbind.sandbox import SANDBOX_TOKEN, SandboxServer  # noqa: E402
from batchbind.sandbox.scenario import scenario_from_dict  # noqa: E402
from batchbind.tracker.base import Tracker  # noqa: E402
from batchbind.tracker.bitable import BitableTracker  # noqa: E402
from batchbind.tracker.calls import DocCalls  # noqa: E402
from batchbind.tracker.links import parse_link  # noqa: E402
from batchbind.tracker.sheets import SheetTracker  # noqa: E402


@dataclass
class Figures:
    kind: str
    rows: int
    read_s: float = 0.0
    write_s: float = 0.0
    rows_read: int = 0
    rows_written: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    largest_write_rows: int = 0

    def table(self) -> str:
        lines = [
            f"{self.kind}: {self.rows:,} rows",
            f"  read   {self.rows_read:,} rows in {self.read_s:.2f} s",
            f"  write  {self.rows_written:,} rows in {self.write_s:.2f} s "
            f"(largest write {self.largest_write_rows:,} rows)",
            "  requests per endpoint: "
            + ", ".join(f"{name} {count}" for name, count in sorted(self.requests.items())),
        ]
        if self.refused:
            lines.append("  refused (429 / throttled): " + json.dumps(self.refused))
        return "\n".join(lines)


def sheet_scenario(rows: int) -> dict[str, Any]:
    header = ["管理员账号", "Exchange 邮箱", "用户ID", "姓名", "部门"]
    cells: list[list[Any]] = [["2026 日历迁移"], header]
    cells += [
        ["exadmin@corp.example", f"user{i:06d}@corp.example", f"ou_{i:032x}", f"同事{i}", "研发"]
        for i in range(rows)
    ]
    return {
        "limits": {"per_second": 100, "per_minute": 6000},  # the Sheets' documented 100/s
        "sheets": [
            {
                "token": "shtcnBench0001",
                "title": "bench",
                "tabs": [{"sheet_id": "bench1", "title": "名单", "cells": cells}],
            }
        ],
    }


class CountingCalls(DocCalls):
    """The document calls, noting how many rows (or records) each write carried."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.write_rows: list[int] = []

    async def call(self, endpoint: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        body = kw.get("body")
        if endpoint == "sheets.write" and isinstance(body, dict):
            ranges = body.get("valueRanges") or [body.get("valueRange") or {}]
            self.write_rows.append(sum(len(r["values"]) for r in ranges))
        elif path.endswith("/batch_update") and isinstance(body, dict) and "records" in body:
            self.write_rows.append(len(body["records"]))
        return await super().call(endpoint, method, path, **kw)


def bound_results(table: Table) -> list[ResultRow]:
    """Every row bound, with every result column filled (the widest write-back)."""
    return [
        ResultRow(
            table.cells(i),
            table.numbers[i],
            Outcome.BOUND,
            code="0",
            exchange_binding_id=f"bid{i}",
            binding_status="doing",
            attempts=1,
            http_status=200,
            log_id=f"2024{i:020d}",
            updated_at="2026-11-26T20:00:00Z",
        )
        for i in range(len(table))
    ]


async def read_and_write_back(tracker: Tracker, calls: CountingCalls, figures: Figures) -> None:
    started = time.perf_counter()
    table = await tracker.read()
    figures.read_s = time.perf_counter() - started
    figures.rows_read = len(table)
    results = bound_results(table)
    started = time.perf_counter()
    report = await tracker.write_back(results)
    figures.write_s = time.perf_counter() - started
    figures.rows_written = report.rows_written
    figures.largest_write_rows = max(calls.write_rows, default=0)


async def bench_sheet(sandbox: SandboxServer, figures: Figures) -> None:
    link = parse_link("https://corp.feishu.cn/sheets/shtcnBench0001")
    async with FeishuClient(sandbox.base_url, lambda: SANDBOX_TOKEN) as client:
        calls = CountingCalls(client, str(link))
        await read_and_write_back(SheetTracker(link, calls), calls, figures)


BITABLE_APP = "bascnBench000001"


def bitable_scenario(records: int) -> dict[str, Any]:
    text, person = 1, 11
    return {
        # High enough that the client's own pacing (the documented budgets) sets the pace.
        "limits": {"per_second": 1000, "per_minute": 60000},
        "bitables": [
            {
                "app_token": BITABLE_APP,
                "name": "bench",
                "tables": [
                    {
                        "table_id": "tblBench",
                        "fields": [
                            {"name": "姓名", "type": text},
                            {"name": "管理员账号", "type": text},
                            {"name": "Exchange 邮箱", "type": text, "ui_type": "Email"},
                            {"name": "飞书用户", "type": person},
                            {"name": "部门", "type": text},
                        ],
                        "records": [
                            {
                                "record_id": f"rec{i:08d}",
                                "fields": {
                                    "姓名": f"同事{i}",
                                    "管理员账号": "exadmin@corp.example",
                                    "Exchange 邮箱": f"user{i:06d}@corp.example",
                                    "飞书用户": [f"user{i:06d}@corp.example"],
                                    "部门": "研发",
                                },
                            }
                            for i in range(records)
                        ],
                    }
                ],
            }
        ],
    }


async def bench_bitable(sandbox: SandboxServer, figures: Figures) -> None:
    link = parse_link(f"https://corp.feishu.cn/base/{BITABLE_APP}?table=tblBench")
    async with FeishuClient(sandbox.base_url, lambda: SANDBOX_TOKEN) as client:
        calls = CountingCalls(client, str(link))
        await read_and_write_back(BitableTracker(link, calls), calls, figures)


KINDS: dict[
    str, tuple[Callable[[int], dict[str, Any]], Callable[..., Coroutine[Any, Any, None]]]
] = {
    "sheet": (sheet_scenario, bench_sheet),
    "bitable": (bitable_scenario, bench_bitable),
}


def measure(kind: str, rows: int) -> Figures:
    make_scenario, bench = KINDS[kind]
    figures = Figures(kind, rows)
    with SandboxServer(scenario_from_dict(make_scenario(rows))) as sandbox:
        asyncio.run(bench(sandbox, figures))
        log = sandbox.requests()
    figures.requests = dict(Counter(r["endpoint"] for r in log))
    figures.refused = dict(Counter(r["endpoint"] for r in log if r["http_status"] == 429))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for kind in KINDS:
        parser.add_argument(f"--{kind}", action="store_true", help=f"measure a {kind} tracker")
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    kinds = [k for k in KINDS if getattr(args, k)] or list(KINDS)
    for kind in kinds:
        print(measure(kind, args.rows).table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
