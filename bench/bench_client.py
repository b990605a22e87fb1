"""The HTTP client alone: N creates, C at a time, against the emulator, and the CPU they cost.

    python -m bench.bench_client [--rows 3000] [--concurrency 32]

No journal, no input file, no pacing: `FeishuClient.create` in C workers, against a fresh emulator
in another process with no limits and no latency (scenario 4's). It prints the rate and this
process's CPU per request (the emulator's is not counted), and the answers it got. Used to find
what made httpx slow (see "httpx for the binding calls" in bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time
from pathlib import Path

from batchbind.feishu.client import FeishuClient
from batchbind.model import Binding
from bench.emulator import Emulator

UNLIMITED = {
    "seed": 4,
    "limits": {"per_second": 1_000_000, "per_minute": 60_000_000},
    "sync": {"seconds": 0},
}


async def _send(base_url: str, rows: int, concurrency: int) -> None:
    answers: collections.Counter[tuple[int | None, int | None, str]] = collections.Counter()
    todo = list(range(rows))
    async with FeishuClient(base_url, lambda: "u-sandbox", max_connections=concurrency) as client:

        async def worker() -> None:
            while todo:
                i = todo.pop()
                binding = Binding("admin@bench.example", f"u{i:06d}@bench.example", f"ou_{i:08d}")
                answer = await client.create(binding)
                answers[(answer.http_status, answer.code, answer.error[:60])] += 1

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{rows} creates, {concurrency} at a time: {rows / wall:.0f} req/s, "
        f"client CPU {1e3 * cpu / rows:.2f} ms/request; answers (HTTP, code, error): "
        f"{dict(answers.most_common(3))}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.bench_client", description=__doc__)
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="batchbind-client-") as tmp,
        Emulator(UNLIMITED, Path(tmp)) as emulator,
    ):
        asyncio.run(_send(emulator.base_url, args.rows, args.concurrency))


if __name__ == "__main__":
    main()
