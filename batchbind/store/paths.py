"""Where batchbind keeps its files: per-user config (credentials) and data (journals, sandbox)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "batchbind"


def config_dir() -> Path:
    """Credentials live here: `BATCHBIND_CONFIG_DIR`, else the OS's per-user config folder."""
    override = os.environ.get("BATCHBIND_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    """Journals and the sandbox's state: `BATCHBIND_DATA_DIR`, else the OS's per-user data folder."""
    override = os.environ.get("BATCHBIND_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_journal(profile: str) -> Path:
    """One journal per profile, so every run against the same tenant knows what is bound."""
    return data_dir() / "journals" / f"{profile}.sqlite"


def default_results(input_path: Path) -> Path:
    """`<input name>.results.xlsx` next to the input; a results file read back is rewritten."""
    if input_path.stem.endswith(".results") and input_path.suffix.lower() in (".xlsx", ".csv"):
        return input_path
    return input_path.with_name(f"{input_path.stem}.results.xlsx")
