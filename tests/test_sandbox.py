"""The sandbox over real HTTP on loopback: protocol, tenant rules, faults, limits, state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from batchbind.sandbox import SANDBOX_TOKEN, SandboxServer, Scenario, binding_id_for
from batchbind.sandbox.scenario import (
    Conflict,
    FaultRule,
    Faults,
    Limits,
    Recreate,
    Sync,
    Tenant,
)

PATH = "/open-apis/calendar/v4/exchange_bindings"
AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
ADMIN = "admin@corp.example"
# An Exchange account whose binding id holds all three characters that need encoding in a path.
AWKWARD = "a~xy?@corp.example"

Start = Callable[..., SandboxServer]


@pytest.fixture
def start() -> Iterator[Start]:
    servers: list[SandboxServer] = []

    def _start(scenario: Scenario | None = None, **options: Any) -> SandboxServer:
        server = SandboxServer(scenario, **options)
        server.start()
        servers.append(server)
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(start: Start) -> SandboxServer:
    return start(Scenario(sync=Sync(seconds=0)))


def client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers=AUTH, timeout=5)


def create(
    http: httpx.Client,
    exchange: str = "alice@corp.example",
    user: str = "ou_alice",
    admin: str = ADMIN,
    id_type: str = "open_id",
) -> httpx.Response:
    body = {"admin_account": admin, "exchange_account": exchange, "user_id": user}
    return http.post(PATH, params={"user_id_type": id_type}, json=body)


def by_id(binding_id: str) -> str:
    return f"{PATH}/{quote(binding_id, safe='')}"


def assert_error(response: httpx.Response, status: int, code: int) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    error = response.json()["error"]
    assert error["log_id"] == response.headers["x-tt-logid"]
    assert error["troubleshooter"].startswith("https://open.feishu.cn/search?")


# -- the protocol ---------------------------------------------------------------------------------


def test_create_get_delete_round_trip_with_an_id_needing_encoding(sandbox: SandboxServer) -> None:
    expected_id = binding_id_for(ADMIN, AWKWARD)
    assert {"/", "+", "="} <= set(expected_id)
    with client(sandbox) as http:
        created = create(http, AWKWARD)
        assert created.status_code == 200
        assert created.json() == {
            "code": 0,
            "msg": "success",
            "data": {
                "admin_account": ADMIN,
                "exchange_account": AWKWARD,
                "user_id": "ou_alice",
                "status": "doing",
                "exchange_binding_id": expected_id,
            },
        }
        got = http.get(by_id(expected_id), params={"user_id_type": "open_id"})
        assert got.status_code == 200
        assert got.json()["data"] == {**created.json()["data"], "status": "done"}
        deleted = http.delete(by_id(expected_id))
        assert (deleted.status_code, deleted.json()) == (
            200,
            {"code": 0, "msg": "success", "data": {}},
        )
        assert_error(http.get(by_id(expected_id)), 404, 195103)
    assert sandbox.bindings() == []


def test_unbind_refuses_unknown_and_invalid_ids(sandbox: SandboxServer) -> None:
    with client(sandbox) as http:
        assert_error(http.delete(by_id(binding_id_for(ADMIN, "nobody@corp.example"))), 404, 195103)
        assert_error(http.delete(by_id("not base64/at all")), 400, 195102)
        assert_error(http.get(by_id("YWJj")), 400, 195102)


def test_user_id_types_and_malformed_requests(sandbox: SandboxServer) -> None:
    with client(sandbox) as http:
        assert create(http, "u1@corp.example", "on_1", id_type="union_id").json()["code"] == 0
        assert create(http, "u2@corp.example", "E1024", id_type="user_id").json()["code"] == 0
        assert_error(create(http, "u3@corp.example", "on_1", id_type="open_id"), 400, 190002)
        assert_error(create(http, "u4@corp.example", "ou_1", id_type="union_id"), 400, 190002)
        assert_error(create(http, "u5@corp.example", "ou_1", id_type="email"), 400, 190002)
        assert_error(create(http, "not-an-email", "ou_1"), 400, 190002)
        assert_error(create(http, "x" * 490 + "@corp.example"), 400, 190002)
        assert_error(http.post(PATH, json={"admin_account": ADMIN, "user_id": "ou_1"}), 400, 190002)
        assert_error(http.post(PATH, content=b"\xff not json"), 400, 190002)
        assert_error(http.post(PATH, json=["a list"]), 400, 190002)
        assert_error(http.post(PATH, content=b"x" * (2 * 1024 * 1024)), 400, 190002)
        assert_error(http.get("/open-apis/nothing/here"), 404, 404)
        assert_error(http.put(PATH + "/abc"), 405, 405)
        # The server is still well after all that.
        assert create(http).json()["code"] == 0


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 400, 99991661),
        ({"Authorization": "Basic dTpw"}, 400, 99991671),
        ({"Authorization": "Bearer u-nobody"}, 400, 99991668),
        ({"Authorization": "Bearer u-bad"}, 400, 99991668),
        ({"Authorization": "Bearer u-old"}, 400, 99991677),
        ({"Authorization": "Bearer u-clerk"}, 403, 195101),
    ],
)
def test_only_the_super_administrators_token_is_accepted(
    start: Start, headers: dict[str, str], status: int, code: int
) -> None:
    tokens = {
        SANDBOX_TOKEN: "super_admin",
        "u-bad": "invalid",
        "u-old": "expired",
        "u-clerk": "user",
    }
    server = start(Scenario(tokens=tokens))
    body = {"admin_account": ADMIN, "exchange_account": "a@corp.example", "user_id": "ou_a"}
    with httpx.Client(base_url=server.base_url) as http:
        assert_error(http.post(PATH, json=body, headers=headers), status, code)
        assert_error(
            http.get(by_id(binding_id_for(ADMIN, "a@corp.example")), headers=headers), status, code
        )
    assert server.bindings() == []


TENANT = Tenant(
    admin_accounts=("admin@corp.example", "ghost@corp.example", "abroad@corp.example"),
    unknown_admin_accounts=("Ghost@Corp.example",),
    foreign_admin_accounts=("abroad@corp.example",),
    broken_admin_accounts=("Broken@corp.example",),
    users=("ou_alice", "ou_left"),
    missing_users=("ou_left",),
)


@pytest.mark.parametrize(
    ("admin", "user", "status", "code"),
    [
        ("ADMIN@corp.example", "ou_alice", 200, 0),
        ("ghost@corp.example", "ou_alice", 404, 195106),
        ("other@corp.example", "ou_alice", 404, 195106),
        ("not an address", "ou_alice", 404, 195106),
        ("ABROAD@corp.example", "ou_alice", 403, 195104),
        ("broken@CORP.example", "ou_alice", 403, 195105),
        (ADMIN, "ou_left", 404, 195100),
        (ADMIN, "ou_stranger", 404, 195100),
    ],
)
def test_tenant_rules(start: Start, admin: str, user: str, status: int, code: int) -> None:
    server = start(Scenario(tenant=TENANT))
    with client(server) as http:
        response = create(http, "alice@corp.example", user, admin)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert len(server.bindings()) == (1 if code == 0 else 0)


def test_recreating_the_same_binding_answers_success_with_the_same_id(
    sandbox: SandboxServer,
) -> None:
    with client(sandbox) as http:
        first = create(http, "alice@corp.example").json()["data"]
        again = create(http, "ALICE@corp.example", admin="Admin@corp.example")
        assert again.status_code == 200
        assert again.json()["data"]["exchange_binding_id"] == first["exchange_binding_id"]
        assert_error(create(http, "alice@corp.example", "ou_bob"), 400, 190002)
        assert_error(create(http, "alice@corp.example", admin="other@corp.example"), 400, 190002)
    assert len(sandbox.bindings()) == 1


def test_recreate_error_and_conflict_answers_come_from_the_scenario(start: Start) -> None:
    scenario = Scenario(
        recreate=Recreate(answer="error", http=409, code=195000, msg="already there"),
        conflict=Conflict(http=403, code=195001, msg="taken"),
    )
    server = start(scenario)
    with client(server) as http:
        assert create(http).status_code == 200
        again = create(http)
        assert_error(again, 409, 195000)
        assert again.json()["msg"] == "already there"
        other = create(http, user="ou_bob")
        assert_error(other, 403, 195001)
        assert other.json()["msg"] == "taken"
    assert [b["user_id"] for b in server.bindings()] == ["ou_alice"]


def test_status_progresses_to_done_or_err(start: Start) -> None:
    server = start(Scenario(sync=Sync(seconds=0.3, err_accounts=("Bad@corp.example",))))
    order = ["doing", "cal_done", "timespan_done"]
    with client(server) as http:
        ids = {
            account: create(http, account).json()["data"]["exchange_binding_id"]
            for account in ("good@corp.example", "bad@corp.example")
        }
        seen: dict[str, list[str]] = {account: [] for account in ids}
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not all(
            s[-1:] in (["done"], ["err"]) for s in seen.values()
        ):
            for account, binding_id in ids.items():
                seen[account].append(http.get(by_id(binding_id)).json()["data"]["status"])
            time.sleep(0.02)
    for account, final in (("good@corp.example", "done"), ("bad@corp.example", "err")):
        statuses = seen[account]
        assert statuses[-1] == final
        progress = [[*order, final].index(s) for s in statuses]
        assert progress == sorted(progress)  # never goes backwards, and stays final


# -- faults ---------------------------------------------------------------------------------------


def faulty(start: Start, fault: str, **options: Any) -> SandboxServer:
    rules = (FaultRule("alice@corp.example", fault),)
    return start(Scenario(sync=Sync(seconds=0), faults=Faults(rules=rules)), **options)


@pytest.mark.parametrize("fault", ["drop", "drop_after_store"])
def test_dropped_connections_are_transport_errors(start: Start, fault: str) -> None:
    server = faulty(start, fault)
    with client(server) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            create(http)
        stored = len(server.bindings()) == 1
        assert stored is (fault == "drop_after_store")
        # The rule fired once; the retry answers (the same binding, if it was stored).
        retry = create(http)
        assert retry.status_code == 200
    assert len(server.bindings()) == 1
    first = server.requests()[0]
    assert (first["fault"], first["http_status"], first["exchange_account"]) == (
        fault,
        None,
        "alice@corp.example",
    )
    assert first["code"] == (0 if stored else None)


def test_a_500_fault_answers_190003_and_stores_nothing(start: Start) -> None:
    server = faulty(start, "error_500")
    with client(server) as http:
        assert_error(create(http), 500, 190003)
    assert server.bindings() == []
    assert server.requests()[0]["fault"] == "error_500"


def test_a_gateway_502_fault_answers_an_html_page(start: Start) -> None:
    server = faulty(start, "gateway_502")
    with client(server) as http:
        response = create(http)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "x-tt-logid" in response.headers
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert server.bindings() == []


def test_faults_apply_to_other_endpoints_when_listed(start: Start) -> None:
    faults = Faults(error_500=1.0, endpoints=("delete",))
    server = start(Scenario(faults=faults))
    with client(server) as http:
        binding_id = create(http).json()["data"]["exchange_binding_id"]
        assert http.get(by_id(binding_id)).status_code == 200
        assert_error(http.delete(by_id(binding_id)), 500, 190003)
    assert len(server.bindings()) == 1


# -- rate limits ----------------------------------------------------------------------------------


def test_a_spent_budget_answers_429_with_the_reset_headers(start: Start) -> None:
    server = start(Scenario(limits=Limits(per_minute=2)))
    with client(server) as http:
        assert [create(http, f"u{i}@corp.example").status_code for i in range(2)] == [200, 200]
        throttled = create(http, "u2@corp.example")
        assert_error(throttled, 429, 99991400)
        assert throttled.headers["x-ogw-ratelimit-limit"] == "2"
        assert 1 <= int(throttled.headers["x-ogw-ratelimit-reset"]) <= 60
        binding_id = binding_id_for(ADMIN, "u0@corp.example")
        assert http.get(by_id(binding_id)).status_code == 200  # another endpoint, another budget
    assert len(server.bindings()) == 2
    log = server.requests()
    assert [r["throttled"] for r in log] == [False, False, True, False]
    assert log[2]["exchange_account"] == "u2@corp.example"


def test_throttle_code_and_headers_follow_the_scenario(start: Start) -> None:
    limits = Limits(per_minute=1, throttle_code=190005, throttle_headers=False)
    server = start(Scenario(limits=limits))
    with client(server) as http:
        create(http, "u0@corp.example")
        throttled = create(http, "u1@corp.example")
    assert_error(throttled, 429, 190005)
    assert "x-ogw-ratelimit-reset" not in throttled.headers


# -- diagnostics, admin endpoints, the request log ------------------------------------------------


def test_every_answer_carries_a_unique_log_id(start: Start) -> None:
    limits = Limits(per_minute=3)
    faults = Faults(rules=(FaultRule("gw@corp.example", "gateway_502"),))
    server = start(Scenario(limits=limits, faults=faults))
    with client(server) as http:
        responses = [
            create(http),
            create(http, "gw@corp.example"),
            http.post(PATH, content=b"{"),
            create(http),  # throttled
            http.get("/nowhere"),
            http.get("/_sandbox/info"),
            http.get("/_sandbox/bindings"),
            http.get("/_sandbox/requests"),
            http.get("/_sandbox/nothing"),
        ]
    assert [r.status_code for r in responses] == [200, 502, 400, 429, 404, 200, 200, 200, 404]
    log_ids = [r.headers["x-tt-logid"] for r in responses]
    assert len(set(log_ids)) == len(log_ids)


def test_admin_endpoints_and_the_request_log_file(start: Start, tmp_path: Path) -> None:
    scenario = Scenario(seed=5)
    log_path = tmp_path / "logs" / "requests.jsonl"
    server = start(scenario, request_log=log_path)
    with client(server) as http:
        create(http)
        http.get(by_id("YWJj"))
        info = http.get("/_sandbox/info").json()
        assert info == {
            "name": "batchbind-sandbox",
            "token": SANDBOX_TOKEN,
            "scenario": scenario.digest(),
        }
        assert http.get("/_sandbox/bindings").json()["bindings"] == server.bindings()
        assert http.get("/_sandbox/requests").json()["requests"] == server.requests()
    log = server.requests()
    assert [(r["method"], r["endpoint"], r["code"]) for r in log] == [
        ("POST", "create", 0),
        ("GET", "get", 195102),
    ]
    assert log[0]["binding_id"] == binding_id_for(ADMIN, "alice@corp.example")
    assert log[0]["t"] <= log[1]["t"]
    server.stop()
    lines = log_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == log


def test_state_persists_across_restarts(start: Start, tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    first = start(Scenario(sync=Sync(seconds=0)), state_file=state)
    with client(first) as http:
        binding_id = create(http, AWKWARD).json()["data"]["exchange_binding_id"]
        # Saved while running (debounced), not only at the end.
        deadline = time.monotonic() + 3
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert binding_id in state.read_text(encoding="utf-8")
    first.stop()

    second = start(Scenario(sync=Sync(seconds=0)), state_file=state)
    with client(second) as http:
        assert http.get(by_id(binding_id)).json()["data"]["status"] == "done"
        assert http.delete(by_id(binding_id)).status_code == 200
    second.stop()
    assert json.loads(state.read_text(encoding="utf-8"))["bindings"] == []
    assert start(state_file=state).bindings() == []


def test_post_shutdown_stops_the_server(start: Start) -> None:
    server = start()
    with client(server) as http:  # it sends the sandbox's token
        assert http.post("/_sandbox/shutdown").json() == {"shutting_down": True}
    deadline = time.monotonic() + 5
    refused = False
    while not refused and time.monotonic() < deadline:
        try:
            httpx.get(server.base_url + "/_sandbox/info", timeout=1)
            time.sleep(0.02)
        except httpx.ConnectError:
            refused = True
    assert refused
    server.stop()  # still fine after the server stopped itself


def test_shutdown_needs_the_sandboxs_token(start: Start) -> None:
    server = start(Scenario(tokens={"u-other": "user", SANDBOX_TOKEN: "super_admin"}))
    # A web page can post to loopback without a preflight, but cannot add an Authorization header.
    for headers in ({}, {"Authorization": "Bearer u-other"}, {"Authorization": "u-sandbox"}):
        refused = httpx.post(server.base_url + "/_sandbox/shutdown", headers=headers, timeout=5)
        assert refused.status_code == 401, refused.text
        assert "shutting_down" not in refused.text
    time.sleep(0.2)
    assert httpx.get(server.base_url + "/_sandbox/info", timeout=5).status_code == 200
    with client(server) as http:
        assert http.post("/_sandbox/shutdown").json() == {"shutting_down": True}


@pytest.mark.parametrize(
    "host",
    ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}", "127.0.0.1:1",
     "localhost.:{port}", ""],
)  # fmt: skip
def test_only_loopback_host_names_are_served(start: Start, host: str) -> None:
    """A page on another site that rebinds its name to 127.0.0.1 reaches the sandbox with its
    own name in `Host`: it must not read the bindings, the request log or the token."""
    server = start(Scenario(sync=Sync(seconds=0)))
    port = server.base_url.rsplit(":", 1)[1]
    with client(server) as http:
        assert create(http).status_code == 200
    for path in ("/_sandbox/bindings", "/_sandbox/info", "/_sandbox/requests", PATH):
        answer = httpx.get(
            server.base_url + path, headers={**AUTH, "Host": host.format(port=port)}, timeout=5
        )
        assert answer.status_code == 421, (path, answer.text)
        assert "alice" not in answer.text and SANDBOX_TOKEN not in answer.text
    refused = httpx.post(
        server.base_url + "/_sandbox/shutdown",
        headers={**AUTH, "Host": host.format(port=port)},
        timeout=5,
    )
    assert refused.status_code == 421
    for name in ("127.0.0.1", "localhost", "LOCALHOST"):
        fine = httpx.get(
            server.base_url + "/_sandbox/bindings", headers={"Host": f"{name}:{port}"}, timeout=5
        )
        assert fine.status_code == 200 and "alice" in fine.text


def test_a_sandbox_on_ipv6_loopback_serves_its_own_name(start: Start) -> None:
    try:
        server = start(host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    assert server.base_url.startswith("http://[::1]:")
    assert httpx.get(server.base_url + "/_sandbox/info", timeout=5).status_code == 200


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM semantics")
def test_serve_runs_in_the_foreground_until_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    code = (
        "import sys; from pathlib import Path; from batchbind.sandbox import serve\n"
        f"serve(None, host='127.0.0.1', port=0, state_file=Path({str(state)!r}), request_log=None,"
        " on_ready=lambda url: print(url, flush=True))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url, headers=AUTH) as http:
            assert create(http).status_code == 200
        os.kill(process.pid, signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert len(json.loads(state.read_text(encoding="utf-8"))["bindings"]) == 1
