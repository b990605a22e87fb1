"""One shared budget per endpoint: when may the next request start?

Feishu allows each API `per_second` and `per_minute` calls (50 and 1000 by default), counted per
app and tenant, and shared with every other client of the same app. The pacer spends both budgets
smoothly: a token bucket refilled at a steady rate a little under the tighter cap, with a small
burst allowance sized so that no 1-second and no 60-second window can exceed its cap. When the
server answers 429 anyway, everyone waits for as long as it says (`x-ogw-ratelimit-reset` is the
authority), and the pacer learns the real ceiling: from `x-ogw-ratelimit-limit` when the server
sends it, otherwise by backing off multiplicatively. While no 429 is seen it climbs back towards
the configured caps, so a run recovers when the other user of the app stops.

Time is injected (`clock`, `sleep`) so the logic is tested exactly with a fake clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: Pace this far under the caps: with network jitter, a pacer spending exactly 1000/min lands
#: 1001 requests in some 60-second window of a server that counts in sliding windows.
DEFAULT_HEADROOM = 0.98
#: Without a reset header, wait this long after the first 429 (then double, up to the cap).
DEFAULT_PAUSE_S = 1.0
MAX_PAUSE_S = 60.0
#: After this long without a 429, raise a learned ceiling by RECOVERY_STEP towards the configured
#: one: from half the budget back to all of it in about 15 s. A probe above the real ceiling costs
#: a few 429s and a short pause; climbing back slowly would waste minutes of budget.
RECOVERY_INTERVAL_S = 5.0
RECOVERY_STEP = 1.25
#: Without a limit header, each throttling episode multiplies the rate by this.
BACKOFF_FACTOR = 0.7
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """The configured caps of one endpoint."""

    per_second: float = 50.0
    per_minute: float = 1000.0
    headroom: float = DEFAULT_HEADROOM

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.per_minute <= 0:
            raise ValueError("rates must be positive")
        if not 0 < self.headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")


def _burst_for(rate: float, per_second: float, per_minute: float) -> float:
    """Tokens that may be banked: small enough that a full bank plus steady pacing stays under
    both caps in any 1 s and any 60 s window (the window guard enforces it exactly), never more
    than half a second of requests, and at least 2: a bank of 1 would throw away the little time
    every sleep oversleeps, which at 50 requests a second costs 5% of the budget."""
    room = min(per_second - rate, per_minute - 60.0 * rate, rate / 2.0)
    return max(2.0, math.floor(room))


class Pacer:
    """Decides when any request of one endpoint may start. Safe for many concurrent workers."""

    def __init__(
        self,
        budget: Budget | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.budget = budget or Budget()
        self._clock = clock
        self._sleep = sleep
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        # Learned ceilings: start at the configured caps, lowered by what the server says.
        self.second_cap = self.budget.per_second
        self.minute_cap = self.budget.per_minute
        self._tokens = 1.0  # no burst at the start
        self._last = clock()
        self._paused_until = 0.0
        self._last_throttle = -math.inf
        self._last_recovery = clock()
        self._next_pause = DEFAULT_PAUSE_S
        # Grant times of the last second and the last minute, for the window guard.
        self._last_second: deque[float] = deque()
        self._last_minute: deque[float] = deque()
        self.throttle_events = 0  # distinct throttling episodes (not individual 429s)

    # -- the rate -----------------------------------------------------------------------------

    @property
    def rate(self) -> float:
        """Requests per second the pacer currently allows."""
        return min(self.second_cap, self.minute_cap / 60.0) * self.budget.headroom

    @property
    def burst(self) -> float:
        return _burst_for(self.rate, self.second_cap, self.minute_cap)

    def _window_wait(self, now: float) -> float:
        """Seconds until one more request fits in both windows, counted the way a server would:
        at most `per_second` (less headroom) in any 1 s and `per_minute` in any 60 s."""
        for window, grants in ((1.0, self._last_second), (60.0, self._last_minute)):
            while grants and grants[0] <= now - window:
                grants.popleft()
        wait = 0.0
        for window, grants, cap in (
            (1.0, self._last_second, self.second_cap),
            (60.0, self._last_minute, self.minute_cap),
        ):
            allowed = max(1, math.floor(cap * self.budget.headroom))
            if len(grants) >= allowed:
                wait = max(wait, grants[len(grants) - allowed] + window - now)
        return wait

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def _refill(self, now: float) -> None:
        self._maybe_recover(now)
        elapsed = max(0.0, now - self._last)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._last = now

    def _maybe_recover(self, now: float) -> None:
        """Climb back towards the configured caps while the server stays quiet."""
        if self.second_cap >= self.budget.per_second and self.minute_cap >= self.budget.per_minute:
            self._last_recovery = now
            return
        quiet_since = max(self._last_throttle, self._last_recovery)
        if now - quiet_since < RECOVERY_INTERVAL_S:
            return
        self.second_cap = min(self.budget.per_second, self.second_cap * RECOVERY_STEP)
        self.minute_cap = min(self.budget.per_minute, self.minute_cap * RECOVERY_STEP)
        self._last_recovery = now
        self._next_pause = DEFAULT_PAUSE_S

    # -- acquiring ----------------------------------------------------------------------------

    def _lock(self) -> asyncio.Lock:
        """One lock per event loop: a pacer may outlive the loop of one run (tests, `status --wait`)."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {loop: asyncio.Lock()}
            lock = self._locks[loop]
        return lock

    async def acquire(self) -> None:
        """Wait until one request may start, then spend one token."""
        async with self._lock():  # FIFO: waiters are served in arrival order
            while True:
                now = self._clock()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                    continue
                self._refill(now)
                if self._tokens < 1.0 - _EPSILON:  # float sums of refills fall a hair short
                    await self._sleep((1.0 - self._tokens) / self.rate)
                    continue
                window_wait = self._window_wait(now)
                if window_wait > _EPSILON:
                    await self._sleep(window_wait)
                    continue
                self._tokens = max(0.0, self._tokens - 1.0)
                self._last_second.append(now)
                self._last_minute.append(now)
                return

    # -- what the server said -----------------------------------------------------------------

    def throttled(self, *, reset_after: float | None = None, limit: float | None = None) -> float:
        """The server answered 429. Pause every worker and learn; returns the pause in seconds.

        `reset_after` is `x-ogw-ratelimit-reset` (seconds until the window recovers) and `limit`
        is `x-ogw-ratelimit-limit` (the cap of the window that was hit), when sent.
        """
        now = self._clock()
        new_episode = now >= self._paused_until
        if reset_after is not None and reset_after >= 0:
            pause = max(reset_after, 0.05)
        else:
            pause = self._next_pause if new_episode else 0.0
            self._next_pause = min(MAX_PAUSE_S, self._next_pause * 2)
        # A window that resets within a second is the per-second one; longer, the minute one.
        per_second = reset_after is not None and reset_after <= 1.0
        learned = per_second and limit is not None and limit < self.second_cap
        learned = learned or (not per_second and limit is not None and limit < self.minute_cap)
        if learned and limit is not None:
            if per_second:
                self.second_cap = float(limit)
            else:
                self.minute_cap = float(limit)
        elif new_episode:
            # Throttled within the caps we know: someone else spends the same app's budget.
            self.second_cap = max(1.0, self.second_cap * BACKOFF_FACTOR)
            self.minute_cap = max(1.0, self.minute_cap * BACKOFF_FACTOR)
        if new_episode:
            self.throttle_events += 1
        self._paused_until = max(self._paused_until, now + pause)
        self._last_throttle = self._paused_until  # quiet is counted from the end of the pause
        self._tokens = 0.0  # no burst straight after a pause
        self._last = max(self._last, self._paused_until)
        return pause


class Pacers:
    """One pacer per endpoint (create, status, unbind, lookup each have their own budget)."""

    def __init__(
        self, budget: Budget, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self._budget = budget
        self._clock = clock
        self._sleep = sleep
        self._pacers: dict[str, Pacer] = {}

    def __getitem__(self, endpoint: str) -> Pacer:
        pacer = self._pacers.get(endpoint)
        if pacer is None:
            pacer = Pacer(self._budget, clock=self._clock, sleep=self._sleep)
            self._pacers[endpoint] = pacer
        return pacer

    def items(self) -> list[tuple[str, Pacer]]:
        return list(self._pacers.items())
