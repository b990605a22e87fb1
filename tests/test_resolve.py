"""`batchbind resolve`: e-mails to user ids through the sandbox's directory, the copy it writes,
and that copy fed straight into `run`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ADMIN, FAST_LIMITS, FAST_RATES, SANDBOX_TOKEN, MakeSandbox, read_results

from batchbind.cli import cli
from batchbind.sandbox import SandboxServer
from batchbind.sandbox.contact import derived_id

APP = ("--app-id", "cli_sandbox")
SECRET_ENV = {"FEISHU_APP_SECRET": "sandbox-secret"}

DIRECTORY: dict[str, Any] = {
    "everyone": False,
    "people": [
        {"email": "ann@corp.example", "open_id": "ou_ann"},
        {"email": "bob@corp.example", "open_id": "ou_bob", "status": "resigned"},
        {"email": "cat@corp.example", "open_id": "ou_cat", "status": "frozen"},
    ]
    + [{"email": f"p{n}@corp.example", "open_id": f"ou_p{n}"} for n in range(60)],
}


def bb(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> SandboxServer:
    return make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}, "directory": DIRECTORY})


def lookups(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "lookup"]


def test_found_missing_resigned_frozen_then_run(sandbox: SandboxServer, tmp_path: Path) -> None:
    people = [
        [ADMIN, "ann@exchange.example", "", "ANN@corp.example", "Ann"],
        [ADMIN, "bob@exchange.example", "", "bob@corp.example", "Bob"],
        [ADMIN, "cat@exchange.example", "", " mailto:cat@corp.example ", "Cat"],
        [ADMIN, "dan@exchange.example", "", "dan@corp.example", "Dan"],
        [ADMIN, "eve@exchange.example", "ou_eve_given", "eve@corp.example", "Eve"],
    ]
    source = write_csv(
        tmp_path / "people.csv",
        ["admin_account", "exchange_account", "user_id", "email", "name"],
        people,
    )

    result = bb("resolve", source, "--base-url", sandbox.base_url, *APP, "--json", env=SECRET_ENV)

    assert result.exit_code == 1, result.output  # dan not found, bob resigned (not filled)
    out = tmp_path / "people.resolved.csv"
    rows = {r["name"]: r for r in read_csv(out)}
    assert [r["name"] for r in read_csv(out)] == ["Ann", "Bob", "Cat", "Dan", "Eve"]
    assert (rows["Ann"]["user_id"], rows["Ann"]["resolve_status"]) == ("ou_ann", "found")
    assert (rows["Bob"]["user_id"], rows["Bob"]["resolve_status"]) == ("", "resigned")
    assert (rows["Cat"]["user_id"], rows["Cat"]["resolve_status"]) == ("ou_cat", "frozen")
    assert (rows["Dan"]["user_id"], rows["Dan"]["resolve_status"]) == ("", "not_found")
    assert (rows["Eve"]["user_id"], rows["Eve"]["resolve_status"]) == ("ou_eve_given", "")
    # The e-mail column was renamed in the copy: `email` is also an Exchange-account alias.
    assert "feishu_email" in rows["Ann"] and rows["Ann"]["feishu_email"] == "ANN@corp.example"
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["statuses"] == {"found": 1, "frozen": 1, "resigned": 1, "not_found": 1}
    assert "secret" not in result.output.replace("--app-secret", "")
    assert len(lookups(sandbox)) == 1

    # The copy feeds straight into run: found and frozen bind, the two without an id are invalid.
    state = tmp_path / "journal.sqlite"
    ran = bb(
        "run", out, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN, "--state", state,
        *FAST_RATES,
    )  # fmt: skip
    assert ran.exit_code == 1, ran.output
    outcomes = {
        r["name"]: r["outcome"] for r in read_results(tmp_path / "people.resolved.results.xlsx")
    }
    assert outcomes == {
        "Ann": "bound", "Bob": "invalid", "Cat": "bound", "Dan": "invalid", "Eve": "bound",
    }  # fmt: skip


def test_include_resigned_and_batches_of_50(sandbox: SandboxServer, tmp_path: Path) -> None:
    rows = [[f"p{n}@corp.example", ""] for n in range(60)] + [["bob@corp.example", ""]]
    source = write_csv(tmp_path / "staff.csv", ["exchange_account", "user_id"], rows)

    result = bb(
        "resolve", source, "--base-url", sandbox.base_url, *APP, "--include-resigned",
        "--email-column", "exchange_account", "--out", tmp_path / "staff.xlsx",
        env=SECRET_ENV,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    calls = lookups(sandbox)
    assert len(calls) == 2  # 61 e-mails: 50 + 11
    import python_calamine

    with python_calamine.CalamineWorkbook.from_path(tmp_path / "staff.xlsx") as book:
        values = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert values[0] == ["exchange_account", "user_id", "resolve_status"]
    assert values[1] == ["p0@corp.example", "ou_p0", "found"]
    assert values[-1] == ["bob@corp.example", "ou_bob", "resigned"]


def test_default_directory_finds_everyone(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_csv(tmp_path / "p.csv", ["邮箱"], [["zoe@corp.example"]])

    result = bb("resolve", source, "--base-url", sandbox.base_url, *APP, env=SECRET_ENV)

    assert result.exit_code == 0, result.output
    (row,) = read_csv(tmp_path / "p.resolved.csv")
    assert row["user_id"] == derived_id("zoe@corp.example", "open_id")


def test_wrong_secret_is_a_stop_and_no_secret_is_bad_input(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "p.csv", ["email"], [["ann@corp.example"]])

    wrong = bb(
        "resolve", source, "--base-url", sandbox.base_url, *APP, "--app-secret", "not-it-123"
    )
    missing = bb("resolve", source, "--base-url", sandbox.base_url)

    assert wrong.exit_code == 3, wrong.output
    assert "10014" in wrong.output and "not-it-123" not in wrong.output
    assert lookups(sandbox) == []
    assert missing.exit_code == 2 and "FEISHU_APP_SECRET" in missing.output


def test_no_email_column_is_bad_input(sandbox: SandboxServer, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "p.csv", ["name"], [["Ann"]])

    result = bb("resolve", source, "--base-url", sandbox.base_url, *APP, env=SECRET_ENV)

    assert result.exit_code == 2
    assert "--email-column" in result.output and "Traceback" not in result.output


def test_help_ends_with_examples() -> None:
    result = bb("resolve", "--help")
    assert result.exit_code == 0 and "Examples:" in result.output
