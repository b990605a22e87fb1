"""One process per journal (and per profile refresh), enforced by an operating-system file lock.

The operating system releases the lock when its process dies, however it dies (`kill -9`
included), so a lock left behind by a killed run is simply free again: there is no stale-lock
guessing. Beside the locked file, a small info file says which process holds it and since when,
for the message the second process prints.

A journal's lock is tied to the database file itself, not to the name it was reached by: on POSIX
it is a `flock` on the journal file, so a symbolic link, a hard link or `..` in `--state` all meet
the same lock. (SQLite locks with `fcntl`; the two kinds of lock do not see each other, so the
`flock` never gets in SQLite's way.) Windows keeps a separate lock file beside the journal's
resolved path (links followed): its byte-range locks are mandatory and would stop SQLite itself
from reading a locked journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from batchbind.errors import JournalLocked
from batchbind.output.i18n import Phrase

#: Files batchbind creates to hold locks and their info: readable by their owner only.
PRIVATE_FILE = 0o600

#: The files this process holds a lock on, by (device, inode). A second lock on the same file from
#: this process is refused without opening it: closing a second descriptor of a database file
#: would silently drop the `fcntl` locks SQLite holds on it through the first.
_HELD: set[tuple[int, int]] = set()


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _identity(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


class ProcessLock:
    """An exclusive lock on the file `path` (created owner-only if missing).

    `info_path` is where the holder says who it is (default: `<path>.info`); `shown` is the path
    the "locked" message names (default: `path`).
    """

    def __init__(
        self, path: Path, *, info_path: Path | None = None, shown: Path | None = None
    ) -> None:
        self.path = path
        self.info_path = info_path or path.with_name(path.name + ".info")
        self.shown = shown or path
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    def holder(self) -> Phrase:
        """Who holds the lock, as far as its info file tells (in the words of the message)."""
        try:
            info = json.loads(self.info_path.read_text(encoding="utf-8"))
            return Phrase("lock_holder", {k: info[k] for k in ("pid", "host", "since")})
        except (OSError, ValueError, KeyError, TypeError):
            return Phrase("lock_holder_unknown")

    def _locked(self) -> JournalLocked:
        return JournalLocked.of("journal_locked", path=self.shown, holder=self.holder())

    def acquire(self) -> None:
        """Take the lock, or raise `JournalLocked`. An `OSError` means the file cannot be opened."""
        with contextlib.suppress(OSError):
            if _identity(os.stat(self.path)) in _HELD:
                raise self._locked()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
        identity = _identity(os.fstat(fd))
        if identity in _HELD:  # raced with this process's own lock: leave `fd` open (see _HELD)
            raise self._locked()
        if not _try_lock(fd):
            os.close(fd)
            raise self._locked()
        self._fd, self._identity = fd, identity
        _HELD.add(identity)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        # Only the message of a second process needs it: a folder that takes no new file
        # (a read-only share holding a writable journal) must not stop the run.
        with contextlib.suppress(OSError):
            self.info_path.unlink(missing_ok=True)
            info_fd = os.open(self.info_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with os.fdopen(info_fd, "w", encoding="utf-8") as f:
                json.dump(info, f)

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

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock right now (a run in progress).

        The only way to ask an operating-system lock is to try it: taken, it is let go at once.
        A run that starts in that instant meets a busy journal (exit 75, try later) rather than
        a list of runs that calls a live run dead. Only call this with no SQLite connection of
        this process open on the file (releasing the lock drops this process's `fcntl` locks).
        """
        try:
            self.acquire()
        except JournalLocked:
            return True
        except OSError:  # cannot even be opened: nobody is holding it through this file
            return False
        self.release()
        return False

    def release(self) -> None:
        """Let go. A journal's lock is released after its SQLite connection is closed: closing
        this descriptor drops every `fcntl` lock this process holds on the file."""
        if self._fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                self.info_path.unlink(missing_ok=True)
            _unlock(self._fd)
        finally:
            os.close(self._fd)
            _HELD.discard(self._identity or (0, 0))
            self._fd = self._identity = None


def journal_lock(journal: Path) -> ProcessLock:
    """The lock of the journal file `journal`, whichever path (link, `..`) names it."""
    resolved = journal.resolve()
    info = resolved.with_name(resolved.name + ".lock.info")
    if sys.platform == "win32":
        lock_file = resolved.with_name(resolved.name + ".lock")
        return ProcessLock(lock_file, info_path=info, shown=journal)
    return ProcessLock(journal, info_path=info, shown=journal)
