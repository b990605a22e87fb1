"""Ordinary problems end plainly; only a bug is exit 70, and even then nothing is lost or leaked.

A log file in a missing folder is one sentence and exit 2; output piped into `head` ends quietly;
an injected internal error gives the one line asking to report it, with the journal whole and no
secret on the screen, in `-v` output or in the log file (tracebacks included).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import ADMIN, FAST_LIMITS, FAST_RATES, MakeSandbox, run_cli, write_input

from batchbind.auth import redact

SECRET_TOKEN = "u-" + "Q" * 30 + "x-"  # ends in '-': a shape a word-boundary regex misses


def rows(n: int) -> list[list[str]]:
    return [[ADMIN, f"p{i:03}@corp.example", f"ou_p{i:03}"] for i in range(n)]


def test_a_log_file_in_a_missing_folder_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.csv", rows(2))
    for args in (("validate", source), ("report",), ("auth", "status")):
        done = run_cli(*args, "--log-file", tmp_path / "no" / "such" / "debug.log")
        expected = 1 if args[0] == "auth" else 2  # `auth` answers 0 or 1 (the contract)
        assert done.returncode == expected, (args, done.stderr)
        assert done.stderr.startswith("Error: ") and done.stderr.count("\n") <= 2, done.stderr
        assert "log file" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()


def closed_stdout(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`batchbind ARGS` whose stdout reader goes away before it writes (like `| head -0`)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "batchbind", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)


def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.csv", [*rows(300), ["bad", "x", "y"]])
    for args in (
        ("validate", source),
        ("validate", source, "--json"),
        ("template", tmp_path / "t.csv"),
    ):
        done = closed_stdout(*args)
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, (
            done.stderr
        )
        assert "BrokenPipe" not in done.stderr, done.stderr
        assert done.returncode in (0, 1), done.stderr  # the command's own answer, never 70/120
    assert closed_stdout("validate", source).returncode == 1  # one invalid row: validate says 1
    # Both streams into one closed pipe (`2>&1 | head`): still the command's own code.
    valid = write_input(tmp_path / "valid.csv", rows(300))
    for args, code in ((("validate", valid), 0), (("validate", tmp_path / "missing.csv"), 2)):
        merged = subprocess.Popen(
            [sys.executable, "-m", "batchbind", *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert merged.stdout is not None
        merged.stdout.close()
        assert merged.wait(timeout=60) == code, args
    # And through a real shell pipeline into `head -1`.
    shell = subprocess.run(
        f'"{sys.executable}" -m batchbind validate "{source}" | head -1',
        shell=True, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert shell.stdout.count("\n") == 1
    assert "Traceback" not in shell.stderr and "Exception ignored" not in shell.stderr


INJECT = """
from batchbind.store.journal import Journal

def end_run(self, **kwargs):
    raise RuntimeError("the end of the run broke near {token}")

Journal.end_run = end_run
"""


def test_an_internal_error_is_one_line_exit_70_and_the_journal_keeps_every_row(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tokens": {SECRET_TOKEN: "super_admin"}})
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(INJECT.format(token=SECRET_TOKEN))
    source = write_input(tmp_path / "in.csv", rows(12))
    journal = tmp_path / "j.sqlite"
    log = tmp_path / "debug.log"
    done = run_cli(
        "run", source, "--base-url", sandbox.base_url, "--state", journal, *FAST_RATES,
        "--log-file", log, "-v",
        env={
            "PYTHONPATH": os.pathsep.join([str(hooks), os.environ.get("PYTHONPATH", "")]),
            "FEISHU_USER_ACCESS_TOKEN": SECRET_TOKEN,
        },
    )  # fmt: skip
    assert done.returncode == 70, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("batchbind hit an internal error (RuntimeError: ")
    assert "Please report this" in last
    errors = [line for line in done.stderr.splitlines() if "internal error (" in line]
    assert errors == [last]  # one line says it
    assert "Traceback" in log.read_text()  # the details are kept for the report...
    for where, text in {
        "stderr": done.stderr,
        "stdout": done.stdout,
        "log": log.read_text(),
    }.items():
        assert SECRET_TOKEN not in text, f"the token leaked into {where}"
        assert "QQQQQQQQ" not in text, f"part of the token leaked into {where}"
    with sqlite3.connect(journal) as db:
        states = db.execute("SELECT state, count(*) FROM rows GROUP BY state").fetchall()
    assert states == [("bound", 12)]  # every row answered is kept
    report = run_cli("report", "--state", journal, "--out", tmp_path / "again.csv")
    assert report.returncode == 0, report.stderr


def test_the_redacting_filter_scrubs_exception_text_and_tracebacks(tmp_path: Path) -> None:
    redact.register(SECRET_TOKEN)
    path = tmp_path / "log.txt"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(redact.RedactingFilter())
    logger = logging.getLogger("batchbind.test_redaction")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad header: Bearer {SECRET_TOKEN}")
        except ValueError:
            logger.error("failed with %s", SECRET_TOKEN, exc_info=True, stack_info=True)
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError: bad header: Bearer ***" in text
    assert SECRET_TOKEN not in text
