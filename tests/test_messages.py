"""The one message catalogue: every key speaks English and Chinese with the same placeholders,
every table that names a key finds it, and errors speak the user's --lang at the CLI edge."""

from __future__ import annotations

import string
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import run_cli, write_input

from batchbind.cli import cli
from batchbind.errors import InputError, JournalError, ScenarioError
from batchbind.feishu import codes
from batchbind.input.load import load_table
from batchbind.jobs.plan import Disposition
from batchbind.output import i18n
from batchbind.output.problems import PROBLEM_CODES


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.mark.parametrize("key", i18n.keys())
def test_every_key_has_english_and_chinese_with_the_same_placeholders(key: str) -> None:
    en, zh = i18n.template(key, "en"), i18n.template(key, "zh")
    assert en.strip() and zh.strip()
    assert _fields(en) == _fields(zh), key
    words = "".join(literal for literal, _, _, _ in string.Formatter().parse(zh))
    assert _is_chinese(zh) or not any(c.isalpha() for c in words), f"{key}: not Chinese"
    assert not _is_chinese(en), f"{key}: the English text holds Chinese"
    assert "日志" not in zh, f"{key}: the journal is 绑定记录 in Chinese, never 日志"


def test_every_table_finds_its_keys() -> None:
    keys = set(i18n.keys())
    for code in PROBLEM_CODES:
        assert {f"problem_{code}", f"problem_{code}_hint"} <= keys
    meanings = [*codes.CODES.values(), codes.NO_ANSWER, codes.UNKNOWN_ROW, codes.UNKNOWN_SERVER]
    meanings += [codes.THROTTLED_HTTP, codes.UNAUTHORIZED_HTTP]
    for meaning in meanings:
        assert meaning.hint_key in keys or meaning is codes.OK


def test_a_keyed_error_is_english_in_logs_and_speaks_the_language_asked() -> None:
    exc = InputError.of("results_suffix", name="x.txt")
    assert str(exc) == "The results file must end in .xlsx or .csv, not 'x.txt'."
    assert exc.hint == "For example: --out results.xlsx"
    message, hint = exc.render("zh")
    assert message == "结果文件的扩展名必须是 .xlsx 或 .csv，而不是 'x.txt'。"
    assert hint == "例如：--out results.xlsx"


def test_a_plain_error_shows_as_given_in_any_language() -> None:
    exc = JournalError("something English", hint="do this")
    assert exc.render("zh") == ("something English", "do this")


def test_an_inner_error_speaks_the_same_language_as_the_outer() -> None:
    inner = ScenarioError.of("scenario_suffix")
    outer = ScenarioError.of("scenario_in_file", path="s.txt", error=inner)
    assert "must end in .toml or .json" in str(outer)
    assert "s.txt" in outer.render("zh")[0] and _is_chinese(outer.render("zh")[0])


@pytest.mark.parametrize(
    ("lang", "start"), [("en", "Error: The template must end"), ("zh", "错误：模板文件")]
)
def test_the_cli_says_an_error_in_the_language_asked(tmp_path: Path, lang: str, start: str) -> None:
    result = CliRunner().invoke(cli, ["template", str(tmp_path / "t.txt"), "--lang", lang])
    assert result.exit_code == 2
    assert result.stderr.startswith(start), result.stderr


def test_a_journal_error_speaks_chinese_and_calls_the_journal_by_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(cli, ["report", "--state", str(missing), "--lang", "zh"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"错误：{missing} 处没有绑定记录：请用 --state 指定某次运行所用的绑定记录。\n"
    )


def _stops_in_chinese(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("错误："), result.stderr
    first = result.stderr.splitlines()[0]
    assert _is_chinese(first.removeprefix("错误：")), first
    for word in words:
        assert word in result.stderr, result.stderr


def test_a_missing_column_stops_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("admin_account,exchange_account\na@x.com,b@x.com\n", encoding="utf-8")
    result = run_cli("validate", path, "--lang", "zh")
    _stops_in_chinese(result, "缺少 user_id 列", "管理员账号")


def test_an_unreadable_file_stops_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(b"%PDF-1.7 not a spreadsheet")
    result = run_cli("validate", path, "--lang", "zh")
    _stops_in_chinese(result, "PDF 文档，不是电子表格")


def test_a_file_not_found_stops_in_chinese(tmp_path: Path) -> None:
    result = run_cli("validate", tmp_path / "nope.xlsx", "--lang", "zh")
    _stops_in_chinese(result, "nope.xlsx 不存在", "请检查路径和文件名")


def test_no_token_stops_in_chinese(tmp_path: Path) -> None:
    path = write_input(tmp_path / "b.csv", [("admin@x.com", "a@x.com", "ou_1")])
    result = run_cli("run", path, "--lang", "zh", "--state", tmp_path / "j.db")
    _stops_in_chinese(result, "没有访问令牌")


def test_an_error_inside_a_sheet_name_speaks_chinese_and_english_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("admin,admin_account,exchange_account,user_id\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_table(path)
    assert str(caught.value).startswith("b.csv: columns A (admin) and B (admin_account) on row 1")
    message, hint = caught.value.render("zh")
    assert message.startswith("b.csv：第 1 行的 A (admin) 和 B (admin_account) 列都表示")
    assert _is_chinese(hint)


def test_every_reason_a_known_row_is_skipped_or_resent_is_said_as_the_plan_names_it() -> None:
    for disposition in Disposition:
        if disposition is not Disposition.NEW:  # a new row is neither skipped nor resent
            key = f"disposition_{disposition.name.lower()}"
            assert i18n.text(key, "en") == disposition.value
            assert _is_chinese(i18n.text(key, "zh"))
