"""Where results go: never over a file that is not batchbind's, checked before anything is sent.

`--out` (and the default `<input>.results.xlsx`) replaces an existing file only when it is a
batchbind results file, unless `--force`; the input itself is never replaced. A target that
cannot be written is found before the first request; a write that still fails at the end keeps
the journal, prints the summary and says how to write the results again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    creates,
    read_results,
    run_cli,
    write_input,
)

from batchbind.cli import cli
from batchbind.errors import OutputError
from batchbind.sandbox import SandboxServer

ROWS = [(ADMIN, f"t{n}@corp.example", f"ou_t{n}") for n in range(4)]


def conn(sandbox: SandboxServer, state: Path) -> list[str]:
    return ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", str(state)]


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> SandboxServer:
    return make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}})


def own_workbook(path: Path) -> Path:
    """A spreadsheet of the user's that happens to sit where results would go."""
    return write_input(path, [("budget", "2026", "42")], header=("item", "year", "amount"))


def test_run_refuses_to_replace_a_file_that_is_not_a_results_file(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "people.csv", ROWS)
    mine = own_workbook(tmp_path / "budget.xlsx")
    before = mine.read_bytes()
    state = tmp_path / "journal.sqlite"

    refused = run_cli("run", source, *conn(sandbox, state), "--out", mine)

    assert refused.returncode == 2, refused.stderr
    assert "not a batchbind results file" in refused.stderr and "--force" in refused.stderr
    assert mine.read_bytes() == before
    assert creates(sandbox) == []

    forced = run_cli("run", source, *conn(sandbox, state), "--out", mine, "--force", *FAST_RATES)

    assert forced.returncode == 0, forced.stderr
    assert [r["outcome"] for r in read_results(mine)] == ["bound"] * 4


def test_the_default_results_path_follows_the_same_rule(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "people.xlsx", ROWS)
    default = own_workbook(tmp_path / "people.results.xlsx")
    before = default.read_bytes()
    state = tmp_path / "journal.sqlite"

    refused = run_cli("run", source, *conn(sandbox, state))

    assert refused.returncode == 2, refused.stderr
    assert default.read_bytes() == before and creates(sandbox) == []
    validated = run_cli("validate", source)
    assert validated.returncode == 2 and default.read_bytes() == before

    # Once it is batchbind's own results file, a re-run replaces it as always.
    default.unlink()
    assert run_cli("run", source, *conn(sandbox, state), *FAST_RATES).returncode == 0
    assert run_cli("run", source, *conn(sandbox, state), *FAST_RATES).returncode == 0
    assert run_cli("validate", source).returncode == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_input_is_never_replaced_even_with_force(
    sandbox: SandboxServer, tmp_path: Path, suffix: str
) -> None:
    source = write_input(tmp_path / f"people{suffix}", ROWS)
    before = source.read_bytes()
    state = tmp_path / "journal.sqlite"

    for command in (
        ["run", source, *conn(sandbox, state), "--out", source, "--force"],
        ["validate", source, "--out", source, "--force"],
    ):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert "is the file being read" in result.stderr
    assert source.read_bytes() == before
    assert creates(sandbox) == []


def test_status_unbind_and_report_refuse_a_foreign_out_too(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    assert run_cli("run", source, *conn(sandbox, state), *FAST_RATES).returncode == 0
    results = tmp_path / "people.results.xlsx"
    mine = own_workbook(tmp_path / "budget.xlsx")
    before = mine.read_bytes()

    for command in (
        ["status", results, *conn(sandbox, state), "--out", mine],
        ["unbind", results, *conn(sandbox, state), "--out", mine, "--yes"],
        ["report", "--state", state, "--out", mine],
    ):
        result = run_cli(*command)
        assert result.returncode == 2, (command[0], result.stderr)
        assert "not a batchbind results file" in result.stderr
    assert mine.read_bytes() == before
    assert not [r for r in sandbox.requests() if r["endpoint"] in ("status", "delete")]
    assert len(sandbox.bindings()) == 4

    dry = run_cli("unbind", results, *conn(sandbox, state), "--out", mine, "--dry-run")
    assert dry.returncode == 0, dry.stderr  # a dry run writes nothing, so nothing to refuse
    assert mine.read_bytes() == before

    report = run_cli("report", "--state", state, "--out", mine, "--force")
    assert report.returncode == 0, report.stderr
    assert len(read_results(mine)) == 4


def test_an_unwritable_target_is_refused_before_anything_is_sent(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    (tmp_path / "people.results.xlsx").mkdir()  # the default target is a folder

    for extra in (
        ["--out", not_a_folder / "results.xlsx"],
        ["--out", tmp_path / "no" / "r.csv"],
        [],
    ):
        result = run_cli("run", source, *conn(sandbox, state), *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert "Traceback" not in result.stderr
    assert creates(sandbox) == []


def test_a_write_that_fails_at_the_end_keeps_the_run_and_says_how_to_render_again(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"

    def disk_full(path: Path, *_args: object, **_kw: object) -> Path:
        raise OutputError.of("cannot_write", path=path, error="No space left on device")

    monkeypatch.setattr("batchbind.jobs.run.write_results", disk_full)

    result = CliRunner().invoke(
        cli, ["run", str(source), *map(str, conn(sandbox, state)), *FAST_RATES]
    )

    assert result.exit_code == 0, result.output  # the run's own code: every row is bound
    assert "bound 4" in result.output  # the summary is printed
    assert "No space left on device" in result.output
    assert f"batchbind report --state {state}" in result.output
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT count(*) FROM rows WHERE state='bound'").fetchone() == (4,)
    monkeypatch.undo()
    report = run_cli("report", "--state", state)
    assert report.returncode == 0, report.stderr
    assert [r["outcome"] for r in read_results(tmp_path / "people.results.xlsx")] == ["bound"] * 4


@pytest.mark.parametrize("command", ["status", "unbind"])
def test_status_and_unbind_keep_their_outcome_when_the_write_fails_at_the_end(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    assert run_cli("run", source, *conn(sandbox, state), *FAST_RATES).returncode == 0
    results = tmp_path / "people.results.xlsx"

    def disk_full(path: Path, *_args: object, **_kw: object) -> Path:
        raise OutputError.of("cannot_write", path=path, error="No space left on device")

    monkeypatch.setattr("batchbind.jobs.view.write_results", disk_full)
    extra = ["--yes", "--rows", "2"] if command == "unbind" else []

    result = CliRunner().invoke(
        cli, [command, str(results), *map(str, conn(sandbox, state)), *extra]
    )

    assert result.exit_code == 0, result.output  # the command's own code, not "cannot write"
    assert "No space left on device" in result.output
    assert f"batchbind status {results} --state {state}" in result.output
    monkeypatch.undo()
    again = run_cli("status", results, *conn(sandbox, state))
    assert again.returncode == 0, again.stderr
    outcomes = [r["outcome"] for r in read_results(results)]
    assert outcomes == (["unbound"] + ["bound"] * 3 if command == "unbind" else ["bound"] * 4)


def test_resolve_replaces_only_its_own_copy_and_never_its_input(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "people.csv", [("zoe@corp.example",)], header=("email",))
    before = source.read_bytes()
    mine = own_workbook(tmp_path / "budget.xlsx")
    mine_before = mine.read_bytes()
    app = ["--base-url", sandbox.base_url, "--app-id", "cli_sandbox"]
    env = {"FEISHU_APP_SECRET": "sandbox-secret"}

    for extra in (["--out", mine], ["--out", source, "--force"]):
        result = run_cli("resolve", source, *app, *extra, env=env)
        assert result.returncode == 2, (extra, result.stderr)
    assert source.read_bytes() == before and mine.read_bytes() == mine_before
    assert not [r for r in sandbox.requests() if r["endpoint"] == "lookup"]

    # Its own copy is replaced on the next resolve, and resolved further in place.
    copy = tmp_path / "people.resolved.csv"
    assert run_cli("resolve", source, *app, env=env).returncode == 0
    assert run_cli("resolve", source, *app, env=env).returncode == 0
    assert run_cli("resolve", copy, *app, env=env).returncode == 0
    forced = run_cli("resolve", source, *app, "--out", mine, "--force", env=env)
    assert forced.returncode == 0, forced.stderr
