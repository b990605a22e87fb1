"""Figures from the emulator's request log, and the time a rate schedule allows at best.

Times come from the emulator's log (arrival of each request at the server), the same clock for
every contender: start-up costs (process start, importing the SDK, reading the sheet) are left out
of rates and reported separately as wall time.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from batchbind.sandbox.limits import RateLimiter
from batchbind.sandbox.scenario import scenario_from_dict

#: The greedy ideal advances its clock in steps this long.
TICK_S = 0.005


@dataclass(frozen=True, slots=True)
class Sending:
    """What the emulator saw of one contender's create calls."""

    creates: int  # create requests received, 429s included
    accepted: int  # not answered 429
    throttled: int
    origin_t: float  # the first API request of any kind: the rate schedule counts from it
    first_t: float  # the first create request
    last_accepted_t: float

    @property
    def span_s(self) -> float:
        """First create to last accepted create."""
        return max(0.0, self.last_accepted_t - self.first_t)

    @property
    def rate(self) -> float:
        """Accepted creates per second between the first and the last accepted one."""
        return (self.accepted - 1) / self.span_s if self.span_s > 0 else 0.0

    @property
    def throttled_share(self) -> float:
        return self.throttled / self.creates if self.creates else 0.0


def sending(log: list[dict[str, Any]]) -> Sending:
    creates = [r for r in log if r["endpoint"] == "create"]
    accepted = [r["t"] for r in creates if not r["throttled"]]
    return Sending(
        creates=len(creates),
        accepted=len(accepted),
        throttled=len(creates) - len(accepted),
        origin_t=min((r["t"] for r in log), default=0.0),
        first_t=creates[0]["t"] if creates else 0.0,
        last_accepted_t=max(accepted, default=0.0),
    )


def phase_rates(log: list[dict[str, Any]], origin_t: float, edges: list[float]) -> list[float]:
    """Accepted creates per second in each phase between `edges` (seconds after `origin_t`);
    the first phase starts at the first create, the last ends at the last accepted one."""
    times = [r["t"] - origin_t for r in log if r["endpoint"] == "create" and not r["throttled"]]
    if not times:
        return [0.0] * (len(edges) + 1)
    bounds = [min(times), *edges, max(times)]
    rates = []
    for lo, hi in itertools.pairwise(bounds):
        inside = sum(1 for t in times if lo <= t < hi)
        rates.append(inside / (hi - lo) if hi > lo else 0.0)
    return rates


def ceiling(per_second: float, per_minute: float) -> float:
    """Requests per second both caps allow, sustained."""
    return min(per_second, per_minute / 60.0)


def greedy_ideal_s(limits: dict[str, Any], count: int, start_s: float) -> float:
    """Seconds from `start_s` (after the schedule's origin) to the last of `count` accepted
    requests, for a client that sends the moment the server's limiter would accept.

    This is "the time the remaining budget allows": the emulator's own limiter (its fixed
    one-second windows, its sliding minute, its `[[limits.schedule]]`) on a simulated clock. After
    a cap is halved, a sliding minute still full of earlier requests admits nothing until they
    age out, which no client can beat; a fluid "cap × time" figure would ignore that.
    """
    clock = [0.0]
    limiter = RateLimiter(scenario_from_dict({"limits": limits}).limits, clock=lambda: clock[0])
    limiter.check("origin")  # pins the schedule's origin at 0, spends no create budget
    clock[0] = start_s
    accepted, last, ticks = 0, start_s, 0
    while accepted < count:
        if limiter.check("create").allowed:
            accepted += 1
            last = clock[0]
        else:
            ticks += 1  # counted, not summed: no drift over tens of thousands of ticks
            clock[0] = start_s + ticks * TICK_S
    return last - start_s


def fluid_ideal_s(limits: dict[str, Any], count: int, start_s: float) -> float:
    """The same at `min(per_second, per_minute / 60)` of each moment, windows ignored (lower)."""
    steps = [(0.0, limits["per_second"], limits["per_minute"])]
    for step in limits.get("schedule", []):
        per_second = step.get("per_second", limits["per_second"])
        per_minute = step.get("per_minute", limits["per_minute"])
        steps.append((float(step["after_s"]), per_second, per_minute))
    t, left = start_s, float(count)
    for i, (_, per_second, per_minute) in enumerate(steps):
        ends = steps[i + 1][0] if i + 1 < len(steps) else float("inf")
        if ends <= t:
            continue
        rate = ceiling(per_second, per_minute)
        if left <= rate * (ends - t):
            return t + left / rate - start_s
        left -= rate * (ends - t)
        t = ends
    return t - start_s
