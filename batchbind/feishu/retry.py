"""The one retry helper: when to send a call again, and how long to wait first.

In the spirit of `stamina`:

- nothing is retried unless the caller names it retryable (a predicate on the answer);
- every retry is bounded by attempts AND by total time: no new try starts once either is spent;
- the waits grow exponentially with jitter (`Backoff`), so many workers do not retry in step;
- a wait the server asked for (the predicate returns it) is honoured instead of the backoff;
- time is injected (`clock`, `sleep`) and waiting can be switched off (`waiting=False`), so tests
  run with a fake clock and never sleep.

`Retrying.next_wait` is the rule alone (for callers that keep an item's attempts themselves, like
the send engine, whose rows carry their attempts across runs); `Retrying.call` is the whole loop.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # annotations only: the token refresh (imported by the client) uses this module
    from batchbind.feishu.client import Answer

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
R = TypeVar("R")

#: What a retry predicate says of an answer: False (final: keep it), True (retryable: wait the
#: backoff), or a number of seconds (retryable, and the server asked for that wait).
Verdict = bool | float


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """How many tries, for how long, and how long to wait between them."""

    attempts: int = 3  # tries in all, the first one included
    timeout_s: float | None = 45.0  # no new try starts this long after the first one
    wait_initial_s: float = 0.5  # the cap of the first wait
    wait_max_s: float = 30.0  # no wait is longer than this, whatever the attempt
    wait_exp_base: float = 2.0  # each cap is this many times the one before
    jitter: float = 0.5  # a wait is drawn from [cap * (1 - jitter), cap]

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("jitter must be in [0, 1]")

    def cap(self, attempt: int) -> float:
        """The longest wait after failed try number `attempt` (1 for the first)."""
        exponent = max(0, attempt - 1)
        try:
            grown = self.wait_initial_s * self.wait_exp_base**exponent
        except OverflowError:
            grown = self.wait_max_s
        return min(self.wait_max_s, grown)


class Retrying:
    """A `Backoff` put to work, with its clock, its sleep and its randomness injected."""

    def __init__(
        self,
        backoff: Backoff,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        waiting: bool = True,
    ) -> None:
        self.backoff = backoff
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.waiting = waiting

    def next_wait(
        self, attempt: int, *, elapsed: float = 0.0, asked: float | None = None
    ) -> float | None:
        """The wait before the next try, after `attempt` failed tries that took `elapsed` seconds
        so far; None when the attempts or the time are spent (the last answer is final)."""
        backoff = self.backoff
        if attempt >= backoff.attempts:
            return None
        if asked is not None and asked >= 0:
            wait = float(asked)
        else:
            cap = backoff.cap(attempt)
            wait = self._rng.uniform(cap * (1.0 - backoff.jitter), cap)
        if backoff.timeout_s is not None and elapsed + wait > backoff.timeout_s:
            return None
        return wait

    async def wait(self, seconds: float) -> None:
        if self.waiting and seconds > 0:
            await self._sleep(seconds)

    async def call(self, send: Callable[[], Awaitable[R]], retryable: Callable[[R], Verdict]) -> R:
        """Send until an answer is final or the retries are spent; return the last answer."""
        started = self._clock()
        attempt = 0
        while True:
            answer = await send()
            attempt += 1
            verdict = retryable(answer)
            if verdict is False:
                return answer
            asked = None if verdict is True else float(verdict)
            wait = self.next_wait(attempt, elapsed=self._clock() - started, asked=asked)
            if wait is None:
                return answer
            await self.wait(wait)


#: A check made once before the real work (the preflight, the app's tenant token): three tries
#: within a minute, then the last answer decides.
ONE_CHECK = Backoff(attempts=3, timeout_s=60.0, wait_initial_s=0.5)


def unanswered(answer: Answer) -> Verdict:
    """Retryable when no answer came back at all; never a TLS failure, which no retry mends."""
    return answer.code is None and not answer.tls_error
