"""The real `batchbind ui` in a subprocess, and the system's Chromium for Playwright.

Shared by the browser tests (tests/test_ui_browser.py) and the README's screenshots
(tests/screenshots.py). Playwright's own browser download cannot be reached from where batchbind
is built, so Playwright drives the operating system's Chromium (Debian's `chromium` package), found
on PATH or named by BATCHBIND_CHROMIUM.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM_MISSING = (
    "Chromium is not installed, so the browser tests cannot run: install it "
    "(Debian: apt-get install -y chromium) or set BATCHBIND_CHROMIUM to its path."
)
#: The link `batchbind ui` prints: the only way into the page.
LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_\-]+)")


def find_chromium() -> str:
    """The Chromium to drive: BATCHBIND_CHROMIUM, else `chromium` (or `chromium-browser`) on PATH.

    Raises FileNotFoundError with CHROMIUM_MISSING: a browser test is never skipped in silence.
    """
    given = os.environ.get("BATCHBIND_CHROMIUM", "")
    if given:
        if Path(given).is_file():
            return given
        raise FileNotFoundError(
            f"BATCHBIND_CHROMIUM={given} is not a file, so the browser tests cannot run: set it to "
            "Chromium's path, or unset it and install Chromium (Debian: apt-get install -y chromium)."
        )
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(CHROMIUM_MISSING)


@dataclass
class UiProcess:
    """A running `batchbind ui`: its process, the printed link, and everything it printed."""

    process: subprocess.Popen[str]
    link: str
    env: dict[str, str]
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(urlsplit(self.link).port or 0)

    @property
    def base(self) -> str:
        """The page's address without the secret (what a visitor without the link has)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def secret(self) -> str:
        match = LINK.search(self.link)
        assert match is not None
        return match.group(2)

    def stop(self, timeout: float = 30.0) -> int:
        """Stop it as Ctrl-C does; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def _drain(stream: object, lines: list[str], found: queue.Queue[str] | None) -> None:
    assert hasattr(stream, "readline")
    for line in iter(stream.readline, ""):
        lines.append(line)
        if found is not None and LINK.search(line):
            found.put(line)


@contextmanager
def serve_ui(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60.0,
) -> Iterator[UiProcess]:
    """`batchbind ui --no-browser ARGS` in a subprocess, until its link is printed; stopped (and
    the background sandbox it may have started) at the end.

    `env` is the whole environment: pass isolated BATCHBIND_DATA_DIR, BATCHBIND_CONFIG_DIR and
    BATCHBIND_SANDBOX_PORT, so the page and its sandbox touch no one else's.
    """
    full_env = dict(os.environ if env is None else env)
    process = subprocess.Popen(
        [sys.executable, "-m", "batchbind", "ui", "--no-browser", *map(str, args)],
        env=full_env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    found: queue.Queue[str] = queue.Queue()
    out: list[str] = []
    err: list[str] = []
    # Both pipes are read to the end in the background: a page that logs a lot never blocks.
    for stream, lines, q in ((process.stdout, out, found), (process.stderr, err, None)):
        threading.Thread(target=_drain, args=(stream, lines, q), daemon=True).start()
    try:
        try:
            line = found.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            process.wait()
            raise AssertionError(
                f"batchbind ui printed no link in {timeout:.0f} s (exit {process.returncode}).\n"
                f"stdout: {''.join(out)}\nstderr: {''.join(err)}"
            ) from None
        match = LINK.search(line)
        assert match is not None
        ui = UiProcess(process, match.group(0), full_env, out, err)
        yield ui
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # The sandbox target starts the background sandbox on BATCHBIND_SANDBOX_PORT (its files
        # in the data folder): stop it.
        data = full_env.get("BATCHBIND_DATA_DIR")
        if data is None or (Path(data) / "sandbox").exists():
            subprocess.run(
                [sys.executable, "-m", "batchbind", "sandbox", "stop"],
                env=full_env,
                capture_output=True,
                timeout=60,
                check=False,
            )
