"""The team's tracker at size, as a Bitable (issue 14): a 20,000-record table read and written back.

    python bench/bench_tracker_bitable.py [--records 20000]

Starts the sandbox (in this process, on loopback) with one base whose table holds that many
records (20,000 is Bitable's documented most a table holds), reads it through `BitableTracker`
as `run` does (500 records a search page, paced at the documented 20/s), then writes every
row's result back (result fields created as text, at most 1,000 records a batch_update, one
write at a time, paced at 50/s), and prints the requests used per endpoint (from the sandbox's
request log), the time of each phase and the largest batch. The sandbox refuses a search page
over 500, a batch over 1,000 records and a second writer (1254291), as Feishu does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from batchbind.feishu.client import FeishuClient  # noqa: E402
from batchbind.model import Outcome, ResultRow  # noqa: E402
from batchbind.sandbox import SANDBOX_TOKEN, SandboxServer  # noqa: E402
from batchbind.sandbox.scenario import scenario_from_dict  # noqa: E402
from batchbind.tracker.bitable import BitableTracker  # noqa: E402
from batchbind.tracker.calls import DocCalls  # noqa: E402
from batchbind.tracker.links import parse_link  # noqa: E402

APP = "bascnBench000001"
LINK = f"https://corp.feishu.cn/base/{APP}?table=tblBench"


def bitable_scenario(records: int) -> dict[str, Any]:
    return {
        # High enough that the client's own pacing (the documented budgets) sets the pace.
        "limits": {"per_second": 1000, "per_minute": 60000},
        "bitables": [
            {
                "app_token": APP,
                "name": "bench",
                "tables": [
                    {
                        "table_id": "tblBench",
                        "fields": [
                            {"name": "姓名", "type": 1},
                            {"name": "管理员账号", "type": 1},
                            {"name": "Exchange 邮箱", "type": 1, "ui_type": "Email"},
                            {"name": "飞书用户", "type": 11},
                            {"name": "部门", "type": 1},
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


class CountingCalls(DocCalls):
    """The document calls, noting how many records each batch_update carried."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.batches: list[int] = []

    async def call(self, endpoint: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
        body = kw.get("body")
        if path.endswith("/batch_update") and isinstance(body, dict):
            self.batches.append(len(body["records"]))
        return await super().call(endpoint, method, path, **kw)


async def bench(sandbox: SandboxServer) -> dict[str, Any]:
    link = parse_link(LINK)
    async with FeishuClient(sandbox.base_url, lambda: SANDBOX_TOKEN) as client:
        calls = CountingCalls(client, str(link))
        tracker = BitableTracker(link, calls)
        started = time.perf_counter()
        table = await tracker.read()
        read_s = time.perf_counter() - started
        results = [
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
        started = time.perf_counter()
        report = await tracker.write_back(results)
        write_s = time.perf_counter() - started
    return {
        "rows_read": len(table),
        "read_s": read_s,
        "rows_written": report.rows_written,
        "rows_missing": len(report.rows_missing),
        "write_s": write_s,
        "largest_batch": max(calls.batches, default=0),
        "client_throttled": dict(calls.throttled),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args(argv)
    with SandboxServer(scenario_from_dict(bitable_scenario(args.records))) as sandbox:
        figures = asyncio.run(bench(sandbox))
        log = sandbox.requests()
    per_endpoint = Counter(r["endpoint"] for r in log)
    refused = Counter(r["endpoint"] for r in log if r["code"] not in (0, None))
    print(f"bitable: {args.records:,} records")
    print(f"  read   {figures['rows_read']:,} rows in {figures['read_s']:.2f} s")
    print(
        f"  write  {figures['rows_written']:,} rows in {figures['write_s']:.2f} s "
        f"(largest batch {figures['largest_batch']:,} records, "
        f"{figures['rows_missing']} missing)"
    )
    print(
        "  requests per endpoint: "
        + ", ".join(f"{name} {count}" for name, count in sorted(per_endpoint.items()))
    )
    if refused:
        print(f"  refused: {dict(refused)}")
    ok = figures["rows_read"] == figures["rows_written"] == args.records and not refused
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
