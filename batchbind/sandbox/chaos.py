"""Seeded misfortune: injected faults, latency, stalls, and the log ids of answers.

Fault draws are keyed by (endpoint, Exchange account, how many times that account was seen), not
by arrival order, so the same rows meet the same faults whichever client sends them and in
whatever order: two tools compared side by side face the same luck.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter

from batchbind.sandbox.scenario import FAULTS, Faults, Latency


class Dice:
    """Deterministic uniform numbers in [0, 1) from a seed and a key (stable across processes)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def roll(self, *key: object) -> float:
        text = "|".join(map(str, (self._seed, *key)))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        return int.from_bytes(digest[:7], "big") / float(1 << 56)


class FaultPlan:
    """Which fault, if any, a request meets: targeted rules first, then the probabilities."""

    def __init__(self, faults: Faults, dice: Dice) -> None:
        self._faults = faults
        self._dice = dice
        self._remaining = [rule.times for rule in faults.rules]
        self._seen: Counter[tuple[str, str]] = Counter()

    def pick(self, endpoint: str, exchange_account: str | None) -> str | None:
        account = (exchange_account or "").casefold()
        for index, rule in enumerate(self._faults.rules):
            if (
                self._remaining[index] > 0
                and rule.endpoint == endpoint
                and rule.exchange_account.casefold() == account
            ):
                self._remaining[index] -= 1
                return rule.fault
        if endpoint not in self._faults.endpoints:
            return None
        self._seen[endpoint, account] += 1
        draw = self._dice.roll("fault", endpoint, account, self._seen[endpoint, account])
        for name in FAULTS:
            probability: float = getattr(self._faults, name)
            if draw < probability:
                return name
            draw -= probability
        return None


class Delays:
    """How long each answer takes, from the scenario's `[latency]`."""

    def __init__(self, latency: Latency, seed: int) -> None:
        self._latency = latency
        self._random = random.Random(f"latency|{seed}")

    def next_s(self) -> float:
        latency = self._latency
        if latency.max_ms <= 0 and latency.stall_probability <= 0:
            return 0.0
        ms = self._random.uniform(latency.min_ms, latency.max_ms)
        if latency.stall_probability and self._random.random() < latency.stall_probability:
            ms += latency.stall_ms
        return ms / 1000.0


class LogIds:
    """Unique `x-tt-logid` values, shaped like Feishu's (digits then hex), reproducible by seed."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(f"logid|{seed}")
        self._count = 0

    def next(self) -> str:
        self._count += 1
        return f"2024{self._count:010d}{self._random.getrandbits(48):012X}"
