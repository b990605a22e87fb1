"""One process per journal, enforced by an operating-system file lock.

The operating system releases the lock when its process dies, however it dies (`kill -9`
included), so a lock left behind by a killed run is simply free again: there is no stale-lock
guessing. Beside the lock file, a small info file says which process holds it and since when, for
the message the second process prints.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from batchbind.errors import JournalLocked
from batchbind.output.i18n import Phrase


def _try_lock(handle: IO[bytes]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class ProcessLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.info_path = path.with_name(path.name + ".info")
        self._handle: IO[bytes] | None = None

    def holder(self) -> Phrase:
        """Who holds the lock, as far as its info file tells (in the words of the message)."""
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
            return Phrase("lock_holder", {k: info[k] for k in ("pid", "host", "since")})
        except (OSError, ValueError, KeyError, TypeError):
            return Phrase("lock_holder_unknown")

    def acquire(self) -> None:
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
        if not _try_lock(handle):
            handle.close()
            raise JournalLocked.of(
                "journal_locked", path=self.path.with_suffix(""), holder=self.holder()
            )
        self._handle = handle
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.info_path.write_text(json.dumps(info), encoding="utf-8")

    def acquire_waiting(self, timeout_s: float, *, poll_s: float = 0.02) -> None:
        """Like `acquire`, but wait up to `timeout_s` for the holder to let go.

        For short critical sections shared by several processes (a token refresh): the holder
        releases within a second or two, so waiting beats failing.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.acquire()
                return
            except JournalLocked:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(poll_s)

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            self.info_path.unlink(missing_ok=True)
            _unlock(self._handle)
        finally:
            self._handle.close()
            self._handle = None
