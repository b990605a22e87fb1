"""The send engine's rules on their own: the retry rule, the circuit breaker, the exit codes.

The jobs are proved end to end against the sandbox elsewhere; here a fake clock and a stub client
show the rules exactly, without sleeping.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import pytest
from conftest import StubTokens

from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer
from batchbind.feishu.codes import Kind
from batchbind.feishu.pacing import Budget, Pacers
from batchbind.jobs.engine import DONE, Final, Pool, PoolOptions, PoolStats, Stopped, failed
from batchbind.jobs.exit_codes import EXIT_RULES, exit_code


@dataclass
class Item:
    name: str
    attempts: int = 0
    retry_since: float | None = None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class StubClient:
    tokens = StubTokens()
    base_url = "http://127.0.0.1"


def pool(clock: Clock, **options: object) -> Pool[Item]:
    made: Pool[Item] = Pool(
        Pacers(Budget(per_second=1e6, per_minute=1e8)),
        PoolOptions(**options),  # type: ignore[arg-type]
        sleep=clock.sleep,
        clock=clock,
        rng=random.Random(3),
    )
    made.client = StubClient()  # type: ignore[assignment]
    return made


def test_throttled_and_contention_are_retried_without_spending_an_attempt() -> None:
    engine = pool(Clock(), contention_backoff_s=0.25)
    item = Item("a")

    assert engine.retry_wait(item, Kind.THROTTLED) == 0.0  # the pacer already paused everyone
    wait = engine.retry_wait(item, Kind.CONTENTION)
    assert wait is not None and 0.25 <= wait <= 0.5
    assert item.attempts == 0


def test_a_transient_error_spends_an_attempt_and_backs_off_until_they_are_spent() -> None:
    engine = pool(Clock(), max_attempts=4, backoff_base_s=1.0, backoff_max_s=3.0)
    item = Item("a")

    waits = [engine.retry_wait(item, Kind.TRANSIENT) for _ in range(4)]

    assert item.attempts == 4
    assert waits[3] is None  # the fourth attempt was the last
    for wait, cap in zip(waits[:3], [1.0, 2.0, 3.0], strict=True):
        assert wait is not None and cap / 2 <= wait <= cap


def test_a_transient_error_is_not_retried_past_the_time_bound() -> None:
    clock = Clock()
    engine = pool(clock, max_attempts=50, backoff_base_s=1.0, retry_timeout_s=60.0)
    item = Item("a")

    assert engine.retry_wait(item, Kind.TRANSIENT) is not None
    clock.now += 59.9  # e.g. a long throttling pause in between
    assert engine.retry_wait(item, Kind.TRANSIENT) is None


@pytest.mark.parametrize("kind", [Kind.ROW, Kind.ADMIN, Kind.OK])
def test_every_other_answer_is_final(kind: Kind) -> None:
    item = Item("a")
    assert pool(Clock()).retry_wait(item, kind) is None
    assert item.attempts == 0


def run_items(engine: Pool[Item], items: list[Item], outcome: dict[str, Final]) -> PoolStats:
    async def step(item: Item, _answer: Answer) -> Final | None:
        return outcome[item.name]

    async def carry(item: Item) -> None:
        async def call() -> Answer:
            return Answer(http_status=200, code=0)

        await engine.until_final("get", call, lambda a: step(item, a))

    engine.carry = carry  # type: ignore[method-assign]
    return asyncio.run(engine.run(items))


def test_the_circuit_breaker_stops_a_streak_of_one_code_and_a_success_breaks_it() -> None:
    refused = failed(Answer(http_status=400, code=195100))
    names = ["a", "b", "ok", "c", "d", "e", "f"]
    outcome = {n: DONE if n == "ok" else refused for n in names}
    engine = pool(Clock(), concurrency=1, circuit_breaker=3)

    stats = run_items(engine, [Item(n) for n in names], outcome)

    assert isinstance(stats.stopped, RunStopped)
    assert "3 rows in a row failed with the same answer (195100)" in stats.stopped.message
    assert engine.stopping


def test_the_circuit_breaker_off_never_stops() -> None:
    refused = failed(Answer(error="Timeout"))
    names = [str(n) for n in range(20)]
    engine = pool(Clock(), concurrency=1, circuit_breaker=0)

    stats = run_items(engine, [Item(n) for n in names], dict.fromkeys(names, refused))

    assert stats.stopped is None


def test_a_stopped_pool_sends_nothing_more() -> None:
    engine = pool(Clock())
    engine.request_stop()

    async def call() -> Answer:
        raise AssertionError("sent after the stop")

    async def step(_answer: Answer) -> Final | None:
        return DONE

    with pytest.raises(Stopped):
        asyncio.run(engine.until_final("get", call, step))


@pytest.mark.parametrize(
    ("command", "counts", "code"),
    [
        ("run", {}, 0),
        ("run", {"invalid": 1}, 1),
        ("run", {"failed": 2, "pending": 1}, 4),  # a re-run may finish it: 4 wins over 1
        ("run", {"transient": 1}, 4),
        ("validate", {"invalid": 3}, 1),
        ("status", {"err": 1}, 1),
        ("status", {"err": 1, "syncing": 2}, 4),
        ("unbind", {"unbound": 5}, 0),
        ("unbind", {"failed": 1}, 1),
        ("resolve", {"unfilled": 1}, 1),
    ],
)
def test_one_table_maps_a_jobs_counts_to_its_exit_code(
    command: str, counts: dict[str, int], code: int
) -> None:
    assert exit_code(command, counts) == code


@pytest.mark.parametrize("command", sorted(EXIT_RULES))
def test_a_stop_wins_over_any_count(command: str) -> None:
    counts = {"invalid": 1, "failed": 1, "pending": 1, "err": 1, "unfilled": 1}
    assert exit_code(command, counts, PoolStats(stopped=RunStopped("stop"))) == 3
    assert exit_code(command, counts, PoolStats(interrupted=15, stopped=RunStopped("x"))) == 143
