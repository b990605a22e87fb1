"""`batchbind ui` in headless Chromium with the team's tracker as the input: the user pastes the
Sheet's link, sees the check, runs, and finds the results written back into the Sheet (issue 16,
step 1: "or paste a Feishu Sheet/Bitable/Wiki link")."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import test_ui_browser
from playwright.sync_api import expect
from test_ui_browser import OpenPage, page_counts, run_to_end
from test_ui_tracker import SHEET, TITLE

from batchbind.output import i18n

pytestmark = pytest.mark.browser

# The browser fixtures, shared (module-scoped: one browser for this module).
playwright, browser, open_page = (
    test_ui_browser.playwright,
    test_ui_browser.browser,
    test_ui_browser.open_page,
)
TRACKER = Path(__file__).resolve().parent.parent / "sample_data" / "tracker.toml"


def test_a_pasted_sheet_link_is_checked_run_and_written_back(open_page: OpenPage) -> None:
    page, ui = open_page("--sandbox-scenario", TRACKER)
    page.fill("#link-input", SHEET)
    page.click("#link-go")
    expect(page.locator("#check")).to_be_visible()
    expect(page.locator("#input-name")).to_contain_text(TITLE)
    expect(page.locator("#skipped-note")).to_have_text(
        "Row 8 is a totals or notes line, not a binding: skipped ('合计 5 人')."
    )
    assert page_counts(page, "#counts")["invalid"] == 1  # 陈敏 has no user id
    expect(page.locator("#problems tbody tr")).to_have_count(1)

    # The scenario's sync takes 5 s: a run ends at once, its rows bound (sync is status's job).
    run_to_end(page)
    assert page_counts(page, "#progress")["bound"] == 4
    notes = page.locator("#job-notes")
    expect(notes).to_be_visible()
    expect(notes).to_have_text(f"Results written back to {TITLE}: 5 rows.")
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(5)

    sandbox = f"http://127.0.0.1:{ui.env['BATCHBIND_SANDBOX_PORT']}"
    found = httpx.get(f"{sandbox}/_sandbox/documents/sheets", trust_env=False).json()
    tab = next(t for t in found["documents"][0]["tabs"] if t["title"] == "名单")
    header = tab["cells"][1]
    outcomes = [row[header.index("outcome")] for row in tab["cells"][2:7]]
    assert outcomes == ["bound", "bound", "bound", "invalid", "bound"]

    # In Chinese the check is said again (the tracker read again), and the note too.
    page.select_option("#lang-switch", "zh")
    expect(page.locator("#problems tbody tr").first).to_contain_text("用户ID 为空")
    expect(notes).to_have_text(i18n.text("tracker_written", "zh", document=TITLE, rows=5))
