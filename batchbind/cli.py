"""The command line: options in, library calls out, one clear sentence and an exit code back.

Nothing here decides what a row or an answer means; that lives in the library.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from batchbind import __version__, i18n, redact
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu import resolve_base_url
from batchbind.job import JobResult, ReadSettings, RunSettings, run_job, validate_job
from batchbind.model import Outcome, UserIdType
from batchbind.paths import default_journal, default_results

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("batchbind")


# -- output that never crashes -------------------------------------------------------------------


def _harden_streams() -> None:
    """A legacy Windows code page cannot print Chinese: replace what it cannot show, never crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def say(message: str, *, err: bool = True) -> None:
    click.echo(redact.scrub(message), err=err)


def _setup_logging(verbose: bool, quiet: bool, log_file: Path | None) -> None:
    root = logging.getLogger("batchbind")
    root.handlers.clear()
    root.setLevel(logging.DEBUG if verbose or log_file else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redact.RedactingFilter())
    root.addHandler(handler)
    if log_file is not None:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        file_handler.addFilter(redact.RedactingFilter())
        root.addHandler(file_handler)
    # httpx logs every request line at INFO: useful with -v only.
    logging.getLogger("httpx").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("httpx").addFilter(redact.RedactingFilter())


def friendly_errors(func: F) -> F:
    """Turn library errors into one sentence and the contract's exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatchbindError as exc:
            say(f"Error: {exc.message}")
            if exc.hint:
                say(exc.hint)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # an internal error: say so in one line, keep the details in -v
            log.debug("internal error", exc_info=True)
            say(
                f"batchbind hit an internal error ({type(exc).__name__}: {redact.scrub(str(exc))}). "
                "The journal keeps everything done so far. Please report this with the -v output."
            )
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


# -- shared options ---------------------------------------------------------------------------------


def _global_options(func: F) -> F:
    for option in reversed(
        [
            click.option(
                "-v", "--verbose", is_flag=True, help="Debug logging (never shows secrets)."
            ),
            click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors."),
            click.option(
                "--log-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write a debug log to this file.",
            ),
            click.option(
                "--lang",
                type=click.Choice(i18n.LANGS),
                default=None,
                help="Messages, hints and sheet labels: en or zh (default: from the locale).",
            ),
            click.option(
                "--json",
                "as_json",
                is_flag=True,
                help="Print a machine-readable summary on stdout.",
            ),
        ]
    ):
        func = option(func)
    return func


def _input_options(func: F) -> F:
    for option in reversed(
        [
            click.option(
                "--sheet", help="The .xlsx sheet to read (default: the first whose headers match)."
            ),
            click.option(
                "--encoding", help="CSV encoding, e.g. utf-8, gb18030, utf-16 (default: detected)."
            ),
            click.option(
                "--delimiter", help="CSV delimiter (default: detected among , ; and tab)."
            ),
            click.option(
                "--user-id-type",
                type=click.Choice([t.value for t in UserIdType]),
                default="open_id",
                show_default=True,
                help="What the user_id column holds.",
            ),
            click.option(
                "--allow-multiple-per-user",
                is_flag=True,
                help="Allow one user to have several Exchange accounts.",
            ),
            click.option(
                "--out",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Results file, .xlsx or .csv (default: <input>.results.xlsx).",
            ),
        ]
    ):
        func = option(func)
    return func


def _setup(verbose: bool, quiet: bool, log_file: Path | None, lang: str | None) -> str:
    _harden_streams()
    _setup_logging(verbose, quiet, log_file)
    return lang or i18n.default_lang()


def _read_settings(input_path: Path, kw: dict[str, Any]) -> ReadSettings:
    return ReadSettings(
        input=input_path,
        sheet=kw["sheet"],
        encoding=kw["encoding"],
        delimiter=kw["delimiter"],
        user_id_type=UserIdType(kw["user_id_type"]),
        allow_multiple_per_user=kw["allow_multiple_per_user"],
    )


def _counts_line(result: JobResult) -> str:
    parts = [f"{name} {n}" for name, n in result.counts.by_outcome.items() if n]
    return ", ".join(parts) if parts else "no rows"


def _print_json(command: str, result: JobResult, extra: dict[str, Any]) -> None:
    stats = result.stats
    payload = {
        "command": command,
        "exit_code": result.exit_code,
        "input": str(result.table.source),
        "results": str(result.results_path) if result.results_path else None,
        "rows": len(result.results),
        "counts": result.counts.by_outcome,
        "requests": stats.requests if stats else 0,
        "throttled": stats.throttled if stats else 0,
        "duration_s": round(result.duration_s, 3),
        "stopped": result.stopped.message if result.stopped else None,
        **extra,
    }
    click.echo(redact.scrub(json.dumps(payload, ensure_ascii=False)))


# -- commands ---------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="batchbind")
def cli() -> None:
    """Bind Exchange mailboxes to Feishu (Lark) accounts from one spreadsheet.

    \b
    Rehearse with no tenant and no token:
      batchbind run sample_data/bindings.csv --sandbox --sandbox-scenario sample_data/scenario.toml
    """


RUN_EXAMPLE = """

\b
Examples:
  batchbind run bindings.xlsx --sandbox
  FEISHU_USER_ACCESS_TOKEN=u-... batchbind run bindings.xlsx --out results.xlsx
"""


@cli.command(epilog=RUN_EXAMPLE)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@_input_options
@click.option("--base-url", help="Any Feishu-compatible origin (https:// except on loopback).")
@click.option(
    "--domain", type=click.Choice(["feishu", "lark"]), default="feishu", show_default=True
)
@click.option(
    "--token",
    help="The super administrator's user_access_token (visible in the "
    "process list: prefer FEISHU_USER_ACCESS_TOKEN).",
)
@click.option(
    "--profile",
    default="default",
    show_default=True,
    help="Profile: chooses the default journal (one per profile).",
)
@click.option("--sandbox", is_flag=True, help="Talk to the local emulator (started if needed).")
@click.option(
    "--sandbox-scenario",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Scenario for the background sandbox (implies --sandbox).",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The journal (default: one per profile in your data folder).",
)
@click.option("--retry-failed", is_flag=True, help="Send rows that failed permanently again.")
@click.option("--rebind", is_flag=True, help="Bind rows that were unbound (rolled back) again.")
@click.option("--rate-per-second", type=click.FloatRange(min=0.1), default=50.0, show_default=True)
@click.option("--rate-per-minute", type=click.FloatRange(min=1), default=1000.0, show_default=True)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 512),
    default=32,
    show_default=True,
    help="Requests in flight at most.",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="Attempts per row for transient errors (waiting out a 429 is not one).",
)
@_global_options
@friendly_errors
def run(input_path: Path, **kw: Any) -> None:
    """Validate INPUT, bind every valid row, and write the results spreadsheet."""
    lang = _setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    base_url, token = _connection(kw, lang)
    redact.register(token)
    read = _read_settings(input_path, kw)
    settings = RunSettings(
        **vars(read),
        base_url=base_url,
        token=token,
        state=kw["state"] or default_journal(kw["profile"]),
        out=kw["out"],
        retry_failed=kw["retry_failed"],
        rebind=kw["rebind"],
        rate_per_second=kw["rate_per_second"],
        rate_per_minute=kw["rate_per_minute"],
        concurrency=kw["concurrency"],
        max_attempts=kw["max_attempts"],
        lang=lang,
        progress=not kw["quiet"] and not kw["as_json"],
    )
    result = run_job(settings, notify=say)
    _report_run(result, settings, as_json=kw["as_json"], quiet=kw["quiet"])
    sys.exit(result.exit_code)


def _connection(kw: dict[str, Any], lang: str) -> tuple[str, str]:
    """The origin and the token: --token, then FEISHU_USER_ACCESS_TOKEN, then the sandbox's."""
    token = kw["token"]
    if token:
        say(i18n.text("token_on_command_line", lang))
    token = token or os.environ.get("FEISHU_USER_ACCESS_TOKEN", "")
    if kw["sandbox"] or kw["sandbox_scenario"]:
        from batchbind.rehearsal import SANDBOX_TOKEN, ensure_sandbox

        base_url = kw["base_url"] or ensure_sandbox(kw["sandbox_scenario"])
        return resolve_base_url(base_url), token or SANDBOX_TOKEN
    base_url = resolve_base_url(kw["base_url"], kw["domain"])
    if not token:
        raise InputError(i18n.text("no_token", lang))
    return base_url, token


def _report_run(result: JobResult, settings: RunSettings, *, as_json: bool, quiet: bool) -> None:
    lang = settings.lang
    out = not as_json  # the human summary goes to stdout unless --json owns it
    plan = result.plan
    lines = [
        i18n.text(
            "summary_title",
            lang,
            command="run",
            total=len(result.results),
            source=settings.input.name,
        ),
        "  " + _counts_line(result),
    ]
    if plan is not None:
        skipped = plan.counts(sending=False)
        resent = plan.counts(sending=True)
        if skipped:
            detail = ", ".join(f"{d.value} {n}" for d, n in skipped.items())
            lines.append(
                "  "
                + i18n.text("summary_skipped", lang, count=sum(skipped.values()), detail=detail)
            )
        if resent:
            detail = ", ".join(f"{d.value} {n}" for d, n in resent.items())
            lines.append(
                "  " + i18n.text("summary_resent", lang, count=sum(resent.values()), detail=detail)
            )
    stats = result.stats
    if stats is not None and stats.requests:
        seconds = stats.sending_seconds
        rate = 60.0 * stats.requests / seconds if seconds > 0 else 0.0
        lines.append(
            "  "
            + i18n.text(
                "summary_sent",
                lang,
                sent=stats.requests,
                duration=f"{seconds:.1f}s",
                rate=f"{rate:.0f}",
                throttled=stats.throttled,
            )
        )
    if result.results_path is not None:
        if result.wanted_path and result.results_path != result.wanted_path:
            lines.append(
                "  "
                + i18n.text(
                    "results_moved", lang, wanted=result.wanted_path, path=result.results_path
                )
            )
        else:
            lines.append("  " + i18n.text("results_written", lang, path=result.results_path))
    lines.append("  " + i18n.text("journal_used", lang, path=settings.state))
    if not quiet or result.exit_code not in (0,):
        for line in lines:
            say(line, err=not out)
    if stats is not None and stats.interrupted is not None:
        say(i18n.text("interrupted", lang))
    if result.stopped is not None:
        say(f"Error: {result.stopped.message}")
        if result.stopped.hint:
            say(result.stopped.hint)
    if as_json:
        _print_json("run", result, {"journal": str(settings.state)})


VALIDATE_EXAMPLE = """

\b
Examples:
  batchbind validate bindings.xlsx
  batchbind validate bindings.csv --out checked.xlsx
"""


@cli.command("validate", epilog=VALIDATE_EXAMPLE)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@_input_options
@_global_options
@friendly_errors
def validate_cmd(input_path: Path, **kw: Any) -> None:
    """Check every row of INPUT and send nothing (a dry run)."""
    lang = _setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    out_path = kw["out"] or default_results(input_path)  # the contract: validate writes results too
    result = validate_job(_read_settings(input_path, kw), out=out_path, lang=lang)
    out = not kw["as_json"]
    invalid = [r for r in result.results if r.outcome is Outcome.INVALID]
    if not kw["quiet"]:
        for r in invalid:
            say(f"row {r.row}: {r.msg}", err=not out)
            if r.hint:
                say(f"    {r.hint}", err=not out)
    total = len(result.results)
    summary = (
        i18n.text("validate_problems", lang, invalid=len(invalid), total=total)
        if invalid
        else i18n.text("validate_ok", lang, valid=total)
    )
    say(summary + (f" ({_counts_line(result)})" if total else ""), err=not out)
    if result.results_path is not None:
        say(i18n.text("results_written", lang, path=result.results_path), err=not out)
    if kw["as_json"]:
        _print_json("validate", result, {})
    sys.exit(result.exit_code)


TEMPLATE_EXAMPLE = """

\b
Examples:
  batchbind template bindings.xlsx
  batchbind template bindings.csv
"""


@cli.command(epilog=TEMPLATE_EXAMPLE)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--lang", type=click.Choice(i18n.LANGS), default=None)
@friendly_errors
def template(path: Path, force: bool, lang: str | None) -> None:
    """Write a ready-to-fill template (.xlsx or .csv) to PATH."""
    from batchbind.template import write_template

    _harden_streams()
    if path.exists() and not force:
        raise InputError(f"{path} already exists: pass --force to overwrite it.")
    written = write_template(path, lang=lang or i18n.default_lang())
    say(f"template written: {written}", err=False)


SANDBOX_EXAMPLE = """

\b
Examples:
  batchbind sandbox
  batchbind sandbox --port 8080 --scenario sample_data/scenario.toml
"""


@cli.command(epilog=SANDBOX_EXAMPLE)
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
    from batchbind.rehearsal import DEFAULT_PORT, SANDBOX_TOKEN, default_state_file
    from batchbind.sandbox import ScenarioError, load_scenario, serve

    _harden_streams()
    try:
        loaded = load_scenario(scenario) if scenario else None
    except ScenarioError as exc:
        raise InputError(str(exc)) from None

    def ready(base_url: str) -> None:
        say(f"Feishu sandbox listening on {base_url}", err=False)
        say(f"token: {SANDBOX_TOKEN}", err=False)
        say(f"try:   batchbind run FILE --base-url {base_url} --token {SANDBOX_TOKEN}", err=False)
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
        raise InputError(
            f"The sandbox cannot listen on port {port or DEFAULT_PORT}: "
            f"{exc.strerror or exc}. Choose another with --port."
        ) from None


def main() -> None:
    cli(prog_name="batchbind")
