"""The `run` and `validate` jobs as library calls: read, check, plan, send, render.

The CLI only builds a `RunSettings` and calls `run_job`; tests and other programs can do the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchbind.errors import BatchbindError, InputError, OutputError, RunStopped
from batchbind.feishu.client import FeishuClient, tenant_host
from batchbind.input.footers import skipped_note
from batchbind.input.load import load_table
from batchbind.input.validation import validate
from batchbind.jobs.binding import BindSender
from batchbind.jobs.control import RunControl
from batchbind.jobs.engine import Pool, PoolStats
from batchbind.jobs.exit_codes import exit_code
from batchbind.jobs.harness import run_pool
from batchbind.jobs.plan import SENDING, Disposition, Plan, make_plan
from batchbind.jobs.settings import ConnectionSettings, ReadSettings
from batchbind.jobs.target import check_results_path
from batchbind.jobs.tracking import TrackerInput, WriteBack, open_input
from batchbind.model import Checked, JobFigures, ResultRow, RunInfo, Table, UserIdType
from batchbind.output.progress import measured_rate, progress_bar
from batchbind.output.render import (
    Counts,
    Frame,
    Tally,
    count_frames,
    frames_for,
    from_run_row,
    render_frames,
    render_from_journal,
    to_run_row,
)
from batchbind.output.writers import write_results
from batchbind.store.journal import Journal, RunRecord
from batchbind.store.paths import default_results
from batchbind.tracker.links import is_link, parse_link

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class RunSettings(ConnectionSettings):
    """What `run` reads, whom it talks to, and its re-run rules (`--retry-failed`, `--rebind`)."""

    retry_failed: bool = False
    rebind: bool = False

    def public(self) -> dict[str, str]:
        return {
            **super().public(),
            "retry_failed": str(self.retry_failed).lower(),
            "rebind": str(self.rebind).lower(),
            "allow_multiple_per_user": str(self.allow_multiple_per_user).lower(),
        }


@dataclass(kw_only=True)
class JobResult:
    """What `run` or `validate` did: the counts, the results file written, and the exit code."""

    exit_code: int
    table: Table
    results: list[ResultRow]  # validate keeps them (it prints the problems); run streams them
    rows: int
    counts: Counts
    results_path: Path | None = None
    wanted_path: Path | None = None
    stats: PoolStats | None = None
    plan: Plan | None = None
    stopped: RunStopped | None = None
    started_at: str = ""
    duration_s: float = 0.0
    # The run's rows are in the journal, but its results file could not be written (`report`
    # renders it again from run `run_id`).
    write_error: BatchbindError | OSError | None = None
    run_id: int | None = None
    # The tracker's write-back, when the input was a link (issue 14).
    tracker: WriteBack | None = None
    tracker_title: str = ""


def iso_utc(ts: float) -> str:
    """A timestamp as the results file shows it: UTC, to the second."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def read_and_check(
    settings: ReadSettings, *, tracking: TrackerInput | None = None
) -> tuple[Table, Checked]:
    """Read the sheet (or the tracker its link names) and check every row (nothing is sent).

    A tracker is read through `tracking` when given (the job writes back through it later);
    `settings.input` then becomes the document's title as a file name.
    """
    if settings.link is not None:
        tracking = tracking or open_input(settings)
        table = tracking.read(settings.sheet)
        # The title as a file name, in the folder the input named (the current one for the CLI).
        settings.input = settings.input.with_name(tracking.file_name())
    else:
        table = load_table(
            settings.input,
            sheet=settings.sheet,
            encoding=settings.encoding,
            delimiter=settings.delimiter,
        )
        if settings.shown_as:
            table.source = settings.shown_as
    checked = validate(
        table,
        user_id_type=settings.user_id_type,
        allow_multiple_per_user=settings.allow_multiple_per_user,
        read_options={
            "--sheet": settings.sheet,
            "--encoding": settings.encoding,
            "--delimiter": settings.delimiter,
        },
    )
    return table, checked


def run_exit_counts(counts: Counts) -> dict[str, int]:
    """The counts `run`'s exit code reads (duplicates never change it: their original decides)."""
    return {
        "pending": counts.pending,
        "transient": counts.transient_failures,
        "invalid": counts.by_outcome["invalid"],
        "failed": counts.by_outcome["failed"],
    }


class _JobCounter:
    """Counts what the Summary says about the job beyond the outcomes, as the rows stream past:
    which rows this run set out to send (and their outcome now), and which it left alone."""

    def __init__(self, frames: list[Frame]) -> None:
        self._frames = frames
        self.figures = JobFigures()

    def count(self, results: Iterable[ResultRow]) -> Iterator[ResultRow]:
        figures = self.figures
        for frame, result in zip(self._frames, results, strict=True):
            if frame.fixed is None:
                disposition = frame.disposition
                if disposition in SENDING:
                    outcome = result.outcome.value
                    figures.sent[outcome] = figures.sent.get(outcome, 0) + 1
                elif disposition == Disposition.SKIP_BOUND:
                    figures.bound_earlier += 1
                elif disposition == Disposition.SKIP_FAILED:
                    figures.failed_earlier += 1
                elif disposition == Disposition.SKIP_UNBOUND:
                    figures.unbound_earlier += 1
            yield result

    def result(self, tally: Tally) -> JobFigures:
        """The figures, once every row has streamed past (`tally` knows the transient ones)."""
        self.figures.retry_later = tally.transient_failures
        return self.figures


def _seconds_between(started: str, ended: str | None) -> float:
    try:
        start = datetime.fromisoformat(started.replace("Z", "+00:00"))
        end = datetime.fromisoformat((ended or "").replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max((end - start).total_seconds(), 0.0)


class _RunRowsSaver:
    """Saves the run's input rows for `batchbind report`, once.

    They are not needed to send (every row's state is journalled before its request leaves), so
    a big run saves them just after its first request is on its way, not before.
    """

    def __init__(
        self, journal: Journal, columns: list[str], frames: list[Frame], out: Path, lang: str
    ) -> None:
        self._journal = journal
        self._columns = columns
        self._frames = frames
        self._out = out
        self._lang = lang
        self.saved = False

    def save(self) -> None:
        if self.saved:
            return
        self.saved = True
        self._journal.save_run_rows(
            self._columns,
            (to_run_row(f) for f in self._frames),
            results=str(self._out.resolve()),
            lang=self._lang,
        )

    async def save_after_first_request(self, pool: Pool[Any]) -> None:
        while pool.stats.first_request_at is None and not pool.stopping:
            await asyncio.sleep(0.05)
        self.save()


def _send_all(
    settings: RunSettings,
    plan: Plan,
    journal: Journal,
    notify: Callable[[str], None],
    saver: _RunRowsSaver,
    control: RunControl | None,
    tracking: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> PoolStats:
    sender = BindSender(settings.pacers(), settings.pool_options(), journal=journal)

    async def work() -> None:
        saving = asyncio.create_task(saver.save_after_first_request(sender))
        # The tracker is written back every few minutes while a long run sends (issue 14).
        writing = asyncio.create_task(tracking()) if tracking is not None else None
        try:
            await sender.run(plan.work)
        finally:
            saving.cancel()
            if writing is not None:
                writing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writing

    return run_pool(
        sender,
        settings.client,
        work,
        progress=lambda: progress_bar(
            len(plan.work), lang=settings.lang, enabled=settings.progress
        ),
        notify=notify,
        control=control,
        total=len(plan.work),
    )


def run_job(
    settings: RunSettings,
    *,
    notify: Callable[[str], None] = lambda _m: None,
    control: RunControl | None = None,
) -> JobResult:
    """Validate, bind every valid row that still needs it, and write the results file.

    `control`: stop the job from another thread (as Ctrl-C does) and watch its figures.
    """
    started = time.time()
    # A tracker that refuses the token stops the run here (exit 2): nothing has been sent.
    tracking = open_input(settings) if settings.link is not None else None
    table, checked = read_and_check(settings, tracking=tracking)
    log.debug("read and checked %d rows in %.2fs", len(checked), time.time() - started)
    note = skipped_note(table.skipped, settings.lang)
    if note is not None:
        notify(note)  # totals and notes lines under the data, left out (before anything is sent)
    tenant = tenant_host(settings.base_url)
    out = settings.out or default_results(settings.input)
    source = None if tracking is not None else settings.input
    check_results_path(out, source=source, force=settings.force)
    if tracking is not None:
        tracking.prepare()  # a document the token may not edit stops the run here (exit 2)
    stats: PoolStats | None = None
    with Journal(settings.state, tenant=tenant) as journal:
        run_id = journal.start_run(
            "run", input_name=settings.shown_input(), settings=settings.public()
        )
        plan = make_plan(
            checked,
            journal,
            user_id_type=settings.user_id_type.value,
            retry_failed=settings.retry_failed,
            rebind=settings.rebind,
        )
        log.debug("planned %d rows to send at %.2fs", len(plan.work), time.time() - started)
        frames = frames_for(checked, plan, lang=settings.lang)
        saver = _RunRowsSaver(journal, table.columns, frames, out, settings.lang)
        stopped: RunStopped | None = None

        def current() -> Iterator[ResultRow]:
            return render_from_journal(frames, journal, lang=settings.lang, tally=Tally())

        background = None
        if tracking is not None:
            writer = tracking

            def background() -> Coroutine[Any, Any, None]:
                return writer.periodically(current)

        if plan.work:
            stats = _send_all(settings, plan, journal, notify, saver, control, background)
            stopped = stats.stopped
        saver.save()
        log.debug("saved the run's rows at %.2fs", time.time() - started)
        ended = time.time()
        info = RunInfo(
            command="run",
            started_at=iso_utc(started),
            ended_at=iso_utc(ended),
            duration_s=ended - started,
            settings=settings.public(),
            journal=str(settings.state),
            requests_sent=stats.requests if stats else 0,
            throttled=stats.throttled if stats else 0,
            # 0 (not shown) unless the span is worth measuring, as in the terminal's summary.
            achieved_per_minute=(
                (measured_rate(stats.requests, stats.sending_seconds) or 0.0) if stats else 0.0
            ),
            lang=settings.lang,
        )
        # Streamed from the journal in chunks, counted on the way: 200,000 rows never sit in
        # memory as results and states at once.
        tally = Tally()
        job = _JobCounter(frames)
        rendered = job.count(render_from_journal(frames, journal, lang=settings.lang, tally=tally))
        written: Path | None = None
        write_error: BatchbindError | OSError | None = None
        try:
            written = write_results(
                out,
                table.columns,
                rendered,
                info,
                lang=settings.lang,
                job=lambda: job.result(tally),
            )
        except (OSError, OutputError) as exc:
            # Checked before the first request, yet the disk filled up or the folder went away.
            # Every row is journalled: the run's outcome stands, only its file is missing.
            log.debug("writing %s failed", out, exc_info=True)
            write_error = exc
            tally = Tally()
            for _ in render_from_journal(frames, journal, lang=settings.lang, tally=tally):
                pass
        counts = tally.counts()
        code = exit_code("run", run_exit_counts(counts), stats)
        if tracking is not None:
            # After the results file: a write-back that fails leaves the file and the code.
            tracking.write_after(current)
        journal.end_run(counts=counts.by_outcome, exit_code=code)
    return JobResult(
        exit_code=code,
        table=table,
        results=[],
        rows=tally.rows,
        counts=counts,
        results_path=written,
        wanted_path=out,
        stats=stats,
        plan=plan,
        stopped=stopped,
        started_at=info.started_at,
        duration_s=info.duration_s,
        write_error=write_error,
        run_id=run_id,
        tracker=None if tracking is None else tracking.written,
        tracker_title="" if tracking is None else tracking.title,
    )


def validate_job(
    settings: ReadSettings,
    *,
    out: Path | None,
    lang: str,
    force: bool = False,
    default_out: bool = False,
) -> JobResult:
    """Check every row and send nothing; with `out`, write a results file (valid rows pending).

    `default_out`: without `out`, write it where `run` would (named after the input, or after
    the tracker's title once read). A tracker is only read: nothing is written into it.
    """
    started = time.time()
    table, checked = read_and_check(settings)
    if out is None and default_out:
        out = default_results(settings.input)
    if out is not None:
        check_results_path(out, source=None if settings.link else settings.input, force=force)
    frames = frames_for(checked, None, lang=lang)
    results = list(render_frames(frames, {}, lang=lang))
    counts = count_frames(results, {}, frames)
    written = None
    if out is not None:
        ended = time.time()
        info = RunInfo(
            command="validate",
            started_at=iso_utc(started),
            ended_at=iso_utc(ended),
            duration_s=ended - started,
            settings={"input": settings.shown_input()},
            lang=lang,
        )
        written = write_results(out, table.columns, results, info, lang=lang)
    return JobResult(
        exit_code=exit_code("validate", counts.by_outcome),
        table=table,
        results=results,
        rows=len(results),
        counts=counts,
        results_path=written,
        wanted_path=out,
    )


@dataclass(kw_only=True)
class ReportResult:
    """A run's results file rendered again from the journal (`batchbind report`)."""

    run: RunRecord
    results: list[ResultRow]
    counts: Counts
    results_path: Path
    wanted_path: Path
    tracker: WriteBack | None = None  # with `--write-back`: the tracker written again
    tracker_title: str = ""


def report_job(
    state: Path,
    *,
    run_id: int | None,
    out: Path | None,
    lang: str | None,
    force: bool = False,
    tracker_client: Callable[[], FeishuClient] | None = None,
) -> ReportResult:
    """Render a run's results file again from the journal, as the journal knows the rows now.

    With `tracker_client`, the run's input must be a tracker's link: its rows are written back
    into it too (the tracker is read again first, to find each row where it is now).
    """
    with Journal(state, tenant="", exclusive=False) as journal:
        chosen = run_id if run_id is not None else journal.last_run_id("run")
        if chosen is None:
            raise InputError.of("report_no_run", state=state)
        record, stored = journal.load_run_rows(chosen)
        if not stored:
            raise InputError.of("report_no_rows", run=chosen, state=state)
        journal.tenant = record.tenant
        states = journal.states()
    frames = [from_run_row(r) for r in stored]
    language = lang or record.lang
    job = _JobCounter(frames)
    results = list(job.count(render_frames(frames, states, lang=language)))
    counts = count_frames(results, states, frames)
    figures = job.figures
    figures.retry_later = counts.transient_failures
    wanted = out or Path(record.results)
    check_results_path(wanted, source=None, force=force)
    info = RunInfo(
        command=f"report (run {record.id})",
        started_at=record.started_at,
        ended_at=record.ended_at or "",
        duration_s=_seconds_between(record.started_at, record.ended_at),
        settings=record.settings,
        journal=str(state),
        lang=language,
    )
    written = write_results(
        wanted, record.columns, results, info, lang=language, job=lambda: figures
    )
    tracking = None
    if tracker_client is not None:
        tracking = _write_back_again(record, results, tracker_client, language)
    return ReportResult(
        run=record,
        results=results,
        counts=counts,
        results_path=written,
        wanted_path=wanted,
        tracker=None if tracking is None else tracking.written,
        tracker_title="" if tracking is None else tracking.title,
    )


def _write_back_again(
    record: RunRecord,
    results: list[ResultRow],
    client: Callable[[], FeishuClient],
    lang: str,
) -> TrackerInput:
    """`report --write-back`: the run's rows into the tracker its input names, as it is now."""
    if not is_link(record.input):
        raise InputError.of("report_not_a_tracker", run=record.id, input=record.input)
    read = ReadSettings(
        input=Path(record.input),
        link=parse_link(record.input),
        tracker_client=client,
        lang=lang,
        user_id_type=UserIdType(record.settings.get("user_id_type", "open_id")),
    )
    tracking = open_input(read)
    table = tracking.read(read.sheet)
    # The stored rows' cells follow the run's columns; the tracker's now may differ (a column
    # added or moved since): each row's cells are taken by column name.
    stored = {name: index for index, name in reversed(list(enumerate(record.columns)))}
    picks = [stored.get(name) for name in table.columns]
    for result in results:
        cells = result.cells
        result.cells = ["" if i is None or i >= len(cells) else cells[i] for i in picks]
    tracking.write_after(lambda: results)
    return tracking
