"""What the terminal says, the small things (issue 13, item 11): plurals, the journal's headings and
running runs, help text for every option and every command's exit codes, rates only over a span
worth measuring, which file `report` rewrites, and `auth status --domain`."""

from __future__ import annotations

import re
import string
import sys
import time
from pathlib import Path

import click
import openpyxl
import pytest
from click.testing import CliRunner
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    run_cli,
    spawn_cli,
    write_input,
)

from batchbind.cli import cli
from batchbind.cli.exits import EXIT_CODES
from batchbind.jobs.exit_codes import EXIT_RULES
from batchbind.output import i18n
from batchbind.output.progress import measured_rate


def _rows(count: int) -> list[tuple[str, str, str]]:
    return [(ADMIN, f"p{n}@corp.example", f"ou_p{n}") for n in range(count)]


def _run(source: Path, base_url: str, journal: Path, *extra: str | Path) -> list[str | Path]:
    return ["run", source, "--base-url", base_url, "--token", SANDBOX_TOKEN, "--state", journal,
            *extra]  # fmt: skip


# -- plurals --------------------------------------------------------------------------------------


def test_one_row_is_one_row_not_one_rows(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "one.csv", _rows(1))
    done = run_cli(*_run(source, sandbox.base_url, tmp_path / "j.sqlite", *FAST_RATES))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("run: 1 row from one.csv\n  bound 1\n  sent 1 request in ")
    again = run_cli(*_run(source, sandbox.base_url, tmp_path / "j.sqlite", *FAST_RATES))
    assert "  skipped 1 row settled in earlier runs (bound 1)" in again.stdout
    checked = run_cli("validate", source)
    assert checked.stdout.startswith("the 1 row is valid (pending 1)"), checked.stdout
    bad = write_input(tmp_path / "bad.csv", [*_rows(2), (ADMIN, "x@corp.example", "")])
    assert run_cli("validate", bad).stdout.startswith("1 of 3 rows has problems")


def _plural_fields(template: str) -> list[str]:
    return [name for _, name, spec, _ in string.Formatter().parse(template) if name and spec
            and "|" in spec]  # fmt: skip


def _plural_keys() -> list[str]:
    every = i18n.keys()
    return [key for key in every if _plural_fields(i18n.template(key, "en"))]


@pytest.mark.parametrize("key", _plural_keys())
def test_every_plural_says_one_and_many(key: str) -> None:
    fields = {name for _, name, _, _ in string.Formatter().parse(i18n.template(key, "en")) if name}
    one = i18n.text(key, "en", **dict.fromkeys(fields, 1))
    many = i18n.text(key, "en", **dict.fromkeys(fields, 2))
    assert "|" not in one and "|" not in many and one != many
    assert not re.search(r"\b1 (rows|requests|runs|attempts|bindings|causes)\b", one), one
    assert not re.search(r"\b2 (row|request|run|attempt|binding|cause)\b", many), many


# -- the journal ----------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9")
def test_the_journal_has_headings_and_shows_a_running_run_as_running(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 200, "max_ms": 300}})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "slow.csv", _rows(200))
    process = spawn_cli(
        *_run(source, sandbox.base_url, journal, "--rate-per-second", "5", "--concurrency", "1")
    )
    try:
        deadline = time.monotonic() + 30
        while len(sandbox.bindings()) < 2:  # under way: its run is in the journal
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        listing = run_cli("journal", "--state", journal)
        assert listing.returncode == 0, listing.stderr
        heading, row = listing.stdout.splitlines()[1:3]
        assert heading.split() == [
            "run", "started", "(UTC)", "ended", "(UTC)", "command", "exit", "tenant", "input",
            "outcomes",
        ]  # fmt: skip
        assert row.split()[0] == "1" and row.split()[2:4] == ["running", "run"], row
        zh = run_cli("journal", "--state", journal, "--lang", "zh")
        assert zh.stdout.splitlines()[1].split()[:3] == ["运行", "开始（UTC）", "结束（UTC）"]
        assert "运行中" in zh.stdout.splitlines()[2]
    finally:
        process.kill()  # kill -9: the run never ends, and nobody holds the journal any more
        process.communicate()
    row = run_cli("journal", "--state", journal).stdout.splitlines()[2]
    assert "did not finish" in row and "running" not in row, row


# -- --help ---------------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{full} ")
    return found


@pytest.mark.parametrize("name", [name for name, _ in _commands(cli)])
def test_every_command_lists_its_exit_codes_and_every_option_has_help(name: str) -> None:
    shown = CliRunner().invoke(cli, [*name.split(), "--help"], terminal_width=100)
    assert shown.exit_code == 0, shown.output
    listed = shown.output.split("Exit codes:\n", 1)[1]
    codes = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert codes == [code for code, _ in EXIT_CODES[name]]
    command = dict(_commands(cli))[name]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{name} {param.opts}: no help text"


@pytest.mark.parametrize("command", sorted(EXIT_RULES))
def test_the_exit_codes_shown_are_those_the_job_can_exit_with(command: str) -> None:
    rule = EXIT_RULES[command]
    shown = {code for code, _ in EXIT_CODES[command]}
    assert ("1" in shown) == bool(rule.person) and ("4" in shown) == bool(rule.later)


def test_template_lang_has_help_text() -> None:
    shown = CliRunner().invoke(cli, ["template", "--help"], terminal_width=100)
    assert re.search(r"--lang \[en\|zh\]\s+\S", shown.output), shown.output


# -- rates ----------------------------------------------------------------------------------------


def test_a_rate_needs_a_span_worth_measuring() -> None:
    assert measured_rate(39, 2.5) is None  # the sample: "936/min" said nothing
    assert measured_rate(5, 60.0) is None
    assert measured_rate(600, 60.0) == 600.0


def test_a_tiny_run_shows_no_rate_and_a_long_enough_one_does(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    tiny = write_input(tmp_path / "tiny.csv", _rows(3))
    done = run_cli(*_run(tiny, sandbox.base_url, tmp_path / "j.sqlite", *FAST_RATES))
    assert "sent 3 requests in " in done.stdout and "/min" not in done.stdout, done.stdout
    summary = openpyxl.load_workbook(tmp_path / "tiny.results.xlsx")["Summary"]
    labels = {row[0] for row in summary.iter_rows(values_only=True) if row}
    assert i18n.text("sheet_requests", "en") in labels  # the Summary says so too: no rate
    assert i18n.text("sheet_rate", "en") not in labels
    paced = write_input(tmp_path / "paced.csv", _rows(30)[3:])  # 27 rows at 4 a second: ~6.5 s
    slow = run_cli(*_run(paced, sandbox.base_url, tmp_path / "j.sqlite", "--rate-per-second", "4"))
    shown = re.search(r"sent 27 requests in [\d.]+s \((\d+)/min\)", slow.stdout)
    assert shown and 100 <= int(shown[1]) <= 240, slow.stdout  # at most 4 a second


# -- report ---------------------------------------------------------------------------------------


def test_report_says_which_file_it_rewrites(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "in.csv", _rows(2))
    out = tmp_path / "results.csv"
    run_cli(*_run(source, sandbox.base_url, tmp_path / "j.sqlite", *FAST_RATES, "--out", out))
    again = run_cli("report", "--state", tmp_path / "j.sqlite")
    assert f"results rewritten: {out} (the file run 1 wrote; --out writes another)" in again.stdout
    elsewhere = tmp_path / "copy.csv"
    named = run_cli("report", "--state", tmp_path / "j.sqlite", "--out", elsewhere)
    assert f"results: {elsewhere}" in named.stdout and "rewritten" not in named.stdout


# -- auth status --domain -------------------------------------------------------------------------


def test_auth_status_checks_the_profile_against_the_host_asked(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox()
    imported = run_cli("auth", "import", "--base-url", sandbox.base_url, "--no-check")
    assert imported.returncode != 0  # no token on stdin: nothing saved
    runner = CliRunner()
    saved = runner.invoke(
        cli, ["auth", "import", "--base-url", sandbox.base_url, "--no-check"], input="u-abc\n"
    )
    assert saved.exit_code == 0, saved.output
    same = runner.invoke(cli, ["auth", "status", "--base-url", sandbox.base_url])
    assert same.exit_code == 0, same.output
    other = runner.invoke(cli, ["auth", "status", "--domain", "lark"])
    assert other.exit_code == 1
    assert other.stderr.startswith(
        f"Error: Profile 'default' belongs to {sandbox.base_url}; batchbind never sends its token "
        "to https://open.larksuite.com."
    )
    unfit = runner.invoke(cli, ["auth", "status", "--domain", "feishu", "--json"])
    assert unfit.exit_code == 1 and '"usable": false' in unfit.stdout
