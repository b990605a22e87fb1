"""The scripts teams write instead of batchbind, with the official SDK (`lark-oapi`).

- `loop`: the first script: one `exchange_binding.create` per row, one after the other, no retries.
- `pool`: the second: the same call in a `ThreadPoolExecutor`, no pacing, no retries; a row
  answered 429 is simply lost.

    python -m bench.peers loop ROWS.csv BASE_URL
    python -m bench.peers pool ROWS.csv BASE_URL --threads 32

Prints one JSON line: rows, bound, codes (how many answers had each Feishu code), seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import lark_oapi as lark  # type: ignore[import-untyped]
from lark_oapi.api.calendar.v4 import (  # type: ignore[import-untyped]
    CreateExchangeBindingRequest,
    ExchangeBinding,
)

TOKEN = "u-sandbox"


def _client(base_url: str) -> Any:
    return (
        lark.Client.builder()
        .domain(base_url)
        .enable_set_token(True)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )


def _bind(client: Any, option: Any, row: dict[str, str]) -> int:
    """One create, as the SDK's docs show it; returns the Feishu code (-1: no answer at all)."""
    body = (
        ExchangeBinding.builder()
        .admin_account(row["admin_account"])
        .exchange_account(row["exchange_account"])
        .user_id(row["user_id"])
        .build()
    )
    request = (
        CreateExchangeBindingRequest.builder().user_id_type("open_id").request_body(body).build()
    )
    try:
        response = client.calendar.v4.exchange_binding.create(request, option)
    except Exception:  # the script a team writes does not retry: the row is lost
        return -1
    code: int = response.code if response.code is not None else -1
    return code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("kind", choices=["loop", "pool"])
    ap.add_argument("rows", type=Path)
    ap.add_argument("base_url")
    ap.add_argument("--threads", type=int, default=32)
    args = ap.parse_args(argv)
    with args.rows.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    client = _client(args.base_url)
    option = lark.RequestOption.builder().user_access_token(TOKEN).build()
    started = time.monotonic()
    if args.kind == "loop":
        codes = Counter(_bind(client, option, row) for row in rows)
    else:
        with ThreadPoolExecutor(args.threads) as pool:
            codes = Counter(pool.map(lambda row: _bind(client, option, row), rows))
    summary = {
        "rows": len(rows),
        "bound": codes.get(0, 0),
        "codes": {str(code): n for code, n in sorted(codes.items())},
        "seconds": round(time.monotonic() - started, 3),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
