"""Where batchbind keeps its files: per-user config (credentials) and data (journals, sandbox)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path

import platformdirs

from batchbind.errors import ProfileError

APP = "batchbind"


def config_dir() -> Path:
    """Credentials live here: `BATCHBIND_CONFIG_DIR`, else the OS's per-user config folder."""
    override = os.environ.get("BATCHBIND_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    """Journals and the sandbox's state: `BATCHBIND_DATA_DIR`, else the OS's per-user data folder."""
    override = os.environ.get("BATCHBIND_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


#: Folders batchbind creates for journals and credentials: their owner's only (personal data).
PRIVATE_FOLDER = 0o700


def private_folder(path: Path) -> Path:
    """Create `path` and any missing parent owner-only (0700); existing folders are left alone.

    `Path.mkdir(parents=True, mode=...)` would give the parents the default mode (0755 under the
    usual umask): each missing level is made here instead. Raises `OSError` as `mkdir` does.
    """
    missing: list[Path] = []
    level = path
    while not level.is_dir():
        missing.append(level)
        if level.parent == level:
            break
        level = level.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            if not folder.is_dir():
                error = errno.ENOTDIR
                raise NotADirectoryError(error, os.strerror(error), str(folder)) from None
    return path


#: A profile name is a file name in batchbind's own folders: no separator, no `..`, no leading dot.
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def write_private(path: Path, data: bytes) -> Path:
    """Replace `path` with `data` whole, owner-only (0600) from the first byte.

    The bytes go to a temporary file beside it (mkstemp creates it 0600), are flushed to disk,
    then renamed over `path`: a reader sees the old file or the new one, never half of one, and a
    secret inside is never readable by others. Raises `OSError` as the calls it makes do.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def check_profile_name(name: str) -> str:
    """`name` if it can name a profile (and its journal), else `ProfileError` (exit 2)."""
    if not _PROFILE_NAME.fullmatch(name):
        raise ProfileError.of("profile_bad_name", name=name)
    return name


def default_journal(profile: str) -> Path:
    """One journal per profile, so every run against the same tenant knows what is bound."""
    return data_dir() / "journals" / f"{check_profile_name(profile)}.sqlite"


#: Names Windows opens as a device, whatever their extension ("aux.csv" is the AUX device).
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


def not_a_device(name: str) -> str:
    """`name`, with a leading `_` when Windows would open it as a device (CON, aux.csv)."""
    return f"_{name}" if _DEVICE.fullmatch(name) else name


def default_results(input_path: Path) -> Path:
    """`<input name>.results.xlsx` next to the input; a results file read back is rewritten."""
    if input_path.stem.endswith(".results") and input_path.suffix.lower() in (".xlsx", ".csv"):
        return input_path
    return input_path.with_name(f"{input_path.stem}.results.xlsx")
