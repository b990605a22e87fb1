"""The request log: every API request the sandbox saw, including refused and dropped ones.

Later tests prove "nothing was sent twice" from this log, so it is written for every request,
whatever happened to it, and flushed line by line to the optional JSON-lines file (a client killed
mid-run must not take the last lines with it; the sandbox runs in its own process).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TextIO


@dataclass(slots=True)
class RequestRecord:
    t: float  # seconds since the server started
    method: str
    endpoint: str  # "create" | "get" | "delete" | "other" (more as endpoints are added)
    admin_account: str | None = None
    exchange_account: str | None = None
    user_id: str | None = None
    binding_id: str | None = None
    http_status: int | None = None  # None: no answer was sent (a dropped connection)
    code: int | None = None  # for "drop_after_store": what was done but never said
    fault: str | None = None
    throttled: bool = False
    log_id: str | None = None
    # The bearer token, if the sandbox knows it (its own, a scenario's, one it issued), else
    # "(unknown)": what a test checks to prove which token reached it, without ever writing a
    # foreign (perhaps real) token into the log.
    token: str | None = None


FIELDS = tuple(f.name for f in fields(RequestRecord))


def as_dict(record: RequestRecord) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies every value, which shows in a 200,000-row benchmark.
    return {name: getattr(record, name) for name in FIELDS}


class RequestLog:
    def __init__(self, path: Path | None = None) -> None:
        self._records: list[RequestRecord] = []
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)

    def add(self, record: RequestRecord) -> None:
        self._records.append(record)
        if self._file is not None:
            self._file.write(json.dumps(as_dict(record), ensure_ascii=False) + "\n")

    def as_dicts(self) -> list[dict[str, Any]]:
        return [as_dict(record) for record in self._records]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
