"""`batchbind unbind`: what it lists, when it refuses, what it sends, what the journal keeps.

All through the real CLI against the real sandbox; what was sent is proved from its request log.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    read_results,
    run_cli,
    write_input,
)

from batchbind.cli import cli
from batchbind.sandbox import SandboxServer

ROWS = [(ADMIN, f"u{n}@corp.example", f"ou_u{n}") for n in range(8)]


def bb(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def conn(sandbox: SandboxServer, state: Path) -> list[str]:
    return ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", str(state)]


@pytest.fixture
def bound(make_sandbox: MakeSandbox, tmp_path: Path) -> tuple[SandboxServer, Path, Path]:
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "sync": {"seconds": 0},
            "faults": {
                "rules": [
                    {
                        "exchange_account": "u7@corp.example",
                        "fault": "error_500",
                        "times": 10,
                        "endpoint": "delete",
                    }
                ]
            },
        }
    )
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES).exit_code == 0
    return sandbox, state, tmp_path / "people.results.xlsx"


def deletes(sandbox: SandboxServer) -> list[dict[str, object]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "delete"]


def test_no_terminal_and_no_yes_refuses_and_sends_nothing(
    bound: tuple[SandboxServer, Path, Path],
) -> None:
    sandbox, state, results = bound
    before = results.read_bytes()

    result = bb("unbind", results, *conn(sandbox, state))

    assert result.exit_code == 2, result.output
    assert "unbind will undo 8 bindings" in result.output
    assert "row 2: u0@corp.example -> ou_u0" in result.output
    assert "... and 3 more" in result.output
    assert "no terminal" in result.output and "--yes" in result.output
    assert deletes(sandbox) == []
    assert results.read_bytes() == before
    assert len(sandbox.bindings()) == 8


def test_dry_run_lists_only(bound: tuple[SandboxServer, Path, Path]) -> None:
    sandbox, state, results = bound

    result = bb("unbind", results, *conn(sandbox, state), "--rows", "2,4-5", "--dry-run", "--json")

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows"] == [2, 4, 5] and summary["dry_run"] is True
    assert deletes(sandbox) == []


def test_a_totals_line_under_the_rows_is_said_to_be_left_out(
    bound: tuple[SandboxServer, Path, Path],
) -> None:
    sandbox, state, _results = bound
    # The team's own sheet, with its totals line, given back to unbind (it said nothing of it).
    source = write_input(state.parent / "people.csv", [*ROWS, ("合计 8 人", "", "")])
    result = bb("unbind", source, *conn(sandbox, state), "--rows", "2", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "Row 10 is a totals or notes line, not a binding: skipped ('合计 8 人')." in result.output
    )
    assert "unbind will undo 1 binding" in result.output


def test_confirmed_at_the_terminal_with_reason_and_audit(
    bound: tuple[SandboxServer, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, state, results = bound
    monkeypatch.setattr("batchbind.cli.lifecycle.has_terminal", lambda: True)

    declined = bb("unbind", results, *conn(sandbox, state), "--rows", "3", input="n\n")
    assert declined.exit_code == 2 and deletes(sandbox) == []

    result = bb(
        "unbind", results, *conn(sandbox, state), "--rows", "3", "--reason", "wrong mailbox",
        input="y\n",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    rows = by_exchange(read_results(results))
    assert rows["u1@corp.example"]["outcome"] == "unbound"
    assert "wrong mailbox" in rows["u1@corp.example"]["msg"]
    assert rows["u0@corp.example"]["outcome"] == "bound"
    assert [r["exchange_account"] for r in deletes(sandbox)] == ["u1@corp.example"]
    with sqlite3.connect(state) as db:
        notes = [n for (n,) in db.execute("SELECT note FROM attempts WHERE endpoint='delete'")]
    assert notes == ["unbind: wrong mailbox"]


def test_only_file_matches_rows_by_content(
    bound: tuple[SandboxServer, Path, Path], tmp_path: Path
) -> None:
    sandbox, state, results = bound
    # Another spreadsheet, other order, other case: the same two bindings.
    only = write_input(
        tmp_path / "undo.csv",
        [(ADMIN, "U5@Corp.Example", "ou_u5"), (ADMIN, "u2@corp.example", "ou_u2")],
    )

    result = bb("unbind", results, *conn(sandbox, state), "--only", only, "--yes")

    assert result.exit_code == 0, result.output
    assert sorted(r["exchange_account"] for r in deletes(sandbox)) == [
        "u2@corp.example",
        "u5@corp.example",
    ]
    assert len(sandbox.bindings()) == 6


def test_failed_unbind_leaves_the_row_bound(bound: tuple[SandboxServer, Path, Path]) -> None:
    sandbox, state, results = bound

    result = bb(
        "unbind", results, *conn(sandbox, state), "--rows", "8-9", "--yes", "--max-attempts", "2"
    )

    assert result.exit_code == 1, result.output
    rows = by_exchange(read_results(results))
    assert rows["u6@corp.example"]["outcome"] == "unbound"
    failed = rows["u7@corp.example"]
    assert failed["outcome"] == "bound"  # the binding still exists: the journal must not lie
    assert "unbind failed" in failed["msg"] and failed["code"] == "190003"
    assert any(b["exchange_account"] == "u7@corp.example" for b in sandbox.bindings())


def test_rows_not_in_the_file_are_bad_input(bound: tuple[SandboxServer, Path, Path]) -> None:
    sandbox, state, results = bound

    for spec, words in (("2,99", "no data row 99"), ("x", "not a row number"), ("5-3", "range")):
        result = bb("unbind", results, *conn(sandbox, state), "--rows", spec, "--yes")
        assert result.exit_code == 2, result.output
        assert words in result.output
    assert deletes(sandbox) == []


def test_unbinding_a_gone_binding_records_it_unbound(
    bound: tuple[SandboxServer, Path, Path],
) -> None:
    sandbox, state, results = bound
    assert bb("unbind", results, *conn(sandbox, state), "--rows", "2", "--yes").exit_code == 0
    # The journal is put back to "bound" as if the process had died after the delete.
    with sqlite3.connect(state) as db:
        db.execute("UPDATE rows SET state='bound' WHERE exchange_key='u0@corp.example'")

    result = bb("unbind", results, *conn(sandbox, state), "--rows", "2", "--yes")

    assert result.exit_code == 0, result.output
    row = by_exchange(read_results(results))["u0@corp.example"]
    assert row["outcome"] == "unbound" and "195103" in row["msg"]


def test_help_ends_with_examples() -> None:
    result = bb("unbind", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and "--rows 12,15-20" in result.output


def test_the_circuit_breaker_stops_a_streak_of_identical_failures(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    failing = ["u0@corp.example", "u1@corp.example", "u2@corp.example"]
    rules = [
        {"exchange_account": e, "fault": "error_500", "times": 10, "endpoint": "delete"}
        for e in failing
    ]
    sandbox = make_sandbox(
        {"limits": FAST_LIMITS, "sync": {"seconds": 0}, "faults": {"rules": rules}}
    )
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    assert bb("run", source, *conn(sandbox, state), *FAST_RATES).exit_code == 0
    results = tmp_path / "people.results.xlsx"
    args = [*conn(sandbox, state), "--yes", "--max-attempts", "1", "--concurrency", "1"]

    result = bb("unbind", results, *args, "--circuit-breaker", "3")

    assert result.exit_code == 3, result.output
    assert "3 rows in a row failed with the same answer (190003)" in result.output
    assert [r["exchange_account"] for r in deletes(sandbox)] == failing  # then nothing more
    assert [r["outcome"] for r in read_results(results)] == ["bound"] * 8  # as they were
    assert len(sandbox.bindings()) == 8

    off = bb("unbind", results, *args, "--circuit-breaker", "0")
    assert off.exit_code == 1, off.output  # never stops: the rest is undone
    outcomes = [r["outcome"] for r in read_results(results)]
    assert outcomes == ["bound"] * 3 + ["unbound"] * 5


@pytest.mark.parametrize("spec", ["", "  ", ","])
def test_an_empty_row_selection_is_refused_and_undoes_nothing(
    bound: tuple[SandboxServer, Path, Path], spec: str
) -> None:
    # A script whose $ROWS is empty must not roll back the whole tenant.
    sandbox, state, results = bound

    result = run_cli("unbind", results, *conn(sandbox, state), "--rows", spec, "--yes")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "names no rows" in result.stderr
    assert deletes(sandbox) == []
    assert len(sandbox.bindings()) == 8


def test_unbind_undoes_only_the_rows_it_listed_and_the_user_confirmed(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # u7's create fails once: after the first run it is not bound, so unbind lists 7 rows.
    late = "u7@corp.example"
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "sync": {"seconds": 0},
            "faults": {"rules": [{"exchange_account": late, "fault": "error_500"}]},
        }
    )
    source = write_input(tmp_path / "people.xlsx", ROWS)
    state = tmp_path / "journal.sqlite"
    first = bb("run", source, *conn(sandbox, state), *FAST_RATES, "--max-attempts", "1")
    assert first.exit_code == 4, first.output
    results = tmp_path / "people.results.xlsx"
    monkeypatch.setattr("batchbind.cli.lifecycle.has_terminal", lambda: True)
    asked: list[str] = []

    def answer_after_another_run(text: str, **_kw: object) -> bool:
        # While the question waits, a scheduled run (another process) binds u7.
        asked.append(text)
        rerun = run_cli("run", source, *conn(sandbox, state), *FAST_RATES)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert len(sandbox.bindings()) == 8
        return True

    monkeypatch.setattr("click.confirm", answer_after_another_run)

    result = bb("unbind", results, *conn(sandbox, state))

    assert result.exit_code == 0, result.output
    assert asked and "7" in asked[0]
    assert "unbind will undo 7 bindings" in result.output
    assert sorted(r["exchange_account"] for r in deletes(sandbox)) == [
        f"u{n}@corp.example" for n in range(7)
    ]
    assert [b["exchange_account"] for b in sandbox.bindings()] == [late]  # not confirmed: kept
    assert by_exchange(read_results(results))[late]["outcome"] == "bound"
