"""`report` and `journal`: what the journal knows, shown again or forgotten on purpose."""

from __future__ import annotations

import functools
import json
import sys
import unicodedata
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from batchbind.auth import redact
from batchbind.cli.bind import force_option
from batchbind.cli.common import (
    LANG_HELP,
    connect,
    friendly_errors,
    global_options,
    outcome_counts,
    say,
    setup,
    token_options,
)
from batchbind.cli.exits import epilog
from batchbind.errors import InputError, JournalError
from batchbind.feishu.client import FeishuClient
from batchbind.jobs.run import report_job
from batchbind.jobs.tracking import tracker_lines
from batchbind.output import i18n
from batchbind.output.causes import cause_lines, causes_json
from batchbind.store.journal import Journal
from batchbind.store.lock import journal_lock
from batchbind.store.paths import default_journal


def _journal_options(func: Any) -> Any:
    func = click.option(
        "--state",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The journal (default: the profile's, in your data folder).",
    )(func)
    return click.option(
        "--profile", default="default", show_default=True, help="Whose journal to use."
    )(func)


def _journal_path(kw: dict[str, Any]) -> Path:
    path: Path = kw["state"] or default_journal(kw["profile"])
    return path


REPORT_EXAMPLE = """

\b
Examples:
  batchbind report                          # the latest run's results file, written again
  batchbind report --run 12 --out run12.xlsx
"""


@click.command(epilog=epilog("report", REPORT_EXAMPLE))
@_journal_options
@click.option(
    "--run", "run_id", type=int, help="Which run (see `batchbind journal`; default: the latest)."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: the results file that run wrote).",
)
@force_option
@click.option(
    "--write-back",
    is_flag=True,
    help="Also write the rows back into the tracker the run read (its input was a link to a "
    "Feishu Sheet or Bitable table); takes the token options.",
)
@functools.partial(token_options, profile=False)
@global_options
@friendly_errors
def report(**kw: Any) -> None:
    """Render a run's results file again from the journal (the rows as they are now)."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    client = None
    if kw["write_back"]:
        found = connect(kw, lang)
        redact.register(found.tokens.current())

        def client() -> FeishuClient:
            return FeishuClient(found.base_url, found.tokens, lang=lang)

    result = report_job(
        _journal_path(kw),
        run_id=kw["run_id"],
        out=kw["out"],
        lang=lang,
        force=kw["force"],
        tracker_client=client,
    )
    if kw["as_json"]:
        payload = {
            "command": "report",
            "run": result.run.id,
            "results": str(result.results_path),
            "rows": len(result.results),
            "counts": result.counts.by_outcome,
            "causes": causes_json(result.counts.causes, lang),
            "tracker": None if result.tracker is None else result.tracker.figures(),
        }
        say(json.dumps(payload, ensure_ascii=False), err=False)
    elif not kw["quiet"]:
        counts = outcome_counts(result.counts.by_outcome, lang)
        run, started = result.run.id, result.run.started_at
        say(i18n.text("report_line", lang, run=run, started=started, counts=counts), err=False)
        if result.results_path != result.wanted_path:
            say(
                i18n.text(
                    "results_moved", lang, wanted=result.wanted_path, path=result.results_path
                )
            )
        elif kw["out"] is None:  # say which file was replaced: the user named none
            say(i18n.text("report_rewritten", lang, path=result.results_path, run=run), err=False)
        else:
            say(i18n.text("results_written", lang, path=result.results_path), err=False)
        for line in cause_lines(result.counts.causes, lang):
            say(line, err=False)
    again = f"batchbind report --write-back --state {_journal_path(kw)} --run {result.run.id}"
    later = i18n.text("tracker_write_back_later", lang, command=again)
    for line in tracker_lines(result.tracker, result.tracker_title, later, lang):
        say(line, err=kw["as_json"])


JOURNAL_EXAMPLE = """

\b
Examples:
  batchbind journal                          # the latest runs
  batchbind journal --limit 100 --json
  batchbind journal purge --older-than 90 --yes
"""


@click.group(invoke_without_command=True, epilog=epilog("journal", JOURNAL_EXAMPLE))
@_journal_options
@click.option(
    "--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs to show."
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.option("--lang", type=click.Choice(i18n.LANGS), default=None, help=LANG_HELP)
@click.pass_context
@friendly_errors
def journal(
    ctx: click.Context,
    state: Path | None,
    profile: str,
    limit: int,
    as_json: bool,
    lang: str | None,
) -> None:
    """Show the history of runs kept in the journal (purge: forget old ones)."""
    ctx.ensure_object(dict)
    ctx.obj["path"] = _journal_path({"state": state, "profile": profile})
    ctx.obj["lang"] = lang = lang or i18n.default_lang()
    if ctx.invoked_subcommand is not None:
        return
    with Journal(ctx.obj["path"], tenant="", exclusive=False) as opened:
        runs = opened.runs(limit=limit)
    # A run with no end is running only while its process holds the journal; the newest one,
    # since no run can start while another holds it. Asked after the journal is closed again.
    running = runs[0].id if runs and runs[0].ended_at is None else None
    if running is not None and not journal_lock(ctx.obj["path"]).held_elsewhere():
        running = None
    if as_json:
        listed = [{**vars_of(r), "running": r.id == running} for r in runs]
        say(json.dumps(listed, ensure_ascii=False), err=False)
        return
    if not runs:
        say(i18n.text("journal_no_runs", lang, path=ctx.obj["path"]), err=False)
        return
    say(i18n.text("journal_used", lang, path=ctx.obj["path"]), err=False)
    table = [[i18n.text(f"journal_heading_{name}", lang) for name in JOURNAL_COLUMNS]]
    for r in runs:
        if r.ended_at is not None:
            ended = r.ended_at
        else:
            ended = i18n.text("journal_running" if r.id == running else "journal_unfinished", lang)
        table.append(
            [
                str(r.id),
                r.started_at,
                ended,
                r.command,
                "" if r.exit_code is None else str(r.exit_code),
                r.tenant,
                Path(r.input).name,
                outcome_counts(r.counts, lang),
            ]
        )
    for line in aligned(table, right={0, 4}):
        say(line, err=False)


#: The columns of `batchbind journal`, by their catalogue key `journal_heading_<name>`.
JOURNAL_COLUMNS = ("run", "started", "ended", "command", "exit", "tenant", "input", "outcomes")


def _width(text: str) -> int:
    """How many terminal columns `text` takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def aligned(table: list[list[str]], *, right: Collection[int] = ()) -> list[str]:
    """The rows of `table` as lines of aligned columns (the last column is not padded)."""
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    lines: list[str] = []
    for row in table:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            if i == len(row) - 1:
                cells.append(cell)
            else:
                cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


def vars_of(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


@journal.command(epilog=epilog("journal purge", JOURNAL_EXAMPLE))
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(0),
    required=True,
    help="Forget runs (and their audit trail) started more than this many days ago.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@friendly_errors
def purge(ctx: click.Context, days: int, yes: bool) -> None:
    """Forget old runs: their saved rows and audit attempts (the journal holds personal data).

    What is bound stays known, so re-runs still never send a bound row again.
    """
    before = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    before = before.replace("+00:00", "Z")
    path: Path = ctx.obj["path"]
    lang: str = ctx.obj["lang"]
    if not path.is_file():
        # Opening it would create an empty journal (and "purge" nothing) at a mistyped --state.
        raise JournalError.of("journal_missing", path=path)
    if not yes:
        if not sys.stdin.isatty():
            raise InputError.of("purge_no_terminal")
        click.confirm(i18n.text("purge_confirm", lang, path=path, before=before), abort=True)
    with Journal(path, tenant="") as opened:
        runs, attempts = opened.purge(before=before)
    say(
        i18n.text("purged", lang, runs=runs, attempts=attempts, before=before, path=path),
        err=False,
    )
