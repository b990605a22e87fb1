"""A handle on a running job for another thread: stop it as Ctrl-C does, and watch its figures.

The CLI stops a job with a signal (`jobs.harness.install_signals`); a program that runs a job in
a worker thread (the web page of `batchbind ui`) has no signal to send. It passes a `RunControl`
to the job instead: `stop()` does what the first Ctrl-C does (no new row is taken, requests in
flight finish and are journalled, the results file is written, the exit code is 130), and
`figures()` reads how far the job is, from any thread, at any time.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchbind.output.progress import Progress, measured_rate

if TYPE_CHECKING:
    from batchbind.jobs.engine import Pool

__all__ = ["Figures", "RunControl"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """How far a job is: items done and failed of `total`, requests sent, 429s, the pace."""

    total: int
    done: int
    failed: int
    requests: int
    throttled: int
    sending_s: float
    per_minute: float | None  # measured, once the span is worth measuring
    stopping: bool

    @property
    def pending(self) -> int:
        return max(self.total - self.done - self.failed, 0)

    @property
    def seconds_left(self) -> float | None:
        """At the measured pace, how long the pending items take (None before it is measured)."""
        if not self.per_minute:
            return None
        return 60.0 * self.pending / self.per_minute


class _Counting:
    """The job's own progress display, and the control's counts alongside it."""

    def __init__(self, shown: Progress, control: RunControl) -> None:
        self._shown = shown
        self._control = control

    def advance(self, *, bound: int = 0, failed: int = 0) -> None:
        self._control._advance(bound, failed)
        self._shown.advance(bound=bound, failed=failed)

    def close(self) -> None:
        self._shown.close()


class RunControl:
    """Stop a job from another thread, and read its figures (pass it as the job's `control`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: Pool[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_asked = False
        self._total = 0
        self._done = 0
        self._failed = 0

    def stop(self) -> None:
        """Stop as the first Ctrl-C does: no new item, requests in flight finish (any thread)."""
        with self._lock:
            self._stop_asked = True
            pool, loop = self._pool, self._loop
        if pool is not None and loop is not None:
            loop.call_soon_threadsafe(_stop, pool)

    @property
    def stop_asked(self) -> bool:
        with self._lock:
            return self._stop_asked

    def figures(self) -> Figures:
        with self._lock:
            pool, running = self._pool, self._loop is not None
            total, done, failed = self._total, self._done, self._failed
        stats = pool.stats if pool is not None else None
        requests = stats.requests if stats else 0
        sending = stats.sending_seconds if stats else 0.0
        if running and stats is not None and stats.first_request_at is not None:
            # While sending, the span runs to now, not to the last answer (the engine's clock).
            sending = max(sending, time.monotonic() - stats.first_request_at)
        return Figures(
            total=total,
            done=done,
            failed=failed,
            requests=requests,
            throttled=stats.throttled if stats else 0,
            sending_s=sending,
            per_minute=measured_rate(requests, sending),
            stopping=self.stop_asked,
        )

    # -- what the harness calls (jobs.harness.run_pool) -------------------------------------

    def attach(self, pool: Pool[Any], total: int, shown: Progress) -> Progress:
        """The pool starts on the running loop: a stop asked before now applies at once."""
        loop = asyncio.get_running_loop()
        with self._lock:
            self._pool, self._loop = pool, loop
            self._total, self._done, self._failed = total, 0, 0
            asked = self._stop_asked
        if asked:
            _stop(pool)
        return _Counting(shown, self)

    def detach(self) -> None:
        with self._lock:
            self._loop = None  # the pool's stats stay readable

    def _advance(self, done: int, failed: int) -> None:
        with self._lock:
            self._done += done
            self._failed += failed


def _stop(pool: Pool[Any]) -> None:
    pool.request_stop(signum=signal.SIGINT)
