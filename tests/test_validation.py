"""Cleaning and checking rows: every per-row rule, the cross-row rules, and the problem texts."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from batchbind.input.cleaning import clean_value
from batchbind.input.load import load_table
from batchbind.input.validation import validate
from batchbind.model import (
    Binding,
    CheckedRow,
    Field,
    Outcome,
    Problem,
    SourceRow,
    Table,
    UserIdType,
)
from batchbind.output.problems import PROBLEM_CODES, describe, preview

COLUMNS = ["Admin", "Exchange 账号", "open_id", "note"]
OPEN = UserIdType.OPEN_ID


def table(*rows: tuple[str, str, str], problems: dict[int, dict[int, str]] | None = None) -> Table:
    """A table as the reader makes it: physical rows from 2, a carried extra column."""
    source = [
        SourceRow(n, [*cells, "extra"], (problems or {}).get(n, {}))
        for n, cells in enumerate(rows, start=2)
    ]
    fields = {Field.ADMIN_ACCOUNT: 0, Field.EXCHANGE_ACCOUNT: 1, Field.USER_ID: 2}
    return Table.of_rows(COLUMNS, fields, source)


def check(*rows: tuple[str, str, str], id_type: UserIdType = OPEN, **kw: bool) -> list[CheckedRow]:
    return list(validate(table(*rows), user_id_type=id_type, **kw))


def problems(row: CheckedRow) -> list[tuple[str, str | None]]:
    return [(p.code, p.column) for p in row.problems]


def only_problem(row: tuple[str, str, str], id_type: UserIdType = OPEN) -> Problem:
    [checked] = check(row, id_type=id_type)
    assert checked.outcome is Outcome.INVALID
    assert checked.binding is None
    [problem] = checked.problems
    return problem


# --- cleaning -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  a@x.com\t", "a@x.com"),
        ("\u00a0a@x.com\u3000", "a@x.com"),
        ("\u200ba@x.com\ufeff", "a@x.com"),
        ("ａｌｉｃｅ＠ｘ．ｃｏｍ", "alice@x.com"),
        ("mailto:Bob@X.com", "Bob@X.com"),
        (" MAILTO: bob@x.com ", "bob@x.com"),
        ("ou_１２３", "ou_123"),
        ("", ""),
    ],
)
def test_clean_value(raw: str, clean: str) -> None:
    assert clean_value(raw) == clean


def test_valid_row_is_cleaned_and_sent_as_given() -> None:
    [row] = check(("\u00a0Admin@X.com ", "mailto:Ｂｏｂ＠x.com", " ou_abc-DEF_1 "))
    assert row.is_valid and row.outcome is None and row.problems == []
    assert row.binding == Binding("Admin@X.com", "Bob@x.com", "ou_abc-DEF_1")
    assert row.source.cells[3] == "extra"  # extra columns are carried as read


# --- per-row rules ------------------------------------------------------------------------


def test_missing_values_name_each_column() -> None:
    [row] = check(("", " ", "\u3000"))
    assert problems(row) == [
        ("missing_value", "Admin"),
        ("missing_value", "Exchange 账号"),
        ("missing_value", "open_id"),
    ]


def test_length_limit() -> None:
    local = "a" * (500 - len("@x.com"))
    assert check((f"{local}@x.com", "b@x.com", "ou_1"))[0].is_valid
    problem = only_problem((f"{local}a@x.com", "b@x.com", "ou_1"))
    assert problem == Problem("too_long", "Admin", (("length", "501"), ("max", "500")))


@pytest.mark.parametrize(
    "address",
    ["bob", "bob@", "@x.com", "bob@x", "bob@@x.com", "a@b@x.com", "bob@x..com", "bob@.x.com",
     "bob@x.com.", "bob smith@x.com", "bob@x .com"],
)  # fmt: skip
def test_invalid_email(address: str) -> None:
    problem = only_problem(("a@x.com", address, "ou_1"))
    assert problem == Problem("invalid_email", "Exchange 账号", (("value", address),))


@pytest.mark.parametrize(
    "address", ["bob@x.com", "b.o+b@mail.x.co.uk", "王@例子.中国", "O'Neil@x.io"]
)
def test_valid_email(address: str) -> None:
    assert check((address, address, "ou_1"))[0].is_valid


@pytest.mark.parametrize(
    ("value", "id_type", "code"),
    [
        ("ou_7d8a6e6df7621556ce0d21922b676706", OPEN, None),
        ("on_94a1ee5551019f18cd73d9f111898cf2", UserIdType.UNION_ID, None),
        ("5d9bdxxx", UserIdType.USER_ID, None),
        ("ou_", OPEN, "invalid_open_id"),
        ("ou_abc!", OPEN, "invalid_open_id"),
        ("12345", OPEN, "invalid_open_id"),
        ("12345", UserIdType.UNION_ID, "invalid_union_id"),
        ("ou_abc def", OPEN, "invalid_open_id"),
        ("emp 42", UserIdType.USER_ID, "invalid_user_id"),
        ("ou_1", UserIdType.UNION_ID, "wrong_id_type"),
        ("on_1", OPEN, "wrong_id_type"),
        ("ou_1", UserIdType.USER_ID, "wrong_id_type"),
        ("bob@x.com", OPEN, "email_in_user_id"),
        ("bob@x.com", UserIdType.USER_ID, "email_in_user_id"),
    ],
)
def test_user_id_shapes(value: str, id_type: UserIdType, code: str | None) -> None:
    [row] = check(("a@x.com", "b@x.com", value), id_type=id_type)
    assert [p.code for p in row.problems] == ([code] if code else [])
    assert row.is_valid is (code is None)


def test_wrong_id_type_says_which_option() -> None:
    problem = only_problem(("a@x.com", "b@x.com", "on_1"))
    assert problem.param_dict() == {"value": "on_1", "found": "union_id", "expected": "open_id"}
    msg, hint = describe(problem, "en")
    assert msg == "open_id holds a union_id (on_1), but --user-id-type is open_id."
    assert "--user-id-type union_id" in hint


def test_email_in_user_id_suggests_resolve() -> None:
    _msg, hint = describe(only_problem(("a@x.com", "b@x.com", "mailto:b@x.com")), "en")
    assert "batchbind resolve" in hint


@pytest.mark.parametrize("value", ["b@x\u200b.com", "b@x.com\u0007x", "b\n@x.com", "b@x\u2028.com"])
def test_control_characters(value: str) -> None:
    problem = only_problem(("a@x.com", value, "ou_1"))
    assert problem == Problem("control_characters", "Exchange 账号", (("value", value),))


def test_cell_problems_from_reading() -> None:
    rows = table(
        ("a@x.com", "b@x.com", "1234567890123456"),
        ("a@x.com", "c@x.com", ""),
        problems={2: {2: "number_rounded", 3: "number_rounded"}, 3: {2: "formula_without_value"}},
    )
    first, second = validate(rows, user_id_type=UserIdType.USER_ID)
    # The extra column's problem is not the row's: extra columns are carried, not checked.
    assert first.problems == [
        Problem("number_rounded", "open_id", (("value", "1234567890123456"),))
    ]
    assert second.problems == [Problem("formula_without_value", "open_id")]


def test_every_problem_of_a_row_is_listed() -> None:
    [row] = check(("admin", "", "ou_1 x"))
    assert problems(row) == [
        ("invalid_email", "Admin"),
        ("missing_value", "Exchange 账号"),
        ("invalid_open_id", "open_id"),
    ]


# --- across rows --------------------------------------------------------------------------


def test_exact_duplicates_are_sent_once() -> None:
    rows = check(
        ("a@x.com", "Bob@X.com", "ou_1"),
        ("A@x.com", "bob@x.com", "ou_1"),  # e-mails compare case-insensitively
        ("a@x.com", "bob@x.com", "ou_1"),
    )
    assert [r.outcome for r in rows] == [None, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert [r.duplicate_of for r in rows] == [None, 2, 2]
    assert rows[1].problems == [Problem("duplicate_row", params=(("row", "2"),))]
    assert rows[1].binding == Binding("A@x.com", "bob@x.com", "ou_1")
    assert describe(rows[1].problems[0], "en")[0] == "Same as row 2: sent once."


def test_ids_compare_exactly() -> None:
    rows = check(("a@x.com", "b@x.com", "ou_AB"), ("a@x.com", "b@x.com", "ou_ab"))
    assert [r.outcome for r in rows] == [Outcome.INVALID, Outcome.INVALID]


def test_same_exchange_account_with_another_user_is_a_conflict() -> None:
    rows = check(
        ("a@x.com", "bob@x.com", "ou_1"),
        ("a@x.com", "carol@x.com", "ou_3"),
        ("a@x.com", "BOB@x.com", "ou_2"),
        ("a@x.com", "bob@x.com", "ou_1"),  # a copy of row 2: still a duplicate of it
    )
    assert [r.outcome for r in rows] == [
        Outcome.INVALID,
        None,
        Outcome.INVALID,
        Outcome.DUPLICATE,
    ]
    assert rows[0].problems == [
        Problem(
            "duplicate_exchange_account",
            "Exchange 账号",
            (("value", "bob@x.com"), ("rows", "4"), ("more", "0")),
        )
    ]
    assert rows[2].problems[0].param_dict()["rows"] == "2"
    assert rows[0].binding is not None  # a conflict row still says what it would have sent
    msg, _hint = describe(rows[0].problems[0], "en")
    assert msg == (
        "Exchange account bob@x.com is also on row 4, with another user or admin account."
    )
    assert describe(rows[0].problems[0], "zh")[0] == (
        "Exchange 账号 bob@x.com 也出现在第 4 行，但用户或管理员账号不同。"
    )


def test_same_exchange_account_with_another_admin_is_a_conflict() -> None:
    rows = check(("a@x.com", "bob@x.com", "ou_1"), ("z@x.com", "bob@x.com", "ou_1"))
    assert [p.code for r in rows for p in r.problems] == ["duplicate_exchange_account"] * 2


def test_user_with_several_accounts() -> None:
    given = (("a@x.com", "bob@x.com", "ou_1"), ("a@x.com", "bob2@x.com", "ou_1"))
    rows = check(*given)
    assert [problems(r) for r in rows] == [[("user_has_several_accounts", "open_id")]] * 2
    msg, hint = describe(rows[1].problems[0], "en")
    assert msg == "User ou_1 also has another Exchange account on row 2."
    assert "--allow-multiple-per-user" in hint
    assert all(r.is_valid for r in check(*given, allow_multiple_per_user=True))


def test_invalid_rows_take_no_part_in_conflicts() -> None:
    rows = check(
        ("not an address", "bob@x.com", "ou_1"),
        ("a@x.com", "bob@x.com", "ou_2"),
        ("a@x.com", "bob@x.com", "ou_2 "),
        ("a@x.com", "bob2@x.com", "bad id"),
    )
    assert [r.outcome for r in rows] == [
        Outcome.INVALID,
        None,
        Outcome.DUPLICATE,
        Outcome.INVALID,
    ]


def test_big_conflict_names_a_few_rows_and_counts_the_rest() -> None:
    n = 50_000
    rows = [("a@x.com", "same@x.com", f"ou_{i}") for i in range(n)]
    checked = check(*rows)
    assert all(r.outcome is Outcome.INVALID for r in checked)
    last = checked[-1].problems[0]
    assert last.param_dict()["rows"] == "2, 3, 4, 5, 6"
    assert last.param_dict()["more"] == str(n - 6)
    assert describe(last, "en")[0].endswith(
        "on rows 2, 3, 4, 5, 6 and 49,994 more, with another user or admin account."
    )
    # Linear, not quadratic: ten times the rows take about ten times the time (a hundred times
    # if quadratic). Timed as CPU time of this process, best of a few, in the same run: a ratio
    # of CPU times stays stable on a busy machine where a wall-clock bound does not.
    big = min(_cpu_time(check, *rows) for _ in range(2))
    small = min(_cpu_time(check, *rows[: n // 10]) for _ in range(3))
    assert big / small < 40, (big, small)


def _cpu_time(fn: Callable[..., object], *args: object) -> float:
    gc.collect()
    start = time.process_time()
    fn(*args)
    return time.process_time() - start


def test_validating_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "Title\nadmin_account,exchange_account,user_id\n\n"
        "a@x.com,b@x.com,ou_1\na@x.com,B@x.com,ou_1\na@x.com,c@x.com,bob@x.com\n",
        encoding="utf-8",
    )
    rows = validate(load_table(path), user_id_type=OPEN)
    assert [(r.source.row, r.outcome, [p.code for p in r.problems]) for r in rows] == [
        (4, None, []),
        (5, Outcome.DUPLICATE, ["duplicate_row"]),
        (6, Outcome.INVALID, ["email_in_user_id"]),
    ]


# --- the catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PROBLEM_CODES))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_code_has_both_languages(code: str, lang: str) -> None:
    params = (("value", "x" * 100), ("length", "501"), ("max", "500"), ("found", "union_id"),
              ("expected", "open_id"), ("row", "7"), ("rows", "3, 9"), ("more", "2"))  # fmt: skip
    msg, hint = describe(Problem(code, "user_id", params), lang)
    assert msg and hint
    assert "{" not in msg + hint
    assert "x" * 61 not in msg  # values are shortened
    is_chinese = any("\u4e00" <= c <= "\u9fff" for c in msg + hint)
    assert is_chinese is (lang == "zh")


def test_unknown_code_and_language() -> None:
    assert describe(Problem("new_rule", "user_id"), "fr") == ("Problem new_rule in user_id.", "")


def test_preview_shows_invisible_characters() -> None:
    assert preview("a\tb\u200bc") == "a\\tb<U+200B>c"
    assert preview("x" * 100) == "x" * 59 + "…"
