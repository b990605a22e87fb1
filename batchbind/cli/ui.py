"""`batchbind ui`: serve the page on 127.0.0.1 and print (and open) its link."""

from __future__ import annotations

import signal
import threading
import webbrowser
from pathlib import Path
from typing import Any

import click

from batchbind.cli.common import friendly_errors, pacing_options, say, setup
from batchbind.cli.exits import epilog
from batchbind.output import i18n

UI_EXAMPLE = """

\b
Examples:
  batchbind ui
  batchbind ui --sandbox --lang zh
  batchbind ui --port 8765 --no-browser --profile acme
"""


@click.command("ui", epilog=epilog("ui", UI_EXAMPLE))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Port on 127.0.0.1 (default: a free one).",
)
@click.option("--no-browser", is_flag=True, help="Print the link without opening a browser.")
@click.option(
    "--sandbox",
    is_flag=True,
    help="Choose the local emulator as the target (a rehearsal); the page can still switch.",
)
@click.option(
    "--sandbox-scenario",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenario for the background sandbox (implies --sandbox).",
)
@click.option(
    "--profile",
    default="default",
    show_default=True,
    help="The profile chosen at first (its tenant and journal); the page lists every profile.",
)
@click.option("--lang", type=click.Choice(i18n.LANGS), default=None, help="The page's language.")
@pacing_options
@friendly_errors
def ui(**kw: Any) -> None:
    """Serve the whole job on a local web page (for administrators who do not use a terminal).

    The page runs the same jobs as the commands (validate, run, status, unbind), on the same
    journal: a run on the page and a run in a terminal never both send. Only 127.0.0.1 is
    served, and only to whoever opens the printed link (it carries a secret).
    """
    from batchbind.auth.profiles import check_name
    from batchbind.ui.server import UiServer
    from batchbind.ui.session import Pace
    from batchbind.ui.targets import SANDBOX, SandboxChoice

    lang = setup(False, False, None, kw["lang"])
    profile = check_name(kw["profile"])
    sandbox = kw["sandbox"] or kw["sandbox_scenario"] is not None
    server = UiServer(
        port=kw["port"],
        lang=lang,
        profile=profile,
        target=SANDBOX if sandbox or not _has_profile(profile) else f"profile:{profile}",
        sandbox=SandboxChoice(scenario=kw["sandbox_scenario"]),
        pace=Pace(
            rate_per_second=kw["rate_per_second"],
            rate_per_minute=kw["rate_per_minute"],
            concurrency=kw["concurrency"],
            max_attempts=kw["max_attempts"],
            circuit_breaker=kw["circuit_breaker"],
        ),
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _s, _f: stop.set())
    server.start()
    try:
        say(i18n.text("ui_started", lang, url=server.link), err=False)
        say(i18n.text("ui_stop_hint", lang), err=False)
        if not kw["no_browser"]:
            webbrowser.open(server.link)
        # A short wait in a loop: on Windows a plain wait() would not see Ctrl-C.
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()  # a job still running stops as with Ctrl-C, its results written


def _has_profile(name: str) -> bool:
    from batchbind.auth.profiles import ProfileStore

    return ProfileStore().path(name).exists()
