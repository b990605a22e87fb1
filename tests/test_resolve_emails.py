"""E-mails in the user column (issue 13, item 1): `validate` names the exact `resolve` command,
that command fills the ids from the sandbox's directory, and its copy validates. `resolve` exits 0
only when every row then holds a real user id, and names the rows that do not, with the reason.

Everything runs through the real CLI (`python -m batchbind` in a subprocess) against the loopback
sandbox.
"""

from __future__ import annotations

import csv
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN, FAST_LIMITS, MakeSandbox, read_results, run_cli, write_input

from batchbind.sandbox import SandboxServer

APP_ENV = {"FEISHU_APP_ID": "cli_sandbox", "FEISHU_APP_SECRET": "sandbox-secret"}

DIRECTORY: dict[str, Any] = {
    "everyone": False,
    "people": [
        {"email": "ann@corp.example", "open_id": "ou_ann", "user_id": "10086"},
        {"email": "bob@corp.example", "open_id": "ou_bob", "user_id": "10087"},
        {"email": "cat@corp.example", "open_id": "ou_cat", "status": "resigned"},
    ],
}


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> SandboxServer:
    return make_sandbox({"limits": FAST_LIMITS, "directory": DIRECTORY})


def lookups(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] == "lookup"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def said(result: subprocess.CompletedProcess[str]) -> str:
    """Everything the command printed (its report goes to stdout, or to stderr with --json)."""
    return result.stdout + result.stderr


def typed(command: str, sandbox: SandboxServer, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`command` as a user types it (shell words), with the app's credentials in the
    environment as the hint says; only the host differs: the sandbox instead of Feishu."""
    words = shlex.split(command)
    assert words[:2] == ["batchbind", "resolve"], command
    return run_cli(*words[1:], "--base-url", sandbox.base_url, env=APP_ENV, cwd=cwd)


def test_validate_names_the_command_and_that_command_fills_the_ids(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    rows = [
        (ADMIN, "ann@exchange.example", "ann@corp.example"),
        (ADMIN, "bob@exchange.example", " BOB@corp.example "),
    ]
    write_input(tmp_path / "team list.csv", rows)
    command = 'batchbind resolve "team list.csv"'

    checked = run_cli("validate", "team list.csv", cwd=tmp_path)

    assert checked.returncode == 1, said(checked)
    assert command in said(checked)
    assert "team list.resolved.csv" in said(checked)
    assert "FEISHU_APP_ID" in said(checked) and "FEISHU_APP_SECRET" in said(checked)
    hints = {r["hint"] for r in read_results(tmp_path / "team list.results.xlsx")}
    assert len(hints) == 1 and command in hints.pop()  # the results file says the same

    chinese = run_cli("validate", "team list.csv", "--lang", "zh", "--out", "zh.csv", cwd=tmp_path)
    assert command in said(chinese) and "邮箱" in said(chinese), said(chinese)

    resolved = typed(command, sandbox, tmp_path)

    assert resolved.returncode == 0, said(resolved)
    assert len(lookups(sandbox)) == 1
    copy = read_csv(tmp_path / "team list.resolved.csv")
    assert [(r["user_id"], r["feishu_email"], r["resolve_status"]) for r in copy] == [
        ("ou_ann", "ann@corp.example", "found"),
        ("ou_bob", "BOB@corp.example", "found"),
    ]
    again = run_cli("validate", "team list.resolved.csv", cwd=tmp_path)
    assert again.returncode == 0, said(again)


def test_an_unknown_email_keeps_the_exit_non_zero_and_each_row_says_why(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    rows = [
        (ADMIN, "ann@exchange.example", "ann@corp.example"),
        (ADMIN, "zed@exchange.example", "zed@corp.example"),  # nobody in the tenant
        (ADMIN, "cat@exchange.example", "cat@corp.example"),  # has left
        (ADMIN, "dan@exchange.example", ""),  # nothing to look up
        (ADMIN, "eve@exchange.example", "ou_eve"),  # already an id
        (ADMIN, "fay@exchange.example", "fay"),  # not an open_id, nothing to look it up by
    ]
    source = write_input(tmp_path / "people.csv", rows)

    result = run_cli(
        "resolve", source, "--base-url", sandbox.base_url, "--json", env=APP_ENV, cwd=tmp_path
    )

    assert result.returncode == 1, said(result)
    err = result.stderr  # --json: the report is on stderr
    assert "row 3" in err and "not found" in err
    assert "row 4" in err and "left" in err and "--include-resigned" in err
    assert "row 5" in err and "no e-mail" in err
    assert "row 7" in err and "not a valid open_id" in err
    summary = json.loads(result.stdout)
    assert summary["unfilled"] == {
        "not_found": [3],
        "resigned": [4],
        "no_email": [5],
        "invalid": [7],
    }
    copy = {r["exchange_account"]: r for r in read_csv(tmp_path / "people.resolved.csv")}
    assert copy["ann@exchange.example"]["user_id"] == "ou_ann"
    # An address that found nobody stays in the copy, in feishu_email, for the next try.
    zed = copy["zed@exchange.example"]
    assert (zed["user_id"], zed["feishu_email"], zed["resolve_status"]) == (
        "",
        "zed@corp.example",
        "not_found",
    )
    assert copy["eve@exchange.example"]["user_id"] == "ou_eve"
    assert copy["fay@exchange.example"]["user_id"] == "fay"

    chinese = run_cli(
        "resolve", source, "--base-url", sandbox.base_url, "--lang", "zh", env=APP_ENV
    )
    assert chinese.returncode == 1 and "第 3 行" in said(chinese) and "未找到" in said(chinese)


def test_email_column_naming_the_user_column_looks_them_up(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "p.csv", [(ADMIN, "ann@exchange.example", "ann@corp.example")])

    result = run_cli(
        "resolve", source, "--base-url", sandbox.base_url, "--email-column", "user_id",
        env=APP_ENV,
    )  # fmt: skip

    assert result.returncode == 0, said(result)
    assert len(lookups(sandbox)) == 1
    assert read_csv(tmp_path / "p.resolved.csv")[0]["user_id"] == "ou_ann"


def test_the_hint_carries_the_options_resolve_needs(sandbox: SandboxServer, tmp_path: Path) -> None:
    # A workbook whose data sheet comes after a sheet of notes that has an `email` column, read
    # as user_ids (employee ids): the command names the id type (and the sheet when validate was
    # told one), resolve picks the sheet validate read, and running the command fills the ids.
    import openpyxl

    path = tmp_path / "绑定清单.xlsx"
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["email", "who to ask"])
    notes.append(["it@corp.example", "IT"])
    data = book.create_sheet("Data 2")
    data.append(["admin_account", "exchange_account", "user_id"])
    data.append([ADMIN, "ann@exchange.example", "ann@corp.example"])
    data.append([ADMIN, "bob@exchange.example", "10087"])
    book.save(path)

    checked = run_cli("validate", path.name, "--user-id-type", "user_id", cwd=tmp_path)
    named = run_cli(
        "validate", path.name, "--sheet", "data 2", "--user-id-type", "user_id", cwd=tmp_path
    )

    command = "batchbind resolve 绑定清单.xlsx --user-id-type user_id"
    assert checked.returncode == 1 and command in said(checked), said(checked)
    assert "--sheet" not in said(checked)
    assert 'batchbind resolve 绑定清单.xlsx --sheet "data 2" --user-id-type user_id' in said(named)
    resolved = typed(command, sandbox, tmp_path)
    assert resolved.returncode == 0, said(resolved)
    again = run_cli("validate", "绑定清单.resolved.xlsx", "--user-id-type", "user_id", cwd=tmp_path)
    assert again.returncode == 0, said(again)
    rows = read_results(tmp_path / "绑定清单.resolved.results.xlsx")
    assert [r["user_id"] for r in rows] == ["10086", "10087"]


def test_a_value_that_is_no_id_is_looked_up_by_the_rows_email(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    header = ("admin_account", "exchange_account", "user_id", "邮箱")
    rows = [
        (ADMIN, "ann@exchange.example", "1.00860E+04", "ann@corp.example"),  # mangled by Excel
        (ADMIN, "bob@exchange.example", "10087", "bob@corp.example"),
    ]
    source = write_input(tmp_path / "ids.csv", rows, header=header)

    result = run_cli(
        "resolve", source, "--base-url", sandbox.base_url, "--user-id-type", "user_id",
        env=APP_ENV,
    )  # fmt: skip

    assert result.returncode == 0, said(result)
    copy = read_csv(tmp_path / "ids.resolved.csv")
    assert [(r["user_id"], r["resolve_status"]) for r in copy] == [
        ("10086", "found"),
        ("10087", ""),
    ]
    assert "row 2" in said(result) and "not a valid user_id" in said(result)
