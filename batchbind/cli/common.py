"""What every command shares: output that never crashes, logging without secrets, friendly
errors with the contract's exit codes, and the common options."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from batchbind.auth import redact
from batchbind.auth.choose import Connection, TokenChoice, choose_connection
from batchbind.errors import BatchbindError, InputError
from batchbind.jobs.run import JobResult
from batchbind.jobs.settings import ReadSettings
from batchbind.model import Outcome, UserIdType
from batchbind.output import i18n
from batchbind.output.causes import causes_json
from batchbind.tracker.links import is_link, parse_link

log = logging.getLogger("batchbind")

F = TypeVar("F", bound=Callable[..., Any])


# -- output that never crashes -------------------------------------------------------------------


def harden_streams() -> None:
    """A legacy Windows code page cannot print Chinese: replace what it cannot show, never crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def say(message: str, *, err: bool = True) -> None:
    """Print a line (scrubbed of secrets); a stream whose reader went away is dropped quietly."""
    try:
        click.echo(redact.scrub(message), err=err)
    except BrokenPipeError:
        reader_gone(sys.stderr if err else sys.stdout)


def reader_gone(stream: Any) -> None:
    """The reader of `stream` went away (`| head`): send the rest to nowhere, without a word.

    The command still finishes and exits with its own code; only the lines nobody reads are lost.
    Python's own flush at exit would fail again otherwise, with an "Exception ignored" message.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def setup_logging(verbose: bool, quiet: bool, log_file: Path | None) -> None:
    root = logging.getLogger("batchbind")
    root.handlers.clear()
    root.setLevel(logging.DEBUG if verbose or log_file else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redact.RedactingFilter())
    root.addHandler(handler)
    # Warnings of other libraries (asyncio's "exception never retrieved") go to the last-resort
    # handler, which must not print a secret either.
    last_resort = logging.StreamHandler(sys.stderr)
    last_resort.setLevel(logging.WARNING)
    last_resort.addFilter(redact.RedactingFilter())
    logging.lastResort = last_resort
    if log_file is not None:
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            root.handlers.clear()
            root.addHandler(handler)
            raise InputError.of(
                "log_file_unwritable", path=log_file, error=exc.strerror or exc
            ) from None
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        file_handler.addFilter(redact.RedactingFilter())
        root.addHandler(file_handler)
    # httpx logs every request line at INFO: useful with -v only.
    logging.getLogger("httpx").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("httpx").addFilter(redact.RedactingFilter())
    # httpcore traces each request's connection steps at DEBUG (about ten lines a request): noise.
    logging.getLogger("httpcore").setLevel(logging.INFO)
    logging.getLogger("httpcore").addFilter(redact.RedactingFilter())


def say_error(exc: BatchbindError, lang: str | None = None) -> None:
    """A refusal as the user reads it, in their language: one sentence, then what to do."""
    lang = lang or i18n.default_lang()
    message, hint = exc.render(lang)
    say(i18n.text("error", lang, message=message))
    if hint:
        say(hint)


def lang_of(kwargs: dict[str, Any]) -> str:
    """The `--lang` of the command (click passes every option as a keyword), else of the group
    it belongs to (`journal --lang zh purge`), else the system's."""
    lang = kwargs.get("lang")
    ctx = click.get_current_context(silent=True)
    while not lang and ctx is not None:
        lang, ctx = ctx.params.get("lang"), ctx.parent
    return str(lang or i18n.default_lang())


def friendly_errors(func: F) -> F:
    """Turn library errors into one sentence and the contract's exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatchbindError as exc:
            say_error(exc, lang_of(kwargs))
            sys.exit(exc.exit_code)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            # Output went to a reader that left (`| head`) through a path that does not absorb
            # it as `say` does: nobody is there to read a sentence about it. The command's own
            # code is unknown here: 2, as for any problem of the surroundings.
            reader_gone(sys.stdout)
            reader_gone(sys.stderr)
            sys.exit(2)
        except Exception as exc:  # an internal error: say so in one line, keep the details in -v
            log.debug("internal error", exc_info=True)
            error = f"{type(exc).__name__}: {redact.scrub(str(exc))}"
            say(i18n.text("internal_error", lang_of(kwargs), error=error))
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


# -- shared options ---------------------------------------------------------------------------------


#: `--lang` on every command that has it.
LANG_HELP = "Messages, hints and sheet labels: en or zh (default: from the locale)."


def global_options(func: F) -> F:
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
            click.option("--lang", type=click.Choice(i18n.LANGS), default=None, help=LANG_HELP),
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


def read_options(func: F) -> F:
    """How to read the input: which sheet, which CSV encoding and delimiter, which ids."""
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
        ]
    ):
        func = option(func)
    return func


def input_options(func: F) -> F:
    """`read_options` and where the results go."""
    func = click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Results file, .xlsx or .csv (default: <input>.results.xlsx).",
    )(func)
    return read_options(func)


def setup(verbose: bool, quiet: bool, log_file: Path | None, lang: str | None) -> str:
    harden_streams()
    setup_logging(verbose, quiet, log_file)
    return lang or i18n.default_lang()


def read_settings(input_path: str | Path, kw: dict[str, Any], lang: str = "en") -> ReadSettings:
    """The read options, for a file or for the team's tracker when INPUT is a link (issue 14)."""
    text = str(input_path)
    link = parse_link(text) if is_link(text) else None
    return ReadSettings(
        input=Path(link.token) if link is not None else Path(input_path),
        link=link,
        sheet=kw["sheet"],
        encoding=kw["encoding"],
        delimiter=kw["delimiter"],
        user_id_type=UserIdType(kw["user_id_type"]),
        allow_multiple_per_user=kw["allow_multiple_per_user"],
        lang=lang,
    )


def input_argument(name: str, metavar: str) -> Callable[[F], F]:
    """INPUT: a file path, or a link to the team's tracker (a Sheet, a Bitable table, a Wiki
    page); kept as typed, so a path behaves exactly as before."""
    return click.argument(name, metavar=metavar, type=click.Path(path_type=str))


def outcome_counts(by_outcome: Mapping[str, int], lang: str) -> str:
    """ "bound 32, failed 4": in English the results file's own outcome words, in Chinese theirs."""
    order = [o.value for o in Outcome]  # as the results file's Summary lists them
    names = sorted(by_outcome, key=lambda name: order.index(name) if name in order else len(order))
    parts = [
        f"{i18n.text(f'counted_{name}', lang) if i18n.has(f'counted_{name}') else name} "
        f"{by_outcome[name]:,}"
        for name in names
        if by_outcome[name]
    ]
    if not parts:
        return i18n.text("no_rows_counted", lang)
    return i18n.text("counts_separator", lang).join(parts)


def counts_line(result: JobResult, lang: str) -> str:
    return outcome_counts(result.counts.by_outcome, lang)


def print_json(command: str, result: JobResult, extra: dict[str, Any], lang: str) -> None:
    stats = result.stats
    payload = {
        "command": command,
        "exit_code": result.exit_code,
        "input": str(result.table.source),
        "results": str(result.results_path) if result.results_path else None,
        "rows": result.rows,
        "counts": result.counts.by_outcome,
        "requests": stats.requests if stats else 0,
        "throttled": stats.throttled if stats else 0,
        "duration_s": round(result.duration_s, 3),
        "stopped": result.stopped.message if result.stopped else None,
        "skipped": [{"row": line.row, "text": line.text} for line in result.table.skipped],
        "causes": causes_json(result.counts.causes, lang),
        # The team's tracker (issue 14): what writing the results back into it did.
        "tracker": None if result.tracker is None else result.tracker.figures(),
        **extra,
    }
    say(json.dumps(payload, ensure_ascii=False), err=False)


# -- commands ---------------------------------------------------------------------------------------


def token_options(func: F, *, profile: bool = True) -> F:
    """Where to send and with which token (`profile=False`: a command with its own --profile)."""
    for option in reversed(
        [
            click.option(
                "--base-url", help="Any Feishu-compatible origin (https:// except on loopback)."
            ),
            click.option(
                "--domain",
                type=click.Choice(["feishu", "lark"]),
                default=None,
                help="Feishu (China) or Lark (international). Default: the profile's host, "
                "else feishu.",
            ),
            click.option(
                "--token",
                help="The super administrator's user_access_token (visible in the "
                "process list: prefer FEISHU_USER_ACCESS_TOKEN).",
            ),
            *[
                click.option(
                    "--profile",
                    default="default",
                    show_default=True,
                    help="Credentials stored by 'batchbind auth' (also chooses the default "
                    "journal: one per profile).",
                )
            ][: 1 if profile else 0],
            click.option(
                "--sandbox", is_flag=True, help="Talk to the local emulator (started if needed)."
            ),
            click.option(
                "--sandbox-scenario",
                type=click.Path(dir_okay=False, exists=True, path_type=Path),
                help="Scenario for the background sandbox (implies --sandbox).",
            ),
        ]
    ):
        func = option(func)
    return func


def connection_options(func: F) -> F:
    """`token_options`, and which journal (it belongs to the profile)."""
    func = click.option(
        "--state",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The journal (default: one per profile in your data folder).",
    )(func)
    return token_options(func)


def pacing_options(func: F) -> F:
    """The budget and the pool: how fast, how many in flight, how many attempts."""
    for option in reversed(
        [
            click.option(
                "--rate-per-second",
                type=click.FloatRange(min=0.1),
                default=50.0,
                show_default=True,
                help="Requests a second at most (Feishu's documented limit).",
            ),
            click.option(
                "--rate-per-minute",
                type=click.FloatRange(min=1),
                default=1000.0,
                show_default=True,
                help="Requests a minute at most (Feishu's documented limit).",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 512),
                default=32,
                show_default=True,
                help="Requests in flight at most.",
            ),
            click.option(
                "--max-attempts",
                type=click.IntRange(1, 100),
                default=5,
                show_default=True,
                help="Attempts per row for transient errors (waiting out a 429 is not one).",
            ),
            click.option(
                "--circuit-breaker",
                type=click.IntRange(min=0),
                default=50,
                show_default=True,
                help="Stop (exit 3) after this many rows in a row fail with the same code; rows "
                "not yet sent stay as they were (0: never).",
            ),
        ]
    ):
        func = option(func)
    return func


def token_choice(kw: dict[str, Any], lang: str) -> TokenChoice:
    """What `token_options` chose; a token typed on the command line gets one line of warning."""
    if kw["token"] and not (kw["sandbox"] or kw["sandbox_scenario"]):  # else refused: one line
        say(i18n.text("token_on_command_line", lang))
    return TokenChoice(
        token=kw["token"],
        profile=kw["profile"],
        base_url=kw["base_url"],
        domain=kw["domain"],
        sandbox=kw["sandbox"],
        sandbox_scenario=kw["sandbox_scenario"],
    )


def connect(kw: dict[str, Any], lang: str) -> Connection:
    """The origin and the token source the command's options choose (see `auth.choose`)."""
    return choose_connection(token_choice(kw, lang), lang)
