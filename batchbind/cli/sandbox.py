"""`sandbox`: the local Feishu emulator in the foreground; `sandbox stop`: stop this user's."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batchbind.cli.common import friendly_errors, harden_streams, say
from batchbind.cli.exits import epilog
from batchbind.errors import InputError
from batchbind.output import i18n

SANDBOX_EXAMPLE = """

\b
Examples:
  batchbind sandbox
  batchbind sandbox --port 8080 --scenario sample_data/scenario.toml
  batchbind sandbox stop
"""

STOP_EXAMPLE = """

\b
Examples:
  batchbind sandbox stop
  batchbind sandbox stop --port 8900
"""

LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(i18n.LANGS),
    default=None,
    help="Messages: en or zh (default: from the locale).",
)

_BUSY = {"mine": "sandbox_busy_mine", "foreign": "sandbox_not_yours_here"}


@click.group(invoke_without_command=True, epilog=epilog("sandbox", SANDBOX_EXAMPLE))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port on 127.0.0.1 (default: the one --sandbox uses, BATCHBIND_SANDBOX_PORT or 18730).",
)
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A scenario file (TOML or JSON) that makes the tenant hostile on purpose.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where bindings persist (default: in your data folder).",
)
@click.option(
    "--request-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append every API request as a JSON line to this file.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Stop after this many seconds without a request (default 0: never; the background "
    "sandbox --sandbox starts uses BATCHBIND_SANDBOX_IDLE_TIMEOUT, 1800 unless set).",
)
@LANG_OPTION
@click.pass_context
@friendly_errors
def sandbox(
    ctx: click.Context,
    port: int | None,
    scenario: Path | None,
    state_file: Path | None,
    request_log: Path | None,
    idle_timeout: float,
    lang: str | None,
) -> None:
    """Serve a local emulator of the Feishu binding API on 127.0.0.1."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = port  # `sandbox --port N stop` stops the one on N
        return
    from batchbind.sandbox import load_scenario, serve
    from batchbind.sandbox.background import (
        SANDBOX_TOKEN,
        default_port,
        default_state_file,
        identify,
    )
    from batchbind.sandbox.owner import owner_key

    harden_streams()
    lang = lang or i18n.default_lang()
    loaded = load_scenario(scenario) if scenario else None  # a ScenarioError is exit 2
    port = default_port() if port is None else port
    key = owner_key()  # it proves to this user's --sandbox that it is theirs

    def ready(base_url: str) -> None:
        say(i18n.text("sandbox_listening", lang, url=base_url), err=False)
        say(i18n.text("sandbox_token", lang, token=SANDBOX_TOKEN), err=False)
        say(i18n.text("sandbox_try", lang, url=base_url, token=SANDBOX_TOKEN), err=False)
        if idle_timeout:
            say(i18n.text("sandbox_idle_note", lang, seconds=idle_timeout), err=False)
        sys.stdout.flush()

    try:
        stopped = serve(
            loaded,
            host="127.0.0.1",
            port=port,
            state_file=state_file or default_state_file(),
            request_log=request_log,
            on_ready=ready,
            owner_key=key,
            idle_timeout_s=idle_timeout,
        )
    except OSError as exc:
        # Most often the port is busy: say with what, rather than the system's words.
        found = identify(port, key) if port else None
        if found is not None and found.kind != "none":
            raise InputError.of(
                _BUSY.get(found.kind, "sandbox_busy_other"), port=port, pid=found.pid
            ) from None
        raise InputError.of("sandbox_port", port=port, error=exc.strerror or exc) from None
    if stopped == "idle":
        say(i18n.text("sandbox_idle_stopped", lang, seconds=idle_timeout), err=False)


@sandbox.command("stop", epilog=epilog("sandbox stop", STOP_EXAMPLE))
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="The port of the sandbox to stop (default: BATCHBIND_SANDBOX_PORT or 18730).",
)
@LANG_OPTION
@click.pass_context
@friendly_errors
def stop_cmd(ctx: click.Context, port: int | None, lang: str | None) -> None:
    """Stop your sandbox (the background one --sandbox started, or one you started by hand).

    Its bindings are saved first. A sandbox or program of someone else on the port is left alone.
    """
    from batchbind.sandbox.background import default_port, stop_sandbox

    harden_streams()
    # `sandbox stop --lang zh` as `sandbox --lang zh stop`
    lang = lang or (ctx.parent.params.get("lang") if ctx.parent else None) or i18n.default_lang()
    port = port or ctx.obj or default_port()
    found = stop_sandbox(port)
    key = {
        "mine": "sandbox_stopped",
        "none": "sandbox_none_running",
        "foreign": "sandbox_stop_not_yours",
    }.get(found.kind, "sandbox_stop_other")
    say(i18n.text(key, lang, port=port, pid=found.pid), err=False)
