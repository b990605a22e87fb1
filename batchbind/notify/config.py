"""Notification settings kept with a profile, so a scheduled line stays short.

`batchbind notify add URL|chat:<id>` writes `<config folder>/notify/<profile>.json`, owner-only
(it holds webhook URLs, which anyone can post with, and their signing secrets), written
atomically like a profile. `run`, `status` and `unbind` post to these targets when no
`--notify` is given (never under `--sandbox`: a rehearsal does not post to the real group unless
`--notify` names a place).

Settings read from the environment win over the file: `BATCHBIND_NOTIFY_SECRET` (the signing
secret of every webhook named on the command line or stored without one),
`BATCHBIND_NOTIFY_FORMAT` (`card` or `text`) and `BATCHBIND_NOTIFY_RETRY_WAIT` (seconds before
the first try again after a frequency limit).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchbind.auth import redact
from batchbind.errors import ProfileError
from batchbind.notify.card import FORMATS
from batchbind.store.paths import check_profile_name, config_dir, private_folder, write_private

SECRET_ENV = "BATCHBIND_NOTIFY_SECRET"
FORMAT_ENV = "BATCHBIND_NOTIFY_FORMAT"
RETRY_WAIT_ENV = "BATCHBIND_NOTIFY_RETRY_WAIT"
DEFAULT_RETRY_WAIT_S = 5.0


@dataclass(frozen=True, slots=True)
class Stored:
    """One stored target: the `--notify` value, and its webhook's signing secret (if any)."""

    value: str = field(repr=False)
    secret: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    targets: tuple[Stored, ...] = ()
    format: str = "card"
    retry_wait_s: float = DEFAULT_RETRY_WAIT_S

    def secret_for(self, value: str) -> str:
        """`BATCHBIND_NOTIFY_SECRET` if set, else the secret stored with this target."""
        from_env = os.environ.get(SECRET_ENV, "").strip()
        if from_env:
            return from_env
        return next((s.secret for s in self.targets if s.value == value), "")

    def effective(self) -> NotifyConfig:
        """This config with the environment's format and wait applied (they win)."""
        fmt = os.environ.get(FORMAT_ENV, "").strip().lower() or self.format
        wait = self.retry_wait_s
        raw = os.environ.get(RETRY_WAIT_ENV, "").strip()
        if raw:
            with contextlib.suppress(ValueError):
                wait = min(max(float(raw), 0.0), 600.0)
        return NotifyConfig(self.targets, fmt if fmt in FORMATS else "card", wait)


def config_path(profile: str) -> Path:
    return config_dir() / "notify" / f"{check_profile_name(profile)}.json"


def load_config(profile: str) -> NotifyConfig:
    """The stored settings (empty when none); a file others may read is refused, as a profile."""
    path = config_path(profile)
    try:
        with path.open("rb") as f:
            if sys.platform != "win32":
                mode = os.fstat(f.fileno()).st_mode
                if mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise ProfileError.of("profile_readable", path=path)
            raw = f.read()
    except FileNotFoundError:
        return NotifyConfig()
    except OSError as exc:
        raise ProfileError.of("profile_unreadable", path=path, error=exc.strerror) from None
    try:
        data: Any = json.loads(raw.decode("utf-8"))
        targets = tuple(
            Stored(str(t["value"]), str(t.get("secret", ""))) for t in data.get("targets", [])
        )
        config = NotifyConfig(
            targets,
            str(data.get("format", "card")),
            float(data.get("retry_wait_s", DEFAULT_RETRY_WAIT_S)),
        )
    except (ValueError, UnicodeDecodeError, TypeError, KeyError, AttributeError) as exc:
        raise ProfileError.of("profile_damaged", path=path, error=type(exc).__name__) from None
    for target in config.targets:
        redact.register(target.secret)
    return config


def save_config(profile: str, config: NotifyConfig) -> Path:
    """Write owner-only and atomically: a crash leaves the old file or the new one, whole."""
    path = config_path(profile)
    private_folder(path.parent)
    payload = {
        "version": 1,
        "targets": [{"value": t.value, "secret": t.secret} for t in config.targets],
        "format": config.format,
        "retry_wait_s": config.retry_wait_s,
    }
    return write_private(path, json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8"))
