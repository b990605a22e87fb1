"""The one retry helper, on a fake clock (nothing here really sleeps), and the preflight on it."""

from __future__ import annotations

import asyncio
import random

import pytest
from conftest import StubTokens

from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer
from batchbind.feishu.pacing import Budget, Pacers
from batchbind.feishu.preflight import preflight
from batchbind.feishu.retry import ONE_CHECK, Backoff, Retrying, Verdict, unanswered


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Server:
    """Gives the answers it was handed, one per call, and counts the calls."""

    def __init__(self, *answers: str, took: float = 0.0, clock: FakeClock | None = None) -> None:
        self._answers = list(answers)
        self.calls = 0
        self._took = took
        self._clock = clock

    async def __call__(self) -> str:
        self.calls += 1
        if self._clock is not None:
            self._clock.now += self._took
        return self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]


def retrying(backoff: Backoff, clock: FakeClock, *, waiting: bool = True) -> Retrying:
    return Retrying(backoff, clock=clock, sleep=clock.sleep, rng=random.Random(7), waiting=waiting)


def busy(answer: str) -> Verdict:
    return answer == "busy"


def test_an_answer_not_named_retryable_is_never_sent_again() -> None:
    clock = FakeClock()
    server = Server("refused")

    answer = asyncio.run(retrying(Backoff(attempts=5), clock).call(server, busy))

    assert (answer, server.calls, clock.slept) == ("refused", 1, [])


def test_retries_until_a_final_answer_with_growing_jittered_waits() -> None:
    clock = FakeClock()
    server = Server("busy", "busy", "busy", "ok")
    backoff = Backoff(attempts=5, timeout_s=None, wait_initial_s=1.0, wait_max_s=3.0)

    answer = asyncio.run(retrying(backoff, clock).call(server, busy))

    assert (answer, server.calls) == ("ok", 4)
    caps = [1.0, 2.0, 3.0]  # doubling, then held at wait_max_s
    assert len(clock.slept) == 3
    for wait, cap in zip(clock.slept, caps, strict=True):
        assert cap / 2 <= wait <= cap  # jitter 0.5: never in step with other workers


def test_attempts_bound_the_tries_and_the_last_answer_is_returned() -> None:
    clock = FakeClock()
    server = Server("busy")

    answer = asyncio.run(retrying(Backoff(attempts=3, timeout_s=None), clock).call(server, busy))

    assert (answer, server.calls, len(clock.slept)) == ("busy", 3, 2)


def test_total_time_bounds_the_tries_whatever_attempts_are_left() -> None:
    clock = FakeClock()
    server = Server("busy", took=4.0, clock=clock)  # each call takes 4 s
    backoff = Backoff(attempts=100, timeout_s=9.5, wait_initial_s=1.0, wait_max_s=1.0, jitter=0)

    asyncio.run(retrying(backoff, clock).call(server, busy))

    # 4 s + 1 s wait + 4 s = 9 s; one more wait would start the next try past 9.5 s.
    assert server.calls == 2
    assert clock.now - 100.0 == pytest.approx(9.0)


def test_a_wait_the_server_asked_for_is_honoured() -> None:
    clock = FakeClock()
    server = Server("slow down", "ok")

    def asks(answer: str) -> Verdict:
        return 7.5 if answer == "slow down" else False

    backoff = Backoff(attempts=3, timeout_s=None, wait_initial_s=0.1, wait_max_s=0.2)
    answer = asyncio.run(retrying(backoff, clock).call(server, asks))

    assert answer == "ok" and clock.slept == [7.5]


def test_a_server_asked_wait_past_the_time_bound_ends_the_retries() -> None:
    clock = FakeClock()
    server = Server("slow down")

    answer = asyncio.run(
        retrying(Backoff(attempts=3, timeout_s=5.0), clock).call(server, lambda _a: 30.0)
    )

    assert (answer, server.calls, clock.slept) == ("slow down", 1, [])


def test_waiting_can_be_switched_off() -> None:
    clock = FakeClock()
    server = Server("busy", "busy", "ok")

    answer = asyncio.run(retrying(Backoff(attempts=3), clock, waiting=False).call(server, busy))

    assert (answer, server.calls, clock.slept) == ("ok", 3, [])


def test_next_wait_alone_is_the_rule_for_callers_that_count_attempts_themselves() -> None:
    rule = Retrying(Backoff(attempts=3, timeout_s=20.0, wait_initial_s=2.0, jitter=0))

    assert rule.next_wait(1) == 2.0
    assert rule.next_wait(2) == 4.0
    assert rule.next_wait(3) is None  # attempts spent
    assert rule.next_wait(2, elapsed=17.0) is None  # 17 + 4 > 20: time spent
    assert rule.next_wait(1, asked=9.0) == 9.0


def test_a_huge_attempt_number_waits_the_maximum() -> None:
    assert Backoff(attempts=10_000, wait_max_s=30.0).cap(5000) == 30.0


def test_bad_backoffs_are_refused() -> None:
    with pytest.raises(ValueError, match="attempts"):
        Backoff(attempts=0)
    with pytest.raises(ValueError, match="jitter"):
        Backoff(jitter=1.5)


def test_one_check_retries_only_a_missing_answer() -> None:
    assert unanswered(Answer(error="Timeout")) is True
    assert unanswered(Answer(error="TLS", tls_error=True)) is False
    assert unanswered(Answer(http_status=200, code=0)) is False
    assert unanswered(Answer(http_status=500, code=190003)) is False
    assert ONE_CHECK.attempts == 3 and ONE_CHECK.timeout_s is not None


class PreflightClient:
    """Answers the preflight's status query from a list, without a network."""

    base_url = "http://127.0.0.1:9"

    def __init__(self, *answers: Answer) -> None:
        self.tokens = StubTokens()
        self._answers = list(answers)
        self.asked = 0

    async def get(self, _binding_id: str) -> Answer:
        self.asked += 1
        return self._answers.pop(0)


def check(client: PreflightClient) -> list[str]:
    pacers = Pacers(Budget(per_second=1e6, per_minute=1e8))
    quick = Retrying(ONE_CHECK, waiting=False)
    return asyncio.run(preflight(client, pacers, "en", retrying=quick))  # type: ignore[arg-type]


def test_the_preflight_asks_again_when_no_answer_came_back() -> None:
    client = PreflightClient(
        Answer(error="Timeout"), Answer(error="Timeout"), Answer(http_status=400, code=195103)
    )

    assert check(client) == []  # the token may bind: no note
    assert client.asked == 3


def test_the_preflight_gives_up_after_its_attempts() -> None:
    never = Answer(error="ConnectionRefused", maybe_sent=False)
    client = PreflightClient(never, never, never, never)

    with pytest.raises(RunStopped, match=r"127\.0\.0\.1:9"):
        check(client)
    assert client.asked == 3
