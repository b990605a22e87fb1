"""Small shared fixtures: an isolated environment, sandboxes, input files, results read back.

Every test runs with its own data and config folders, no token in the environment, English
messages and a free port for the background sandbox, so no test touches the user's real folders,
the user's background sandbox or the internet.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from batchbind.sandbox import SandboxServer
from batchbind.sandbox.scenario import scenario_from_dict

HEADER = ("admin_account", "exchange_account", "user_id")
SANDBOX_TOKEN = "u-sandbox"
ADMIN = "exadmin@corp.example"

#: Limits high enough that a test's own pace, not the sandbox, decides the speed.
FAST_LIMITS: dict[str, Any] = {"per_second": 10_000, "per_minute": 1_000_000}
#: Options that let batchbind go as fast as FAST_LIMITS allow.
FAST_RATES = ("--rate-per-second", "5000", "--rate-per-minute", "300000")

Row = Sequence[str]
MakeSandbox = Callable[..., SandboxServer]


class StubTokens:
    """A token that never needs renewing (for engine and preflight tests without a network)."""

    refreshes = 0

    async def ensure_fresh(self) -> None:
        pass

    def current(self) -> str:
        return "u-stub"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BATCHBIND_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("BATCHBIND_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("BATCHBIND_LANG", "en")
    monkeypatch.setenv("BATCHBIND_SANDBOX_PORT", str(free_port()))
    # A background sandbox a test leaves behind goes away soon after, not after 30 minutes.
    monkeypatch.setenv("BATCHBIND_SANDBOX_IDLE_TIMEOUT", "120")
    for name in ("FEISHU_USER_ACCESS_TOKEN", "FEISHU_APP_ID", "FEISHU_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[MakeSandbox]:
    """`make_sandbox(scenario_dict=None)`: a started in-process sandbox, stopped at teardown."""
    servers: list[SandboxServer] = []

    def make(scenario_dict: Mapping[str, Any] | None = None) -> SandboxServer:
        scenario = scenario_from_dict(scenario_dict or {})
        state = tmp_path / f"sandbox-state-{len(servers)}.json"
        server = SandboxServer(scenario, port=0, state_file=state)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def write_input(path: Path, rows: Sequence[Row], header: Row = HEADER) -> Path:
    """Write rows (after a header) as .csv (UTF-8) or .xlsx (text cells), by the suffix."""
    if path.suffix.lower() == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        # openpyxl would store "=1+1" as a formula: make every cell a plain string cell.
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    return path


def read_results(path: Path) -> list[dict[str, str]]:
    """The results file as one dict per row, exactly as stored (no `'` stripped from .csv)."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return [dict(row) for row in csv.DictReader(f)]
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book["Results"]
        lines = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(v) for v in lines[0]]
    rows = []
    for line in lines[1:]:
        for value in line:
            assert value is None or isinstance(value, str), f"not a text cell: {value!r}"
        rows.append({h: "" if v is None else str(v) for h, v in zip(header, line, strict=True)})
    return rows


def xlsx_cell_types(path: Path, sheet_name: str = "Results") -> set[str]:
    """The openpyxl data types of every non-empty cell of a sheet ('s' text, 'n', 'f', ...)."""
    book = openpyxl.load_workbook(path)
    try:
        return {c.data_type for line in book[sheet_name].iter_rows() for c in line if c.value}
    finally:
        book.close()


def by_exchange(rows: Sequence[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["exchange_account"]: row for row in rows}


def run_cli(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """`python -m batchbind ARGS` in a subprocess, with the test's (isolated) environment."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "batchbind", *map(str, args)],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def spawn_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen[str]:
    """`python -m batchbind ARGS` started in the background (for signal tests)."""
    return subprocess.Popen(
        [sys.executable, "-m", "batchbind", *map(str, args)],
        env=dict(os.environ),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def creates(sandbox: SandboxServer, exchange: str | None = None) -> list[dict[str, Any]]:
    """The create requests the sandbox saw (for one Exchange account, case-insensitively)."""
    return [
        r
        for r in sandbox.requests()
        if r["endpoint"] == "create"
        and (exchange is None or (r["exchange_account"] or "").casefold() == exchange.casefold())
    ]
