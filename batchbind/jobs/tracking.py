"""The team's tracker in a job: read it as the input, write every row's result back (issue 14).

A job whose input is a link reads the tracker once (`open_input`), with the job's token, before
anything is sent: a document that refuses the token stops the job there (exit 2). The results
are written back after the job, and every few minutes during a long run (`periodically`, every
`BATCHBIND_TRACKER_WRITE_INTERVAL` seconds, default 240), one write-back at a time, rendered from
the journal as the results file is. The journal stays the truth: a write-back that fails never
changes a binding, a row or the exit code; it is said in one sentence, and `batchbind report
--write-back` can do it again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from batchbind.auth import redact
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu.client import FeishuClient
from batchbind.jobs.settings import ReadSettings
from batchbind.model import ResultRow, Table, UserIdType
from batchbind.output import i18n
from batchbind.output.i18n import Phrase
from batchbind.store.paths import not_a_device
from batchbind.tracker.base import Tracker, WriteReport
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import TrackerLink
from batchbind.tracker.open import open_tracker

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_WRITE_INTERVAL_S",
    "WRITE_INTERVAL_ENV",
    "TrackerInput",
    "WriteBack",
    "open_input",
    "safe_file_name",
    "tracker_lines",
    "write_interval_s",
]

WRITE_INTERVAL_ENV = "BATCHBIND_TRACKER_WRITE_INTERVAL"
DEFAULT_WRITE_INTERVAL_S = 240.0

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]+')


def write_interval_s() -> float:
    """Seconds between two write-backs during a run (the environment's, else the default)."""
    raw = os.environ.get(WRITE_INTERVAL_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_WRITE_INTERVAL_S
    return value if value > 0 else DEFAULT_WRITE_INTERVAL_S


def safe_file_name(title: str, fallback: str) -> str:
    """A document's title as a file name Windows, macOS and Linux all accept."""
    name = _UNSAFE.sub("_", title).strip().rstrip(". ")
    name = not_a_device(name)
    return name[:100] or fallback


@dataclass(slots=True)
class WriteBack:
    """What writing the results back into the tracker did, over the whole job."""

    writes: int = 0  # write-backs done (during the run and after it)
    rows_written: int = 0  # by the last one
    rows_missing: list[int] = field(default_factory=list)  # by the last one
    columns_added: list[str] = field(default_factory=list)
    requests: int = 0
    error: BatchbindError | None = None  # the last write-back's failure (None: it worked)
    # What the reader chose on the user's behalf (a Bitable's first table), said in the summary.
    notes: list[Phrase] = field(default_factory=list)

    def add(self, report: WriteReport) -> None:
        self.writes += 1
        self.rows_written = report.rows_written
        self.rows_missing = list(report.rows_missing)
        self.columns_added.extend(c for c in report.columns_added if c not in self.columns_added)
        self.requests += report.requests
        self.error = None

    def figures(self) -> dict[str, object]:
        """For `--json`."""
        return {
            "writes": self.writes,
            "rows_written": self.rows_written,
            "rows_missing": self.rows_missing,
            "columns_added": self.columns_added,
            "requests": self.requests,
            "error": None if self.error is None else self.error.message,
        }


def tracker_lines(written: WriteBack | None, title: str, again: str, lang: str) -> list[str]:
    """What writing the results back into the team's tracker did (issue 14), for a summary;
    `again` says how to write them back later (a command, or the page's button)."""
    if written is None:
        return []
    notes = [note.text(lang) for note in written.notes]
    if written.error is not None:
        # The refusal and what to do about it (share the document, add the app…).
        shown = redact.scrub(" ".join(filter(None, written.error.render(lang))))
        return [
            *notes,
            i18n.text("tracker_not_written", lang, document=title, error=shown, again=again),
        ]
    lines = [*notes, i18n.text("tracker_written", lang, document=title, rows=written.rows_written)]
    if written.rows_missing:
        shown = ", ".join(map(str, written.rows_missing[:10]))
        if len(written.rows_missing) > 10:
            shown += ", …"
        lines.append(
            i18n.text("tracker_rows_missing", lang, count=len(written.rows_missing), rows=shown)
        )
    return lines


class TrackerInput:
    """A job's tracker: opened and read from its link, written back with the job's results.

    `client` is the tracker's own Feishu client (the job's origin and token); it is opened in
    each phase's event loop and closed at its end, so reading, writing during the run and
    writing after it may each run in their own loop.
    """

    def __init__(
        self,
        link: TrackerLink,
        client: FeishuClient,
        *,
        lang: str = "en",
        user_id_type: UserIdType = UserIdType.OPEN_ID,
    ) -> None:
        self.link = link
        self.client = client
        self.calls = DocCalls(client, str(link), lang=lang)
        self.user_id_type = user_id_type
        self.tracker: Tracker | None = None
        self.written = WriteBack()
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    @property
    def title(self) -> str:
        return self.tracker.title if self.tracker is not None else self.link.token

    def file_name(self) -> str:
        """The name the results file takes by default (the document's title, made safe)."""
        return safe_file_name(self.title, self.link.token)

    def default_results(self) -> Path:
        """`<title>.results.xlsx` in the current folder."""
        return Path(f"{self.file_name()}.results.xlsx")

    # -- reading ----------------------------------------------------------------------------------

    def read(self, sheet: str | None = None) -> Table:
        """Open the tracker and read its rows (InputError, exit 2, when it refuses)."""
        return asyncio.run(self._read(sheet))

    async def _read(self, sheet: str | None) -> Table:
        async with self.client:
            self.tracker = await open_tracker(self.link, self.calls, user_id_type=self.user_id_type)
            table = await self.tracker.read(sheet=sheet)
            notice = getattr(self.tracker, "notice", None)
            if isinstance(notice, Phrase) and notice not in self.written.notes:
                self.written.notes.append(notice)
            return table

    # -- writing back -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """Before the run sends anything: prove the document may be written (a tracker that can
        writes its result columns' headers); `TrackerDenied` (exit 2) when it refuses."""
        prepare = getattr(self.tracker, "prepare", None)
        if prepare is None:
            return

        async def once() -> None:
            async with self.client:
                self.written.columns_added.extend((await prepare()).columns_added)

        asyncio.run(once())

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def write(self, rows: Iterable[ResultRow]) -> WriteBack:
        """One write-back (never two at once); a failure is kept in `written.error`, not raised."""
        assert self.tracker is not None, "read() first"
        async with self._lock():
            try:
                report = await self.tracker.write_back(rows)
            except BatchbindError as exc:
                log.debug("writing back to %s failed", self.link, exc_info=True)
                self.written.error = exc
            else:
                self.written.add(report)
        return self.written

    def write_after(self, rows: Callable[[], Iterable[ResultRow]]) -> WriteBack:
        """The write-back after the job, in its own event loop."""

        async def once() -> WriteBack:
            async with self.client:
                return await self.write(rows())

        return asyncio.run(once())

    async def periodically(
        self, rows: Callable[[], Iterable[ResultRow]], interval_s: float | None = None
    ) -> None:
        """Write back every `interval_s` seconds until cancelled (the run's background task)."""
        wait = write_interval_s() if interval_s is None else interval_s
        try:
            while True:
                await asyncio.sleep(wait)
                await self.write(rows())
        finally:
            with contextlib.suppress(Exception):
                await self.client.aclose()


def open_input(settings: ReadSettings) -> TrackerInput:
    """The tracker a job's settings name by their link, with the client they give."""
    link, client = settings.link, settings.tracker_client
    if link is None or client is None:
        raise InputError.of("tracker_needs_connection")
    return TrackerInput(link, client(), lang=settings.lang, user_id_type=settings.user_id_type)
