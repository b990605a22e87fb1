"""The sandbox's rate limiter: one budget per endpoint, per second and per minute.

Feishu documents the caps (50/s and 1000/min per API) but not how it counts, so the window rules
come from the scenario: fixed one-second windows; a sliding or fixed minute window; whether
refused requests count. The clock is injected so tests drive it exactly instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from batchbind.sandbox.scenario import Limits

Clock = Callable[[], float]

MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether one request may go through; if not, the cap it hit and when to try again."""

    allowed: bool
    limit: int = 0
    reset_s: int = 0  # whole seconds until the window admits one request again (at least 1)


ALLOWED = Verdict(True)


@dataclass(slots=True)
class _Budget:
    second: int = -1  # index of the current one-second window
    second_count: int = 0
    minute: int = -1  # index of the current fixed minute window
    minute_count: int = 0
    recent: deque[float] = field(default_factory=deque)  # counted times, for the sliding minute


class RateLimiter:
    """Decides, per endpoint key, whether a request arriving now is within budget."""

    def __init__(self, limits: Limits, clock: Clock = time.monotonic) -> None:
        self._limits = limits
        self._clock = clock
        self._budgets: dict[str, _Budget] = {}
        self._origin: float | None = None  # the first request: `[[limits.schedule]]` counts from it

    def caps(self, now: float | None = None) -> tuple[int, int]:
        """The (per second, per minute) caps in force at `now` (default: the clock's now)."""
        now = self._clock() if now is None else now
        per_second, per_minute = self._limits.per_second, self._limits.per_minute
        if self._origin is None:
            return per_second, per_minute
        elapsed = now - self._origin
        for step in self._limits.schedule:
            if step.after_s <= elapsed:
                per_second = step.per_second or self._limits.per_second
                per_minute = step.per_minute or self._limits.per_minute
        return per_second, per_minute

    def check(self, key: str) -> Verdict:
        """Count one request for `key` (an endpoint name) and say whether it may go through."""
        now = self._clock()
        if self._origin is None:
            self._origin = now
        budget = self._budgets.setdefault(key, _Budget())
        per_second, per_minute = self.caps(now)
        self._roll(budget, now)
        checks = (self._second(budget, now, per_second), self._minute(budget, now, per_minute))
        refusals = [verdict for verdict in checks if verdict is not None]
        if refusals and not self._limits.count_refused:
            # The longest wait is the honest one: a client told "1 s" while the minute is spent
            # would only come back to be refused again.
            return max(refusals, key=lambda v: v.reset_s)
        budget.second_count += 1
        budget.minute_count += 1
        if self._limits.minute_window == "sliding":
            budget.recent.append(now)
        return max(refusals, key=lambda v: v.reset_s) if refusals else ALLOWED

    def _roll(self, budget: _Budget, now: float) -> None:
        second = math.floor(now)
        if second != budget.second:
            budget.second, budget.second_count = second, 0
        minute = math.floor(now / MINUTE)
        if minute != budget.minute:
            budget.minute, budget.minute_count = minute, 0
        while budget.recent and budget.recent[0] <= now - MINUTE:
            budget.recent.popleft()

    @staticmethod
    def _second(budget: _Budget, now: float, cap: int) -> Verdict | None:
        if budget.second_count < cap:
            return None
        return Verdict(False, cap, _whole_seconds(budget.second + 1 - now))

    def _minute(self, budget: _Budget, now: float, cap: int) -> Verdict | None:
        if self._limits.minute_window == "fixed":
            if budget.minute_count < cap:
                return None
            return Verdict(False, cap, _whole_seconds((budget.minute + 1) * MINUTE - now))
        recent = budget.recent
        if len(recent) < cap:
            return None
        # One request fits again once all but cap-1 of the counted ones have left the window
        # (more than cap may be counted after a schedule step lowered the cap).
        frees_at = recent[len(recent) - cap] + MINUTE
        return Verdict(False, cap, _whole_seconds(frees_at - now))


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-9))
