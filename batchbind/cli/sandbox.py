"""`sandbox`: the local Feishu emulator in the foreground."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batchbind.cli.common import friendly_errors, harden_streams, say
from batchbind.errors import InputError
from batchbind.output import i18n

SANDBOX_EXAMPLE = """

\b
Examples:
  batchbind sandbox
  batchbind sandbox --port 8080 --scenario sample_data/scenario.toml
"""


@click.command(epilog=SANDBOX_EXAMPLE)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port on 127.0.0.1 (default: the one --sandbox uses).",
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
@friendly_errors
def sandbox(
    port: int | None, scenario: Path | None, state_file: Path | None, request_log: Path | None
) -> None:
    """Serve a local emulator of the Feishu binding API on 127.0.0.1."""
    from batchbind.sandbox import load_scenario, serve
    from batchbind.sandbox.background import DEFAULT_PORT, SANDBOX_TOKEN, default_state_file

    harden_streams()
    loaded = load_scenario(scenario) if scenario else None  # a ScenarioError is exit 2

    def ready(base_url: str) -> None:
        lang = i18n.default_lang()
        say(i18n.text("sandbox_listening", lang, url=base_url), err=False)
        say(i18n.text("sandbox_token", lang, token=SANDBOX_TOKEN), err=False)
        say(i18n.text("sandbox_try", lang, url=base_url, token=SANDBOX_TOKEN), err=False)
        sys.stdout.flush()

    try:
        serve(
            loaded,
            host="127.0.0.1",
            port=DEFAULT_PORT if port is None else port,
            state_file=state_file or default_state_file(),
            request_log=request_log,
            on_ready=ready,
        )
    except OSError as exc:
        raise InputError.of(
            "sandbox_port", port=port or DEFAULT_PORT, error=exc.strerror or exc
        ) from None
