"""`batchbind ui` in headless Chromium, as a person reads it (issue 16's polish): every word in
the page's language, the results table laid out row identity first at a laptop's width, and the
live figures of a status job."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_ui_browser
from playwright.sync_api import Page, expect
from test_ui_browser import SAMPLE, OpenPage, run_to_end, upload

from batchbind.output import i18n

pytestmark = pytest.mark.browser

# The browser fixtures, shared (module-scoped: one browser for this module).
playwright, browser, open_page, sample = (
    test_ui_browser.playwright,
    test_ui_browser.browser,
    test_ui_browser.open_page,
    test_ui_browser.sample,
)
RESULT_HEADS = ("row", "outcome", "code", "msg", "hint", "binding_status")
#: Latin words a Chinese page may show: names (of the product, of Microsoft's and Feishu's
#: products, of file formats, of the spreadsheet's columns), and units.
NAMES = {"batchbind", "Exchange", "CSV", "Excel", "xlsx", "csv", "ID", "feishu", "lark", "English"}
NAMES |= {"https"}  # the link box's placeholder, https://…

#: Visible text outside what the user's file and Feishu said (the tables' cells, the file's
#: name, the team's headers), word by word.
_PAGE_WORDS = """() => {
  const skip = "#problems tbody, #results tbody, #file-name, #input-name, #summary, "
    + "#results th.col-account, #results th.col-other, #target, #login-status, #error, dialog";
  const words = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    words.push(...node.textContent.split(/[^A-Za-z_]+/).filter(Boolean));
  }
  // (The results table's tooltips quote the results file's English values: checked apart.)
  for (const el of document.querySelectorAll("option, input[placeholder], [title]:not(th)")) {
    if (el.closest(skip) || !el.checkVisibility()) continue;
    const text = [el.label, el.placeholder, el.title].filter(Boolean).join(" ");
    words.push(...text.split(/[^A-Za-z_]+/).filter(Boolean));
  }
  return words;
}"""


def english_left(page: Page) -> set[str]:
    columns = {"admin_account", "exchange_account", "user_id", *RESULT_HEADS}
    words: list[str] = page.evaluate(_PAGE_WORDS)
    return {w for w in words if w not in NAMES and w not in columns}


def column_names(page: Page) -> list[str]:
    heads = page.locator("#results thead th").all()
    return [th.get_attribute("data-column") or "" for th in heads]


def test_a_chinese_page_has_no_english_left_after_the_switch_or_from_the_start(
    open_page: OpenPage, sample: Path
) -> None:
    page, _ui = open_page("--sandbox-scenario", sample.parent / "scenario.toml")
    upload(page, sample)
    run_to_end(page)
    page.select_option("#lang-switch", "zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    # The results table's own columns in Chinese, saying in a tooltip which column of the
    # results file they are and what it holds (the Summary sheet's words); the team's columns
    # under their own headers.
    for name in RESULT_HEADS:
        head = page.locator(f'#results th[data-column="{name}"]')
        expect(head).to_have_text(i18n.text(f"ui_head_{name}", "zh"))
        expect(head).to_have_attribute("title", re.compile(re.escape(name)))
        title = head.get_attribute("title") or ""
        assert i18n.text(f"sheet_column_{name}", "zh") in title
    for name in ("exchange_account", "user_id", "admin_account", "department", "note"):
        expect(page.locator(f'#results th[data-column="{name}"]')).to_have_text(name)
    expect(page.locator('#results tbody tr[data-row="2"] td.col-outcome')).to_have_text(
        i18n.text("counted_bound", "zh")
    )
    assert not english_left(page), sorted(english_left(page))
    # The file chooser is the page's, in the page's language (the browser's says "Choose File").
    expect(page.locator("#file-button")).to_have_text(i18n.text("ui_choose_button", "zh"))
    expect(page.locator("#file-name")).to_have_text("bindings.csv")

    zh_page, _ui = open_page("--lang", "zh", lang="zh")
    expect(zh_page.locator("#file-name")).to_have_text(i18n.text("ui_no_file_chosen", "zh"))
    assert not english_left(zh_page), sorted(english_left(zh_page))
    upload(zh_page, sample)
    assert not english_left(zh_page), sorted(english_left(zh_page))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_results_read_row_outcome_account_user_id_first_at_1100_and_1400_px(
    open_page: OpenPage, sample: Path, lang: str
) -> None:
    page, _ui = open_page("--lang", lang, lang=lang)
    upload(page, sample)
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(42)
    names = column_names(page)
    assert names[:9] == [
        "",
        "row",
        "outcome",
        "exchange_account",
        "user_id",
        "code",
        "msg",
        "hint",
        "binding_status",
    ]
    assert names[9:] == ["admin_account", "department", "note"]
    for width in (1100, 1400):
        page.set_viewport_size({"width": width, "height": 900})
        table = page.locator("#results").bounding_box()
        assert table is not None
        # Without scrolling sideways: whose row it is, and how it went.
        for name in ("row", "outcome", "exchange_account", "user_id"):
            box = page.locator(f'#results th[data-column="{name}"]').bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= min(table["x"] + table["width"], width), (name, width)
        # A long message wraps within a readable width instead of pushing the row sideways.
        long_hint = page.locator('#results tbody tr[data-row="32"] td.col-text').last
        hint_box = long_hint.bounding_box()
        assert hint_box is not None and hint_box["width"] <= 26 * 16, hint_box
        assert hint_box["height"] > 40  # wrapped onto several lines


def test_the_status_button_shows_how_many_rows_were_asked_while_it_runs(
    open_page: OpenPage, sample: Path
) -> None:
    # 8 requests a second: the 32 bound rows' status takes 4 s, seen as it goes.
    page, _ui = open_page(
        "--sandbox-scenario", sample.parent / "scenario.toml", "--rate-per-second", "8"
    )
    upload(page, sample)
    run_to_end(page)
    page.click("#status-button")
    asked = page.locator('#progress [data-count="checked"]')
    expect(asked).to_be_visible()
    expect(
        page.locator("#progress li", has=page.locator('[data-count="checked"]'))
    ).to_contain_text(i18n.text("ui_count_checked", "en"))
    # Neither 0 nor the whole: rows counted as their answers come.
    expect(asked).to_have_text(re.compile(r"^(?:[1-9]|[12][0-9]|3[01])$"), timeout=20_000)
    expect(page.locator('#progress [data-count="bound"]')).to_be_hidden()
    expect(page.locator("#progress")).to_have_attribute("data-state", "done", timeout=60_000)
    expect(asked).to_be_hidden()
    expect(page.locator('#progress [data-count="bound"]')).to_have_text("32")


assert SAMPLE.is_dir()


def test_the_results_table_is_built_once_per_change(open_page: OpenPage, sample: Path) -> None:
    # A rebuild the user did not ask for loses the table's scroll position (and made a layout
    # test flaky: a header measured while it was replaced has no box).
    page, _ui = open_page()
    page.evaluate(
        """() => {
          window.builds = 0;
          new MutationObserver(() => { window.builds += 1; })
            .observe(document.querySelector("#results thead tr"), { childList: true });
        }"""
    )
    upload(page, sample)
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(42)
    page.wait_for_timeout(1500)  # the event stream ticks every 0.25 s
    assert page.evaluate("window.builds") == 1
    # A filter is a change: the table follows it, once.
    page.select_option("#results-filter", "invalid")
    expect(page.locator("#results tbody tr[data-row]")).to_have_count(5)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.builds") == 2
