"""A sheet with a header and no data is not a success: a scheduler would read exit 0 as "done"."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli, write_input


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_header_without_data_rows_is_exit_2_with_one_sentence(
    tmp_path: Path, suffix: str, command: str
) -> None:
    source = write_input(tmp_path / f"empty{suffix}", [])
    extra = ("--sandbox",) if command == "run" else ()
    done = run_cli(command, source, *extra)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith(f"Error: empty{suffix} has a header but no rows of data")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / f"empty{suffix}.results.xlsx").exists()  # nothing written, nothing sent


def test_the_sentence_speaks_chinese_with_lang_zh(tmp_path: Path) -> None:
    source = write_input(tmp_path / "empty.csv", [])
    done = run_cli("validate", source, "--lang", "zh")
    assert done.returncode == 2
    assert done.stderr.startswith("错误：empty.csv 只有表头，没有数据行")
