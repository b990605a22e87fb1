"""The exit codes every command's `--help` lists: one table, read by every command's epilog.

The meanings are the contract's (docs: "Exit codes"), the numbers those of `jobs/exit_codes.py`
and `errors.py`, so scripts and schedulers find in `--help` exactly what the code does.
"""

from __future__ import annotations

from batchbind.errors import AuthError, BatchbindError, InputError, JournalLocked, RunStopped
from batchbind.jobs.exit_codes import ALL_DONE, NEEDS_A_PERSON, TRY_AGAIN_LATER

ExitLine = tuple[str, str]

_BAD_INPUT: ExitLine = (
    str(InputError.exit_code),
    "bad invocation or unreadable input: nothing was sent",
)
_BUSY: ExitLine = (
    str(JournalLocked.exit_code),
    "another batchbind process holds the journal: try later",
)
_INTERRUPTED: ExitLine = ("130/143", "interrupted (Ctrl-C / SIGTERM): run the same command again")
_INTERNAL: ExitLine = (str(BatchbindError.exit_code), "internal error: please report it (with -v)")

#: Per command (by its full name, "auth login"), what each exit code means, in the order shown.
EXIT_CODES: dict[str, tuple[ExitLine, ...]] = {
    "run": (
        (str(ALL_DONE), "every valid row is bound (now or earlier); nothing is left to send"),
        (str(NEEDS_A_PERSON), "finished; some rows need a person (invalid, or failed for good)"),
        (str(TRY_AGAIN_LATER), "finished; some rows can still bind on a re-run: run it again"),
        _BAD_INPUT,
        (
            str(RunStopped.exit_code),
            "stopped early (token, permission, tenant, quota, circuit breaker): rows stay pending",
        ),
        _BUSY,
        _INTERRUPTED,
        _INTERNAL,
    ),
    "validate": (
        (str(ALL_DONE), "every row is valid"),
        (str(NEEDS_A_PERSON), "some rows are invalid"),
        (str(InputError.exit_code), "bad invocation or unreadable input"),
        _INTERNAL,
    ),
    "template": (
        (str(ALL_DONE), "the template is written"),
        (str(InputError.exit_code), "it cannot be written (exists without --force, wrong suffix)"),
        _INTERNAL,
    ),
    "status": (
        (str(ALL_DONE), "every bound row is done"),
        (str(NEEDS_A_PERSON), "some bound rows are err"),
        (str(TRY_AGAIN_LATER), "some rows are still syncing (at --timeout with --wait)"),
        _BAD_INPUT,
        (
            str(RunStopped.exit_code),
            "stopped on a token or permission problem, or by the circuit breaker",
        ),
        _BUSY,
        _INTERRUPTED,
        _INTERNAL,
    ),
    "unbind": (
        (str(ALL_DONE), "every chosen binding is undone"),
        (str(NEEDS_A_PERSON), "some could not be undone"),
        (str(InputError.exit_code), "not confirmed, or bad input: nothing was done"),
        (
            str(RunStopped.exit_code),
            "stopped on a token or permission problem, or by the circuit breaker: rows not "
            "undone yet stay bound",
        ),
        _BUSY,
        _INTERRUPTED,
        _INTERNAL,
    ),
    "resolve": (
        (str(ALL_DONE), "every row holds a valid user_id"),
        (str(NEEDS_A_PERSON), "some rows still have none (listed, with the reason)"),
        _BAD_INPUT,
        (
            str(RunStopped.exit_code),
            "the app's credentials or permissions were refused, or the circuit breaker stopped it",
        ),
        _INTERRUPTED,
        _INTERNAL,
    ),
    "doctor": (
        (str(ALL_DONE), "everything run needs passed (warnings say what is worth knowing)"),
        (str(NEEDS_A_PERSON), "a check failed (each says what to do)"),
        (str(InputError.exit_code), "bad invocation"),
        _INTERNAL,
    ),
    "notify": (
        (str(ALL_DONE), "done"),
        (
            str(InputError.exit_code),
            "bad input, or the profile's targets cannot be read or written",
        ),
        _INTERNAL,
    ),
    "notify add": (
        (str(ALL_DONE), "the target is stored with the profile"),
        (str(InputError.exit_code), "not a webhook URL or chat:ID, or it cannot be stored"),
        _INTERNAL,
    ),
    "notify list": (
        (str(ALL_DONE), "listed (or none stored)"),
        (str(InputError.exit_code), "the profile's targets cannot be read"),
        _INTERNAL,
    ),
    "notify remove": (
        (str(ALL_DONE), "removed (or none matched)"),
        (str(InputError.exit_code), "no TARGET and no --all, or the change cannot be stored"),
        _INTERNAL,
    ),
    "report": (
        (str(ALL_DONE), "the results file is written"),
        (str(InputError.exit_code), "no such journal or run, or the file cannot be written"),
        _INTERNAL,
    ),
    "journal": (
        (str(ALL_DONE), "done"),
        (str(InputError.exit_code), "no journal there, or it cannot be read"),
        _INTERNAL,
    ),
    "journal purge": (
        (str(ALL_DONE), "the old runs are forgotten"),
        (str(InputError.exit_code), "not confirmed, or the journal cannot be written"),
        _BUSY,
        _INTERNAL,
    ),
    "sandbox": (
        (str(ALL_DONE), "stopped (Ctrl-C, `batchbind sandbox stop`, or idle)"),
        (str(InputError.exit_code), "the port or a file cannot be used"),
        _INTERNAL,
    ),
    "ui": (
        (str(ALL_DONE), "stopped with Ctrl-C (a job still running stops as with Ctrl-C first)"),
        (str(InputError.exit_code), "the port cannot be used, or bad options"),
        _INTERNAL,
    ),
    "sandbox stop": (
        (str(ALL_DONE), "stopped, or none of yours was running"),
        (
            str(InputError.exit_code),
            "it did not stop, or the port or your data folder cannot be used",
        ),
        _INTERNAL,
    ),
    "auth": (
        (str(ALL_DONE), "done"),
        (str(AuthError.exit_code), "refused or failed"),
    ),
    "auth login": (
        (str(ALL_DONE), "logged in: the profile is saved"),
        (str(AuthError.exit_code), "not logged in (refused, timed out, or bad input)"),
        _INTERNAL,
    ),
    "auth import": (
        (str(ALL_DONE), "the token is saved in the profile"),
        (str(AuthError.exit_code), "nothing was saved (bad input, or the token was refused)"),
        _INTERNAL,
    ),
    "auth status": (
        (str(ALL_DONE), "the profile has a usable token (or one that renews itself)"),
        (str(AuthError.exit_code), "not logged in, expired, or another host's profile"),
        _INTERNAL,
    ),
    "auth logout": (
        (str(ALL_DONE), "the profile is removed (or there was none)"),
        (str(AuthError.exit_code), "it could not be removed"),
        _INTERNAL,
    ),
}


def exit_codes_help(command: str) -> str:
    """The "Exit codes:" paragraph of `command`'s --help (kept as laid out: click's `\\b`)."""
    lines = EXIT_CODES[command]
    width = max(len(code) for code, _ in lines)
    listed = "\n".join(f"  {code:<{width}}  {meaning}" for code, meaning in lines)
    return f"\n\n\b\nExit codes:\n{listed}\n"


def epilog(command: str, examples: str = "") -> str:
    """`command`'s examples, then its exit codes."""
    return examples.rstrip("\n") + exit_codes_help(command)
