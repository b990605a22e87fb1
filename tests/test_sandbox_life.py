"""The background sandbox's life: it stops when unused or asked, and serves its own user only.

Real processes throughout: `run --sandbox` starts the sandbox as a user would (a detached
`python -m batchbind sandbox`), and every check goes through the CLI or over loopback HTTP. A
second user of the machine is simulated by a second data folder (its own key), which any CI can
do; a real second Unix user is tried too where this machine allows it.
"""

from __future__ import annotations

import contextlib
import grp
import http.server
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import ADMIN, FAST_RATES, free_port, run_cli, write_input

from batchbind.sandbox import SandboxServer
from batchbind.sandbox.owner import new_challenge, proof
from batchbind.sandbox.server import request_shutdown

ROWS = [(ADMIN, f"user{i}@corp.example", f"ou_user{i}") for i in range(3)]


def port() -> int:
    return int(os.environ["BATCHBIND_SANDBOX_PORT"])


def base_url() -> str:
    return f"http://127.0.0.1:{port()}"


def data_dir() -> Path:
    return Path(os.environ["BATCHBIND_DATA_DIR"])


def identity(url: str | None = None) -> dict[str, Any] | None:
    """What the sandbox on the port says about itself, or None when nothing listens."""
    try:
        answer = httpx.get(
            f"{url or base_url()}/_sandbox/identity",
            params={"challenge": new_challenge()},
            timeout=5,
            trust_env=False,
        )
    except httpx.ConnectError:
        return None
    body: dict[str, Any] = answer.json()
    return body


def listening() -> bool:
    """Whether something accepts connections on the port (a bare connection is not a request,
    so asking does not keep an idle sandbox alive)."""
    try:
        socket.create_connection(("127.0.0.1", port()), timeout=5).close()
    except OSError:
        return False
    return True


def wait_until_gone(timeout_s: float) -> float:
    """Seconds until nothing listens on the port any more (fails the test past `timeout_s`)."""
    started = time.monotonic()
    while listening():
        assert time.monotonic() - started < timeout_s, "the sandbox is still running"
        time.sleep(0.1)
    return time.monotonic() - started


def create_requests(url: str | None = None) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url or base_url()}/_sandbox/requests", timeout=5, trust_env=False)
    return [r for r in answer.json()["requests"] if r["endpoint"] == "create"]


@pytest.fixture(autouse=True)
def nothing_left_running() -> Iterator[None]:
    """Whatever sandbox a test leaves on its port is stopped (its owner's state saved)."""
    yield
    with contextlib.suppress(httpx.HTTPError):
        request_shutdown(base_url())
    with contextlib.suppress(AssertionError):
        wait_until_gone(15)


def run_sandboxed(tmp_path: Path, name: str, rows: Any = ROWS, **env: str) -> Any:
    source = write_input(tmp_path / f"{name}.csv", rows)
    return run_cli(
        "run", source, "--sandbox", "--state", tmp_path / f"{name}.sqlite", *FAST_RATES, env=env
    )


def state_bindings(folder: Path | None = None) -> list[dict[str, Any]]:
    state = (folder or data_dir()) / "sandbox" / "state.json"
    bindings: list[dict[str, Any]] = json.loads(state.read_text(encoding="utf-8"))["bindings"]
    return bindings


# -- it stops by itself when unused, its state saved ----------------------------------------------


def test_the_background_sandbox_stops_when_unused_and_its_bindings_survive(
    tmp_path: Path,
) -> None:
    done = run_sandboxed(tmp_path, "first", BATCHBIND_SANDBOX_IDLE_TIMEOUT="2")
    assert done.returncode == 0, done.stderr
    assert identity() is not None  # still there right after the run

    gone_after = wait_until_gone(timeout_s=15)
    assert gone_after < 15
    log = (data_dir() / "sandbox" / "sandbox.log").read_text(encoding="utf-8")
    assert "No request for 2 s: the sandbox stopped (its bindings are saved)." in log
    assert {b["exchange_account"] for b in state_bindings()} == {r[1] for r in ROWS}

    # The next --sandbox starts it again, with the bindings of before.
    more = [(ADMIN, "late@corp.example", "ou_late")]
    again = run_sandboxed(tmp_path, "second", more, BATCHBIND_SANDBOX_IDLE_TIMEOUT="2")
    assert again.returncode == 0, again.stderr
    wait_until_gone(timeout_s=15)
    assert len(state_bindings()) == len(ROWS) + 1


def test_a_request_keeps_it_alive(tmp_path: Path) -> None:
    done = run_sandboxed(tmp_path, "first", BATCHBIND_SANDBOX_IDLE_TIMEOUT="2")
    assert done.returncode == 0, done.stderr
    until = time.monotonic() + 3.5  # past the timeout, with a request every half second
    while time.monotonic() < until:
        assert identity() is not None
        time.sleep(0.5)
    wait_until_gone(timeout_s=15)


def test_the_foreground_sandbox_takes_an_idle_timeout(tmp_path: Path) -> None:
    started = time.monotonic()
    done = run_cli("sandbox", "--idle-timeout", "1", "--port", str(free_port()), timeout=30)
    assert done.returncode == 0, done.stderr
    assert "stops by itself after 1 s without a request" in done.stdout
    assert "No request for 1 s: the sandbox stopped" in done.stdout
    assert time.monotonic() - started < 20


def test_a_bad_idle_timeout_in_the_environment_is_one_sentence(tmp_path: Path) -> None:
    done = run_sandboxed(tmp_path, "first", BATCHBIND_SANDBOX_IDLE_TIMEOUT="half an hour")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: BATCHBIND_SANDBOX_IDLE_TIMEOUT=half an hour is not")
    assert "Traceback" not in done.stderr
    assert identity() is None


# -- `batchbind sandbox stop` --------------------------------------------------------------------


def test_sandbox_stop_stops_the_background_sandbox_and_says_so(tmp_path: Path) -> None:
    done = run_sandboxed(tmp_path, "first")  # the tests' idle timeout: 2 minutes
    assert done.returncode == 0, done.stderr
    running = identity()
    assert running is not None

    stopped = run_cli("sandbox", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == (
        f"Stopped your batchbind sandbox on port {port()} (process {running['pid']}); "
        "its bindings are saved."
    )
    assert not listening()  # gone when the command returns, its state saved
    assert len(state_bindings()) == len(ROWS)
    if os.name == "posix":  # the bindings name people: owner-only
        assert (data_dir() / "sandbox" / "state.json").stat().st_mode & 0o777 == 0o600

    again = run_cli("sandbox", "stop")
    assert again.returncode == 0, again.stderr
    assert (
        again.stdout.strip() == f"No sandbox of yours is running on port {port()}: nothing to stop."
    )
    zh = run_cli("sandbox", "stop", env={"BATCHBIND_LANG": "zh"})
    assert zh.returncode == 0
    assert zh.stdout.strip() == f"端口 {port()} 上没有运行你的沙箱：无需停止。"


def test_sandbox_stop_takes_a_port(tmp_path: Path) -> None:
    other = free_port()
    done = run_sandboxed(tmp_path, "first", BATCHBIND_SANDBOX_PORT=str(other))
    assert done.returncode == 0, done.stderr
    try:
        stopped = run_cli("sandbox", "stop", "--port", str(other))
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.startswith(f"Stopped your batchbind sandbox on port {other} ")
    finally:
        with contextlib.suppress(httpx.HTTPError):
            request_shutdown(f"http://127.0.0.1:{other}")


# -- another user's sandbox is never used ----------------------------------------------------------


def test_another_users_sandbox_is_not_used_and_gets_no_row(tmp_path: Path) -> None:
    # "Another user": the same port, another data folder, so another key and another state.
    stranger = tmp_path / "stranger-data"
    theirs = run_sandboxed(tmp_path, "theirs", ROWS[:1], BATCHBIND_DATA_DIR=str(stranger))
    assert theirs.returncode == 0, theirs.stderr
    assert len(create_requests()) == 1

    mine = run_sandboxed(tmp_path, "mine", ROWS)
    assert mine.returncode == 2
    assert mine.stderr.startswith(
        f"Error: Port {port()} on 127.0.0.1 is used by a batchbind sandbox that is not yours "
        "(another user's on this machine,"
    )
    assert "nothing was sent to it" in mine.stderr
    assert "BATCHBIND_SANDBOX_PORT" in mine.stderr
    assert len(create_requests()) == 1  # not one of this user's rows reached it
    assert not (data_dir() / "sandbox" / "state.json").exists()
    assert not (tmp_path / "mine.sqlite").exists()

    zh = run_sandboxed(tmp_path, "mine", ROWS, BATCHBIND_LANG="zh")
    assert zh.returncode == 2
    assert zh.stderr.startswith(f"错误：127.0.0.1 的端口 {port()} 上运行的 batchbind 沙箱不是你的")
    assert "BATCHBIND_SANDBOX_PORT" in zh.stderr

    # `sandbox stop` leaves it alone, and says why; its owner stops it.
    left = run_cli("sandbox", "stop")
    assert left.returncode == 0, left.stderr
    assert "the batchbind sandbox there is another user's" in left.stdout
    assert identity() is not None
    owner = run_cli("sandbox", "stop", env={"BATCHBIND_DATA_DIR": str(stranger)})
    assert owner.returncode == 0 and owner.stdout.startswith("Stopped your batchbind sandbox")
    assert len(state_bindings(stranger)) == 1


def test_a_sandbox_without_this_users_key_is_not_used(tmp_path: Path) -> None:
    """One started in code without a key (or by a batchbind from before the check) proves nothing."""
    with SandboxServer(port=port(), state_file=tmp_path / "state.json") as stranger:
        done = run_sandboxed(tmp_path, "mine")
        assert done.returncode == 2
        assert "is used by a batchbind sandbox that is not yours" in done.stderr
        assert [r for r in stranger.requests() if r["endpoint"] == "create"] == []


def test_the_key_is_owner_only_and_never_sent(tmp_path: Path) -> None:
    done = run_sandboxed(tmp_path, "first")
    assert done.returncode == 0, done.stderr
    key_file = data_dir() / "sandbox" / "owner.key"
    key = key_file.read_bytes().strip()
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert (data_dir() / "sandbox").stat().st_mode & 0o777 == 0o700

    challenge = new_challenge()
    answer = httpx.get(
        f"{base_url()}/_sandbox/identity", params={"challenge": challenge}, trust_env=False
    )
    assert key.decode() not in answer.text
    assert answer.json()["proof"] == proof(key, port(), challenge)
    # The proof fits this port and this challenge only: it cannot be replayed or relayed.
    assert proof(key, port() + 1, challenge) != proof(key, port(), challenge)
    assert proof(key, port(), new_challenge()) != proof(key, port(), challenge)
    log = (data_dir() / "sandbox" / "sandbox.log").read_text(encoding="utf-8")
    assert key.decode() not in log
    bad = httpx.get(f"{base_url()}/_sandbox/identity", params={"challenge": "x"}, trust_env=False)
    assert bad.status_code == 400


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_key_others_can_read_is_made_owner_only_again() -> None:
    assert run_cli("sandbox", "stop").returncode == 0  # creates the key
    key_file = data_dir() / "sandbox" / "owner.key"
    os.chmod(key_file, 0o644)
    assert run_cli("sandbox", "stop").returncode == 0
    assert key_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="giving a file away needs root")
def test_a_key_of_another_user_is_refused() -> None:
    """A data folder shared with another user: their key could answer for this user."""
    assert run_cli("sandbox", "stop").returncode == 0
    key_file = data_dir() / "sandbox" / "owner.key"
    os.chown(key_file, 65534, 65534)
    done = run_cli("sandbox", "stop")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"Error: {key_file} belongs to another user: your sandbox needs a data folder of your "
        "own (set BATCHBIND_DATA_DIR to one)."
    )


def test_a_damaged_key_is_one_sentence() -> None:
    key_file = data_dir() / "sandbox" / "owner.key"
    key_file.parent.mkdir(parents=True)
    key_file.write_text("short")
    done = run_cli("sandbox", "stop")
    assert done.returncode == 2
    assert done.stderr.startswith(f"Error: {key_file}: the key that proves your sandbox is yours")
    assert "Traceback" not in done.stderr


# -- a port held by another program ------------------------------------------------------------


@pytest.fixture
def other_program() -> Iterator[int]:
    """A plain web server (not batchbind) on the sandbox's port."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port()), http.server.SimpleHTTPRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port()
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_held_by_another_program_is_named_and_gets_no_row(
    other_program: int, tmp_path: Path
) -> None:
    done = run_sandboxed(tmp_path, "mine")
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"Error: Port {other_program} on 127.0.0.1 is used by another program, not the batchbind "
        "sandbox; nothing was sent to it. Set the environment variable BATCHBIND_SANDBOX_PORT"
    )
    zh = run_sandboxed(tmp_path, "mine", BATCHBIND_LANG="zh")
    assert zh.returncode == 2
    assert zh.stderr.startswith(f"错误：127.0.0.1 的端口 {other_program} 已被其他程序")

    foreground = run_cli("sandbox")
    assert foreground.returncode == 2
    assert foreground.stderr.strip() == (
        f"Error: Port {other_program} is used by another program, not a batchbind sandbox: "
        "choose another port with --port."
    )
    left = run_cli("sandbox", "stop")
    assert left.returncode == 0
    assert "another program uses that port, so it was left alone" in left.stdout


# -- `batchbind sandbox` on a busy port ------------------------------------------------------------


def test_the_foreground_sandbox_on_the_background_ones_port_says_whose_it_is(
    tmp_path: Path,
) -> None:
    done = run_sandboxed(tmp_path, "first")
    assert done.returncode == 0, done.stderr
    running = identity()
    assert running is not None

    foreground = run_cli("sandbox")
    assert foreground.returncode == 2
    assert foreground.stderr.strip() == (
        f"Error: Port {port()} is already used by your own batchbind sandbox (process "
        f"{running['pid']}; --sandbox starts one in the background): stop it with "
        "`batchbind sandbox stop`, or choose another port with --port."
    )
    zh = run_cli("sandbox", env={"BATCHBIND_LANG": "zh"})
    assert zh.returncode == 2
    assert "batchbind sandbox stop" in zh.stderr and "你自己的 batchbind 沙箱" in zh.stderr

    stranger = run_cli("sandbox", env={"BATCHBIND_DATA_DIR": str(tmp_path / "stranger")})
    assert stranger.returncode == 2
    assert "is used by a batchbind sandbox that is not yours" in stranger.stderr
    assert "Traceback" not in foreground.stderr + zh.stderr + stranger.stderr


# -- a real second user of this machine (where the tests may switch users) ----------------------


def _as_user(name: str) -> list[str]:
    """The command prefix that runs a program as user `name`.

    This Python usually lives in a folder only root may enter (/root/.pyenv, a venv under /root);
    the other user keeps the one right to read and search any folder (CAP_DAC_READ_SEARCH), so it
    can run this interpreter, and nothing more: it writes only where it owns the folder, and every
    file it creates is its own, which is what the test is about.
    """
    return [
        "setpriv",
        f"--reuid={name}",
        f"--regid={grp.getgrgid(pwd.getpwnam(name).pw_gid).gr_name}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        "--",
    ]


def _second_user() -> str | None:
    """A user other than this one that can run this Python and import batchbind, or None."""
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    for name in ("nobody",):
        check = subprocess.run(
            [*_as_user(name), sys.executable, "-c", "import batchbind"],
            capture_output=True,
            check=False,
        )
        if check.returncode == 0:
            return name
    return None


@pytest.mark.skipif(_second_user() is None, reason="no second user can run this Python here")
def test_a_real_second_users_sandbox_is_not_used(tmp_path: Path) -> None:
    user = _second_user()
    assert user is not None
    # Their own data folder, where they can reach it (pytest's folders are this user's only).
    theirs = Path(tempfile.mkdtemp(prefix="batchbind-second-user-"))
    os.chmod(theirs, 0o755)
    shutil.chown(theirs, user)
    command = [*_as_user(user), "env", f"BATCHBIND_DATA_DIR={theirs}"]
    command += [sys.executable, "-m", "batchbind", "sandbox", "--port", str(port())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Feishu sandbox listening on")
        assert (theirs / "sandbox" / "owner.key").stat().st_uid != os.geteuid()
        done = run_sandboxed(tmp_path, "mine")
        assert done.returncode == 2
        assert "is used by a batchbind sandbox that is not yours" in done.stderr
        assert create_requests() == []
        # Pointed at their data folder, this user is told it is not theirs either.
        shared = run_sandboxed(tmp_path, "shared", BATCHBIND_DATA_DIR=str(theirs))
        assert shared.returncode == 2
        assert "belongs to another user" in shared.stderr
        assert create_requests() == []
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(theirs, ignore_errors=True)
