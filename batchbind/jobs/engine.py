"""The send engine: a pool of workers that carry items to a final state, and the rules they share.

Each worker takes one item at a time from a shared iterator (items stream; they are never all held
as tasks). Every request starts only when its endpoint's `Pacer` allows it, and a 429 teaches that
pacer before the worker retries. The engine holds the rules every job obeys: the retry rule
(`retry_wait`, with the one retry helper's backoff), the run-wide stops (`stop_if_run_wide`), the
circuit breaker (fed by every final item), and token renewal. Stopping is cooperative: a stop lets
requests already sent finish and be recorded; `abandon` cancels them (the journal knows they were
in flight).

A job plugs in what carrying one item means (`carry`, usually `until_final` with its own step that
records one answer): binding a row, polling its status, unbinding it, looking up e-mails. The
harness (`jobs.harness`) opens the client and runs the pool.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from batchbind.auth.scopes import MISSING_SCOPE, missing_scope_stop
from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.codes import Kind, Meaning
from batchbind.feishu.pacing import Pacers
from batchbind.feishu.retry import Backoff, Retrying
from batchbind.output import i18n
from batchbind.output.progress import Progress, SilentProgress

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class Attempted(Protocol):
    """An item that counts the attempts spent on it (transient errors), and since when."""

    attempts: int
    retry_since: float | None  # its first transient failure this run (the time bound)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolOptions:
    concurrency: int = 32
    max_attempts: int = 5  # for transient errors; waiting out a 429 is not an attempt
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    # No new attempt this long after an item's first transient failure. Off by default: the
    # contract bounds a row by --max-attempts, and a time bound would also count the pauses of a
    # long throttling episode (someone else using the app), which must never cost a row.
    retry_timeout_s: float | None = None
    contention_backoff_s: float = 0.25
    # Stop after this many consecutive items failing with the same code (0: never).
    circuit_breaker: int = 50
    lang: str = "en"


@dataclass(slots=True)
class PoolStats:
    requests: int = 0
    throttled: int = 0
    first_request_at: float | None = None
    last_answer_at: float | None = None
    stopped: RunStopped | None = None
    interrupted: int | None = None  # the signal number

    @property
    def sending_seconds(self) -> float:
        if self.first_request_at is None or self.last_answer_at is None:
            return 0.0
        return max(0.0, self.last_answer_at - self.first_request_at)


class Stopped(Exception):
    """The run is stopping: leave the item as it is."""


@dataclass(frozen=True, slots=True)
class Final:
    """An item is final for this run: done, or failed (with the code the circuit breaker counts;
    None for an item that failed without being sent, which the breaker does not see)."""

    done: bool
    failed_with: str | None = None


DONE = Final(done=True)
NOT_SENT = Final(done=False)


def failed(answer: Answer) -> Final:
    """An item failed with this answer (the circuit breaker counts its code)."""
    return Final(done=False, failed_with="no answer" if answer.code is None else str(answer.code))


#: What a job's step says of one answer: final (done or failed), or None to send it again.
Step = Callable[[Answer], Awaitable[Final | None]]


#: How many more refreshes (made by this process) than accepted answers the run tolerates: a
#: refresh that never yields a usable token must not spin forever. A ratio, not a streak: with
#: many workers, refusals of a token can arrive before the answers it was accepted for.
MAX_FRUITLESS_REFRESHES = 3


class Pool(Generic[T]):
    """The workers, their shared pacers and the rules they obey; a job subclasses it with its
    `carry` (what carrying one item to a final state means)."""

    #: Set by the harness once it has opened the client (`jobs.harness.run_pool`).
    client: FeishuClient

    def __init__(
        self,
        pacers: Pacers,
        options: PoolOptions,
        *,
        progress: Progress | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.pacers = pacers
        self.options = options
        self.progress: Progress = progress or SilentProgress()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        backoff = Backoff(
            attempts=max(1, options.max_attempts),
            timeout_s=options.retry_timeout_s,
            wait_initial_s=options.backoff_base_s,
            wait_max_s=options.backoff_max_s,
        )
        self._retrying = Retrying(backoff, clock=clock, rng=self._rng)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.stats = PoolStats()
        self.refresh_failure: RunStopped | None = None  # why the token could not be renewed
        self.scope_failure: RunStopped | None = None  # which scope a call was refused for
        self._accepted = 0  # answers whose token was accepted
        self._streak: tuple[str, int] = ("", 0)  # (code, consecutive items failing with it)

    async def carry(self, item: T) -> None:
        """Carry one item to a final state (or raise Stopped)."""
        raise NotImplementedError

    # -- stopping ---------------------------------------------------------------------------

    def request_stop(self, reason: RunStopped | None = None, *, signum: int | None = None) -> None:
        """Stop taking items; requests already sent finish and are recorded."""
        if reason is not None and self.stats.stopped is None:
            self.stats.stopped = reason
        if signum is not None and self.stats.interrupted is None:
            self.stats.interrupted = signum
        self._stop.set()

    def abandon(self) -> None:
        """Stop now, without waiting for answers."""
        self._stop.set()
        for task in self._tasks:
            task.cancel()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def until_stop(self, awaitable: Awaitable[None]) -> None:
        """Await `awaitable` unless the run stops first (then raise Stopped)."""
        if self._stop.is_set():
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise Stopped
        waiter = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not waiter.done():
            waiter.cancel()
            raise Stopped
        waiter.result()

    # -- the pool ---------------------------------------------------------------------------

    async def run(self, items: Iterable[T]) -> PoolStats:
        """Carry every item (or stop). A pass starts a new streak for the circuit breaker: an item
        asked again in a later pass (`status --wait`) is not another row failing."""
        self._streak = ("", 0)
        shared: Iterator[T] = iter(items)
        self._tasks = [
            asyncio.create_task(self._worker(shared))
            for _ in range(max(1, self.options.concurrency))
        ]
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
        return self.stats

    async def _worker(self, items: Iterator[T]) -> None:
        for item in items:
            if self.stopping:
                return
            try:
                await self.carry(item)
            except Stopped:
                return

    # -- requests -----------------------------------------------------------------------------

    async def send(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[Answer]],
        *,
        before: Callable[[], None] | None = None,
    ) -> Answer:
        """Wait for the endpoint's pacer, send, and let the pacer learn from a 429.

        An expired or invalid token is renewed and the same request sent again: that is neither
        an attempt nor a failure. Only when renewal is impossible does the answer come back (and
        `run_wide_stop` turns it into the stop, with `refresh_failure` saying why).
        """
        tokens = self.client.tokens
        while True:
            await self.until_stop(tokens.ensure_fresh())
            await self.until_stop(self.pacers[endpoint].acquire())
            if before is not None:
                before()
            if self.stats.first_request_at is None:
                self.stats.first_request_at = time.monotonic()
            # The request reads this same token synchronously, before its first await.
            carried = tokens.current()
            answer = await call()
            self.stats.requests += 1
            self.stats.last_answer_at = time.monotonic()
            if answer.http_status == 429:  # the summary's "answered 429", whatever the code
                self.stats.throttled += 1
            if answer.code in MISSING_SCOPE and self.scope_failure is None:
                # Said here, where the endpoint is known: its scope is the one to ask for when
                # Feishu's answer names none.
                self.scope_failure = missing_scope_stop(
                    code=answer.code,
                    msg=answer.msg,
                    named=answer.scopes,
                    endpoint=endpoint,
                    lang=self.options.lang,
                    profile=tokens.profile_name,
                )
            kind = answer.meaning.kind
            if kind is Kind.THROTTLED:
                pause = self.pacers[endpoint].throttled(
                    reset_after=answer.reset_after, limit=answer.limit
                )
                log.debug("throttled on %s (code %s): pausing %.1fs", endpoint, answer.code, pause)
            if kind is not Kind.TOKEN:
                self._accepted += 1
                return answer
            if not await self._renewed(carried, answer):
                return answer

    async def _renewed(self, carried: str, answer: Answer) -> bool:
        """Renew the token `carried` (once for all workers); False when that is impossible."""
        tokens = self.client.tokens
        log.debug("token refused (code %s): renewing it", answer.code)
        try:
            # Not cancelled by a stop: a refresh must finish and be saved once Feishu answers.
            await tokens.refresh(carried)
        except RunStopped as exc:
            if self.refresh_failure is None:
                self.refresh_failure = exc
            return False
        if tokens.refreshes > self._accepted + MAX_FRUITLESS_REFRESHES:
            lang = self.options.lang
            self.refresh_failure = RunStopped(
                i18n.text("refresh_fruitless", lang),
                hint=i18n.text("refresh_login_hint", lang, option=""),
            )
            return False
        if self.stopping:
            raise Stopped
        return True

    def _feed_breaker(self, final: Final) -> None:
        """The circuit breaker: an item done ends a streak, one failed with a code extends it.

        A long streak of items failing the same way means something is wrong for all of them
        (a shifted column, a tenant rule): stop rather than burn through the file.
        """
        if final.done:
            self._streak = ("", 0)
            return
        code = final.failed_with
        if code is None:  # not sent: says nothing about the streak
            return
        last, n = self._streak
        n = n + 1 if code == last else 1
        self._streak = (code, n)
        limit = self.options.circuit_breaker
        if limit and n >= limit and self.stats.stopped is None:
            lang = self.options.lang
            self.request_stop(
                RunStopped(
                    i18n.text("circuit_breaker", lang, count=n, code=code),
                    hint=i18n.text("circuit_breaker_hint", lang),
                )
            )

    def run_wide_stop(self, answer: Answer, meaning: Meaning) -> RunStopped | None:
        """The stop an answer calls for, if it concerns the whole run (token, tenant, TLS)."""
        lang = self.options.lang
        if answer.code in MISSING_SCOPE and self.scope_failure is not None:
            return self.scope_failure
        if meaning.kind in (Kind.TOKEN, Kind.RUN_WIDE):
            key = "stop_token" if meaning.kind is Kind.TOKEN else "stop_run_wide"
            message = i18n.text(key, lang, code=answer.code, msg=answer.msg)
            failure = self.refresh_failure if meaning.kind is Kind.TOKEN else None
            if failure is not None:  # say why renewing it did not help, and what to do
                return RunStopped(f"{message} {failure.message}", hint=failure.hint)
            return RunStopped(
                message, hint=meaning.hint(lang) + " " + i18n.text("rerun_hint", lang)
            )
        if answer.tls_error:
            return RunStopped(
                i18n.text("stop_tls", lang, host=self.client.base_url, error=answer.error),
                hint=i18n.text("stop_tls_hint", lang),
            )
        return None

    def stop_if_run_wide(self, answer: Answer, meaning: Meaning) -> None:
        """Stop the pool, and this worker (`Stopped`), when the answer concerns the whole run."""
        stop = self.run_wide_stop(answer, meaning)
        if stop is not None:
            self.request_stop(stop)
            raise Stopped

    # -- the retry rule -------------------------------------------------------------------------

    def retry_wait(self, item: Attempted, kind: Kind) -> float | None:
        """The retry rule: how long to wait before sending `item` again after an answer of
        `kind`, or None when that answer is final.

        Throttled: at once (the pacer has paused every worker as the server asked); contention:
        soon, without slowing the others; neither is an attempt. A transient error spends an
        attempt, and is retried after the retry helper's backoff while attempts and time are
        left. Every other answer is final.
        """
        if kind is Kind.THROTTLED:
            return 0.0
        if kind is Kind.CONTENTION:
            return self.options.contention_backoff_s * self._rng.uniform(1, 2)
        if kind is not Kind.TRANSIENT:
            return None
        item.attempts += 1
        now = self._clock()
        if item.retry_since is None:
            item.retry_since = now
        return self._retrying.next_wait(item.attempts, elapsed=now - item.retry_since)

    async def pause(self, seconds: float) -> None:
        """Wait before sending again (cut short, with `Stopped`, if the run stops)."""
        if seconds > 0:
            await self.until_stop(self._sleep(seconds))

    async def until_final(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[Answer]],
        step: Step,
        *,
        before: Callable[[], None] | None = None,
    ) -> Final:
        """Send `call` through `endpoint`'s pacer until `step` says its answer is final, and feed
        the circuit breaker with that final answer."""
        while True:
            if self.stopping:
                raise Stopped
            final = await step(await self.send(endpoint, call, before=before))
            if final is not None:
                self._feed_breaker(final)
                return final

    async def try_again(self, item: Attempted, kind: Kind) -> bool:
        """For steps with nothing to record before a retry: whether to send `item` again (after
        the wait the retry rule asks for)."""
        wait = self.retry_wait(item, kind)
        if wait is None:
            return False
        await self.pause(wait)
        return True
