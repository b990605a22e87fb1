"""`report` and `journal`: what the journal knows, shown again or forgotten on purpose."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from batchbind.cli.bind import force_option
from batchbind.cli.common import friendly_errors, global_options, say, setup
from batchbind.errors import InputError
from batchbind.jobs.run import report_job
from batchbind.output import i18n
from batchbind.store.journal import Journal
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


@click.command(epilog=REPORT_EXAMPLE)
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
@global_options
@friendly_errors
def report(**kw: Any) -> None:
    """Render a run's results file again from the journal (the rows as they are now)."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    result = report_job(
        _journal_path(kw), run_id=kw["run_id"], out=kw["out"], lang=lang, force=kw["force"]
    )
    if kw["as_json"]:
        payload = {
            "command": "report",
            "run": result.run.id,
            "results": str(result.results_path),
            "rows": len(result.results),
            "counts": result.counts.by_outcome,
        }
        say(json.dumps(payload, ensure_ascii=False), err=False)
    elif not kw["quiet"]:
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.by_outcome.items() if v)
        run, started = result.run.id, result.run.started_at
        say(i18n.text("report_line", lang, run=run, started=started, counts=counts), err=False)
        if result.results_path != result.wanted_path:
            say(
                i18n.text(
                    "results_moved", lang, wanted=result.wanted_path, path=result.results_path
                )
            )
        else:
            say(i18n.text("results_written", lang, path=result.results_path), err=False)


JOURNAL_EXAMPLE = """

\b
Examples:
  batchbind journal                          # the latest runs
  batchbind journal --limit 100 --json
  batchbind journal purge --older-than 90 --yes
"""


@click.group(invoke_without_command=True, epilog=JOURNAL_EXAMPLE)
@_journal_options
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@click.pass_context
@friendly_errors
def journal(
    ctx: click.Context, state: Path | None, profile: str, limit: int, as_json: bool
) -> None:
    """Show the history of runs kept in the journal (purge: forget old ones)."""
    ctx.ensure_object(dict)
    ctx.obj["path"] = _journal_path({"state": state, "profile": profile})
    if ctx.invoked_subcommand is not None:
        return
    with Journal(ctx.obj["path"], tenant="", exclusive=False) as opened:
        runs = opened.runs(limit=limit)
    if as_json:
        say(json.dumps([vars_of(r) for r in runs], ensure_ascii=False), err=False)
        return
    if not runs:
        say(i18n.text("journal_no_runs", i18n.default_lang(), path=ctx.obj["path"]), err=False)
        return
    lang = i18n.default_lang()
    say(i18n.text("journal_used", lang, path=ctx.obj["path"]), err=False)
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items() if v)
        ended = r.ended_at or i18n.text("journal_unfinished", lang)
        code = "" if r.exit_code is None else i18n.text("journal_exit", lang, code=r.exit_code)
        say(
            f"{r.id:>5}  {r.started_at}  {r.command:<8} {code:<8} {ended:<20}  {r.tenant}  "
            f"{Path(r.input).name}  {counts}",
            err=False,
        )


def vars_of(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


@journal.command(epilog=JOURNAL_EXAMPLE)
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
    lang = i18n.default_lang()  # the journal commands have no --lang: the locale decides
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
