"""The worker pool that sends rows: pace, send, classify, journal, retry.

Each worker takes one row at a time from a shared iterator (rows stream; they are never all held
as tasks) and carries it to a final state or until the run stops. Every request starts only when
the endpoint's shared `Pacer` allows it; every answer is classified by `codes.classify` and written
to the journal before the worker moves on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from batchbind import i18n
from batchbind.codes import Kind, Meaning
from batchbind.errors import RunStopped
from batchbind.feishu import Answer, FeishuClient, derived_binding_id
from batchbind.journal import Journal, State
from batchbind.pacing import Pacers
from batchbind.plan import Work
from batchbind.progress import Progress, SilentProgress

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendOptions:
    concurrency: int = 32
    max_attempts: int = 5  # for transient errors; waiting out a 429 is not an attempt
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    contention_backoff_s: float = 0.25
    lang: str = "en"


@dataclass(slots=True)
class SendStats:
    requests: int = 0
    throttled: int = 0
    bound: int = 0
    failed: int = 0
    first_request_at: float | None = None
    last_answer_at: float | None = None
    stopped: RunStopped | None = None
    interrupted: int | None = None  # the signal number
    abandoned: bool = False
    dead_admins: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def sending_seconds(self) -> float:
        if self.first_request_at is None or self.last_answer_at is None:
            return 0.0
        return max(0.0, self.last_answer_at - self.first_request_at)


class _Stopped(Exception):
    """Internal: the run is stopping; leave the row as it is."""


class Sender:
    def __init__(
        self,
        client: FeishuClient,
        journal: Journal,
        pacers: Pacers,
        options: SendOptions,
        *,
        progress: Progress | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._journal = journal
        self._pacers = pacers
        self._options = options
        self._progress = progress or SilentProgress()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.stats = SendStats()

    # -- stopping ---------------------------------------------------------------------------

    def request_stop(self, reason: RunStopped | None = None, *, signum: int | None = None) -> None:
        """Stop taking rows; requests already sent finish and are recorded."""
        if reason is not None and self.stats.stopped is None:
            self.stats.stopped = reason
        if signum is not None and self.stats.interrupted is None:
            self.stats.interrupted = signum
        self._stop.set()

    def abandon(self) -> None:
        """Stop now, without waiting for answers (the journal knows those rows were in flight)."""
        self.stats.abandoned = True
        self._stop.set()
        for task in self._tasks:
            task.cancel()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def _until_stop(self, awaitable: Awaitable[None]) -> None:
        """Await `awaitable` unless the run stops first (then raise _Stopped)."""
        if self._stop.is_set():
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise _Stopped
        waiter = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not waiter.done():
            waiter.cancel()
            raise _Stopped
        waiter.result()

    # -- the pool ---------------------------------------------------------------------------

    async def run(self, work: Iterable[Work]) -> SendStats:
        rows: Iterator[Work] = iter(work)
        self._tasks = [
            asyncio.create_task(self._worker(rows))
            for _ in range(max(1, self._options.concurrency))
        ]
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
        return self.stats

    async def _worker(self, rows: Iterator[Work]) -> None:
        for item in rows:
            if self.stopping:
                return
            try:
                await self._carry(item)
            except _Stopped:
                return

    # -- one row ----------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        cap = min(self._options.backoff_max_s, self._options.backoff_base_s * 2 ** (attempt - 1))
        return self._rng.uniform(cap / 2, cap)

    async def _send(
        self,
        endpoint: str,
        call: Callable[[], Awaitable[Answer]],
        *,
        before: Callable[[], None] | None = None,
    ) -> Answer:
        """Wait for the endpoint's pacer, send, and let the pacer learn from a 429."""
        await self._until_stop(self._pacers[endpoint].acquire())
        if before is not None:
            before()
        if self.stats.first_request_at is None:
            self.stats.first_request_at = time.monotonic()
        answer = await call()
        self.stats.requests += 1
        self.stats.last_answer_at = time.monotonic()
        if answer.meaning.kind is Kind.THROTTLED:
            self.stats.throttled += 1
            pause = self._pacers[endpoint].throttled(
                reset_after=answer.reset_after, limit=answer.limit
            )
            log.debug("throttled on %s (code %s): pausing %.1fs", endpoint, answer.code, pause)
        return answer

    def _record(
        self,
        item: Work,
        state: State,
        answer: Answer | None = None,
        *,
        endpoint: str = "create",
        **fields: Any,
    ) -> None:
        if answer is not None:
            fields.setdefault("code", "" if answer.code is None else str(answer.code))
            fields.setdefault("http_status", answer.http_status)
            fields.setdefault("log_id", answer.log_id)
        self._journal.record(item.key, state=state, endpoint=endpoint, **fields)

    def _final(self, *, bound: bool) -> None:
        if bound:
            self.stats.bound += 1
            self._progress.advance(bound=1)
        else:
            self.stats.failed += 1
            self._progress.advance(failed=1)

    async def _carry(self, item: Work) -> None:
        lang = self._options.lang
        admin = item.binding.admin_account.casefold()
        while True:
            dead = self.stats.dead_admins.get(admin)
            if dead is not None:
                code, msg = dead
                self._record(item, State.FAILED, counted=False, code=code, msg=msg, note="not sent")
                self._final(bound=False)
                return
            if self.stopping:
                raise _Stopped
            answer = await self._send(
                "create",
                lambda: self._client.create(item.binding),
                before=lambda: self._journal.mark_inflight(item.key),
            )
            if await self._handle(item, answer, answer.meaning, lang):
                return

    def _stop_run(self, item: Work, answer: Answer, stop: RunStopped) -> None:
        self._record(
            item,
            State.PENDING,
            answer,
            counted=False,
            msg=answer.msg or answer.error,
            note="run-wide stop",
        )
        self.request_stop(stop)
        raise _Stopped

    async def _handle(self, item: Work, answer: Answer, meaning: Meaning, lang: str) -> bool:
        """Record one answer; True when the row reached a final state for this run."""
        msg = answer.msg or answer.error
        match meaning.kind:
            case Kind.OK:
                data = answer.data or {}
                self._record(
                    item,
                    State.BOUND,
                    answer,
                    counted=True,
                    msg="",
                    binding_id=str(data.get("exchange_binding_id", "")),
                    binding_status=str(data.get("status", "")),
                    ambiguous=False,
                )
                self._final(bound=True)
                return True
            case Kind.THROTTLED:  # the pacer already paused everyone; not an attempt
                self._record(item, State.PENDING, answer, counted=False, msg=msg, note="throttled")
                return False
            case Kind.CONTENTION:  # one busy resource: retry this row soon; not an attempt
                self._record(item, State.PENDING, answer, counted=False, msg=msg, note="contention")
                wait = self._options.contention_backoff_s * self._rng.uniform(1, 2)
                await self._until_stop(self._sleep(wait))
                return False
            case Kind.TOKEN | Kind.RUN_WIDE:
                key = "stop_token" if meaning.kind is Kind.TOKEN else "stop_run_wide"
                self._stop_run(
                    item,
                    answer,
                    RunStopped(
                        i18n.text(key, lang, code=answer.code, msg=answer.msg),
                        hint=meaning.hint(lang) + " " + i18n.text("rerun_hint", lang),
                    ),
                )
            case Kind.TRANSIENT:
                if answer.tls_error:
                    self._stop_run(
                        item,
                        answer,
                        RunStopped(
                            i18n.text(
                                "stop_tls", lang, host=self._client.base_url, error=answer.error
                            ),
                            hint=i18n.text("stop_tls_hint", lang),
                        ),
                    )
                item.attempts += 1
                item.ambiguous = item.ambiguous or answer.lost
                final = item.attempts >= self._options.max_attempts
                self._record(
                    item,
                    State.FAILED if final else State.PENDING,
                    answer,
                    counted=True,
                    transient=True,
                    msg=msg,
                    ambiguous=item.ambiguous,
                    note="lost answer" if answer.lost else "transient",
                )
                if final:
                    self._final(bound=False)
                    return True
                await self._until_stop(self._sleep(self._backoff(item.attempts)))
                return False
            case Kind.ROW | Kind.ADMIN:
                item.attempts += 1
                if item.ambiguous:
                    return await self._refused_after_lost_answer(item, answer)
                self._record(item, State.FAILED, answer, counted=True, msg=msg)
                if meaning.kind is Kind.ADMIN:
                    text = i18n.text(
                        "admin_account_unusable",
                        lang,
                        admin=item.binding.admin_account,
                        row=item.row,
                        code=answer.code,
                    )
                    self.stats.dead_admins.setdefault(
                        item.binding.admin_account.casefold(), (str(answer.code), text)
                    )
                self._final(bound=False)
                return True
        raise AssertionError(f"unhandled answer kind {meaning.kind}")  # pragma: no cover

    async def _refused_after_lost_answer(self, item: Work, refused: Answer) -> bool:
        """Feishu refused a row whose earlier request got no answer: did that request bind it?

        The binding id is derived the way Feishu's documented example id is built (an inference),
        and the row counts as bound only if Feishu's own answer for that id names this row.
        """
        lang = self._options.lang
        binding = item.binding
        guess = derived_binding_id(binding)
        answer = await self._send("get", lambda: self._client.get(guess))
        data = answer.data or {}
        if (
            answer.code == 0
            and str(data.get("user_id", "")) == binding.user_id
            and str(data.get("exchange_account", "")).casefold()
            == binding.exchange_account.casefold()
        ):
            self._record(
                item,
                State.BOUND,
                answer,
                endpoint="get",
                counted=False,
                msg=i18n.text("confirmed_after_lost_answer", lang),
                binding_id=str(data.get("exchange_binding_id") or guess),
                binding_status=str(data.get("status", "")),
                ambiguous=False,
            )
            self._final(bound=True)
            return True
        msg = i18n.text("unprovable_after_lost_answer", lang, msg=refused.msg, code=refused.code)
        check = i18n.text(
            "unprovable_hint", lang, exchange=binding.exchange_account, user=binding.user_id
        )
        # If the check itself got no usable answer, a re-run may still prove it: transient.
        unsure = answer.meaning.kind in (Kind.TRANSIENT, Kind.THROTTLED, Kind.CONTENTION)
        self._record(
            item, State.FAILED, refused, counted=True, transient=unsure, msg=f"{msg} {check}"
        )
        self._final(bound=False)
        return True
