"""`batchbind ui` attacked in a real browser (headless Chromium, Playwright): hostile text in the
input file and in Feishu's answers must show as text and never run; another page on this
machine (another port: the same site; `localhost`: another site) must not read or drive it.

The real CLI (a subprocess), the real background sandbox with a scenario of hostile answers.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import test_ui_browser
from conftest import ADMIN, HEADER, free_port, run_cli, write_input
from playwright.sync_api import Browser, Page, expect
from ui_page import UiProcess, serve_ui

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 90_000
#: Each sets a flag if it ever runs as script; each must show as the text it is.
PAYLOADS = (
    '<img src=x onerror="window.__xss=1">',
    "</script><script>window.__xss=2</script>",
    "javascript:window.__xss=3",
    "\u202eexe.txt\u200b<b>bold</b>",
)
#: Before the page's own scripts: any Content-Security-Policy violation is kept.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
"""
#: What the page itself asks its server for; anything else (an injected <img src=x>) is not.
OWN_PATHS = ("/", "/static/", "/api/", "/favicon.ico")


# The browser fixtures, shared (module-scoped: one browser for this module).
playwright, browser = test_ui_browser.playwright, test_ui_browser.browser


class Watched:
    """A page of the browser, with every console error and request it made."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.requests: list[str] = []
        page.on(
            "console",
            lambda m: self.console.append(m.text) if m.type in ("error", "warning") else None,
        )
        page.on("request", lambda r: self.requests.append(r.url))

    def assert_nothing_ran(self, base: str) -> None:
        page = self.page
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("window.__violations") == []
        assert not [c for c in self.console if "Content Security Policy" in c], self.console
        strays = [
            url
            for url in self.requests
            if url.startswith(base)
            and not any(url[len(base) :].split("?")[0].startswith(p) for p in OWN_PATHS)
        ]
        assert not strays, strays  # an injected element fetched something
        assert page.locator("img, script:not([src='/static/app.js'])").count() == 0


@pytest.fixture
def open_ui(browser: Browser, tmp_path: Path) -> Iterator[Callable[..., tuple[Watched, UiProcess]]]:
    stack = ExitStack()

    def open_(*args: str | Path) -> tuple[Watched, UiProcess]:
        ui = stack.enter_context(serve_ui("--sandbox", *args, cwd=tmp_path))
        context = browser.new_context(accept_downloads=True)
        stack.callback(context.close)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.add_init_script(WATCH)
        watched = Watched(page)
        response = page.goto(ui.link)
        assert response is not None and response.ok
        expect(page.locator("#lang-switch")).to_have_value("en")
        return watched, ui

    yield open_
    stack.close()


def _upload(page: Page, path: Path) -> None:
    page.set_input_files("#file-input", path)
    expect(page.locator("#check")).to_be_visible()


def _run(page: Page) -> None:
    page.click("#run-button")
    expect(page.locator("#progress")).to_have_attribute(
        "data-state", "done", timeout=RUN_TIMEOUT_MS
    )


# -- 1. hostile text shows as text ----------------------------------------------------------------


def test_hostile_cells_headers_names_and_feishu_answers_show_as_text_and_never_run(
    open_ui: Callable[..., tuple[Watched, UiProcess]], tmp_path: Path
) -> None:
    # Feishu's answer to a conflict carries the first payload as its `msg` (a proxy or a tenant
    # name could); the sheet has one in a header, cells, an invalid id and its own file name.
    scenario = tmp_path / "hostile.toml"
    scenario.write_text(f"[conflict]\nmsg = '''{PAYLOADS[0]}'''\n", encoding="utf-8")
    watched, ui = open_ui("--sandbox-scenario", scenario)
    page = watched.page
    taken = "taken@corp.example"
    first = write_input(tmp_path / "first.csv", [(ADMIN, taken, f"ou_{1:032x}")])
    # Bound by another machine (another journal): only Feishu knows, and answers a conflict.
    elsewhere = run_cli(
        "run", first, "--sandbox", "--state", tmp_path / "elsewhere.sqlite", env=ui.env
    )
    assert elsewhere.returncode == 0, elsewhere.stderr

    named = tmp_path / "<img src=x onerror=window.__xss=5>.csv"
    rows = [
        (ADMIN, taken, f"ou_{2:032x}", PAYLOADS[1]),  # bound to another user: Feishu refuses
        (ADMIN, "b@corp.example", PAYLOADS[0], PAYLOADS[2]),  # an id that is markup: invalid
        (ADMIN, "c@corp.example", f"ou_{3:032x}", PAYLOADS[3]),
    ]
    write_input(named, rows, header=(*HEADER, PAYLOADS[0]))
    _upload(page, named)
    problems = page.locator("#problems")
    expect(problems).to_contain_text("user_id is not an open_id")
    _run(page)
    results = page.locator("#results")
    expect(results.locator("thead")).to_contain_text(PAYLOADS[0])  # the header name
    for payload in PAYLOADS[1:]:
        expect(results).to_contain_text(payload.replace("\u200b", "").replace("\u202e", ""))
    refused = page.locator("#results tbody tr[data-outcome='failed']")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(PAYLOADS[0])  # Feishu's msg, literally
    assert "<" not in page.inner_text("#input-name").split(":")[0]  # the name, made safe
    watched.assert_nothing_ran(ui.base)


def test_a_hostile_sheet_name_or_markup_in_the_error_sentence_shows_as_text(
    open_ui: Callable[..., tuple[Watched, UiProcess]], tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "<img src=x onerror=__xss=6>"
    sheet.append(["no", "header", "here"])
    path = tmp_path / "sheet.xlsx"
    book.save(path)
    watched, ui = open_ui()
    page = watched.page
    page.set_input_files("#file-input", path)
    alert = page.locator("#error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("sheet.xlsx, sheet '<img src=x onerror=__xss=6>' has no column")
    # A web page saved as .csv: its markup is quoted as the columns found, as text.
    markup = tmp_path / "page.csv"
    markup.write_text("<html><img src=x onerror=window.__xss=7></html>\n", encoding="utf-8")
    page.set_input_files("#file-input", markup)
    expect(alert).to_contain_text("'<html><img src=x onerror=window.__xss=7></html>'")
    watched.assert_nothing_ran(ui.base)


# -- 2. another page on this machine ---------------------------------------------------------------


def _serve_page(html: str) -> tuple[int, Callable[[], None]]:
    """A page of another origin on this machine (a local dev server, a hostile download)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html.encode())

        def log_message(self, *_args: Any) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return port, stop


ATTACK = """<!doctype html><html><body><a id="go" href="{link}">batchbind</a>
<script>
const base = "{base}";
window.found = {{}};
const note = (name) => (value) => {{ window.found[name] = String(value); }};
for (const path of ["/api/results", "/api/config", "/api/state"]) {{
  const s = document.createElement("script");
  s.src = base + path;
  s.onload = () => note(path)("loaded");
  s.onerror = () => note(path)("refused");
  document.body.append(s);
}}
fetch(base + "/api/results", {{mode: "no-cors", credentials: "include"}})
  .then((r) => note("no-cors")(r.type)).catch(note("no-cors"));
fetch(base + "/api/results", {{credentials: "include"}})
  .then((r) => r.text()).then(note("cors")).catch(() => note("cors")("refused"));
fetch(base + "/api/run", {{method: "POST", mode: "no-cors", credentials: "include",
  body: "{{}}", headers: {{"Content-Type": "text/plain"}}}})
  .then((r) => note("post")(r.type)).catch(note("post"));
const events = new EventSource(base + "/api/events", {{withCredentials: true}});
events.onmessage = (e) => note("events")(e.data);
events.onerror = () => {{ if (!window.found.events) note("events")("refused"); events.close(); }};
const frame = document.createElement("iframe");
frame.src = base + "/";
document.body.append(frame);
const opened = window.open(base + "/", "_blank");
setTimeout(() => {{
  try {{ note("opened")(opened.closed ? "severed" : opened.document.body.innerText); }}
  catch (e) {{ note("opened")("unreadable"); }}
}}, 1500);
</script>
<form id="csrf" method="POST" action="{base}/api/run" target="sink">
  <input name="target" value="sandbox"></form>
<iframe name="sink"></iframe>
</body></html>"""


@pytest.mark.parametrize("where", ["127.0.0.1", "localhost"], ids=["same-site", "cross-site"])
def test_another_page_on_this_machine_can_neither_read_nor_drive_the_page(
    open_ui: Callable[..., tuple[Watched, UiProcess]], tmp_path: Path, where: str
) -> None:
    watched, ui = open_ui()
    page = watched.page
    _upload(page, write_input(tmp_path / "in.csv", [(ADMIN, "a@corp.example", f"ou_{1:032x}")]))
    port, stop = _serve_page(ATTACK.format(base=ui.base, link=ui.link))
    try:
        hostile = page.context.new_page()  # the same browser: its cookies go with the requests
        hostile.goto(f"http://{where}:{port}/")
        hostile.wait_for_function("Object.keys(window.found).length >= 8", timeout=20_000)
        found = hostile.evaluate("window.found")
        hostile.eval_on_selector("#csrf", "form => form.submit()")
        hostile.wait_for_timeout(1000)
    finally:
        stop()
    for path in ("/api/results", "/api/config", "/api/state"):
        assert found[path] == "refused", (path, found)
    assert found["cors"] == "refused" and found["events"] == "refused", found
    assert found["no-cors"] in ("opaque", "TypeError: Failed to fetch"), found
    assert ui.secret not in str(found) and "csrf" not in str(found).lower()
    # Neither the fetch nor the form started a job.
    state = page.evaluate("fetch('/api/state').then((r) => r.json())")
    assert state["state"] == "idle", state
    # The window it opened has no handle on its opener (Cross-Origin-Opener-Policy).
    assert found["opened"] == "severed", found


def test_the_printed_link_clicked_on_another_site_opens_the_page(
    open_ui: Callable[..., tuple[Watched, UiProcess]], browser: Browser
) -> None:
    # As from a web chat or a wiki: a cross-site click carries no SameSite=Strict cookie on the
    # redirect after it. The page must still open (it said "Open the printed link").
    _watched, ui = open_ui()
    port, stop = _serve_page(ATTACK.split("<script>")[0].format(link=ui.link, base=ui.base))
    context = browser.new_context()
    try:
        elsewhere = context.new_page()
        elsewhere.goto(f"http://localhost:{port}/")
        elsewhere.click("#go")
        expect(elsewhere.locator("#lang-switch")).to_be_visible()
        assert elsewhere.url == ui.base + "/"
        assert ui.secret not in elsewhere.url
        expect(elsewhere.locator("#need-link")).to_have_count(0)
    finally:
        context.close()
        stop()
