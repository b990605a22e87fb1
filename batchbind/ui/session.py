"""The page's jobs: the library's own (validate, run, report, status, unbind), one at a time.

A `Session` holds what the page has chosen (the input file, saved in a private folder) and what
the jobs found (the rows, the counts, the results file). A job runs in a worker thread with a
`RunControl` (the Stop button is the first Ctrl-C) and takes the journal's lock exactly as a CLI
process does: a journal held by a CLI run makes the page busy, and a page's run makes the CLI
exit 75. Everything the page is told is in `snapshot()` (no token, no secret).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchbind.auth import redact, scopes
from batchbind.errors import BatchbindError, InputError, JournalLocked, RunStopped
from batchbind.feishu.client import FeishuClient, tenant_host
from batchbind.input.footers import skipped_note
from batchbind.jobs.control import RunControl
from batchbind.jobs.run import JobResult, RunSettings, report_job, run_job, validate_job
from batchbind.jobs.settings import ConnectionSettings, ReadSettings
from batchbind.jobs.status import status_job
from batchbind.jobs.tracking import WriteBack, tracker_lines
from batchbind.jobs.unbind import Selection, unbind_job
from batchbind.jobs.view import LifecycleSettings, read_view
from batchbind.model import Outcome, ResultRow
from batchbind.output import i18n
from batchbind.output.causes import causes_json
from batchbind.output.render import Counts
from batchbind.store.lock import journal_lock
from batchbind.store.paths import default_journal, not_a_device, private_folder
from batchbind.tracker.links import TrackerLink, parse_link
from batchbind.ui.targets import PROFILE, SANDBOX, SandboxChoice, connect

__all__ = ["Busy", "Pace", "Session"]

log = logging.getLogger(__name__)

#: What a job's thread does with its control; it returns the exit code.
Work = Callable[[RunControl], int]


class Busy(Exception):
    """This page already runs a job (HTTP 409)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """The budget and the pool of the page's jobs (the CLI's options of the same names)."""

    rate_per_second: float = 50.0
    rate_per_minute: float = 1000.0
    concurrency: int = 32
    max_attempts: int = 5
    circuit_breaker: int = 50

    @property
    def ceiling(self) -> float:
        """Requests a minute at most: the tighter of the two budgets."""
        return min(self.rate_per_minute, self.rate_per_second * 60)


@dataclass(slots=True)
class _Job:
    kind: str
    control: RunControl
    state: str = "running"  # running, done, stopped, error
    exit_code: int | None = None
    error: str = ""
    # What the job did besides, in a language (writing back into the tracker).
    notes: Callable[[str], list[str]] = lambda _lang: []
    final: dict[str, int] = field(default_factory=dict)  # counts once done
    ceiling: float = 0.0
    thread: threading.Thread | None = None
    # What the job works on, taken when it starts: a check or a language switch that ends while
    # it runs must not change them under it.
    input: Path | None = None
    link: TrackerLink | None = None
    out: Path | None = None
    lang: str = "en"


_MAX_NAME = 120


def _safe_name(name: str) -> str:
    """A file name the upload may have, without any folder in it, short enough for every file
    system, keeping its extension (the reader goes by it) and never a Windows device name."""
    base = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]", "_", base).rstrip(". ")
    if len(base) > _MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        keep = f"{dot}{suffix}" if stem and len(suffix) <= 8 else ""
        base = base[: _MAX_NAME - len(keep)] + keep
    base = not_a_device(base)
    return base or "input"


class Session:
    """The input, the target's journal, the running job and the latest results of one page."""

    def __init__(
        self,
        folder: Path,
        *,
        lang: str,
        profile: str = "default",
        sandbox: SandboxChoice | None = None,
        pace: Pace | None = None,
        target: str = SANDBOX,
    ) -> None:
        self.folder = folder
        self.lang = lang
        self.profile = profile
        self.sandbox = sandbox or SandboxChoice()
        self.pace = pace or Pace()
        self.target = target
        self._lock = threading.Lock()
        self._job: _Job | None = None
        self.input: Path | None = None
        # A tracker's link as the input (issue 14), and the target whose token read it: `input`
        # is then the results folder's path named after the document's title.
        self.link: TrackerLink | None = None
        self.link_target = SANDBOX
        self.columns: list[str] = []
        self.fields: dict[str, int] = {}  # a binding's field -> its input column
        self.rows: list[ResultRow] = []
        self.summary: dict[str, int] = {}
        self.results_path: Path | None = None
        self.results_version = 0
        self.run_id: int | None = None
        self.run_state: Path | None = None  # the journal of that run
        self.checked: dict[str, Any] | None = None  # the last check, as the page shows it
        # Where uploads are kept (`save_upload`), as a path in a sentence may show it.
        self._uploads = re.compile(re.escape(str(folder / "input")) + r"[\\/]\d+[\\/]")

    # -- step 1 and 2: the input, checked ----------------------------------------------------

    def save_upload(self, name: str) -> Path:
        """A fresh path in the private folder for an uploaded file called `name`."""
        self._idle()
        stamp = f"{time.time_ns()}"
        folder = private_folder(self.folder / "input" / stamp)
        return folder / _safe_name(name)

    def check(self, path: Path) -> dict[str, Any]:
        """Validate `path` (nothing is sent) and make it the page's input."""
        self._idle()
        out = self.folder / "results" / f"{path.stem}.results.xlsx"
        private_folder(out.parent)
        result = validate_job(
            ReadSettings(input=path, shown_as=path.name), out=out, lang=self.lang, force=True
        )
        return self._checked(path, None, SANDBOX, result)

    def check_link(self, text: str, target: str) -> dict[str, Any]:
        """Read the tracker `text` links to with `target`'s token and validate its rows
        (nothing is sent, nothing written into it); make it the page's input."""
        self._idle()
        link = parse_link(text)
        settings = self._link_settings(link, target, self.lang)
        result = validate_job(settings, out=None, lang=self.lang, force=True, default_out=True)
        return self._checked(settings.input, link, target, result)

    def _link_settings(self, link: TrackerLink, target: str, lang: str) -> ReadSettings:
        found, _profile = connect(target, self.sandbox, lang)
        redact.register(found.tokens.current())
        folder = private_folder(self.folder / "results")
        return ReadSettings(
            # Named after the document's title once read: its results file is in `folder`.
            input=folder / link.token,
            link=link,
            tracker_client=lambda: FeishuClient(found.base_url, found.tokens, lang=lang),
            lang=lang,
        )

    def _checked(
        self, path: Path, link: TrackerLink | None, target: str, result: JobResult
    ) -> dict[str, Any]:
        checked = self._check_json(path, result)
        checked["link"] = None if link is None else str(link)
        with self._lock:
            if self._job is not None and self._job.state == "running":
                raise Busy  # a job started while this was read: its input stays
            self.input, self.link, self.link_target = path, link, target
            self.columns = list(result.table.columns)
            self.fields = {str(f): i for f, i in result.table.fields.items()}
            self.rows = result.results
            self.summary = dict(result.counts.by_outcome)
            self.results_path = result.results_path
            self.results_version += 1
            self.run_id = None
            self.checked = checked
        return checked

    def _check_json(self, path: Path, result: JobResult) -> dict[str, Any]:
        groups = causes_json(result.counts.causes, self.lang)
        for group in groups:
            group["hint"] = self.shown(group["hint"])
        return {
            "name": path.name,
            "rows": result.rows,
            "counts": dict(result.counts.by_outcome),
            "groups": groups,
            "skipped": [{"row": line.row, "text": line.text} for line in result.table.skipped],
            "skipped_note": skipped_note(result.table.skipped, self.lang),
            "exit_code": result.exit_code,
        }

    def said(self, exc: BatchbindError) -> str:
        """An error as the page says it: the sentence, its hint, and what to do on the page
        when that is not what a terminal would do (log in again here)."""
        message, hint = exc.render(self.lang)
        fix = ""
        if isinstance(exc, RunStopped) and exc.endpoint:
            if scopes.covers(scopes.LOGIN_SCOPES, exc.endpoint):
                fix = i18n.text("ui_scope_login", self.lang)
            elif scopes.covers(scopes.LOGIN_SCOPES + scopes.TRACKER_SCOPES, exc.endpoint):
                fix = i18n.text("ui_scope_login_tracker", self.lang)
        return self.shown(redact.scrub(" ".join(filter(None, (message, hint, fix)))))

    def shown(self, text: str) -> str:
        """`text` as the page shows it: an upload's private copy named as the user named it
        (a sentence about "/tmp/batchbind-ui-x/input/1/bindings.csv" says "bindings.csv"), and
        the page's button or link where the sentence names a terminal command (`on_page`)."""
        if not text:
            return text
        return on_page(self._uploads.sub("", text))

    def set_lang(self, lang: str) -> dict[str, Any] | None:
        """Speak `lang` from now on; the check and the results are said again in it (a job
        running now keeps its own language). The check, as the page shows it."""
        with self._lock:
            self.lang = lang
            running = self._job is not None and self._job.state == "running"
            path, run_id, state = self.input, self.run_id, self.run_state
            link, link_target = self.link, self.link_target
        if path is None or running:
            return self.checked
        if link is None:
            read = ReadSettings(input=path, shown_as=path.name)
        else:  # the tracker is read again (a read, nothing written)
            read = self._link_settings(link, link_target, lang)
        result = validate_job(read, out=None, lang=lang)
        checked = self._check_json(path, result)
        checked["link"] = None if link is None else str(link)
        with self._lock:
            if self._job is not None and self._job.state == "running":
                return self.checked  # a job started meanwhile: its rows are not replaced
            self.checked = checked
            if run_id is None:
                self.rows = result.results
                self.results_version += 1
        if run_id is not None and state is not None and self.results_path is not None:
            report = report_job(state, run_id=run_id, out=self.results_path, lang=lang, force=True)
            # A run keeps what it said of the rows it never sent (invalid, duplicate) in its own
            # language; the check just made says it in the new one.
            fresh = {r.row: r for r in result.results}
            rows = [_retold(r, fresh.get(r.row)) for r in report.results]
            self._show(rows, report.counts, report.results_path)
        return checked

    # -- step 4 and 5: jobs ------------------------------------------------------------------

    def journal_for(self, target: str) -> Path:
        """The journal of `target`: the CLI's default one, of the profile it uses."""
        if target == SANDBOX:
            return default_journal(self.profile)
        if not target.startswith(PROFILE):
            raise InputError.of("ui_unknown_target", target=target)
        return default_journal(target.removeprefix(PROFILE))

    def _idle(self) -> None:
        with self._lock:
            if self._job is not None and self._job.state == "running":
                raise Busy

    def _settings(self, target: str, kind: type[ConnectionSettings]) -> Any:
        job = self._current()
        if job.input is None:
            raise InputError.of("ui_no_input")
        found, _profile = connect(target, self.sandbox, job.lang)
        token = found.tokens.current()
        redact.register(token)
        return kind(
            input=job.input,
            link=job.link,
            # A link names itself (the journal keeps it, for `report --write-back`).
            shown_as=None if job.link is not None else job.input.name,
            base_url=found.base_url,
            token=token,
            tokens=found.tokens,
            state=self.journal_for(target),
            out=job.out,
            rate_per_second=self.pace.rate_per_second,
            rate_per_minute=self.pace.rate_per_minute,
            concurrency=self.pace.concurrency,
            max_attempts=self.pace.max_attempts,
            circuit_breaker=self.pace.circuit_breaker,
            lang=job.lang,
            progress=False,
        )

    def start(self, kind: str, target: str, work: Work) -> None:
        """Run `work` in a worker thread, unless a job runs here or the journal is held."""
        if self.input is None:
            raise InputError.of("ui_no_input")
        with self._lock:
            if self._job is not None and self._job.state == "running":
                raise Busy
            _check_journal_free(self.journal_for(target))
            job = self._job = _Job(
                kind,
                RunControl(),
                ceiling=self.pace.ceiling,
                input=self.input,
                link=self.link,
                out=self.results_path,
                lang=self.lang,
            )
            self.target = target

        def body() -> None:
            try:
                code = work(job.control)
                state = "stopped" if code in (130, 143) else "done"
                with self._lock:
                    job.exit_code, job.state = code, state
            except BatchbindError as exc:
                with self._lock:
                    job.exit_code = exc.exit_code
                    job.error = self.said(exc)
                    job.state = "error"
            except Exception as exc:  # reported as the CLI would: one line, exit 70
                log.debug("internal error in the page's %s job", kind, exc_info=True)
                error = f"{type(exc).__name__}: {redact.scrub(str(exc))}"
                with self._lock:
                    job.exit_code = 70
                    job.error = i18n.text("internal_error", self.lang, error=error)
                    job.state = "error"

        job.thread = threading.Thread(target=body, name=f"batchbind-ui-{kind}", daemon=True)
        job.thread.start()

    def stop(self) -> None:
        with self._lock:
            job = self._job
        if job is not None:
            job.control.stop()

    def wait(self, timeout_s: float | None = None) -> None:
        """Wait for the job to end (its results written)."""
        with self._lock:
            thread = self._job.thread if self._job is not None else None
        if thread is not None:
            thread.join(timeout_s)

    def run(self, target: str) -> None:
        def work(control: RunControl) -> int:
            settings: RunSettings = self._settings(target, RunSettings)
            result = run_job(settings, control=control)
            job = self._current()
            if result.stopped is not None:
                job.error = self.said(result.stopped)
            if result.write_error is not None:
                error = result.write_error
                shown = error.render(self.lang)[0] if isinstance(error, BatchbindError) else error
                job.error = redact.scrub(str(shown))
            job.notes = self._tracker_notes(result.tracker, result.tracker_title)
            if result.run_id is not None:
                report = report_job(
                    settings.state,
                    run_id=result.run_id,
                    out=settings.out,
                    lang=self.lang,
                    force=True,
                )
                self._show(report.results, report.counts, report.results_path)
                with self._lock:
                    self.run_id, self.run_state = result.run_id, settings.state
            job.final = _final(result.counts)
            return result.exit_code

        self.start("run", target, work)

    def status(self, target: str) -> None:
        def work(control: RunControl) -> int:
            settings: LifecycleSettings = self._settings(target, LifecycleSettings)
            result = status_job(settings, control=control)
            self._current().notes = self._tracker_notes(
                result.tracker, result.tracker_title, "ui_status_again"
            )
            self._show(result.written.results, result.written.counts, result.written.path)
            self._current().final = _final(result.written.counts)
            return result.exit_code

        self.start("status", target, work)

    def unbind(self, target: str, rows: list[int], count: int) -> None:
        """Undo the bindings of `rows`, which the page confirmed as `count` rows."""
        chosen = frozenset(rows)
        if not chosen:
            raise InputError.of("ui_unbind_none")
        if count != len(chosen):
            raise InputError.of("ui_unbind_count", count=count, selected=len(chosen))

        def work(control: RunControl) -> int:
            settings: LifecycleSettings = self._settings(target, LifecycleSettings)
            view = read_view(settings, tenant_host(settings.base_url))
            confirmed = {view.keys[r] for r in chosen if r in view.keys}
            result = unbind_job(
                settings,
                view,
                Selection(rows=chosen),
                reason="batchbind ui",
                confirmed=confirmed,
                control=control,
            )
            self._show(result.written.results, result.written.counts, result.written.path)
            self._current().final = _final(result.written.counts)
            return result.exit_code

        self.start("unbind", target, work)

    def _tracker_notes(
        self, written: WriteBack | None, title: str, again_key: str = "ui_write_back_again"
    ) -> Callable[[str], list[str]]:
        """What writing back into the tracker did, as a command's summary says it, in a
        language (the page's switch says it again); `again_key`: how to write it back later."""

        def said(lang: str) -> list[str]:
            again = i18n.text(again_key, lang)
            return [self.shown(line) for line in tracker_lines(written, title, again, lang)]

        return said

    def _current(self) -> _Job:
        with self._lock:
            assert self._job is not None
            return self._job

    def _show(self, rows: list[ResultRow], counts: Counts, path: Path) -> None:
        with self._lock:
            self.rows = rows
            self.summary = dict(counts.by_outcome)
            self.results_path = path
            self.results_version += 1

    # -- what the page is told -------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The job's state and figures, as the page shows them (pushed by server-sent events)."""
        with self._lock:
            job = self._job
            version = self.results_version
        if job is None:
            return {"state": "idle", "kind": None, "results_version": version}
        figures = job.control.figures()
        state = job.state
        if state == "running" and figures.stopping:
            state = "stopping"
        # While it runs: the rows the job has done so far, named after what it does to them.
        counts = job.final or {
            _DONE_AS[job.kind]: figures.done,
            "failed": figures.failed,
            "pending": figures.pending,
        }
        eta = figures.seconds_left if state in ("running", "stopping") else None
        return {
            "state": state,
            "kind": job.kind,
            "counts": counts,
            "total": figures.total,
            "requests": figures.requests,
            "rate": None if figures.per_minute is None else round(figures.per_minute),
            "ceiling": round(job.ceiling),
            "throttled": figures.throttled,
            "eta_s": None if eta is None else round(eta),
            "exit_code": job.exit_code,
            "error": job.error,
            "notes": job.notes(self.lang),
            "results_version": version,
        }

    def results(self, outcome: str | None, limit: int) -> dict[str, Any]:
        with self._lock:
            rows, columns, summary = self.rows, self.columns, dict(self.summary)
            path, fields, lang = self.results_path, dict(self.fields), self.lang
            version = self.results_version
        chosen = [r for r in rows if not outcome or r.outcome.value == outcome]
        return {
            "version": version,  # the page builds its table again only when this changes
            "columns": columns,
            "fields": fields,
            "headers": _headers(lang),
            "summary": summary,
            "total": len(chosen),
            "rows": [_row_json(r, self.shown) for r in chosen[:limit]],
            "download": path is not None and path.exists(),
        }


#: What a job's done rows are while it runs (once it ends: the rows by outcome).
_DONE_AS = {"run": "bound", "status": "checked", "unbind": "unbound"}


def _headers(lang: str) -> dict[str, dict[str, str]]:
    """The results columns the page shows, as the page heads them in `lang`: a label, and what
    the column of that name in the results file holds (the Summary sheet's words)."""
    return {
        name: {
            "label": i18n.text(f"ui_head_{name}", lang),
            "title": i18n.text(
                "ui_head_title",
                lang,
                name=name,
                meaning=i18n.text(f"sheet_column_{name}", lang),
            ),
        }
        for name in ("row", "outcome", "code", "msg", "hint", "binding_status")
    }


def _page_words(lang: str) -> list[tuple[str, str]]:
    """(a terminal's words, the page's words) for each catalogue entry with an `_on_page`."""
    pairs = []
    every = i18n.keys()
    for key in every:
        if key.endswith(_ON_PAGE):
            base = key.removesuffix(_ON_PAGE)
            # refresh_login_hint names a profile's option; the page's own jobs leave it empty.
            said = i18n.text(base, lang, option="")
            pairs.append((said, i18n.text(key, lang)))
    return pairs


_ON_PAGE = "_on_page"
#: Both languages: a row keeps the words of the language its job spoke.
_PAGE_WORDS = [pair for lang in i18n.LANGS for pair in _page_words(lang)]


def on_page(text: str) -> str:
    """`text` with each sentence that sends the user to a terminal command the page has a
    button or link for (`batchbind template`, `batchbind status`, `batchbind auth login`) said
    as the page says it."""
    for said, instead in _PAGE_WORDS:
        if said in text:
            text = text.replace(said, instead)
    return text


def _retold(shown: ResultRow, fresh: ResultRow | None) -> ResultRow:
    """`shown`, with the words of `fresh` (the same row, checked again) when both say the same
    thing about a row that was never sent."""
    if fresh is None or fresh.outcome is not shown.outcome or fresh.code != shown.code:
        return shown
    if shown.outcome not in (Outcome.INVALID, Outcome.DUPLICATE):
        return shown
    return dataclasses.replace(shown, msg=fresh.msg, hint=fresh.hint)


def _final(counts: Counts) -> dict[str, int]:
    by = counts.by_outcome
    return {name: by.get(name, 0) for name in (o.value for o in Outcome)}


def _row_json(result: ResultRow, shown: Callable[[str], str]) -> dict[str, Any]:
    return {
        "row": result.row,
        "outcome": result.outcome.value,
        "code": result.code,
        "msg": shown(result.msg),
        "hint": shown(result.hint),
        "binding_status": result.binding_status,
        "cells": result.cells,
    }


def _check_journal_free(state: Path) -> None:
    """`JournalLocked` when another process (a CLI run) holds the journal right now.

    Asked before the worker starts so the page hears "busy" at once (HTTP 409); a run that
    starts in between still meets the lock in the job and says the same.
    """
    if not state.exists():
        return
    lock = journal_lock(state)
    try:
        lock.acquire()
    except JournalLocked:
        raise
    except OSError:
        return  # it cannot be opened at all: the job says why
    lock.release()
