"""Whose sandbox is this: a secret of the user's own, and a challenge a sandbox answers with it.

The background sandbox listens on one loopback port, and every user of the machine can reach
every loopback port. So before `--sandbox` sends a row to the sandbox on its port, the sandbox
must prove it belongs to this user: the user's data folder holds a random key readable by the
user alone (0600 in a 0700 folder; on Windows the per-user AppData folder), every sandbox started
by this user loads it, and `GET /_sandbox/identity?challenge=C` answers HMAC-SHA256(key, port and
C). The client draws a fresh C each time and checks the answer against its own copy of the key:
the key itself never travels, a stranger's sandbox (another user's, with another key) or any
other program cannot answer, and an answer replayed from the past or relayed from a sandbox on
another port does not fit.

A port derived from the user's name would avoid most collisions but prove nothing: another
user's process can sit on any port. The port stays one well-known number; the proof decides.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import sys
from pathlib import Path

from batchbind.errors import InputError
from batchbind.store.paths import data_dir, private_folder

__all__ = ["KEY_FILE", "is_challenge", "new_challenge", "owner_key", "proof"]

KEY_FILE = "owner.key"
_KEY_BYTES = 32
_CHALLENGE = re.compile(r"[0-9A-Za-z_-]{16,128}")


def key_path() -> Path:
    return data_dir() / "sandbox" / KEY_FILE


def owner_key() -> bytes:
    """This user's key, created on first use. `InputError` (exit 2) when it cannot be used."""
    path = key_path()
    try:
        private_folder(path.parent)
        key = _read(path)
        if key is None:
            _create(path)
            key = _read(path)
    except OSError as exc:
        raise InputError.of("sandbox_key_unusable", path=path, error=exc.strerror or exc) from None
    if key is None or len(key) < 2 * _KEY_BYTES:  # cut short by hand or by a broken disk
        raise InputError.of("sandbox_key_unusable", path=path, error="too short")
    return key


def _read(path: Path) -> bytes | None:
    """The key in `path`, None when there is none yet (a key appears whole: see `_create`)."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            key = handle.read().strip()
    except FileNotFoundError:
        return None
    if os.name == "posix":
        if stat.st_uid != os.geteuid():
            # Its owner could answer for this user: a data folder shared between users.
            raise InputError.of("sandbox_key_not_yours", path=path)
        if stat.st_mode & 0o077:
            os.chmod(path, 0o600)
    return key


def _create(path: Path) -> None:
    """Write a new key whole, then put it in place only if none exists (the first one wins)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_hex(_KEY_BYTES).encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        # Neither call replaces an existing key (os.rename does on POSIX, os.link does not).
        if sys.platform == "win32":
            with contextlib.suppress(FileExistsError):
                os.rename(temporary, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def new_challenge() -> str:
    return secrets.token_urlsafe(24)


def is_challenge(text: str) -> bool:
    return _CHALLENGE.fullmatch(text) is not None


def proof(key: bytes, port: int, challenge: str) -> str:
    """What the sandbox on `port` that holds `key` answers to `challenge`."""
    message = f"batchbind-sandbox identity\n{port}\n{challenge}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
