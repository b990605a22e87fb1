"""The one place that turns a job's counts (and its stop) into its exit code, per command.

The contract (docs: "Exit codes"): a stop wins over any count: interrupted is 128 + the signal
(130, 143), a run-wide stop (token, permission, tenant, quota, circuit breaker) is 3. Otherwise a
finished job exits 4 when a re-run may still finish it (`later`), 1 when a person must look
(`person`), else 0. Bad input (2) and a busy journal (75) never get this far: they are errors,
raised before anything is sent. Each job names its counts; the table says what each name means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from batchbind.jobs.engine import PoolStats

ALL_DONE = 0
NEEDS_A_PERSON = 1
STOPPED = 3
TRY_AGAIN_LATER = 4


@dataclass(frozen=True, slots=True)
class ExitRule:
    """Which of a command's counts make it exit 4 (`later`) or 1 (`person`); 4 comes first."""

    person: tuple[str, ...]
    later: tuple[str, ...] = ()


EXIT_RULES: dict[str, ExitRule] = {
    # Rows left to send or failed transiently bind on a re-run; invalid and refused rows need a
    # person. Duplicates are not counted: their original decides.
    "run": ExitRule(person=("invalid", "failed"), later=("pending", "transient")),
    "validate": ExitRule(person=("invalid",)),
    # Bound rows still syncing (or whose status is unknown) may be final on a later `status`.
    "status": ExitRule(person=("err",), later=("syncing",)),
    "unbind": ExitRule(person=("failed",)),
    # Not found, resigned (unless filled) and not looked up all leave a user_id to fill by hand.
    "resolve": ExitRule(person=("unfilled",)),
}


def stop_exit(stats: PoolStats | None) -> int | None:
    """The exit code a stop imposes (interrupted, or a run-wide stop), if any."""
    if stats is None:
        return None
    if stats.interrupted is not None:
        return 128 + stats.interrupted
    if stats.stopped is not None:
        return STOPPED
    return None


def exit_code(command: str, counts: Mapping[str, int], stats: PoolStats | None = None) -> int:
    """`command`'s exit code for a job that ended with these counts and this stop (if any)."""
    stopped = stop_exit(stats)
    if stopped is not None:
        return stopped
    rule = EXIT_RULES[command]
    if any(counts.get(name, 0) for name in rule.later):
        return TRY_AGAIN_LATER
    if any(counts.get(name, 0) for name in rule.person):
        return NEEDS_A_PERSON
    return ALL_DONE
