"""The pacer, driven by a fake clock: exact and fast, no real sleeping."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from batchbind.feishu.pacing import RECOVERY_INTERVAL_S, Budget, Pacer, Pacers


class FakeClock:
    """Time that moves only when someone sleeps. The pacer sleeps while holding its lock, so
    sleeps never overlap and adding them up is the true timeline."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def grant_times(pacer: Pacer, clock: FakeClock, n: int, *, workers: int = 1) -> list[float]:
    """Run `workers` concurrent workers that take `n` grants in all; return the grant times.

    Each call uses a fresh event loop, as each batchbind run does; the pacer must not mind."""
    times: list[float] = []

    async def worker(count: int) -> None:
        for _ in range(count):
            await pacer.acquire()
            times.append(clock.now)

    async def main() -> None:
        share = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
        await asyncio.gather(*(worker(c) for c in share))

    asyncio.run(main())
    return sorted(times)


def max_in_window(times: list[float], width: float) -> int:
    """The most grants in any window [t, t + width) starting at a grant (sliding)."""
    best = 0
    for i, t in enumerate(times):
        j = bisect.bisect_left(times, t + width - 1e-9)
        best = max(best, j - i)
    return best


def max_in_fixed_windows(times: list[float], width: float) -> int:
    counts: dict[int, int] = {}
    for t in times:
        counts[int(t // width)] = counts.get(int(t // width), 0) + 1
    return max(counts.values())


def test_default_budget_is_spent_smoothly_just_under_both_caps() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    times = grant_times(pacer, clock, 3000, workers=40)
    elapsed = times[-1] - times[0]
    rate_per_minute = 60 * (len(times) - 1) / elapsed
    assert 0.97 * 1000 <= rate_per_minute <= 1000
    assert max_in_window(times, 60.0) <= 1000
    assert max_in_window(times, 1.0) <= 50
    assert max_in_fixed_windows(times, 1.0) <= 50
    # Smooth, not 50/s for 20 s and then a wall: every 10-second stretch gets its share.
    assert max_in_window(times, 10.0) <= 10 * 1000 / 60 + pacer.burst + 1


def test_a_full_bank_after_idling_never_breaks_a_window() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    first = grant_times(pacer, clock, 500, workers=8)
    clock.now += 300  # idle: the bank fills up to its burst allowance
    second = grant_times(pacer, clock, 1200, workers=8)
    times = first + second
    assert max_in_window(times, 60.0) <= 1000
    assert max_in_window(times, 1.0) <= 50
    # The burst right after idling is small.
    assert max_in_window(second[:20], 0.001) <= pacer.burst


def test_when_the_minute_allows_more_than_the_second_cap_the_second_cap_governs() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(per_second=50, per_minute=6000), clock=clock, sleep=clock.sleep)
    times = grant_times(pacer, clock, 2000, workers=64)
    assert max_in_fixed_windows(times, 1.0) <= 50
    assert max_in_window(times, 1.0) <= 50
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 0.97 * 50 <= rate <= 50


def test_a_429_pauses_everyone_for_as_long_as_the_server_says() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    grant_times(pacer, clock, 10)
    hit = clock.now
    pause = pacer.throttled(reset_after=7)
    assert pause == 7
    later = grant_times(pacer, clock, 5, workers=5)
    assert min(later) >= hit + 7


def test_the_limit_header_teaches_the_real_ceiling_and_recovery_climbs_back() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    pacer.throttled(reset_after=30, limit=500)  # the server says its window holds 500
    assert pacer.minute_cap == 500
    times = grant_times(pacer, clock, 35, workers=16)  # shorter than a recovery interval
    assert times[0] >= 1000.0 + 30
    during = 60 * (len(times) - 1) / (times[-1] - times[0])
    assert 0.95 * 500 <= during <= 500
    # Quiet for long enough: it climbs back to the configured caps, step by step.
    steps = 0
    while pacer.minute_cap < 1000 and steps < 100:
        clock.now += RECOVERY_INTERVAL_S
        grant_times(pacer, clock, 1)
        steps += 1
    assert pacer.minute_cap == 1000
    assert steps > 1  # gradual, not a jump back into the wall


def test_a_429_within_the_stated_cap_means_someone_else_shares_the_budget() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    pacer.throttled(reset_after=5, limit=1000)  # the app's cap, but the window is full anyway
    assert pacer.minute_cap < 1000


def test_a_short_reset_teaches_the_per_second_cap() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(per_second=50, per_minute=6000), clock=clock, sleep=clock.sleep)
    pacer.throttled(reset_after=1, limit=20)
    assert pacer.second_cap == 20
    assert pacer.minute_cap == 6000


def test_without_headers_it_backs_off_once_per_episode_and_waits_longer_each_time() -> None:
    clock = FakeClock()
    pacer = Pacer(Budget(), clock=clock, sleep=clock.sleep)
    first = pacer.throttled()
    # Other in-flight requests of the same episode answer 429 too: no further slow-down.
    cap_after_first = pacer.minute_cap
    pacer.throttled()
    pacer.throttled()
    assert pacer.minute_cap == cap_after_first < 1000
    assert pacer.throttle_events == 1
    clock.now = pacer.paused_until + 0.01
    second = pacer.throttled()
    assert second > first
    assert pacer.throttle_events == 2
    assert pacer.minute_cap < cap_after_first


def test_each_endpoint_has_its_own_budget() -> None:
    clock = FakeClock()
    pacers = Pacers(Budget(), clock=clock, sleep=clock.sleep)
    pacers["create"].throttled(reset_after=10, limit=100)
    assert pacers["get"].minute_cap == 1000
    assert pacers["create"] is pacers["create"]
    assert {name for name, _ in pacers.items()} == {"create", "get"}


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(ValueError):
        Budget(per_second=0)
    with pytest.raises(ValueError):
        Budget(headroom=1.5)


def test_oversleeping_costs_nothing_and_never_breaks_a_window() -> None:
    """Every real sleep wakes a little late (here 1.5 ms, 7% of the spacing at 49 requests a
    second): the bank carries that time over instead of throwing it away."""

    class LateClock(FakeClock):
        async def sleep(self, seconds: float) -> None:
            await super().sleep(seconds + 0.0015)

    clock = LateClock()
    pacer = Pacer(Budget(per_second=50, per_minute=3000), clock=clock, sleep=clock.sleep)
    times = grant_times(pacer, clock, 3000, workers=32)
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert rate >= 0.97 * 50
    assert max_in_window(times, 1.0) <= 50
    assert max_in_fixed_windows(times, 1.0) <= 50
    assert max_in_window(times, 60.0) <= 3000
