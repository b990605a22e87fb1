"""Take the README's screenshots of `batchbind ui`: `python tests/screenshots.py [FOLDER]`.

Drives the real page (the sample sheet, the sample scenario, the sandbox) in headless Chromium, as
the browser tests do, and saves PNGs into FOLDER (default: docs/screenshots). Everything runs in a
temporary data folder with a free sandbox port: nothing of yours is touched. PNGs go through
optipng when it is installed (Debian: apt-get install -y optipng).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Locator, Page, expect, sync_playwright
from ui_page import find_chromium, serve_ui

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
#: Narrow enough to read in a README at full size, wide enough for the tables.
VIEWPORT = {"width": 1100, "height": 760}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def shoot(page: Page, sections: Locator, path: Path, max_height: int = 760) -> None:
    """A picture of the page from the top of the first section to the bottom of the last one
    (at most max_height pixels), at the page's own width."""
    # From the top: the boxes are then page coordinates, and sticky table heads sit in place.
    page.evaluate("window.scrollTo(0, 0)")
    first, last = sections.first.bounding_box(), sections.last.bounding_box()
    assert first is not None and last is not None
    top = max(first["y"] - 8, 0)
    height = min(last["y"] + last["height"] + 8 - top, max_height)
    page.screenshot(
        path=path,
        full_page=True,
        clip={"x": 0, "y": top, "width": VIEWPORT["width"], "height": height},
    )
    print(path)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="batchbind-screenshots-") as temp:
        home = Path(temp)
        shutil.copy(SAMPLE / "bindings.csv", home)
        env = {
            **os.environ,
            "BATCHBIND_DATA_DIR": str(home / "data"),
            "BATCHBIND_CONFIG_DIR": str(home / "config"),
            "BATCHBIND_SANDBOX_PORT": str(free_port()),
            "BATCHBIND_LANG": "en",
        }
        # 3 requests a second: the run lasts long enough to be seen running, its rate measured.
        args = ("--sandbox", "--sandbox-scenario", SAMPLE / "scenario.toml")
        with (
            serve_ui(*args, "--rate-per-second", "3", env=env, cwd=home) as ui,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(ui.link)
            expect(page.locator("#lang-switch")).to_have_value("en")

            page.set_input_files("#file-input", home / "bindings.csv")
            expect(page.locator("#check")).to_be_visible()
            expect(page.locator("#problems tr.problem-group").first).to_be_visible()
            shoot(page, page.locator("header, #step-input, #check"), out / "check.png", 900)

            page.click("#run-button")
            # The rate shows once 5 s and 20 requests are measured.
            expect(page.locator("#rate")).not_to_have_text("–", timeout=30_000)
            shoot(page, page.locator("#step-run"), out / "run.png")

            expect(page.locator("#progress")).to_have_attribute(
                "data-state", "done", timeout=90_000
            )
            page.select_option("#results-filter", "all")
            expect(page.locator("#results tbody tr[data-row]")).to_have_count(42)
            shoot(page, page.locator("#step-run, #step-results"), out / "results.png", 900)

            page.select_option("#lang-switch", "zh")
            expect(page.locator("html")).to_have_attribute("lang", "zh")
            page.wait_for_timeout(500)  # the table's labels are redrawn in Chinese
            shoot(page, page.locator("#step-run, #step-results"), out / "results-zh.png", 900)
            browser.close()

    optipng = shutil.which("optipng")
    if optipng:
        pictures = sorted(str(p) for p in out.glob("*.png"))
        subprocess.run([optipng, "-quiet", "-o2", *pictures], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
