"""The rows that need a person, grouped by cause (issue 13, items 9, 10 and the counts of 6): `run`,
`validate` and `report` end with one line per cause, its code, the first rows and the hint, in
the user's language; 10,000 rows with the same problem are one group, not 10,000 lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    run_cli,
    write_input,
)

from batchbind.feishu.codes import CODES, Kind
from batchbind.model import Outcome, ResultRow
from batchbind.output import i18n
from batchbind.output.causes import SHOWN_ROWS, cause_key, cause_lines, group_causes
from batchbind.output.problems import PROBLEM_CODES
from batchbind.output.progress import BarProgress

GONE = ["ou_gone1", "ou_gone2", "ou_gone3"]


def _mixed_rows() -> list[tuple[str, str, str]]:
    """Rows 2-4 bind, 5-7 are people who left (195100), 8-9 an unknown admin (195106), 10 and 11
    have an empty user_id, 12 an Exchange account that is not an address."""
    rows = [(ADMIN, f"ok{n}@corp.example", f"ou_ok{n}") for n in range(3)]
    rows += [(ADMIN, f"gone{n}@corp.example", user) for n, user in enumerate(GONE, 1)]
    rows += [("old@corp.example", f"old{n}@corp.example", f"ou_old{n}") for n in range(2)]
    rows += [(ADMIN, "empty1@corp.example", ""), (ADMIN, "empty2@corp.example", "")]
    rows += [(ADMIN, "not-an-address", "ou_x")]
    return rows


def _run(tmp_path: Path, base_url: str, *extra: str) -> tuple[int, str]:
    source = write_input(tmp_path / "in.csv", _mixed_rows())
    result = run_cli(
        "run", source, "--base-url", base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "j.sqlite", "--out", tmp_path / "out.csv", *FAST_RATES, *extra,
    )  # fmt: skip
    return result.returncode, result.stdout


def _sandbox(make_sandbox: MakeSandbox) -> str:
    tenant = {"missing_users": GONE, "unknown_admin_accounts": ["old@corp.example"]}
    return make_sandbox({"limits": FAST_LIMITS, "tenant": tenant}).base_url


def test_run_ends_with_the_rows_that_need_a_person_grouped_by_cause(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    code, out = _run(tmp_path, _sandbox(make_sandbox))
    assert code == 1, out
    lines = out.splitlines()
    assert lines[1] == "  bound 3, failed 5, invalid 3"
    start = lines.index("Rows that need a person, by cause:")
    assert lines[start:] == [
        "Rows that need a person, by cause:",
        "  3 rows: user has left or is not in the tenant (195100) - rows 5, 6, 7",
        "    This user has left or is not in the tenant: check the user_id (and --user-id-type).",
        "  2 rows: admin account not found (195106) - rows 8, 9",
        "    Admin account not found: bind the Exchange admin account in the admin console first,"
        " or fix the admin_account column.",
        "  2 rows: user_id is empty (missing_value) - rows 10, 11",
        "    Fill in user_id: every row needs an admin account, an Exchange account and a user id.",
        "  1 row: exchange_account is not an e-mail address (invalid_email) - row 12",
        "    e.g. row 12: exchange_account is not an e-mail address: not-an-address",
        "    Use the full address, like name@example.com, with one @ and no spaces.",
    ]


def test_run_says_its_counts_and_causes_in_chinese(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    code, out = _run(tmp_path, _sandbox(make_sandbox), "--lang", "zh")
    assert code == 1, out
    lines = out.splitlines()
    assert lines[0] == "run：in.csv 中的 11 行"
    assert lines[1] == "  已绑定 3，失败 5，无效 3"
    assert "需要人工处理的行（按原因）：" in lines
    assert "  3 行：用户已离职或不在本租户（195100） - 第 5、6、7 行" in lines
    assert "  2 行：user_id 为空（missing_value） - 第 10、11 行" in lines
    assert "bound" not in out and "rows" not in out


def test_report_and_json_show_the_same_groups(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    base_url = _sandbox(make_sandbox)
    source = write_input(tmp_path / "in.csv", _mixed_rows())
    result = run_cli(
        "run", source, "--base-url", base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "j.sqlite", "--out", tmp_path / "out.csv", *FAST_RATES, "--json",
    )  # fmt: skip
    causes = json.loads(result.stdout)["causes"]
    assert [(c["code"], c["column"], c["count"], c["rows"]) for c in causes] == [
        ("195100", "", 3, [5, 6, 7]),
        ("195106", "", 2, [8, 9]),
        ("missing_value", "user_id", 2, [10, 11]),
        ("invalid_email", "exchange_account", 1, [12]),
    ]
    assert causes[0]["cause"] == "user has left or is not in the tenant"
    report = run_cli("report", "--state", tmp_path / "j.sqlite")
    assert report.returncode == 0, report.stderr
    assert "  2 rows: user_id is empty (missing_value) - rows 10, 11" in report.stdout.splitlines()


def test_a_cause_names_its_first_rows_and_counts_the_rest(tmp_path: Path) -> None:
    rows = [(ADMIN, f"p{n}@corp.example", "") for n in range(SHOWN_ROWS + 4)]
    result = run_cli("validate", write_input(tmp_path / "in.csv", rows))
    assert result.returncode == 1
    shown = ", ".join(str(n) for n in range(2, 2 + SHOWN_ROWS))
    assert (
        f"  {SHOWN_ROWS + 4} rows: user_id is empty (missing_value) - rows {shown} and 4 more: "
        "see the results file"
    ) in result.stdout.splitlines()


def test_validate_prints_ten_thousand_rows_with_the_same_problem_as_one_group(
    tmp_path: Path,
) -> None:
    rows = []
    for n in range(20_000):
        user = f"ou_{n}" if n % 2 else f"p{n}@corp.example"  # every other row: an e-mail address
        rows.append((ADMIN, f"p{n}@corp.example", user))
    result = run_cli("validate", write_input(tmp_path / "in.csv", rows))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "10,000 of 20,000 rows have problems (invalid 10,000, pending 10,000)",
        f"results: {tmp_path / 'in.results.xlsx'}",
        "Rows that need a person, by cause:",
        "  10,000 rows: user_id holds an e-mail address, not a Feishu id (email_in_user_id) - "
        "rows 2, 4, 6, 8, 10, 12, 14, 16 and 9,992 more: see the results file",
        "    e.g. row 2: user_id holds an e-mail address, not a Feishu id: p0@corp.example",
        f"    Fill in the ids from these e-mail addresses: batchbind resolve {tmp_path / 'in.csv'} "
        "(with FEISHU_APP_ID and FEISHU_APP_SECRET set, or add --sandbox to rehearse). Then "
        f"validate and run {tmp_path / 'in.resolved.csv'}.",
    ]


def test_validate_groups_in_chinese(tmp_path: Path) -> None:
    rows = [(ADMIN, "a@corp.example", ""), (ADMIN, "b@corp.example", "ou_b")]
    result = run_cli("validate", write_input(tmp_path / "in.csv", rows), "--lang", "zh")
    assert result.stdout.splitlines()[0] == "2 行中有 1 行有问题（无效 1，待发送 1）"
    assert "  1 行：user_id 为空（missing_value） - 第 2 行" in result.stdout.splitlines()


def _result(row: int, outcome: Outcome, code: str, column: str = "") -> ResultRow:
    return ResultRow(
        [], row, outcome, code=code, msg=f"msg {row}", hint=f"hint {row}", column=column
    )


def test_groups_are_by_outcome_code_and_column_the_largest_first() -> None:
    results = [
        _result(2, Outcome.BOUND, "0"),
        _result(3, Outcome.INVALID, "missing_value", "admin_account"),
        _result(4, Outcome.FAILED, "195100"),
        _result(5, Outcome.INVALID, "missing_value", "user_id"),
        _result(6, Outcome.FAILED, "195100"),
        _result(7, Outcome.DUPLICATE, ""),
        _result(8, Outcome.PENDING, ""),
        _result(9, Outcome.INVALID, "missing_value", "user_id"),
        _result(10, Outcome.FAILED, "99999"),  # a code the table does not know
    ]
    groups = group_causes(results, keep=1)
    assert [(g.code, g.column, g.count, g.rows, g.more) for g in groups] == [
        ("195100", "", 2, (4,), 1),
        ("missing_value", "user_id", 2, (5,), 1),
        ("missing_value", "admin_account", 1, (3,), 0),
        ("99999", "", 1, (10,), 0),
    ]
    assert groups[0].hint == "hint 4" and groups[1].cause("en") == "user_id is empty"
    lines = cause_lines(groups, "en", shown=3)
    assert lines[-1] == "  and 1 more cause (1 row): see the results file"
    unknown = cause_lines(groups[3:], "en")
    assert unknown[1:] == [
        "  1 row: refused by Feishu (99999) - row 10",
        "    e.g. row 10: msg 10",  # the cause alone says too little: Feishu's own words
        "    hint 10",
    ]
    assert cause_lines([], "en") == []


def test_every_problem_and_every_row_refusal_has_its_own_cause() -> None:
    for code in PROBLEM_CODES:
        assert cause_key(Outcome.INVALID, code) == f"cause_{code}"
    for number, meaning in CODES.items():
        if meaning.kind in (Kind.ROW, Kind.ADMIN):  # what ends a row as failed for good
            assert cause_key(Outcome.FAILED, str(number)) == f"cause_{number}"
    assert i18n.has("cause_bound_to_another_user")


def test_the_progress_bar_counts_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    bar = BarProgress(3, desc="绑定中", unit="行", labels=("已绑定", "失败"))
    bar.advance(bound=2)
    bar.advance(failed=1)
    bar.close()
    shown = capsys.readouterr().err
    assert "已绑定=2" in shown and "失败=1" in shown and "bound" not in shown
