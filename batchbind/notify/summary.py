"""What a finished command tells the group: a typed summary, built from the job's own result.

Only counts, codes, hints, host names and file locations go in: never a token, a secret, or a
row's e-mail addresses (the card masks any address that slips into a server's text, too).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from batchbind.errors import BatchbindError
from batchbind.feishu.client import tenant_host
from batchbind.jobs.engine import PoolStats
from batchbind.jobs.plan import Disposition
from batchbind.jobs.run import JobResult, RunSettings
from batchbind.jobs.status import StatusResult
from batchbind.jobs.unbind import UnbindResult
from batchbind.jobs.view import LifecycleSettings
from batchbind.model import Outcome, ResultRow
from batchbind.output import i18n
from batchbind.output.causes import SHOWN_ROWS, CauseGroup, group_causes
from batchbind.output.render import from_run_row, render_frames
from batchbind.store.journal import Journal


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """One command's ending, as the group reads it."""

    command: str  # run, status, unbind
    source: str  # the input's file name (never its folder)
    tenant: str  # the API host, e.g. open.feishu.cn
    exit_code: int
    lang: str = "en"
    counts: tuple[tuple[str, int], ...] = ()  # (outcome or status, rows), in the results' words
    sent: int = 0  # requests this run sent
    bound_now: int | None = None  # rows bound by this run (run only)
    throttled: int = 0  # answers 429 this run
    duration_s: float = 0.0
    causes: tuple[CauseGroup, ...] = ()  # rows that need a person, biggest cause first
    stop_reason: str = ""  # why it stopped early, or why it was refused
    stop_hint: str = ""  # what to do about it
    pending: int = 0  # rows left to send (or to ask about) by a re-run
    results: str = ""  # the results file written
    run_id: int | None = None  # the journal's run, when it got that far


def counts_of(by_outcome: dict[str, int]) -> tuple[tuple[str, int], ...]:
    """The non-zero counts, in the results file's order of outcomes."""
    order = [o.value for o in Outcome]
    return tuple((name, by_outcome[name]) for name in order if by_outcome.get(name))


def bound_now(by_outcome: dict[str, int], skipped: dict[Disposition, int]) -> int:
    """Rows bound by this run: the bound rows less those bound before it (skipped as bound)."""
    return max(0, by_outcome.get("bound", 0) - skipped.get(Disposition.SKIP_BOUND, 0))


def run_rows(journal: Journal, run_id: int, lang: str) -> Iterator[ResultRow]:
    """A run's rows rendered again from the journal, as `batchbind report` renders them."""
    _record, stored = journal.load_run_rows(run_id)
    frames = [from_run_row(r) for r in stored]
    states = journal.states_for({f.key for f in frames if f.key})
    return render_frames(frames, states, lang=lang)


def refusal(
    command: str, source: str, tenant: str, exc: BaseException, exit_code: int, lang: str
) -> RunSummary:
    """The summary of a command that ended on an error before (or instead of) its job."""
    if isinstance(exc, BatchbindError):
        reason, hint = exc.render(lang)
    elif isinstance(exc, KeyboardInterrupt):  # the title says it: interrupted
        reason, hint = "", ""
    else:
        reason, hint = type(exc).__name__, ""
    return RunSummary(
        command=command,
        source=Path(source).name if source else "",
        tenant=tenant,
        exit_code=exit_code,
        lang=lang,
        stop_reason=reason,
        stop_hint=hint,
    )


def _stop(stats: PoolStats | None) -> tuple[str, str]:
    if stats is None or stats.stopped is None:
        return "", ""
    return stats.stopped.message, stats.stopped.hint


def from_run(result: JobResult, settings: RunSettings, journal: Journal | None) -> RunSummary:
    """`run`'s ending: counts, this run's figures, the causes (rendered again from the journal)."""
    lang = settings.lang
    by_outcome = result.counts.by_outcome
    skipped = dict(result.plan.counts(sending=False)) if result.plan is not None else {}
    causes: tuple[CauseGroup, ...] = ()
    if journal is not None and result.run_id is not None:
        causes = group_causes(run_rows(journal, result.run_id, lang))
    stats = result.stats
    reason, hint = _stop(stats)
    return RunSummary(
        command="run",
        source=settings.input.name,
        tenant=tenant_host(settings.base_url),
        exit_code=result.exit_code,
        lang=lang,
        counts=counts_of(by_outcome),
        sent=stats.requests if stats else 0,
        bound_now=bound_now(by_outcome, skipped),
        throttled=stats.throttled if stats else 0,
        duration_s=result.duration_s,
        causes=causes,
        stop_reason=reason,
        stop_hint=hint,
        pending=result.counts.pending,
        results=str(result.results_path.resolve()) if result.results_path else "",
        run_id=result.run_id,
    )


def from_status(result: StatusResult, settings: LifecycleSettings) -> RunSummary:
    """`status`'s ending: rows per sync status; the rows whose calendar failed are the cause."""
    lang = settings.lang
    errs = [
        r.row
        for r in result.written.results
        if r.binding_status == "err" and r.outcome is Outcome.BOUND
    ]
    causes: tuple[CauseGroup, ...] = ()
    if errs:
        hint = i18n.text("sync_err_hint", lang)
        causes = (
            CauseGroup(
                key="cause_sync_err",
                outcome=Outcome.BOUND,
                code="err",
                column="",
                count=len(errs),
                rows=tuple(errs[:SHOWN_ROWS]),
                hint=hint,
                example="",
            ),
        )
    reason, stop_hint = _stop(result.stats)
    order = ["done", "err", "timespan_done", "cal_done", "doing", "unknown", "unbound"]
    counts = sorted(
        result.by_status.items(), key=lambda i: order.index(i[0]) if i[0] in order else 99
    )
    return RunSummary(
        command="status",
        source=settings.input.name,
        tenant=tenant_host(settings.base_url),
        exit_code=result.exit_code,
        lang=lang,
        counts=tuple((s, n) for s, n in counts if n),
        sent=result.stats.requests if result.stats else 0,
        throttled=result.stats.throttled if result.stats else 0,
        duration_s=result.duration_s,
        causes=causes,
        stop_reason=reason,
        stop_hint=stop_hint,
        pending=len(result.unchecked),
        results="" if result.written.error else str(result.written.path.resolve()),
        run_id=result.run_id,
    )


def from_unbind(result: UnbindResult, settings: LifecycleSettings) -> RunSummary:
    """`unbind`'s ending: undone and not undone; the rows not undone, by code, are the causes."""
    failed = set(result.failed)
    # A row not undone is still bound in the results file; for this command it failed.
    causes = group_causes(
        replace(r, outcome=Outcome.FAILED) for r in result.written.results if r.row in failed
    )
    reason, hint = _stop(result.stats)
    counts = (("unbound", result.unbound), ("failed", len(result.failed)))
    return RunSummary(
        command="unbind",
        source=settings.input.name,
        tenant=tenant_host(settings.base_url),
        exit_code=result.exit_code,
        lang=settings.lang,
        counts=tuple((s, n) for s, n in counts if n),
        sent=result.stats.requests if result.stats else 0,
        throttled=result.stats.throttled if result.stats else 0,
        duration_s=result.duration_s,
        causes=causes,
        stop_reason=reason,
        stop_hint=hint,
        results="" if result.written.error else str(result.written.path.resolve()),
        run_id=result.run_id,
    )
