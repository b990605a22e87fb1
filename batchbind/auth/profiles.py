"""Stored credentials: one owner-only JSON file per profile in the user's config folder.

A profile holds the super administrator's tokens for one tenant host, and remembers that host so
the tokens are never sent anywhere else. Files are written atomically (a temporary file, then a
rename) and created readable by their owner only; on POSIX a file that others can read is refused
rather than used, since anyone who can read it can act as the super administrator.

Several processes may share a profile (a scheduled run and a manual one on different journals).
A refresh token is single-use, so whoever refreshes holds the profile's lock and re-reads the file
first: the second process then finds the pair the first one obtained instead of burning it again.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from batchbind.auth import redact
from batchbind.errors import JournalLocked, ProfileError, RunStopped
from batchbind.store.lock import ProcessLock
from batchbind.store.paths import check_profile_name, config_dir, private_folder, write_private

VERSION = 1
LOCK_TIMEOUT_S = 60.0
#: Longer than any token or lifetime Feishu gives (2 hours, 30 days): a larger number is a mistake.
MAX_LIFETIME_S = 10 * 365 * 24 * 3600.0
#: Epoch seconds up to the year 9999: beyond it no clock (nor `datetime`) can show the expiry.
MAX_EPOCH_S = 253_402_300_799.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Profile:
    """One tenant's credentials. `host` is the API origin, e.g. https://open.feishu.cn."""

    name: str
    host: str
    access_token: str = field(repr=False)
    expires_at: float | None = None  # epoch seconds; None when unknown (a bare imported token)
    lifetime_s: float | None = None  # the expires_in it was issued with
    refresh_token: str = field(default="", repr=False)
    refresh_expires_at: float | None = None
    app_id: str = ""
    app_secret: str = field(default="", repr=False)
    scope: str = ""
    user_name: str = ""
    open_id: str = ""
    updated_at: float = 0.0

    def secrets(self) -> tuple[str, ...]:
        return (self.access_token, self.refresh_token, self.app_secret)

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def refresh_expired(self, now: float) -> bool:
        return self.refresh_expires_at is not None and now >= self.refresh_expires_at

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        return {"version": VERSION, **data}

    @classmethod
    def from_json(cls, name: str, data: Any, path: Path) -> Profile:
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
            raise ProfileError.of("profile_not_credentials", path=path)
        known = {f for f in cls.__dataclass_fields__ if f != "name"}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("expires_at", "refresh_expires_at", "lifetime_s", "updated_at"):
            limit = MAX_LIFETIME_S if key == "lifetime_s" else MAX_EPOCH_S
            if values.get(key) is not None and not _finite(values[key], limit=limit):
                error = f"{key} is {values[key]!r}"
                raise ProfileError.of("profile_damaged", path=path, error=error)
        for key in ("access_token", "refresh_token"):
            if isinstance(values.get(key), str):
                values[key] = clean_token(values[key], origin=str(path))
        try:
            return cls(name=name, **values)
        except TypeError as exc:
            raise ProfileError.of("profile_damaged", path=path, error=exc) from None


def check_name(name: str) -> str:
    """`name` if it can name a profile, else `ProfileError` (the one rule: `store.paths`)."""
    return check_profile_name(name)


def clean_token(token: str, *, origin: str) -> str:
    """A token as it is sent: surrounding whitespace (a file saved on Windows ends in CR) goes;
    a space or control character inside is refused (`RunStopped`, exit 3), never sent on."""
    token = token.strip()
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in token):
        raise RunStopped.of("token_not_one_word", origin=origin)
    return token


def _finite(value: object, *, limit: float) -> bool:
    """True for a real number of seconds in [0, limit] (not a bool, NaN or infinity)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= limit
    )


def _check_private(path: Path, st: os.stat_result) -> None:
    """On POSIX, refuse a credentials file that anyone but its owner can read or change."""
    if sys.platform == "win32":  # the user's profile folder is private by default
        return
    if st.st_uid != os.getuid():
        raise ProfileError.of("profile_not_yours", path=path)
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ProfileError.of("profile_readable", path=path)


class ProfileStore:
    """The profiles in one config folder (`config_dir()/profiles` unless told otherwise)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or config_dir() / "profiles"

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def load(self, name: str) -> Profile | None:
        """The stored profile, or None if there is none. Its secrets are registered for scrubbing."""
        path = self.path(name)
        try:
            with path.open("rb") as f:
                _check_private(path, os.fstat(f.fileno()))
                raw = f.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ProfileError.of("profile_unreadable", path=path, error=exc.strerror) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise ProfileError.of(
                "profile_not_json", path=path, hint_key="profile_not_credentials_hint"
            ) from None
        profile = Profile.from_json(name, data, path)
        for secret in profile.secrets():
            redact.register(secret)
        return profile

    def save(self, profile: Profile) -> Path:
        """Write atomically and owner-only: a crash leaves the old file or the new one, whole."""
        for secret in profile.secrets():
            redact.register(secret)
        path = self.path(profile.name)
        private_folder(self.folder)
        stamped = replace(profile, updated_at=time.time())
        payload = json.dumps(stamped.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
        return write_private(path, payload)

    def delete(self, name: str) -> bool:
        path = self.path(name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def acquire_lock(self, name: str, *, timeout_s: float = LOCK_TIMEOUT_S) -> ProcessLock:
        """Take the profile's inter-process lock (waiting for a refreshing process); release it."""
        private_folder(self.folder)
        lock = ProcessLock(self.folder / f".{check_name(name)}.lock")
        try:
            lock.acquire_waiting(timeout_s)
        except JournalLocked:
            raise ProfileError.of(
                "profile_locked", name=name, holder=lock.holder(), seconds=timeout_s
            ) from None
        return lock

    @contextlib.contextmanager
    def locked(self, name: str, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the profile's inter-process lock (for read-modify-write)."""
        lock = self.acquire_lock(name, timeout_s=timeout_s)
        try:
            yield
        finally:
            lock.release()
