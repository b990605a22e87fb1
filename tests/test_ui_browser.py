"""`batchbind ui` in a real browser: headless Chromium driven by Playwright, against the real CLI
(a subprocess), the real background sandbox and the real SQLite journal.

Each test starts its own `batchbind ui --no-browser --sandbox` with isolated folders and ports
(tests/ui_page.py). Chromium comes from the operating system (Debian's `chromium`); without it
these tests fail, saying how to install it: they are never skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from conftest import ADMIN, HEADER, read_results, run_cli, spawn_cli, write_input
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from ui_page import UiProcess, find_chromium, serve_ui

from batchbind.output import i18n

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
#: Long enough for a run that has to end (42 rows, latency, retries) on a busy 2-core machine.
RUN_TIMEOUT_MS = 90_000
OpenPage = Callable[..., tuple[Page, UiProcess]]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    # Module scope, not session: Playwright's sync API keeps an event loop of its own, which the
    # asyncio tests of other modules must never run beside.
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    try:
        chromium = find_chromium()
    except FileNotFoundError as missing:
        reason = str(missing)
    else:
        reason = ""
    if reason:
        pytest.fail(reason, pytrace=False)  # never a skip: CI must not pass without the browser
    launched = playwright.chromium.launch(executable_path=chromium, headless=True)
    yield launched
    launched.close()


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The README's sample sheet, copied (a results file may land beside it)."""
    folder = tmp_path / "sample"
    folder.mkdir()
    shutil.copy(SAMPLE / "bindings.csv", folder)
    shutil.copy(SAMPLE / "scenario.toml", folder)
    return folder / "bindings.csv"


@pytest.fixture
def open_page(browser: Browser, tmp_path: Path) -> Iterator[OpenPage]:
    """`open_page(*ui_args)`: a started `batchbind ui --no-browser --sandbox ARGS` and a page that
    opened its printed link. At the end: no script error on the page, every request it made went
    to the page's own server (nothing fetched from the internet)."""
    stack = ExitStack()
    pages: list[tuple[Page, UiProcess, list[str], list[str]]] = []

    def open_(*args: str | Path, lang: str = "en") -> tuple[Page, UiProcess]:
        ui = stack.enter_context(serve_ui("--sandbox", *args, cwd=tmp_path))
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}, locale=lang
        )
        stack.callback(context.close)
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        elsewhere: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(ui.base + "/") else elsewhere.append(request.url)
            ),
        )
        response = page.goto(ui.link)
        assert response is not None and response.ok, response and response.status
        # The secret left the address bar (it lives in an HttpOnly cookie now).
        assert ui.secret not in page.url
        expect(page.locator("#lang-switch")).to_have_value(lang)
        pages.append((page, ui, errors, elsewhere))
        return page, ui

    yield open_
    stack.close()
    for _page, ui, errors, elsewhere in pages:
        assert not errors, f"script errors on the page: {errors}"
        assert not elsewhere, f"the page fetched from elsewhere than {ui.base}: {elsewhere}"


# -- helpers -------------------------------------------------------------------------------------


def page_counts(page: Page, scope: str) -> dict[str, int]:
    """The counts the page shows (a job shows only those it counts: status, unbind their own)."""
    return {
        el.get_attribute("data-count") or "": int(el.inner_text())
        for el in page.locator(f"{scope} [data-count]").all()
        if el.is_visible()
    }


def upload(page: Page, path: Path) -> None:
    page.set_input_files("#file-input", path)
    expect(page.locator("#check")).to_be_visible()
    expect(page.locator("#run-button")).to_be_enabled()


def run_to_end(page: Page, state: str = "done") -> None:
    expect(page.locator("#target")).to_have_value("sandbox")
    page.click("#run-button")
    expect(page.locator("#progress")).to_have_attribute("data-state", state, timeout=RUN_TIMEOUT_MS)


def journal_runs(ui: UiProcess) -> list[dict[str, Any]]:
    """`batchbind journal --json` in the page's own environment (the newest run first)."""
    shown = run_cli("journal", "--json", "--limit", "100", env=ui.env)
    assert shown.returncode == 0, shown.stderr
    runs: list[dict[str, Any]] = json.loads(shown.stdout)
    return sorted(runs, key=lambda run: int(run["id"]), reverse=True)


def journal_runs_if_any(ui: UiProcess) -> list[dict[str, Any]]:
    journals = Path(ui.env["BATCHBIND_DATA_DIR"]) / "journals"
    return journal_runs(ui) if journals.exists() else []


def journal_states(ui: UiProcess) -> Counter[str]:
    """Every row's state as the SQLite journal itself holds it."""
    journals = list((Path(ui.env["BATCHBIND_DATA_DIR"]) / "journals").glob("*.sqlite"))
    assert len(journals) == 1, journals
    with sqlite3.connect(journals[0]) as db:
        return Counter(state for (state,) in db.execute("SELECT state FROM rows"))


def wait_for(what: Callable[[], bool], timeout: float = RUN_TIMEOUT_MS / 1000) -> None:
    """Wait until `what()` holds (for what the journal, not the page, says)."""
    end = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < end, f"still not true after {timeout:.0f} s"
        time.sleep(0.1)


def locked_sentence() -> str:
    """The start of the journal-locked sentence (before it names the journal's path)."""
    return i18n.text("journal_locked", "en", path="\0", holder="").split("\0")[0]


def without_paths(text: str) -> str:
    """`text` with every path of the sample sheet (or the sheet resolve writes) as FILE."""
    return re.sub(r"\S*bindings(\.resolved)?\.csv", "FILE", text)


def shown_outcomes(page: Page) -> dict[int, str]:
    rows = page.locator("#results tbody tr[data-row]")
    return {
        int(row.get_attribute("data-row") or 0): row.get_attribute("data-outcome") or ""
        for row in rows.all()
    }


# -- 1, 2. choose the input, check it --------------------------------------------------------------


def test_upload_shows_the_counts_and_problem_groups_of_validate(
    open_page: OpenPage, sample: Path, tmp_path: Path
) -> None:
    page, _ui = open_page()
    expect(page.locator("#check")).to_be_hidden()
    upload(page, sample)

    checked = tmp_path / "validated" / "bindings.csv"
    checked.parent.mkdir()
    shutil.copy(sample, checked)
    validated = run_cli("validate", checked, "--json")
    report = json.loads(validated.stdout.splitlines()[0])

    counts = page_counts(page, "#counts")
    assert counts == {name: report["counts"][name] for name in counts}
    assert counts["invalid"] == 5 and counts["duplicate"] == 1  # the sample's own problems
    groups = page.locator("#problems tr.problem-group")
    shown = Counter(
        (group.locator("td").first.inner_text(), int(group.get_attribute("data-rows") or 0))
        for group in groups.all()
    )
    expected = Counter((cause["cause"], cause["count"]) for cause in report["causes"])
    assert shown == expected
    # Each group names its rows and says what to do (the hint validate gives; a hint that names
    # the input names the page's upload, not the file validate read).
    texts = [without_paths(group.inner_text()) for group in groups.all()]
    for cause in report["causes"]:
        rows, hint = ", ".join(map(str, cause["rows"])), without_paths(cause["hint"])
        assert any(rows in text and hint in text for text in texts), cause
    # A hint that names the input names the file the user chose, never the page's private copy.
    assert tempfile.gettempdir() not in page.inner_text("#problems")
    # Nothing was sent: the check makes no journal.
    assert not (Path(os.environ["BATCHBIND_DATA_DIR"]) / "journals").exists()


def test_the_templates_download_from_the_page_as_the_template_command_writes_them(
    open_page: OpenPage, tmp_path: Path
) -> None:
    page, _ui = open_page()
    for link, suffix in (("#template-xlsx", ".xlsx"), ("#template-csv", ".csv")):
        with page.expect_download() as waiting:
            page.click(link)
        got = tmp_path / f"from-page{suffix}"
        waiting.value.save_as(got)
        assert waiting.value.suggested_filename.endswith(suffix)
        written = tmp_path / f"from-cli{suffix}"
        assert run_cli("template", written).returncode == 0
        if suffix == ".csv":
            assert got.read_bytes() == written.read_bytes()
        else:
            first = [
                next(
                    openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True)
                )
                for path in (got, written)
            ]
            assert first[0] == first[1] and first[0][:3] == HEADER


def test_a_file_that_is_not_a_spreadsheet_gets_the_cli_sentence_with_the_pages_template_links(
    open_page: OpenPage, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    page, _ui = open_page()
    page.set_input_files("#file-input", photo)
    alert = page.locator("#error")
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    shown = alert.inner_text()
    cli = run_cli("validate", photo)
    assert cli.returncode == 2
    # The page says what the terminal says (its sentence, then its hint, on one line), except
    # that the ready-to-fill file is the page's own template links, not `batchbind template`
    # (issue 16: a page user has no terminal; this test said the CLI's words before).
    said = cli.stderr.strip().removeprefix("Error: ")
    said = said.replace(i18n.text("headers_hint", "en"), i18n.text("headers_hint_on_page", "en"))
    assert shown.split() == said.split() and "Traceback" not in shown
    assert "batchbind template" not in shown
    expect(page.locator("#template-xlsx")).to_be_visible()
    expect(page.locator("#template-csv")).to_be_visible()
    # The same in Chinese, for a .pdf and a .docx.
    page.select_option("#lang-switch", "zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    for name in ("scan.pdf", "letter.docx"):
        other = tmp_path / name
        other.write_bytes(b"%PDF-1.4\n" + bytes(64))
        page.set_input_files("#file-input", other)
        expect(alert).to_contain_text(name)
        expect(alert).to_contain_text(i18n.text("headers_hint_on_page", "zh"))
        expect(alert).not_to_contain_text("batchbind")
        expect(page.locator("#file-name")).to_have_text(name)
    expect(page.locator("#check")).to_be_hidden()
    expect(page.locator("#run-button")).to_be_disabled()
    # A link that the page cannot read: a sentence in the alert too, and still nothing to run.
    page.fill("#link-input", "https://example.com/not-a-sheet")
    page.click("#link-go")
    expect(alert).not_to_have_text(shown)
    expect(alert).to_be_visible()
    expect(page.locator("#check")).to_be_hidden()


# -- 4, 5. run it against the sandbox; see and download the results --------------------------------


def test_a_run_to_the_end_shows_the_journal_counts_and_downloads_the_results(
    open_page: OpenPage, sample: Path, tmp_path: Path
) -> None:
    page, ui = open_page("--sandbox-scenario", sample.parent / "scenario.toml")
    upload(page, sample)
    run_to_end(page)

    progress = page_counts(page, "#progress")
    run = journal_runs(ui)[0]
    assert run["command"] == "run" and not run["running"]
    assert progress == {name: run["counts"][name] for name in ("bound", "failed", "pending")}
    # The scenario refuses some rows (people who left, a retired admin) and binds the others.
    assert progress["bound"] == 32 and progress["failed"] == 4 and progress["pending"] == 0
    assert journal_states(ui)["bound"] == progress["bound"]
    expect(page.locator("#exit-code")).to_have_text(str(run["exit_code"]))

    # Every row of the sheet is in the table, with the journal's outcome.
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(42)
    outcomes = shown_outcomes(page)
    assert Counter(outcomes.values()) == Counter(
        {name: n for name, n in run["counts"].items() if n}
    )
    page.select_option("#results-filter", "failed")
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(4)
    assert set(shown_outcomes(page).values()) == {"failed"}

    with page.expect_download() as waiting:
        page.click("#download-results")
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = read_results(saved)
    assert len(rows) == 42
    assert {int(row["row"]): row["outcome"] for row in rows} == outcomes

    # The switch to Chinese says the results again in Chinese.
    page.select_option("#lang-switch", "zh")
    bound_zh = i18n.text("counted_bound", "zh")
    expect(page.locator("#summary")).to_contain_text(bound_zh)
    expect(page.locator('#results tbody tr[data-outcome="failed"]').first).to_contain_text(
        i18n.text("counted_failed", "zh")
    )
    # The rows never sent (invalid, duplicate) too, as `batchbind validate --lang zh` says them.
    validated = run_cli("validate", sample, "--json", "--lang", "zh")
    report = json.loads(validated.stdout.splitlines()[0])
    hint = next(cause["hint"] for cause in report["causes"] if cause["code"] == "invalid_email")
    page.select_option("#results-filter", "invalid")
    expect(page.locator('#results tbody tr[data-row="10"]')).to_contain_text(hint)


def test_the_status_button_asks_feishu_for_the_sync_status_of_the_bound_rows(
    open_page: OpenPage, sample: Path
) -> None:
    page, ui = open_page("--sandbox-scenario", sample.parent / "scenario.toml")
    upload(page, sample)
    run_to_end(page)
    page.click("#status-button")
    wait_for(
        lambda: journal_runs(ui)[0]["command"] == "status" and not journal_runs(ui)[0]["running"]
    )
    status = journal_runs(ui)[0]
    expect(page.locator("#progress")).to_have_attribute("data-state", "done")
    expect(page.locator("#exit-code")).to_have_text(str(status["exit_code"]))
    # Every bound row now shows a sync status in the table (the journal's, after `status`).
    with sqlite3.connect(next((Path(ui.env["BATCHBIND_DATA_DIR"]) / "journals").glob("*"))) as db:
        synced = Counter(
            s for (s,) in db.execute("SELECT binding_status FROM rows WHERE state='bound'")
        )
    assert sum(synced.values()) == 32 and "" not in synced, synced
    page.select_option("#results-filter", "bound")
    rows = page.locator("#results tbody tr[data-row]")
    expect(rows).to_have_count(32)
    shown = Counter(row.locator("td.col-status").inner_text() for row in rows.all())
    assert shown == synced


def test_a_long_run_shows_its_rate_429s_and_time_left_and_stops_like_ctrl_c(
    open_page: OpenPage, tmp_path: Path
) -> None:
    sheet = write_input(
        tmp_path / "many.csv",
        [(ADMIN, f"user{i:03}@corp.example", f"ou_{i:032x}") for i in range(300)],
    )
    # The sandbox takes 6 creates a second and batchbind sends 10: some answers are 429s, and
    # 300 rows take most of a minute, time enough to watch and to press Stop.
    scenario = tmp_path / "slow.toml"
    scenario.write_text(
        "[latency]\nmin_ms = 50\nmax_ms = 100\n[limits]\nper_second = 6\n", encoding="utf-8"
    )
    page, ui = open_page("--sandbox-scenario", scenario, "--rate-per-second", "10")
    upload(page, sheet)
    page.click("#run-button")
    expect(page.locator("#progress")).to_have_attribute("data-state", "running")
    expect(page.locator("#stop-button")).to_be_enabled()
    expect(page.locator("#run-button")).to_be_disabled()

    # The rate against the ceiling (shown once a few seconds are measured), the 429s, time left.
    rate = page.locator("#rate")
    expect(rate).to_have_text(re.compile(r"^\d+ "), timeout=RUN_TIMEOUT_MS)
    shown = rate.inner_text()  # read once: the next event changes it
    per_minute = int(shown.split()[0])
    assert 0 < per_minute <= 10 * 60 * 1.5, per_minute  # 10 a second, and a first burst
    # The ceiling is the tighter budget: 10 a second is 600 a minute (not the 1000 a minute).
    assert shown == i18n.text("ui_per_minute", "en", rate=per_minute, ceiling=600)
    expect(page.locator("#throttled")).not_to_have_text("0", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#eta")).to_have_text(re.compile(r"^\d+:\d\d$"))
    expect(page.locator('#progress [data-count="bound"]')).not_to_have_text("0")

    # One job at a time: while the page sends, a terminal's run on the same journal is refused.
    cli = run_cli("run", sheet, "--sandbox", env=ui.env)
    assert cli.returncode == 75, cli.stderr
    assert locked_sentence() in cli.stderr
    expect(page.locator("#progress")).to_have_attribute("data-state", "running")

    page.click("#stop-button")
    expect(page.locator("#progress")).to_have_attribute(
        "data-state", "stopped", timeout=RUN_TIMEOUT_MS
    )

    progress = page_counts(page, "#progress")
    assert progress["bound"] > 0 and progress["pending"] > 0, progress
    assert progress["bound"] + progress["failed"] + progress["pending"] == 300
    run = journal_runs(ui)[0]
    assert not run["running"] and run["ended_at"]
    assert progress == {name: run["counts"][name] for name in ("bound", "failed", "pending")}
    assert journal_states(ui)["bound"] == progress["bound"]
    expect(page.locator("#exit-code")).to_have_text(str(run["exit_code"]))
    assert run["exit_code"] != 0

    # The results are written: every row, the unsent ones pending.
    with page.expect_download() as waiting:
        page.click("#download-results")
    saved = tmp_path / "stopped.xlsx"
    waiting.value.save_as(saved)
    outcomes = Counter(row["outcome"] for row in read_results(saved))
    assert outcomes["bound"] == progress["bound"] and outcomes["pending"] == progress["pending"]
    assert sum(outcomes.values()) == 300


def test_a_run_in_a_terminal_holds_the_journal_and_the_page_says_so(
    open_page: OpenPage, tmp_path: Path
) -> None:
    sheet = write_input(
        tmp_path / "many.csv",
        [(ADMIN, f"user{i:03}@corp.example", f"ou_{i:032x}") for i in range(200)],
    )
    page, ui = open_page()
    upload(page, sheet)
    terminal = spawn_cli("run", sheet, "--sandbox", "--rate-per-second", "5", cwd=tmp_path)
    try:
        wait_for(lambda: bool(journal_runs_if_any(ui)) and journal_runs_if_any(ui)[0]["running"])
        page.click("#run-button")
        expect(page.locator("#error")).to_contain_text(locked_sentence())
        expect(page.locator("#progress")).not_to_have_attribute("data-state", "running")
    finally:
        terminal.send_signal(signal.SIGINT)
        terminal.communicate(timeout=60)
    assert [run["command"] for run in journal_runs(ui)] == ["run"]  # the terminal's only


# -- safety: the secret and the Host ---------------------------------------------------------------


def test_a_visit_without_the_secret_is_refused_with_a_page_saying_to_open_the_link(
    browser: Browser, tmp_path: Path
) -> None:
    with serve_ui("--sandbox", cwd=tmp_path) as ui:
        context = browser.new_context()
        page = context.new_page()
        for address in (ui.base + "/", ui.base + "/?token=not-the-secret", ui.base + "/api/config"):
            response = page.goto(address)
            assert response is not None and response.status == 403, address
            expect(page.locator("#need-link")).to_be_visible()
            expect(page.locator("#need-link")).to_contain_text(i18n.text("ui_need_link", "en"))
            expect(page.locator("#lang-switch")).to_have_count(0)
        assert not context.cookies()
        # The same browser with the printed link gets the page.
        response = page.goto(ui.link)
        assert response is not None and response.status == 200
        expect(page.locator("#lang-switch")).to_be_visible()
        context.close()


def test_a_request_with_a_foreign_host_is_refused_even_with_the_secret(tmp_path: Path) -> None:
    with serve_ui("--sandbox", cwd=tmp_path) as ui:
        # DNS rebinding: a site whose name points at 127.0.0.1 sends its own Host header.
        for host in (f"evil.example:{ui.port}", "evil.example", f"127.0.0.1:{ui.port + 1}"):
            answer = httpx.get(ui.link, headers={"Host": host}, follow_redirects=False)
            assert answer.status_code == 403, host
            assert "set-cookie" not in answer.headers
            assert ui.secret not in answer.text
        # The control: the right Host with the secret is let in (a redirect setting the cookie).
        answer = httpx.get(ui.link, follow_redirects=False)
        assert answer.status_code in (302, 303), answer.status_code
        assert "set-cookie" in answer.headers


def test_a_state_changing_request_without_the_page_token_is_refused(
    open_page: OpenPage, sample: Path
) -> None:
    page, ui = open_page()
    upload(page, sample)
    # The browser holds the secret's cookie, as another site's form would make it send.
    for headers in ({}, {"X-CSRF-Token": "not-the-page-token"}):
        answer = page.context.request.post(
            ui.base + "/api/run", data={"target": "sandbox"}, headers=headers
        )
        assert answer.status == 403, headers
        assert answer.json() == {"error": i18n.text("ui_csrf", "en")}
    assert not journal_runs_if_any(ui)
    # The control: the same request with the token of the page's <meta> is let through.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    answer = page.context.request.post(
        ui.base + "/api/run", data={"target": "sandbox"}, headers={"X-CSRF-Token": token}
    )
    assert answer.ok, answer.status
    expect(page.locator("#progress")).to_have_attribute(
        "data-state", "done", timeout=RUN_TIMEOUT_MS
    )
    assert journal_runs(ui)[0]["command"] == "run"


# -- the language ------------------------------------------------------------------------------------


def test_the_language_switch_says_the_labels_and_the_check_again_in_chinese(
    open_page: OpenPage, sample: Path
) -> None:
    page, _ui = open_page()
    step = page.locator("#step-input h2")
    expect(step).to_have_text(i18n.text("ui_step_input", "en"))
    upload(page, sample)
    page.select_option("#lang-switch", "zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(step).to_have_text(i18n.text("ui_step_input", "zh"))
    expect(page.locator("#run-button")).to_have_text(i18n.text("ui_run", "zh"))
    # The check already shown is said again, as `batchbind validate --lang zh` words it.
    expect(page.locator("#input-name")).to_contain_text(i18n.text("ui_rows", "zh"))
    validated = run_cli("validate", sample, "--json", "--lang", "zh")
    report = json.loads(validated.stdout.splitlines()[0])
    for cause in report["causes"]:
        expect(page.locator("#problems tbody")).to_contain_text(cause["cause"])
        assert without_paths(cause["hint"]) in without_paths(page.inner_text("#problems tbody"))
    # A reload keeps the chosen language.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh")


def test_lang_zh_on_the_command_line_opens_the_page_in_chinese(open_page: OpenPage) -> None:
    page, _ui = open_page("--lang", "zh", lang="zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#step-run h2")).to_have_text(i18n.text("ui_step_run", "zh"))
    # The login form opens only when asked (a `display` rule once overrode its `hidden`).
    expect(page.locator("#login-form")).to_be_hidden()
    page.click("#login-button")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-form")).to_contain_text(i18n.text("ui_login_app_id", "zh"))


# -- unbind, behind a confirmation ---------------------------------------------------------------


def test_unbind_of_selected_rows_asks_first_naming_the_count(
    open_page: OpenPage, sample: Path
) -> None:
    page, ui = open_page("--sandbox-scenario", sample.parent / "scenario.toml")
    upload(page, sample)
    run_to_end(page)
    page.select_option("#results-filter", "bound")
    chosen = page.locator("#results tbody tr[data-row]").all()[:3]
    numbers = sorted(int(row.get_attribute("data-row") or 0) for row in chosen)
    for row in chosen:
        row.locator("input.select-row").check()

    # Cancel: the dialog names the count, and nothing is unbound.
    page.click("#unbind-button")
    dialog = page.locator("#unbind-confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#unbind-count")).to_have_text("3")
    expect(dialog).to_contain_text(i18n.text("ui_unbind_question", "en", count=3))
    page.click("#unbind-no")
    expect(dialog).to_be_hidden()
    assert journal_states(ui)["bound"] == 32

    page.click("#unbind-button")
    expect(page.locator("#unbind-count")).to_have_text("3")
    page.select_option("#results-filter", "all")
    page.click("#unbind-yes")
    for number in numbers:
        expect(page.locator(f'#results tbody tr[data-row="{number}"]')).to_have_attribute(
            "data-outcome", "unbound", timeout=RUN_TIMEOUT_MS
        )
    expect(page.locator("#progress")).to_have_attribute("data-state", "done")
    assert journal_runs(ui)[0]["command"] == "unbind"
    assert journal_states(ui)["bound"] == 29
    assert Counter(shown_outcomes(page).values())["unbound"] == 3
