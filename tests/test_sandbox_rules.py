"""The sandbox's rules without a server: scenario files, the rate limiter (fake clock), faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchbind.sandbox import SANDBOX_TOKEN, Scenario, ScenarioError, binding_id_for, load_scenario
from batchbind.sandbox.chaos import Dice, FaultPlan
from batchbind.sandbox.limits import RateLimiter, Verdict
from batchbind.sandbox.scenario import FaultRule, Faults, Limits, LimitStep, Sync
from batchbind.sandbox.state import BindingStore, StoredBinding, parse_binding_id

FULL_TOML = """
seed = 7

[tokens]
"u-user" = "user"

[tenant]
admin_accounts = ["admin@corp.example"]
missing_users = ["ou_gone"]

[recreate]
answer = "error"
code = 190002

[sync]
seconds = 0.5
err_accounts = ["broken@corp.example"]

[limits]
per_second = 5
per_minute = 100
minute_window = "fixed"
count_refused = true
throttle_code = 190004

[[limits.schedule]]
after_s = 30
per_minute = 50

[latency]
min_ms = 1
max_ms = 2

[faults]
drop = 0.1
endpoints = ["create", "get"]

[[faults.rules]]
exchange_account = "x@corp.example"
fault = "drop_after_store"
times = 2
"""


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- scenario files ----------------------------------------------------------------------------


def test_an_empty_scenario_file_is_the_friendly_tenant(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    assert load_scenario(path) == Scenario()
    assert Scenario().tokens == {SANDBOX_TOKEN: "super_admin"}


def test_a_full_toml_scenario_reads_into_typed_settings(tmp_path: Path) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(FULL_TOML, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.seed == 7
    assert scenario.tokens == {SANDBOX_TOKEN: "super_admin", "u-user": "user"}
    assert scenario.tenant.admin_accounts == ("admin@corp.example",)
    assert scenario.tenant.users is None
    assert scenario.recreate.answer == "error"
    assert scenario.sync == Sync(seconds=0.5, err_accounts=("broken@corp.example",))
    assert scenario.limits.schedule == (LimitStep(after_s=30, per_minute=50),)
    assert scenario.limits.throttle_code == 190004
    assert scenario.latency.max_ms == 2.0
    assert scenario.faults.rules == (FaultRule("x@corp.example", "drop_after_store", times=2),)
    assert scenario.faults.endpoints == ("create", "get")


def test_json_scenarios_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"seed": 3, "limits": {"per_minute": 10}}), encoding="utf-8")
    assert load_scenario(path) == Scenario(seed=3, limits=Limits(per_minute=10))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nper_hour = 5\nburst = 1\n", "unknown setting(s) in [limits]: burst, per_hour"),
        ("colour = 'red'\n", "unknown setting(s) in the top level: colour"),
        ("[[faults.rules]]\nexchange_account = 'a@b.c'\nfault = 'drop'\nwhen = 1\n", "when"),
        ("[limits]\nper_second = 'fast'\n", "limits.per_second must be a whole number"),
        ("[limits]\ncount_refused = 1\n", "limits.count_refused must be true or false"),
        ("[limits]\nminute_window = 'rolling'\n", "limits.minute_window must be one of"),
        ("[limits]\nthrottle_code = 429\n", "throttle_code must be one of"),
        ("[faults]\ndrop = 1.5\n", "faults.drop must be between 0 and 1"),
        ("[faults]\ndrop = 0.6\nerror_500 = 0.6\n", "add up to"),
        ("[tokens]\nu-x = 'root'\n", "unknown role for u-x"),
        ("[recreate]\nanswer = 'maybe'\n", "recreate.answer must be one of"),
        ("[tenant]\nusers = 'ou_1'\n", "tenant.users must be a list"),
        ("[latency]\nmin_ms = 5\nmax_ms = 1\n", "max_ms must not be below"),
        ("seed = [", "not valid TOML"),
    ],
)
def test_a_bad_scenario_is_one_clear_sentence(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.toml") as caught:
        load_scenario(path)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_scenario_needs_a_known_extension_and_a_readable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"must end in \.toml or \.json"):
        load_scenario(tmp_path / "scenario.yaml")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_the_digest_names_the_scenario() -> None:
    assert Scenario().digest() == Scenario().digest()
    assert Scenario().digest() != Scenario(seed=1).digest()
    assert len(Scenario().digest()) == 64


# -- binding ids and sync status -----------------------------------------------------------------


def test_binding_ids_are_base64_of_admin_space_exchange_like_the_docs() -> None:
    docs_id = binding_id_for("email_admin_example@outlook.com", "email_account_example@outlook.com")
    assert docs_id == (
        "ZW1haWxfYWRtaW5fZXhhbXBsZUBvdXRsb29rLmNvbSBlbWFpbF9hY2NvdW50X2V4YW1wbGVAb3V0bG9vay5jb20="
    )
    assert parse_binding_id(docs_id) == (
        "email_admin_example@outlook.com",
        "email_account_example@outlook.com",
    )
    for invalid in ("", "not base64!", "YWJj", binding_id_for("a@b.c", "x y@b.c")):
        assert parse_binding_id(invalid) is None


def test_status_moves_through_the_stages_to_the_decided_end() -> None:
    binding = StoredBinding("id", "a@b.c", "x@b.c", "ou_1", created_at=100.0, final="done")
    seen = [binding.status(100.0 + t, sync_seconds=3.0) for t in (0, 0.99, 1.0, 2.5, 3.0, 99)]
    assert seen == ["doing", "doing", "cal_done", "timespan_done", "done", "done"]
    failing = StoredBinding("id", "a@b.c", "x@b.c", "ou_1", created_at=100.0, final="err")
    assert failing.status(102.9, sync_seconds=3.0) == "timespan_done"
    assert failing.status(103.0, sync_seconds=3.0) == "err"
    assert failing.status(100.0, sync_seconds=0) == "err"


def test_an_unreadable_state_file_stops_the_sandbox_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"bindings": "nope"}', encoding="utf-8")
    with pytest.raises(ScenarioError, match="move it aside"):
        BindingStore(path)
    assert len(BindingStore(tmp_path / "new.json")) == 0


# -- the rate limiter, exactly ------------------------------------------------------------------


def limiter(clock: FakeClock, **settings: object) -> RateLimiter:
    return RateLimiter(Limits(**settings), clock)  # type: ignore[arg-type]


def test_per_second_windows_are_fixed_one_second_windows() -> None:
    clock = FakeClock(10.2)
    rl = limiter(clock, per_second=3)
    assert [rl.check("create").allowed for _ in range(3)] == [True, True, True]
    assert rl.check("create") == Verdict(False, limit=3, reset_s=1)
    clock.now = 10.999
    assert not rl.check("create").allowed
    clock.now = 11.0  # a new window: the full cap again, however recent the last ones were
    assert [rl.check("create").allowed for _ in range(4)] == [True, True, True, False]


def test_budgets_are_per_endpoint() -> None:
    rl = limiter(FakeClock(), per_second=1)
    assert rl.check("create").allowed
    assert not rl.check("create").allowed
    assert rl.check("get").allowed
    assert rl.check("delete").allowed


def test_the_sliding_minute_counts_the_last_60_seconds() -> None:
    clock = FakeClock(0.0)
    rl = limiter(clock, per_second=100, per_minute=5)
    for t in (0, 10, 20, 30, 40):
        clock.now = t
        assert rl.check("create").allowed
    clock.now = 50
    assert rl.check("create") == Verdict(False, limit=5, reset_s=10)  # t=0 leaves at 60
    clock.now = 60
    assert rl.check("create").allowed  # t=0 has left the window
    clock.now = 61
    assert rl.check("create") == Verdict(False, limit=5, reset_s=9)  # t=10 leaves at 70


def test_the_fixed_minute_starts_over_at_each_minute() -> None:
    clock = FakeClock(0.0)
    rl = limiter(clock, per_second=100, per_minute=5, minute_window="fixed")
    for t in (0, 10, 20, 30, 40):
        clock.now = t
        assert rl.check("create").allowed
    clock.now = 50.5
    assert rl.check("create") == Verdict(False, limit=5, reset_s=10)
    clock.now = 61
    assert [rl.check("create").allowed for _ in range(6)] == [True] * 5 + [False]
    assert rl.check("create").reset_s == 59


def test_refused_requests_count_only_when_the_scenario_says_so() -> None:
    for count_refused, allowed_later in ((False, True), (True, False)):
        clock = FakeClock(0.0)
        rl = limiter(clock, per_second=2, per_minute=3, count_refused=count_refused)
        assert [rl.check("create").allowed for _ in range(3)] == [True, True, False]
        clock.now = 1.0
        assert rl.check("create").allowed is allowed_later
    # Counted refusals keep a hammering client out: the window never empties while it hammers.
    assert rl.check("create") == Verdict(False, limit=3, reset_s=59)


def test_the_longest_wait_is_the_one_reported() -> None:
    clock = FakeClock(0.5)
    rl = limiter(clock, per_second=1, per_minute=1, minute_window="fixed")
    assert rl.check("create").allowed
    clock.now = 0.7
    assert rl.check("create") == Verdict(False, limit=1, reset_s=60)


def test_the_schedule_lowers_and_restores_caps_after_the_first_request() -> None:
    clock = FakeClock(100.0)
    steps = (LimitStep(after_s=30, per_minute=3), LimitStep(after_s=90))
    rl = limiter(clock, per_second=50, per_minute=1000, schedule=steps)
    assert rl.caps() == (50, 1000)
    assert rl.check("create").allowed  # the first request starts the schedule's clock
    clock.now = 129.9
    assert rl.caps() == (50, 1000)
    clock.now = 131.0
    assert rl.caps() == (50, 3)
    assert [rl.check("create").allowed for _ in range(3)] == [True, True, False]
    assert rl.check("create") == Verdict(False, limit=3, reset_s=29)  # t=100 leaves at 160
    clock.now = 191.0
    assert rl.caps() == (50, 1000)
    assert rl.check("create").allowed


# -- faults ---------------------------------------------------------------------------------------


def test_targeted_fault_rules_fire_the_given_number_of_times() -> None:
    rules = (FaultRule("Row@Corp.example", "drop", times=2),)
    plan = FaultPlan(Faults(rules=rules), Dice(0))
    picks = [plan.pick("create", "row@corp.example") for _ in range(3)]
    assert picks == ["drop", "drop", None]
    assert plan.pick("create", "other@corp.example") is None


def test_probabilistic_faults_are_reproducible_by_seed_and_only_on_listed_endpoints() -> None:
    faults = Faults(error_500=0.3, drop=0.2, gateway_502=0.1, drop_after_store=0.1)
    accounts = [f"user{i}@corp.example" for i in range(300)]

    def picks(seed: int) -> list[str | None]:
        plan = FaultPlan(faults, Dice(seed))
        return [plan.pick("create", a) for a in accounts]

    first = picks(1)
    assert first == picks(1)
    assert first != picks(2)
    assert {p for p in first} == {None, "error_500", "drop", "gateway_502", "drop_after_store"}
    assert 0.2 < first.count(None) / len(first) < 0.5
    assert FaultPlan(faults, Dice(1)).pick("get", accounts[0]) is None
