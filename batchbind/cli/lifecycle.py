"""`status`, `unbind` and `resolve`: what happens to bindings after `run`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from batchbind.auth import redact
from batchbind.cli.bind import FORCE_HELP
from batchbind.cli.common import (
    F,
    connect,
    connection_options,
    friendly_errors,
    global_options,
    input_argument,
    pacing_options,
    read_settings,
    say,
    setup,
)
from batchbind.cli.exits import epilog
from batchbind.cli.notify import ending, notifying
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu.client import resolve_base_url, tenant_host
from batchbind.input.footers import skipped_note
from batchbind.jobs.resolve import ResolveSettings, Status, resolve_job
from batchbind.jobs.selection import Selection, choose, parse_rows
from batchbind.jobs.status import status_job
from batchbind.jobs.tracking import tracker_lines
from batchbind.jobs.unbind import unbind_job
from batchbind.jobs.view import LifecycleSettings, Written, read_view
from batchbind.model import UserIdType
from batchbind.notify.summary import from_status, from_unbind
from batchbind.output import i18n
from batchbind.output.causes import SHOWN_ROWS, rows_text
from batchbind.store.journal import Journal
from batchbind.store.paths import default_journal

#: How many rows a listing names before it only counts the rest.
EXAMPLES = 5


def results_options(func: F) -> F:
    """Reading a results file back (any input sheet works too) and where to write it."""
    for option in reversed(
        [
            click.option("--sheet", help="The .xlsx sheet to read (default: the first that fits)."),
            click.option("--encoding", help="CSV encoding (default: detected)."),
            click.option("--delimiter", help="CSV delimiter (default: detected)."),
            click.option(
                "--user-id-type",
                type=click.Choice([t.value for t in UserIdType]),
                default="open_id",
                show_default=True,
                help="What the user_id column holds (as for the run).",
            ),
            click.option(
                "--allow-multiple-per-user",
                is_flag=True,
                help="As for the run: one user may have several Exchange accounts.",
            ),
            click.option(
                "--out",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Where to write the updated results (default: RESULTS itself).",
            ),
            click.option("--force", is_flag=True, help=FORCE_HELP),
        ]
    ):
        func = option(func)
    return func


def _settings(path: str | Path, kw: dict[str, Any], lang: str) -> LifecycleSettings:
    found = connect(kw, lang)  # a profile's token is renewed during a long --wait
    token = found.tokens.current()
    redact.register(token)
    read = read_settings(path, kw, lang)
    return LifecycleSettings(
        **vars(read),
        base_url=found.base_url,
        token=token,
        tokens=found.tokens,
        state=kw["state"] or default_journal(kw["profile"]),
        out=kw["out"],
        force=kw["force"],
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        concurrency=kw["concurrency"],
        max_attempts=kw["max_attempts"],
        circuit_breaker=kw["circuit_breaker"],
        progress=not kw["quiet"] and not kw["as_json"],
    )


def _echo_json(payload: dict[str, Any]) -> None:
    click.echo(redact.scrub(json.dumps(payload, ensure_ascii=False)))


def _print_summary(
    lines: list[str], result: Any, settings: Any, *, quiet: bool, out: bool, lang: str
) -> None:
    """The end of every lifecycle command's summary: where the results and the journal are, and
    why the run stopped early (if it did). Quiet runs print it only when something needs a look."""
    lines.append("  " + _written_line(result.written, settings, lang))
    lines.append("  " + i18n.text("journal_used", lang, path=settings.state))
    if not quiet or result.exit_code != 0 or result.written.error is not None:
        for line in lines:
            say(line, err=not out)
    _say_stop(result.stats, lang)


def _written_line(written: Written, settings: LifecycleSettings, lang: str) -> str:
    error = written.error
    if error is not None:
        shown = error.render(lang)[0] if isinstance(error, BatchbindError) else str(error)
        command = f"batchbind status {settings.input} --state {settings.state}"
        if settings.out is not None:
            command += f" --out {settings.out}"
        return i18n.text("results_not_written", lang, error=redact.scrub(shown), command=command)
    if written.path != written.wanted:
        return i18n.text("results_moved", lang, wanted=written.wanted, path=written.path)
    return i18n.text("results_written", lang, path=written.path)


# -- status -------------------------------------------------------------------------------------

STATUS_EXAMPLE = """

\b
Examples:
  batchbind status bindings.results.xlsx --sandbox
  batchbind status bindings.results.xlsx --wait --timeout 3600
  batchbind status results.csv --out status.xlsx --json
"""


@click.command(epilog=epilog("status", STATUS_EXAMPLE))
@input_argument("results_path", "RESULTS")
@results_options
@connection_options
@click.option("--wait", is_flag=True, help="Keep asking until every bound row is done or err.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=1800.0,
    show_default=True,
    help="With --wait: give up after this many seconds (exit 4 if rows are still syncing).",
)
@click.option(
    "--max-interval",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="With --wait: the longest pause between two rounds (the first is 0.5 s, then doubles).",
)
@pacing_options
@global_options
@notifying("status")
@friendly_errors
def status(results_path: str, **kw: Any) -> None:
    """Ask Feishu for the sync status of every bound row of RESULTS and update it.

    RESULTS may be a link to the team's tracker: binding_status is then written back into it.
    """
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    settings = _settings(results_path, kw, lang)
    result = status_job(
        settings,
        wait=kw["wait"],
        timeout_s=kw["timeout"],
        max_interval_s=kw["max_interval"],
        notify=say,
    )
    ending().done(lambda _journal: from_status(result, settings), base_url=settings.base_url)
    out = not kw["as_json"]
    tally = result.by_status
    detail = ", ".join(f"{s} {n}" for s, n in sorted(tally.items(), key=_status_order)) or "-"
    lines = [
        i18n.text("status_title", lang, count=len(result.scope), source=settings.input.name),
        "  " + detail,
    ]
    if not result.scope:
        lines.append("  " + i18n.text("status_none", lang))
    if result.unknown_rows:
        lines.append(
            "  "
            + i18n.text(
                "rows_not_in_journal", lang, count=result.unknown_rows, journal=settings.state
            )
        )
    errs = [
        r
        for r in result.written.results
        if r.binding_status == "err" and r.outcome.value == "bound"
    ]
    if errs:  # one group, as run shows the rows that need a person
        shown = rows_text([r.row for r in errs[:SHOWN_ROWS]], len(errs), lang)
        lines.append("  " + i18n.text("status_err_rows", lang, count=len(errs), rows=shown))
        lines.append("    " + i18n.text("sync_err_hint", lang))
    for row, why in sorted(result.unchecked.items())[:EXAMPLES]:
        lines.append("  " + i18n.text("status_unchecked_row", lang, row=row, why=why))
    if result.timed_out:
        lines.append("  " + i18n.text("status_timeout", lang, timeout=f"{kw['timeout']:g}"))
    elif result.exit_code == 4 and not kw["wait"]:
        lines.append("  " + i18n.text("status_still_syncing", lang))
    again = f"batchbind status {results_path} --state {settings.state}"
    later = i18n.text("tracker_write_back_later", lang, command=again)
    lines.extend(
        "  " + line for line in tracker_lines(result.tracker, result.tracker_title, later, lang)
    )
    _print_summary(lines, result, settings, quiet=kw["quiet"], out=out, lang=lang)
    if kw["as_json"]:
        _echo_json(
            {
                "tracker": None if result.tracker is None else result.tracker.figures(),
                "command": "status",
                "exit_code": result.exit_code,
                "input": str(results_path),
                "results": None if result.written.error else str(result.written.path),
                "bound_rows": len(result.scope),
                "statuses": dict(tally),
                "timed_out": result.timed_out,
                "requests": result.stats.requests if result.stats else 0,
                "duration_s": round(result.duration_s, 3),
                "stopped": _stopped(result.stats),
                "journal": str(settings.state),
            }
        )
    sys.exit(result.exit_code)


def _status_order(item: tuple[str, int]) -> int:
    order = ["done", "err", "timespan_done", "cal_done", "doing", "unknown", "unbound"]
    return order.index(item[0]) if item[0] in order else len(order)


def _stopped(stats: Any) -> str | None:
    return stats.stopped.message if stats is not None and stats.stopped is not None else None


def _say_stop(stats: Any, lang: str) -> None:
    if stats is None:
        return
    if stats.interrupted is not None:
        say(i18n.text("lifecycle_interrupted", lang))
    if stats.stopped is not None:
        say(i18n.text("error", lang, message=stats.stopped.message))
        if stats.stopped.hint:
            say(stats.stopped.hint)


# -- unbind -------------------------------------------------------------------------------------

UNBIND_EXAMPLE = """

\b
Examples:
  batchbind unbind bindings.results.xlsx --rows 12,15-20 --reason "wrong mailboxes"
  batchbind unbind bindings.results.xlsx --only mistakes.xlsx --dry-run
  batchbind unbind bindings.results.xlsx --yes --reason "pilot rolled back"
"""


def has_terminal() -> bool:
    """Whether a person can answer the question (a scheduler or a pipe cannot)."""
    return sys.stdin.isatty()


@click.command(epilog=epilog("unbind", UNBIND_EXAMPLE))
@click.argument("results_path", metavar="RESULTS", type=click.Path(path_type=Path))
@results_options
@connection_options
@click.option("--rows", "rows_spec", help="Only these physical rows, e.g. 12,15-20.")
@click.option(
    "--only",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Only the rows of RESULTS that also appear (same content) in this sheet.",
)
@click.option("--reason", default="", help="Why: recorded in the journal and the results.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Only list what would be undone.")
@pacing_options
@global_options
@notifying("unbind")
@friendly_errors
def unbind(results_path: Path, **kw: Any) -> None:
    """Undo the bindings of the bound rows of RESULTS (a rollback), after confirmation."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    settings = _settings(results_path, kw, lang)
    selection = Selection(
        # `--rows ""` (an empty $ROWS in a script) names no rows: refused, never "every row".
        rows=frozenset(parse_rows(kw["rows_spec"])) if kw["rows_spec"] is not None else None,
        only=kw["only"],
    )
    tenant = tenant_host(settings.base_url)
    view = read_view(settings, tenant)
    # The journal is read, then released while a person thinks: a scheduled run is not blocked.
    with Journal(settings.state, tenant=tenant) as journal:
        choice = choose(view, journal.states(), selection, settings)
    out = not kw["as_json"]
    targets = choice.targets
    note = skipped_note(view.table.skipped, lang)  # totals and notes lines, left out
    listing = [] if note is None else [note]
    listing.append(i18n.text("unbind_plan", lang, count=len(targets), tenant=tenant))
    for b in targets[:EXAMPLES]:
        listing.append(
            "  "
            + i18n.text(
                "unbind_example", lang, row=b.row, exchange=b.exchange_account, user=b.user_id
            )
        )
    if len(targets) > EXAMPLES:
        listing.append("  " + i18n.text("unbind_more", lang, count=len(targets) - EXAMPLES))
    if choice.not_bound:
        shown = rows_text(choice.not_bound[:SHOWN_ROWS], len(choice.not_bound), lang)
        listing.append(
            "  " + i18n.text("unbind_not_bound", lang, count=len(choice.not_bound), rows=shown)
        )
    for line in listing:
        say(line, err=not out or kw["as_json"])
    if not targets or kw["dry_run"]:
        ending().nothing_done()
        say(i18n.text("unbind_nothing" if not targets else "unbind_dry_run", lang), err=not out)
        if kw["as_json"]:
            _echo_json(
                {
                    "command": "unbind",
                    "exit_code": 0,
                    "dry_run": kw["dry_run"],
                    "to_unbind": len(targets),
                    "rows": [b.row for b in targets],
                    "not_bound": choice.not_bound,
                }
            )
        sys.exit(0)
    settings.check_out()  # before the question: a "yes" must not end in "cannot write"
    if not kw["yes"]:
        if not has_terminal():
            raise InputError.of("unbind_no_terminal", hint_key="unbind_yes_hint")
        try:
            confirmed = click.confirm(
                i18n.text("unbind_confirm", lang, count=len(targets)), err=True
            )
        except click.Abort:  # Ctrl-C or end of input at the question: nothing was done
            confirmed = False
        if not confirmed:
            ending().nothing_done()
            raise InputError.of("unbind_declined")
    # Exactly the rows listed above: the journal may have changed while the question waited.
    listed = frozenset(b.key for b in targets)
    result = unbind_job(
        settings, view, selection, reason=kw["reason"], confirmed=listed, notify=say
    )
    ending().done(lambda _journal: from_unbind(result, settings), base_url=settings.base_url)
    lines = [i18n.text("unbind_done", lang, unbound=result.unbound, failed=len(result.failed))]
    lines.extend(_failed_groups(result.failed, lang))
    _print_summary(lines, result, settings, quiet=kw["quiet"], out=out, lang=lang)
    if kw["as_json"]:
        _echo_json(
            {
                "command": "unbind",
                "exit_code": result.exit_code,
                "input": str(results_path),
                "results": None if result.written.error else str(result.written.path),
                "unbound": result.unbound,
                "failed": len(result.failed),
                "requests": result.stats.requests if result.stats else 0,
                "duration_s": round(result.duration_s, 3),
                "stopped": _stopped(result.stats),
                "journal": str(settings.state),
            }
        )
    sys.exit(result.exit_code)


def _failed_groups(failed: dict[int, str], lang: str) -> list[str]:
    """Rows that could not be undone, one line per message (the same answer, the same cause)."""
    by_msg: dict[str, list[int]] = {}
    for row, msg in sorted(failed.items()):
        by_msg.setdefault(msg, []).append(row)
    ordered = sorted(by_msg.items(), key=lambda item: (-len(item[1]), item[1][0]))
    return [
        "  "
        + i18n.text(
            "unbind_failed_rows",
            lang,
            count=len(rows),
            msg=msg,
            rows=rows_text(rows[:SHOWN_ROWS], len(rows), lang),
        )
        for msg, rows in ordered
    ]


# -- resolve ------------------------------------------------------------------------------------

RESOLVE_EXAMPLE = """

\b
Examples:
  batchbind resolve people.xlsx --sandbox
  FEISHU_APP_ID=cli_... FEISHU_APP_SECRET=... batchbind resolve people.xlsx
  batchbind resolve people.csv --email-column exchange_account --out ready.csv
"""

SANDBOX_APP_ID = "cli_sandbox"
SANDBOX_APP_SECRET = "sandbox-secret"


@click.command(epilog=epilog("resolve", RESOLVE_EXAMPLE))
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The filled-in copy, .xlsx or .csv (default: <input name>.resolved.<ext>).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing --out file even if resolve did not write it (never INPUT itself).",
)
@click.option(
    "--email-column",
    help="The column of people's Feishu e-mail (default: email, feishu_email, 邮箱, ..., or the "
    "user_id column when it holds e-mail addresses).",
)
@click.option(
    "--include-resigned", is_flag=True, help="Fill in the ids of people who have left, too."
)
@click.option(
    "--sheet",
    help="The .xlsx sheet to read (default: the first whose headers match, as for validate, else "
    "the first with e-mail addresses).",
)
@click.option("--encoding", help="CSV encoding (default: detected).")
@click.option("--delimiter", help="CSV delimiter (default: detected).")
@click.option(
    "--user-id-type",
    type=click.Choice([t.value for t in UserIdType]),
    default="open_id",
    show_default=True,
    help="Which id to fill in (use the same for run).",
)
@click.option("--app-id", help="The app's ID (default: FEISHU_APP_ID).")
@click.option(
    "--app-secret",
    help="The app's secret (visible in the process list: prefer FEISHU_APP_SECRET).",
)
@click.option("--base-url", help="Any Feishu-compatible origin (https:// except on loopback).")
@click.option(
    "--domain",
    type=click.Choice(["feishu", "lark"]),
    default="feishu",
    show_default=True,
    help="Feishu (China) or Lark (international).",
)
@click.option("--sandbox", is_flag=True, help="Talk to the local emulator (started if needed).")
@click.option(
    "--sandbox-scenario",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenario for the background sandbox (implies --sandbox).",
)
@pacing_options
@global_options
@friendly_errors
def resolve(input_path: Path, **kw: Any) -> None:
    """Fill in missing user_ids of INPUT from people's e-mail addresses.

    The e-mail address of a row is the one in its user column, else the one in its e-mail
    column. Writes a copy with user_id filled and a resolve_status column (found, not_found,
    resigned, frozen, pending, no_email, invalid).
    """
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    sandbox = kw["sandbox"] or kw["sandbox_scenario"]
    if kw["app_secret"]:
        say(i18n.text("secret_on_command_line", lang))
    app_id = kw["app_id"] or os.environ.get("FEISHU_APP_ID", "")
    secret = kw["app_secret"] or os.environ.get("FEISHU_APP_SECRET", "")
    if sandbox:
        from batchbind.sandbox.background import ensure_sandbox

        base_url = resolve_base_url(kw["base_url"] or ensure_sandbox(kw["sandbox_scenario"]))
        app_id, secret = app_id or SANDBOX_APP_ID, secret or SANDBOX_APP_SECRET
    else:
        base_url = resolve_base_url(kw["base_url"], kw["domain"])
    redact.register(secret)
    if not app_id or not secret:
        raise InputError.of("no_app_credentials")
    settings = ResolveSettings(
        input=input_path,
        base_url=base_url,
        app_id=app_id,
        app_secret=secret,
        out=kw["out"],
        force=kw["force"],
        email_column=kw["email_column"],
        include_resigned=kw["include_resigned"],
        sheet=kw["sheet"],
        encoding=kw["encoding"],
        delimiter=kw["delimiter"],
        user_id_type=UserIdType(kw["user_id_type"]),
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        concurrency=kw["concurrency"],
        max_attempts=kw["max_attempts"],
        circuit_breaker=kw["circuit_breaker"],
        lang=lang,
        progress=not kw["quiet"] and not kw["as_json"],
    )
    result = resolve_job(settings, notify=say)
    out = not kw["as_json"]
    counts = result.counts
    order = [s.value for s in Status]
    detail = ", ".join(f"{s} {counts[s]}" for s in order if counts[s]) or "-"
    lines = [
        i18n.text(
            "resolve_title",
            lang,
            count=sum(counts.values()),
            source=input_path.name,
            column=result.email_column,
        ),
        "  " + detail,
    ]
    if result.kept:
        lines.append("  " + i18n.text("resolve_kept", lang, count=result.kept))
    id_type = settings.user_id_type.value
    if result.replaced:
        rows = _rows_named(result.replaced, lang)
        lines.append("  " + i18n.text("resolve_replaced", lang, id_type=id_type, rows=rows))
    if result.unfilled:
        lines.append("  " + i18n.text("resolve_unfilled", lang))
    for status, numbers in result.unfilled.items():
        reason = i18n.text(f"resolve_why_{status}", lang, id_type=id_type)
        rows = _rows_named(numbers, lang)
        lines.append("    " + i18n.text("resolve_unfilled_line", lang, reason=reason, rows=rows))
    if result.renamed:
        lines.append("  " + i18n.text("resolve_renamed", lang, column=result.renamed))
    if result.path != result.wanted:
        lines.append(
            "  " + i18n.text("results_moved", lang, wanted=result.wanted, path=result.path)
        )
    else:
        lines.append("  " + i18n.text("resolve_written", lang, path=result.path))
    if not kw["quiet"] or result.exit_code != 0:
        for line in lines:
            say(line, err=not out)
    if result.stats is not None and result.stats.interrupted is not None:
        say(i18n.text("resolve_interrupted", lang))
    if result.stats is not None and result.stats.stopped is not None:
        say(i18n.text("error", lang, message=result.stats.stopped.message))
        if result.stats.stopped.hint:
            say(result.stats.stopped.hint)
    if kw["as_json"]:
        _echo_json(
            {
                "command": "resolve",
                "exit_code": result.exit_code,
                "input": str(input_path),
                "output": str(result.path),
                "statuses": {s: counts[s] for s in order if counts[s]},
                "kept": result.kept,
                "unfilled": result.unfilled,
                "requests": result.stats.requests if result.stats else 0,
                "duration_s": round(result.duration_s, 3),
                "stopped": _stopped(result.stats),
            }
        )
    sys.exit(result.exit_code)


#: How many rows a reason names (the rest are counted).
ROWS_NAMED = 10


def _rows_named(numbers: list[int], lang: str) -> str:
    """`row 4`, `rows 4, 7` or `rows 4, 7, ... and 12 more`."""
    shown = ", ".join(map(str, numbers[:ROWS_NAMED]))
    extra = len(numbers) - ROWS_NAMED
    if extra > 0:
        return i18n.text("problem_rows_more", lang, rows=shown, extra=extra)
    return i18n.text("problem_rows" if len(numbers) > 1 else "problem_row", lang, rows=shown)


__all__ = ["has_terminal", "resolve", "results_options", "status", "unbind"]
