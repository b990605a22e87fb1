"""`--sandbox`: find this user's local emulator, or start it in the background, so a newcomer can
rehearse the whole flow (run, then status, then unbind) with no tenant and no token.

The background sandbox listens on a fixed loopback port and keeps its bindings in the user's data
folder, so successive commands talk to the same tenant. If it is running with another scenario,
it is restarted with the one asked for (its bindings survive the restart). It stops by itself
after `BATCHBIND_SANDBOX_IDLE_TIMEOUT` seconds without a request, or on `batchbind sandbox stop`.

Whatever answers on the port must prove it is this user's sandbox (owner.py) before a row is sent
to it: another user's sandbox, or any other program, is named and refused.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from batchbind.errors import InputError
from batchbind.feishu.network import TRANSPORT_ERRORS, client_options, json_object
from batchbind.sandbox import SANDBOX_TOKEN, Scenario, load_scenario
from batchbind.sandbox.owner import new_challenge, owner_key, proof
from batchbind.store.paths import data_dir

__all__ = [
    "SANDBOX_TOKEN",
    "Listener",
    "default_idle_timeout",
    "default_port",
    "default_state_file",
    "ensure_sandbox",
    "identify",
    "stop_sandbox",
]

PORT = 18730
IDLE_TIMEOUT_S = 30 * 60.0
START_TIMEOUT_S = 15.0
NAME = "batchbind-sandbox"
#: Nothing accepted the connection (on Windows a closed loopback port takes ~2 s to refuse).
_NOBODY = (httpx.ConnectError, httpx.ConnectTimeout)


def default_port() -> int:
    """`BATCHBIND_SANDBOX_PORT`, else 18730."""
    value = os.environ.get("BATCHBIND_SANDBOX_PORT", "").strip()
    if not value:
        return PORT
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise InputError.of("sandbox_port_env", value=value)
    return int(value)


def default_idle_timeout() -> float:
    """`BATCHBIND_SANDBOX_IDLE_TIMEOUT` (seconds; 0: never), else 30 minutes."""
    value = os.environ.get("BATCHBIND_SANDBOX_IDLE_TIMEOUT", "").strip()
    if not value:
        return IDLE_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InputError.of("sandbox_idle_env", value=value)
    return seconds


def default_state_file() -> Path:
    return data_dir() / "sandbox" / "state.json"


@dataclass(frozen=True, slots=True)
class Listener:
    """What answers on a loopback port.

    `kind`: "none" (nothing listens), "mine" (a sandbox that proved it is this user's), "foreign"
    (a batchbind sandbox that did not: another user's, or an older batchbind's), "other" (any
    other program).
    """

    kind: Literal["none", "mine", "foreign", "other"]
    port: int
    scenario: str = ""
    pid: int = 0


def _probe(base_url: str, timeout_s: float) -> httpx.Client:
    # Loopback: client_options keeps proxies out of it.
    return httpx.Client(**client_options(base_url, connections=1, timeout_s=timeout_s))


def identify(port: int, key: bytes) -> Listener:
    """Who answers on 127.0.0.1:`port`, checked with this user's `key` (which is never sent)."""
    base_url = f"http://127.0.0.1:{port}"
    challenge = new_challenge()
    try:
        with _probe(base_url, 5.0) as http:
            answer = json_object(
                http.get(f"{base_url}/_sandbox/identity", params={"challenge": challenge}).content
            )
            if answer is None or answer.get("name") != NAME:
                # A batchbind from before the identity check answers only /_sandbox/info.
                info = json_object(http.get(f"{base_url}/_sandbox/info").content)
                sandbox = info is not None and info.get("name") == NAME
                return Listener("foreign" if sandbox else "other", port)
    except _NOBODY:
        return Listener("none", port)
    except TRANSPORT_ERRORS:  # it accepted the connection but did not answer over HTTP
        return Listener("other", port)
    shown = answer.get("proof")
    expected = proof(key, port, challenge)
    if not isinstance(shown, str) or not _same(shown, expected):
        return Listener("foreign", port)
    pid = answer.get("pid")
    return Listener(
        "mine", port, str(answer.get("scenario") or ""), pid if isinstance(pid, int) else 0
    )


def _same(shown: str, expected: str) -> bool:
    return hmac.compare_digest(shown.encode("utf-8", "replace"), expected.encode("ascii"))


def _refuse(found: Listener) -> InputError:
    """The refusal for a port held by anything but this user's sandbox: nothing goes there."""
    key = "sandbox_not_yours" if found.kind == "foreign" else "sandbox_port_taken"
    return InputError.of(key, port=found.port)


def ensure_sandbox(scenario_path: Path | None, *, port: int | None = None) -> str:
    """The base URL of this user's running sandbox with this scenario, starting one if needed.

    `InputError` when the port is held by another user's sandbox or another program.
    """
    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    port = default_port() if port is None else port
    idle_timeout_s = default_idle_timeout()
    key = owner_key()
    base_url = f"http://127.0.0.1:{port}"
    found = identify(port, key)
    if found.kind == "mine":
        if found.scenario == scenario.digest():
            return base_url
        _shut_down(port)
    elif found.kind != "none":
        raise _refuse(found)
    _start(scenario_path, port, idle_timeout_s)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = identify(port, key)
        if found.kind == "mine" and found.scenario == scenario.digest():
            return base_url
        if found.kind == "foreign":  # someone else's took the port first
            raise _refuse(found)
        time.sleep(0.1)
    if found.kind == "other":
        raise _refuse(found)
    raise InputError.of("sandbox_not_started", port=port, log=_log_file())


def stop_sandbox(port: int | None = None) -> Listener:
    """Stop this user's sandbox on `port` (default: the background one's) and wait till it has.

    Returns what answered there before: "mine" was stopped; anything else was left alone.
    `InputError` when it was asked and did not stop.
    """
    port = default_port() if port is None else port
    found = identify(port, owner_key())
    if found.kind == "mine":
        _shut_down(port)
    return found


def _shut_down(port: int) -> None:
    """Ask this user's sandbox on `port` to stop (it saves its state), and wait until it has."""
    base_url = f"http://127.0.0.1:{port}"
    # It may drop the connection as it stops: the wait below is what tells.
    with _probe(base_url, 5.0) as http, contextlib.suppress(*TRANSPORT_ERRORS):
        info = json_object(http.get(f"{base_url}/_sandbox/info").content) or {}
        # It stops only for its own token (a web page cannot send one).
        token = str(info.get("token") or SANDBOX_TOKEN)
        http.post(f"{base_url}/_sandbox/shutdown", headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + START_TIMEOUT_S
    while _port_answers(base_url):
        if time.monotonic() > deadline:
            raise InputError.of("sandbox_not_stopped", port=port)
        time.sleep(0.1)


def _port_answers(base_url: str) -> bool:
    try:
        with _probe(base_url, 1.0) as http:
            http.get(base_url)
    except _NOBODY:
        return False
    except TRANSPORT_ERRORS:
        return True
    return True


def _log_file() -> Path:
    return data_dir() / "sandbox" / "sandbox.log"


def _start(scenario_path: Path | None, port: int, idle_timeout_s: float) -> None:
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
        "--idle-timeout",
        repr(idle_timeout_s),
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
