"""Under `--lang zh` every sentence of every failure path is Chinese, click's own usage errors
included (issue 13 item 6); the exit codes stay as the contract says (2 for a usage error)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import SANDBOX_TOKEN, MakeSandbox, read_results, run_cli, spawn_cli, write_input

from batchbind.cli.common import friendly_errors
from batchbind.cli.usage import CLICK_MODULES, click_keys, click_speaks, lang_asked
from batchbind.errors import InputError
from batchbind.feishu.client import Reply, _parse
from batchbind.output import i18n

# -- the heuristic: an English sentence is three English words in a row ----------------------------

_NOT_WORDS = [
    r"'[^']*'",  # quoted values, names and paths
    r"\"[^\"]*\"",
    r"`[^`]*`",  # commands quoted in hints
    r"\bbatchbind(?: +[\w./<>=-]+)*",  # a command line: batchbind auth login, batchbind run FILE
    r"\S*[/\\]\S*",  # paths and URLs
    r"\S+@\S+",  # e-mail addresses
    r"-{1,2}[\w-]+",  # options
    r"\b\w*[_\d]\w*\b",  # identifiers and codes: user_id, FEISHU_APP_SECRET, 429
    r"\[[A-Z]+\]",  # click's [OPTIONS] metavar
]


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words left once names, paths, options and codes are gone."""
    for pattern in _NOT_WORDS:
        text = re.sub(pattern, " ", text)
    return re.findall(r"[A-Za-z]+(?:[ :.]+[A-Za-z]+){2,}", text)


def test_the_heuristic_sees_an_english_sentence_and_nothing_else() -> None:
    assert english_runs("Error: Missing argument 'INPUT'.")
    assert english_runs("Try 'batchbind run --help' for help.")
    assert english_runs("x.toml：unknown setting(s) in the top level: nonsense")
    assert not english_runs("错误：缺少参数 'INPUT'。")
    assert not english_runs("请运行 batchbind auth login（或 auth import）、设置 FEISHU_APP_SECRET")
    assert not english_runs("用法： batchbind run [OPTIONS] INPUT")
    assert not english_runs("请给出 .xlsx 或 .csv 文件的路径：/tmp/a b/c.csv")


# -- click's words ----------------------------------------------------------------------------------


def _click_message_ids() -> set[str]:
    found: set[str] = set()
    for name in CLICK_MODULES:
        source = Path(importlib.import_module(f"click.{name}").__file__ or "").read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return found


def test_every_click_key_is_a_message_click_still_says() -> None:
    ids = _click_message_ids()
    ours = click_keys()
    assert len(ours) > 20
    for key in ours:
        assert i18n.template(key, "en") in ids, f"{key}: click no longer says this (reworded?)"


def test_the_usage_errors_a_user_meets_are_all_in_the_catalogue() -> None:
    ours = {i18n.template(k, "en") for k in click_keys()}
    for needed in (
        "Error: {message}",
        "Usage:",
        "Try '{command} {option}' for help.",
        "No such option {name!r}.",
        "No such command {name!r}.",
        "Missing argument",
        "Invalid value for {param_hint}: {message}",
        "{value!r} is not one of {choices}.",
        "{value} is not in the range {range}.",
        "{name} {filename!r} does not exist.",
        "Option {name!r} requires an argument.",
        "Aborted!",
    ):
        assert needed in ours, needed


def test_click_speaks_chinese_inside_and_english_again_after() -> None:
    with click_speaks("zh"):
        error = click.UsageError("x")
        assert click.exceptions._("Error: {message}") == "错误：{message}"
        assert click.types.ngettext("{value!r} is not {choice}.", "plural", 1).endswith("。")
    assert click.exceptions._("Error: {message}") == "Error: {message}"
    assert str(error) == "x"


@pytest.mark.parametrize(
    ("argv", "lang"),
    [
        (["run", "x.csv", "--lang", "zh"], "zh"),
        (["run", "--lang=zh", "x.csv"], "zh"),
        (["run", "--lang", "zh", "--lang", "en"], "en"),
        (["run", "--lang", "fr"], None),
        (["run", "--lang"], None),
        (["run", "--", "--lang", "zh"], None),
        ([], None),
    ],
)
def test_the_language_asked_before_click_parses(argv: list[str], lang: str | None) -> None:
    assert lang_asked(argv) == lang


# -- every failure path under zh --------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("zh")
    (where / "folder").mkdir()
    write_input(where / "ok.csv", [("admin@x.com", "a@x.com", "ou_1")])
    (where / "nocol.csv").write_text("admin_account,exchange_account\na@x.com,b@x.com\n")
    (where / "pdf.csv").write_bytes(b"%PDF-1.7 not a spreadsheet")
    (where / "unknown.toml").write_text("colour = 'red'\n")
    (where / "badlimit.toml").write_text("[limits]\nper_second = 0\n")
    return where


#: (arguments, exit code); `--lang zh` is added to every command that has it.
FAILURES: list[tuple[str, int]] = [
    ("validate {d}/missing.xlsx", 2),  # file not found
    ("validate {d}/folder", 2),  # a folder given as file
    ("validate {d}/pdf.csv", 2),  # unreadable as a spreadsheet
    ("validate {d}/nocol.csv", 2),  # missing column
    ("run {d}/ok.csv --state {d}/j.db", 2),  # no token
    ("run", 2),  # missing argument
    ("run {d}/ok.csv --bogus", 2),  # unknown option
    ("run {d}/ok.csv --user-id-type nope", 2),  # bad choice
    ("run {d}/ok.csv --concurrency 0", 2),  # out of range
    ("run {d}/ok.csv --concurrency many", 2),  # not a number
    ("run {d}/ok.csv --rate-per-second", 2),  # option without its value
    ("run {d}/ok.csv {d}/ok.csv", 2),  # extra argument
    ("run {d}/ok.csv --out {d}/folder", 2),  # a folder as --out
    ("run {d}/ok.csv --sandbox-scenario {d}/none.toml", 2),  # click.Path(exists=True)
    ("run {d}/ok.csv --sandbox-scenario {d}/unknown.toml", 2),  # scenario checks
    ("run {d}/ok.csv --sandbox-scenario {d}/badlimit.toml", 2),
    ("run {d}/ok.csv --sandbox --token u-x", 2),  # refused combination
    ("run {d}/ok.csv --base-url http://example.com --token u-x", 2),  # plain http
    ("template {d}/t.txt", 2),
    ("template", 2),
    ("report --state {d}/none.db", 2),
    ("report --run twelve", 2),
    # With a token (not --sandbox: that would start a background sandbox for nothing).
    ("status {d}/missing.xlsx --base-url http://127.0.0.1:9", 2),
    ("unbind {d}/missing.xlsx --base-url http://127.0.0.1:9", 2),
    ("resolve {d}/missing.csv --base-url http://127.0.0.1:9 --app-id cli_x", 2),
    ("resolve {d}/ok.csv --sandbox --bogus", 2),
    ("auth login", 1),
    ("auth status --bogus", 2),
    ("nosuchcommand", 2),
    ("auth nosuchcommand", 2),
    ("sandbox --scenario {d}/unknown.toml", 2),
    ("sandbox --port 99999", 2),
    ("sandbox stop --port 0", 2),
]
#: With no --lang, a Chinese locale decides.
LOCALE_FAILURES: list[tuple[str, int]] = [
    ("journal purge --older-than x", 2),
    ("journal purge", 2),  # missing option
    ("journal --limit 0", 2),
    ("journal --state {d}/none.db", 2),
    ("run {d}/ok.csv --bogus", 2),
    ("validate {d}/nocol.csv", 2),
    ("sandbox --scenario {d}/unknown.toml", 2),
]


def _says_only_chinese(result_text: str) -> None:
    assert result_text.strip(), "said nothing"
    for line in result_text.splitlines():
        assert not line.startswith(("Error", "Usage", "Try ")), line
        assert not english_runs(line), f"English in: {line}"


@pytest.mark.parametrize(("command", "code"), FAILURES)
def test_every_failure_speaks_chinese_with_lang_zh(files: Path, command: str, code: int) -> None:
    with_token = "127.0.0.1:9" in command
    tokens = {"FEISHU_USER_ACCESS_TOKEN": "u-x", "FEISHU_APP_SECRET": "s"} if with_token else {}
    result = run_cli(*command.format(d=files).split(), "--lang", "zh", env=tokens)
    assert result.returncode == code, result.stderr
    _says_only_chinese(result.stderr + result.stdout)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("command", "code"), LOCALE_FAILURES)
def test_every_failure_speaks_chinese_in_a_chinese_locale(
    files: Path, command: str, code: int
) -> None:
    zh_locale = {"BATCHBIND_LANG": "", "LC_ALL": "", "LANGUAGE": "", "LANG": "zh_CN.UTF-8"}
    result = run_cli(*command.format(d=files).split(), env=zh_locale)
    assert result.returncode == code, result.stderr
    _says_only_chinese(result.stderr + result.stdout)


def test_a_usage_error_in_english_is_as_click_says_it(files: Path) -> None:
    result = run_cli("run", files / "ok.csv", "--bogus", "--lang", "en")
    assert result.returncode == 2
    assert "Usage: batchbind run [OPTIONS] INPUT" in result.stderr
    assert "Error: No such option '--bogus'" in result.stderr


def test_a_group_s_lang_holds_for_its_subcommand() -> None:
    @click.group()
    @click.option("--lang")
    def group(lang: str | None) -> None:
        pass

    @group.command()
    @friendly_errors
    def sub() -> None:
        raise InputError.of("purge_no_terminal")

    result = CliRunner().invoke(group, ["--lang", "zh", "sub"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误："), result.stderr
    assert CliRunner().invoke(group, ["sub"]).stderr.startswith("Error: ")


def test_the_sandbox_says_where_it_listens_in_chinese(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    server = spawn_cli("sandbox", "--port", "0", "--state-file", state, "--lang", "zh")
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(3)]
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert lines[0].startswith("飞书沙箱正在监听 http://127.0.0.1:"), lines
    assert lines[1].startswith("令牌：") and lines[2].startswith("试试："), lines
    for line in lines:
        assert not english_runs(line), line


# -- what batchbind writes into an answer itself ---------------------------------------------------


def test_a_page_that_is_not_a_feishu_answer_is_said_in_chinese() -> None:
    page = _parse(Reply(502, {}, b"<html>Bad Gateway</html>"), "zh")
    assert page.msg == "HTTP 502，不是飞书的应答：<html>Bad Gateway</html>"
    assert _parse(Reply(502, {}, b"<html/>")).msg == "HTTP 502, not a Feishu answer: <html/>"


def test_a_gateway_page_reaches_the_results_in_chinese(
    tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    rule = {"exchange_account": "a@x.com", "fault": "gateway_502", "times": 10}
    sandbox = make_sandbox({"faults": {"rules": [rule]}})
    path = write_input(tmp_path / "b.csv", [("admin@x.com", "a@x.com", "ou_1")])
    result = run_cli(
        "run", path, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "j.db", "--max-attempts", "1", "--lang", "zh",
    )  # fmt: skip
    assert result.returncode != 0, result.stderr
    (row,) = read_results(tmp_path / "b.results.xlsx")
    assert row["msg"].startswith("HTTP 502，不是飞书的应答"), row
