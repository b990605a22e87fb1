"""Running the sandbox: in a background thread (tests, `--sandbox`) or in the foreground (CLI).

Either way the emulator has an event loop of its own, so a client under test never shares its
loop with the server it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx
from aiohttp import web

from batchbind.sandbox.app import Emulator
from batchbind.sandbox.scenario import SANDBOX_TOKEN, Scenario

T = TypeVar("T")

# In-flight requests get this long to finish when the server stops (a scenario's 10 s stall
# must not hold a test or Ctrl-C hostage).
SHUTDOWN_GRACE_S = 2.0

#: Why a sandbox stopped: a signal or `SandboxServer.stop()`, `POST /_sandbox/shutdown`, or no
#: request for `idle_timeout_s` seconds.
StopReason = Literal["stopped", "shutdown", "idle"]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _serve(
    emulator: Emulator,
    host: str,
    port: int,
    on_ready: Callable[[str], None],
    stop: asyncio.Event,
    idle_timeout_s: float = 0,
) -> StopReason:
    """Serve until `stop` is set, someone posts to `/_sandbox/shutdown` or (with a timeout)
    nobody has sent a request for `idle_timeout_s` seconds; then save and close."""
    await emulator.open()
    assert emulator.shutdown_requested is not None
    runner = web.AppRunner(
        emulator.web_app(),
        access_log=None,
        handle_signals=False,
        shutdown_timeout=SHUTDOWN_GRACE_S,
    )
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        emulator.listening(host, bound)
        on_ready(_url(host, bound))
        reasons: dict[asyncio.Task[Any], StopReason] = {
            asyncio.create_task(stop.wait()): "stopped",
            asyncio.create_task(emulator.shutdown_requested.wait()): "shutdown",
        }
        if idle_timeout_s > 0:
            reasons[asyncio.create_task(_idle(emulator, idle_timeout_s))] = "idle"
        try:
            done, _ = await asyncio.wait(reasons, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in reasons:
                waiter.cancel()
        return next(reason for task, reason in reasons.items() if task in done)
    finally:
        await runner.cleanup()
        await emulator.close()


async def _idle(emulator: Emulator, timeout_s: float) -> None:
    """Return once no request has come, nor been in progress, for `timeout_s` seconds."""
    while (idle := emulator.idle_s()) < timeout_s:
        await asyncio.sleep(timeout_s - idle)


def request_shutdown(base_url: str, *, timeout_s: float = 5.0) -> None:
    """Ask the sandbox at `base_url` to stop (`POST /_sandbox/shutdown`, with its own token).

    Raises `httpx.HTTPError` when it cannot be reached.
    """
    try:
        token = str(
            httpx.get(f"{base_url}/_sandbox/info", timeout=timeout_s, trust_env=False).json()[
                "token"
            ]
        )
    except (ValueError, KeyError, TypeError):
        token = SANDBOX_TOKEN
    httpx.post(
        f"{base_url}/_sandbox/shutdown",
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout_s,
        trust_env=False,
    )


def serve(
    scenario: Scenario | None,
    *,
    host: str,
    port: int,
    state_file: Path | None,
    request_log: Path | None,
    on_ready: Callable[[str], None],
    owner_key: bytes | None = None,
    idle_timeout_s: float = 0,
) -> StopReason:
    """Serve in the foreground until SIGINT, SIGTERM, `POST /_sandbox/shutdown` or, with an
    `idle_timeout_s` above 0, that many seconds without a request.

    Calls `on_ready(base_url)` once listening. State is saved before returning. `owner_key`: the
    key it proves its owner with (see owner.py); without one it proves nothing.
    """
    emulator = Emulator(
        scenario or Scenario(),
        state_file=state_file,
        request_log=request_log,
        owner_key=owner_key,
    )

    async def main() -> StopReason:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        previous: dict[signal.Signals, Any] = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
                # Outside the main thread no handler can be installed: only the shutdown
                # endpoint stops the server then.
                with contextlib.suppress(ValueError):
                    previous[sig] = signal.signal(
                        sig, lambda *_: loop.call_soon_threadsafe(stop.set)
                    )
        try:
            return await _serve(emulator, host, port, on_ready, stop, idle_timeout_s)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    return asyncio.run(main())


class SandboxServer:
    """The sandbox in a background thread with its own event loop; a context manager.

    >>> with SandboxServer() as sandbox:           # doctest: +SKIP
    ...     httpx.get(sandbox.base_url + "/_sandbox/info")
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: Path | None = None,
        request_log: Path | None = None,
        owner_key: bytes | None = None,
        idle_timeout_s: float = 0,
    ) -> None:
        self.scenario = scenario or Scenario()
        self.host = host
        self.port = port
        self.state_file = state_file
        self.request_log = request_log
        self.owner_key = owner_key
        self.idle_timeout_s = idle_timeout_s
        self.base_url = ""
        self._emulator: Emulator | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def __repr__(self) -> str:
        return f"<SandboxServer {self.base_url or 'not started'}>"

    def start(self) -> None:
        """Start listening; returns once `base_url` answers. Raises if the server cannot start."""
        if self._thread is not None:
            raise RuntimeError("this sandbox is already running")
        emulator = Emulator(
            self.scenario,
            state_file=self.state_file,
            request_log=self.request_log,
            owner_key=self.owner_key,
        )
        ready = threading.Event()
        failed: list[BaseException] = []

        def on_ready(url: str) -> None:
            self.base_url = url
            ready.set()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await _serve(emulator, self.host, self.port, on_ready, self._stop, self.idle_timeout_s)

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # handed to the starting thread
                failed.append(exc)
            finally:
                ready.set()

        self._emulator = emulator
        self._thread = threading.Thread(target=run, name="batchbind-sandbox", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            self._thread.join()
            self._thread = None
            raise failed[0]

    def stop(self) -> None:
        """Stop serving, saving the state file first. Safe to call twice."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and thread.is_alive():
            # The loop may already be closed (stopped via /_sandbox/shutdown).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        thread.join()
        self._thread = self._loop = self._stop = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def requests(self) -> list[dict[str, Any]]:
        """Every API request so far (see the README for the fields)."""
        emulator = self._emulator
        return [] if emulator is None else self._in_loop(emulator.requests)

    def bindings(self) -> list[dict[str, Any]]:
        """The current bindings, each with its status now."""
        emulator = self._emulator
        return [] if emulator is None else self._in_loop(emulator.bindings)

    def held(self) -> list[dict[str, Any]]:
        """The requests carried out whose answers a `hold_after_store` rule holds now."""
        emulator = self._emulator
        return [] if emulator is None else self._in_loop(emulator.held)

    def release(self) -> int:
        """Let every held answer go; how many there were."""
        emulator = self._emulator
        return 0 if emulator is None else self._in_loop(emulator.release)

    def _in_loop(self, read: Callable[[], T]) -> T:
        """Read the emulator's state from its own thread, never while a handler mutates it."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return read()

        async def call() -> T:
            return read()

        coroutine = call()
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        except RuntimeError:  # the loop closed between the check and the call
            coroutine.close()
            return read()
        return future.result(timeout=30)
