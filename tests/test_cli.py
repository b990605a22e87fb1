"""The command line as a user meets it: help, version, templates, validate's exit codes, and the
sentences (never tracebacks) that bad invocations get. Secrets never leak into any output."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    MakeSandbox,
    read_results,
    run_cli,
    write_input,
)

from batchbind import __version__
from batchbind.cli import cli

VALID = [(ADMIN, "alice@corp.example", "ou_alice"), (ADMIN, "bob@corp.example", "ou_bob")]


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_clear_error(result: Result, *words: str) -> None:
    """Exit 2, a message that starts with "Error:" and names what is wrong, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: "), result.stderr
    first_line = result.stderr.splitlines()[0]
    for word in words:
        assert word in first_line, first_line


# -- help and version -----------------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_help_has_examples(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    examples = result.output.split("Examples:", 1)[1]
    assert f"batchbind {command}" in examples


def test_top_level_help_lists_the_commands_and_an_example() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "template", "sandbox"):
        assert command in result.output
    assert "batchbind run sample_data/bindings.csv" in result.output


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"batchbind, version {__version__}"


# -- template ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["blank.xlsx", "blank.csv"])
def test_template_then_validate_the_empty_template(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    made = invoke("template", path)
    assert made.exit_code == 0, made.output
    assert path.exists()

    # The blank template holds no rows: that is not "all 0 rows are valid" (exit 0 would read as
    # done to a scheduler) but one sentence and exit 2, with nothing written.
    checked = invoke("validate", path, "--out", tmp_path / "checked.csv")
    assert_one_clear_error(checked, "has a header but no rows of data")
    assert checked.exit_code == 2
    assert not (tmp_path / "checked.csv").exists()

    again = invoke("template", path)
    assert_one_clear_error(again, "already exists", "--force")
    forced = invoke("template", path, "--force")
    assert forced.exit_code == 0, forced.output


def test_xlsx_template_data_sheet_first_then_instructions(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    assert invoke("template", path).exit_code == 0
    book = openpyxl.load_workbook(path, read_only=True)
    first = book.worksheets[0]
    header = [c for c in next(first.iter_rows(values_only=True)) if c]
    assert header[:3] == ["admin_account", "exchange_account", "user_id"]
    assert len(book.worksheets) >= 2


def test_a_filled_template_validates(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    assert invoke("template", path).exit_code == 0
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(f"{ADMIN},alice@corp.example,ou_alice\r\n")
    result = invoke("validate", path, "--out", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert [r["outcome"] for r in read_results(tmp_path / "r.csv")] == ["pending"]


# -- validate's exit codes ------------------------------------------------------------------


def test_validate_all_valid_exits_0(tmp_path: Path) -> None:
    result = invoke("validate", write_input(tmp_path / "ok.csv", VALID))
    assert result.exit_code == 0, result.output
    assert "2 rows are valid" in result.output


def test_validate_some_invalid_exits_1_with_problems_by_row(tmp_path: Path) -> None:
    rows = [*VALID, (ADMIN, "broken", "ou_carol")]
    out = tmp_path / "checked.xlsx"
    result = invoke("validate", write_input(tmp_path / "bad.csv", rows), "--out", out)
    assert result.exit_code == 1, result.output
    assert "row 4:" in result.output and "broken" in result.output
    assert [r["outcome"] for r in read_results(out)] == ["pending", "pending", "invalid"]


def test_validate_missing_file_exits_2(tmp_path: Path) -> None:
    assert_one_clear_error(invoke("validate", tmp_path / "nope.csv"), "nope.csv")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
        ("noise.csv", bytes(range(128, 256)) * 3),
        ("letter.csv", b"Dear team,\nplease find attached\n"),
    ],
)
def test_validate_not_a_spreadsheet_exits_2(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_one_clear_error(invoke("validate", path), name)


# -- run: bad invocations ---------------------------------------------------------------------


def test_run_without_a_token_exits_2(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "in.csv", VALID)
    result = invoke("run", source, "--base-url", sandbox.base_url, "--state", tmp_path / "j.db")
    assert_one_clear_error(result, "token", "FEISHU_USER_ACCESS_TOKEN")
    assert sandbox.requests() == []


def test_run_refuses_plain_http_off_loopback(tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.csv", VALID)
    token = "u-never-sent-anywhere"
    result = CliRunner().invoke(
        cli,
        ["run", str(source), "--base-url", "http://example.com", "--state", str(tmp_path / "j")],
        env={"FEISHU_USER_ACCESS_TOKEN": token},
    )
    assert_one_clear_error(result, "http://example.com", "https")
    assert token not in result.output
    assert not (tmp_path / "j").exists()  # stopped before the journal was opened


def test_run_unreadable_input_exits_2_and_sends_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    result = CliRunner().invoke(
        cli,
        ["run", str(tmp_path / "missing.csv"), "--base-url", sandbox.base_url],
        env={"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"},
    )
    assert_one_clear_error(result, "missing.csv")
    assert sandbox.requests() == []


# -- the token never leaks ----------------------------------------------------------------------


def test_token_from_the_command_line_never_appears_anywhere(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    secret = "u-Secr3tT0kenThatMustNeverLeak"
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "tokens": {secret: "super_admin"},
            "tenant": {"missing_users": ["ou_left"]},
            "faults": {"rules": [{"exchange_account": "bob@corp.example", "fault": "error_500"}]},
        }
    )
    rows = [*VALID, (ADMIN, "left@corp.example", "ou_left"), (ADMIN, "bad", "ou_bad")]
    source = write_input(tmp_path / "in.csv", rows)
    journal_dir = tmp_path / "journal"
    log_file = tmp_path / "debug.log"
    outputs = [tmp_path / "r.xlsx", tmp_path / "r.csv"]
    stderr = ""
    for out in outputs:
        done = run_cli(
            "run",
            source,
            "--base-url",
            sandbox.base_url,
            "--token",
            secret,
            "--state",
            journal_dir / "j.sqlite",
            "--out",
            out,
            "--log-file",
            log_file,
            "-v",
            *FAST_RATES,
        )
        assert done.returncode == 1, done.stderr
        assert "process list" in done.stderr  # the warning about --token
        assert secret not in done.stdout
        assert secret not in done.stderr
        stderr += done.stderr
    assert "DEBUG batchbind" in stderr  # -v really was on (the first run sent requests)

    assert {r["outcome"] for r in read_results(outputs[0])} == {"bound", "failed", "invalid"}
    files = [*outputs, log_file, *journal_dir.iterdir()]
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
    book = openpyxl.load_workbook(outputs[0], read_only=True)  # .xlsx is zipped: read its cells
    for sheet in book.worksheets:
        for line in sheet.iter_rows(values_only=True):
            assert not any(secret in str(v) for v in line if v is not None), sheet.title
