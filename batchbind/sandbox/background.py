"""`--sandbox`: find the local emulator, or start it in the background, so a newcomer can rehearse
the whole flow (run, then status, then unbind) with no tenant and no token.

The background sandbox listens on a fixed loopback port and keeps its bindings in the user's data
folder, so successive commands talk to the same tenant. If it is running with another scenario,
it is restarted with the one asked for (its bindings survive the restart).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from batchbind.errors import InputError
from batchbind.feishu.network import TRANSPORT_ERRORS, client_options, json_object
from batchbind.sandbox import SANDBOX_TOKEN, Scenario, load_scenario
from batchbind.store.paths import data_dir

__all__ = ["DEFAULT_PORT", "SANDBOX_TOKEN", "default_state_file", "ensure_sandbox"]

DEFAULT_PORT = int(os.environ.get("BATCHBIND_SANDBOX_PORT", "18730"))
START_TIMEOUT_S = 15.0


def default_state_file() -> Path:
    return data_dir() / "sandbox" / "state.json"


def _probe(base_url: str, timeout_s: float) -> httpx.Client:
    # Loopback: client_options keeps proxies out of it.
    return httpx.Client(**client_options(base_url, connections=1, timeout_s=timeout_s))


def _info(base_url: str) -> dict[str, Any] | None:
    try:
        with _probe(base_url, 2.0) as http:
            response = http.get(f"{base_url}/_sandbox/info")
    except TRANSPORT_ERRORS:
        return None
    return json_object(response.content)


def _port_answers(base_url: str) -> bool:
    try:
        with _probe(base_url, 1.0) as http:
            http.get(base_url)
    except TRANSPORT_ERRORS:
        return False
    return True


def ensure_sandbox(scenario_path: Path | None, *, port: int = DEFAULT_PORT) -> str:
    """The base URL of a running sandbox with this scenario, starting one if needed."""
    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    base_url = f"http://127.0.0.1:{port}"
    info = _info(base_url)
    if info is not None and info.get("name") == "batchbind-sandbox":
        if info.get("scenario") == scenario.digest():
            return base_url
        # It may drop the connection as it stops: the wait below is what tells.
        with _probe(base_url, 5.0) as http, contextlib.suppress(*TRANSPORT_ERRORS):
            # It stops only for its own token (a web page cannot send one).
            token = str(info.get("token") or SANDBOX_TOKEN)
            http.post(f"{base_url}/_sandbox/shutdown", headers={"Authorization": f"Bearer {token}"})
        deadline = time.monotonic() + START_TIMEOUT_S
        while _port_answers(base_url) and time.monotonic() < deadline:
            time.sleep(0.1)
    elif _port_answers(base_url):
        raise InputError.of("sandbox_port_taken", port=port)
    _start(scenario_path, port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        info = _info(base_url)
        if info is not None and info.get("scenario") == scenario.digest():
            return base_url
        time.sleep(0.1)
    raise InputError.of("sandbox_not_started", port=port, log=_log_file())


def _log_file() -> Path:
    return data_dir() / "sandbox" / "sandbox.log"


def _start(scenario_path: Path | None, port: int) -> None:
    log_file = _log_file()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "batchbind",
        "sandbox",
        "--port",
        str(port),
        "--state-file",
        str(default_state_file()),
    ]
    if scenario_path is not None:
        command += ["--scenario", str(scenario_path.resolve())]
    flags: dict[str, object] = {}
    if sys.platform == "win32":
        flags["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
    else:
        flags["start_new_session"] = True  # outlives this command, ignores its Ctrl-C
    with open(log_file, "ab") as log:
        subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            close_fds=True,
            **flags,  # type: ignore[call-overload]
        )
