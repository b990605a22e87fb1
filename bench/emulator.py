"""The sandbox in a process of its own, so no contender shares its event loop or its core.

`python -m bench.emulator SCENARIO.json` serves the scenario on a free loopback port with no state
file (a 200,000-row run would otherwise spend its time saving bindings) and prints its base URL on
the first line of stdout. `Emulator` starts it, reads the request log and stops it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from batchbind.sandbox import load_scenario, serve
from batchbind.sandbox.server import request_shutdown

ROOT = Path(__file__).resolve().parent.parent


class EmulatorError(Exception):
    """The emulator did not start, or answered its admin endpoints badly."""


class Emulator:
    """One fresh sandbox process for one contender: nobody sees another's bindings."""

    def __init__(self, scenario: dict[str, Any], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.scenario_file = workdir / "scenario.json"
        self.scenario_file.write_text(json.dumps(scenario), encoding="utf-8")
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.cpu_s = 0.0  # the emulator's own CPU, known once it has stopped

    def __enter__(self) -> Emulator:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.emulator", str(self.scenario_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise EmulatorError(f"the emulator did not start (said {line!r})")
        self.base_url = line
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def requests(self) -> list[dict[str, Any]]:
        """Every API request the emulator saw, in arrival order (`t`: seconds since it started)."""
        answer = httpx.get(f"{self.base_url}/_sandbox/requests", timeout=120)
        answer.raise_for_status()
        records: list[dict[str, Any]] = answer.json()["requests"]
        return records

    def bound(self) -> int:
        """How many bindings the tenant holds now."""
        answer = httpx.get(f"{self.base_url}/_sandbox/bindings", timeout=120)
        answer.raise_for_status()
        return len(answer.json()["bindings"])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if self.base_url:
            try:
                request_shutdown(self.base_url)
            except httpx.HTTPError:
                process.terminate()
        else:
            process.terminate()
        try:
            _, _, usage = os.wait4(process.pid, 0)
            self.cpu_s = usage.ru_utime + usage.ru_stime
            process.returncode = 0  # reaped here: keep Popen from waiting for it again
        except ChildProcessError:
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def main(argv: list[str]) -> int:
    scenario = load_scenario(Path(argv[0]))
    serve(
        scenario,
        host="127.0.0.1",
        port=0,
        state_file=None,
        request_log=None,
        on_ready=lambda url: print(url, flush=True),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
