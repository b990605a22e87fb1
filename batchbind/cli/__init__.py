"""The command line: options in, library calls out, one clear sentence and an exit code back.

Nothing here decides what a row or an answer means; that lives in the library. Each module holds
the commands of one job and registers them on the `cli` group below; `exits` holds the table of
exit codes every command's `--help` lists.
"""

from __future__ import annotations

import sys

import click

from batchbind import __version__
from batchbind.cli.auth import auth
from batchbind.cli.bind import run, template, validate_cmd
from batchbind.cli.doctor import doctor
from batchbind.cli.journal import journal, report
from batchbind.cli.lifecycle import resolve, status, unbind
from batchbind.cli.notify import notify
from batchbind.cli.sandbox import sandbox
from batchbind.cli.ui import ui
from batchbind.cli.usage import click_speaks, lang_asked
from batchbind.output import i18n


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: each command's --help lists its own (batchbind run --help).",
)
@click.version_option(__version__, prog_name="batchbind")
def cli() -> None:
    """Bind Exchange mailboxes to Feishu (Lark) accounts from one spreadsheet.

    \b
    Rehearse with no tenant and no token:
      batchbind run sample_data/bindings.csv --sandbox --sandbox-scenario sample_data/scenario.toml
    """


for command in (run, validate_cmd, template, sandbox, report, journal, auth, doctor, notify, ui):
    cli.add_command(command)
for command in (status, unbind, resolve):  # the binding lifecycle
    cli.add_command(command)


def main() -> None:
    # Click's own usage errors come before any command reads --lang: they speak the one asked.
    with click_speaks(lang_asked(sys.argv[1:]) or i18n.default_lang()):
        cli(prog_name="batchbind")
