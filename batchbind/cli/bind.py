"""`run`, `validate` and `template`: the spreadsheet in, bindings out, results back."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from batchbind.auth import redact
from batchbind.cli.common import (
    F,
    connect,
    connection_options,
    counts_line,
    friendly_errors,
    global_options,
    harden_streams,
    input_argument,
    input_options,
    pacing_options,
    print_json,
    read_settings,
    say,
    setup,
    token_options,
)
from batchbind.cli.exits import epilog
from batchbind.cli.notify import ending, notifying
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu.client import FeishuClient
from batchbind.input.footers import skipped_note
from batchbind.jobs.plan import Disposition
from batchbind.jobs.run import JobResult, RunSettings, run_job, validate_job
from batchbind.jobs.tracking import tracker_lines
from batchbind.model import Outcome
from batchbind.notify.summary import from_run
from batchbind.output import i18n
from batchbind.output.causes import cause_lines
from batchbind.output.progress import measured_rate
from batchbind.store.paths import default_journal

#: `--force` on every command that writes a results file.
FORCE_HELP = (
    "Replace an existing --out file even if it is not a batchbind results file (the file being "
    "read is never replaced)."
)


def force_option(func: F) -> F:
    return click.option("--force", is_flag=True, help=FORCE_HELP)(func)


RUN_EXAMPLE = """

\b
Examples:
  batchbind run bindings.xlsx --sandbox
  batchbind auth login --app-id cli_xxx && batchbind run bindings.xlsx
  FEISHU_USER_ACCESS_TOKEN=u-... batchbind run bindings.xlsx --out results.xlsx
"""


@click.command(epilog=epilog("run", RUN_EXAMPLE))
@input_argument("input_path", "INPUT")
@input_options
@connection_options
@click.option("--retry-failed", is_flag=True, help="Send rows that failed permanently again.")
@click.option("--rebind", is_flag=True, help="Bind rows that were unbound (rolled back) again.")
@force_option
@pacing_options
@global_options
@notifying("run")
@friendly_errors
def run(input_path: str, **kw: Any) -> None:
    """Validate INPUT, bind every valid row, and write the results spreadsheet.

    INPUT is a file, or a link to the team's Feishu Sheet or Bitable table (or the Wiki page
    holding it): every row's result is then written back into it too.
    """
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    found = connect(kw, lang)
    token = found.tokens.current()
    redact.register(token)
    read = read_settings(input_path, kw, lang)
    settings = RunSettings(
        **vars(read),
        base_url=found.base_url,
        token=token,
        tokens=found.tokens,
        state=kw["state"] or default_journal(kw["profile"]),
        out=kw["out"],
        force=kw["force"],
        retry_failed=kw["retry_failed"],
        rebind=kw["rebind"],
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        concurrency=kw["concurrency"],
        max_attempts=kw["max_attempts"],
        circuit_breaker=kw["circuit_breaker"],
        progress=not kw["quiet"] and not kw["as_json"],
    )
    result = run_job(settings, notify=say)
    ending().done(lambda journal: from_run(result, settings, journal), base_url=found.base_url)
    _report_run(result, settings, as_json=kw["as_json"], quiet=kw["quiet"])
    sys.exit(result.exit_code)


def _report_run(result: JobResult, settings: RunSettings, *, as_json: bool, quiet: bool) -> None:
    lang = settings.lang
    out = not as_json  # the human summary goes to stdout unless --json owns it
    plan = result.plan
    lines = [
        i18n.text(
            "summary_title",
            lang,
            command="run",
            total=result.rows,
            source=settings.input.name,
        ),
        "  " + counts_line(result, lang),
    ]
    if plan is not None:
        skipped = plan.counts(sending=False)
        resent = plan.counts(sending=True)
        if skipped:
            detail = _dispositions(skipped, lang)
            lines.append(
                "  "
                + i18n.text("summary_skipped", lang, count=sum(skipped.values()), detail=detail)
            )
        if resent:
            detail = _dispositions(resent, lang)
            lines.append(
                "  " + i18n.text("summary_resent", lang, count=sum(resent.values()), detail=detail)
            )
    stats = result.stats
    if stats is not None and stats.requests:
        seconds = stats.sending_seconds
        rate = measured_rate(stats.requests, seconds)
        lines.append(
            "  "
            + i18n.text(
                "summary_sent" if rate is None else "summary_sent_rate",
                lang,
                sent=stats.requests,
                duration=i18n.text("duration_seconds", lang, seconds=seconds),
                rate=f"{rate or 0:.0f}",
                throttled=stats.throttled,
            )
        )
    if result.write_error is not None:
        error = result.write_error
        shown = error.render(lang)[0] if isinstance(error, BatchbindError) else str(error)
        command = f"batchbind report --state {settings.state} --run {result.run_id}"
        lines.append(
            "  "
            + i18n.text("results_not_written", lang, error=redact.scrub(shown), command=command)
        )
    elif result.results_path is not None:
        if result.wanted_path and result.results_path != result.wanted_path:
            lines.append(
                "  "
                + i18n.text(
                    "results_moved", lang, wanted=result.wanted_path, path=result.results_path
                )
            )
        else:
            lines.append("  " + i18n.text("results_written", lang, path=result.results_path))
    again = f"batchbind report --write-back --state {settings.state} --run {result.run_id}"
    later = i18n.text("tracker_write_back_later", lang, command=again)
    lines.extend(
        "  " + line for line in tracker_lines(result.tracker, result.tracker_title, later, lang)
    )
    lines.append("  " + i18n.text("journal_used", lang, path=settings.state))
    lines.extend(cause_lines(result.counts.causes, lang, row_names=result.table.row_names))
    if not quiet or result.exit_code not in (0,) or result.write_error is not None:
        for line in lines:
            say(line, err=not out)
    if stats is not None and stats.interrupted is not None:
        say(i18n.text("interrupted", lang))
    if result.stopped is not None:
        say(i18n.text("error", lang, message=result.stopped.message))
        if result.stopped.hint:
            say(result.stopped.hint)
    if as_json:
        print_json("run", result, {"journal": str(settings.state)}, lang)


def _dispositions(counts: Mapping[Disposition, int], lang: str) -> str:
    """ "bound 3, failed permanently 1": why rows known from earlier runs were skipped or resent."""
    return i18n.text("counts_separator", lang).join(
        f"{i18n.text(f'disposition_{d.name.lower()}', lang)} {n}" for d, n in counts.items()
    )


VALIDATE_EXAMPLE = """

\b
Examples:
  batchbind validate bindings.xlsx
  batchbind validate bindings.csv --out checked.xlsx
"""


@click.command("validate", epilog=epilog("validate", VALIDATE_EXAMPLE))
@input_argument("input_path", "INPUT")
@input_options
@force_option
@token_options
@global_options
@friendly_errors
def validate_cmd(input_path: str, **kw: Any) -> None:
    """Check every row of INPUT and send nothing (a dry run).

    INPUT may be a link to the team's tracker: it is read with the token options' token (a read
    is a call) and nothing is ever written into it.
    """
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    read = read_settings(input_path, kw, lang)
    if read.link is not None:
        found = connect(kw, lang)
        redact.register(found.tokens.current())
        read.tracker_client = lambda: FeishuClient(found.base_url, found.tokens, lang=lang)
    # The contract: validate writes results too (named after the tracker's title for a link).
    result = validate_job(read, out=kw["out"], lang=lang, force=kw["force"], default_out=True)
    out = not kw["as_json"]
    note = skipped_note(result.table.skipped, lang)
    if note is not None and not kw["quiet"]:
        say(note, err=not out)
    invalid = result.counts.by_outcome[Outcome.INVALID.value]
    total = result.rows
    summary = (
        i18n.text("validate_problems", lang, invalid=invalid, total=total)
        if invalid
        else i18n.text("validate_ok", lang, valid=total)
    )
    if total:
        summary += i18n.text("counts_in_brackets", lang, counts=counts_line(result, lang))
    say(summary, err=not out)
    if result.results_path is not None:
        say(i18n.text("results_written", lang, path=result.results_path), err=not out)
    if not kw["quiet"]:
        # Grouped by cause: 10,000 rows with the same problem are one group, not 10,000 lines.
        for line in cause_lines(result.counts.causes, lang, row_names=result.table.row_names):
            say(line, err=not out)
    if kw["as_json"]:
        print_json("validate", result, {}, lang)
    sys.exit(result.exit_code)


TEMPLATE_EXAMPLE = """

\b
Examples:
  batchbind template bindings.xlsx
  batchbind template bindings.csv
"""


@click.command(epilog=epilog("template", TEMPLATE_EXAMPLE))
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGS),
    default=None,
    help="Which language comes first on the instructions sheet (both are always there), and "
    "the language of this command's messages (default: from the locale).",
)
@friendly_errors
def template(path: Path, force: bool, lang: str | None) -> None:
    """Write a ready-to-fill template (.xlsx or .csv) to PATH."""
    from batchbind.output.template import write_template

    harden_streams()
    lang = lang or i18n.default_lang()
    if path.exists() and not force:
        raise InputError.of("file_exists_force", path=path)
    written = write_template(path, lang=lang)
    say(i18n.text("template_written", lang, path=written), err=False)
