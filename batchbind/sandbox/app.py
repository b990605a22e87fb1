"""The emulator as an aiohttp application: one dispatcher in front of every endpoint.

Every API request goes through the same steps, in the order a real gateway applies them:
describe it for the log, spend the endpoint's rate budget (a throttled request is not processed),
wait the scenario's latency, meet a fault or not, check the token, run the handler, and log the
outcome. Routing is done here on the raw path rather than by aiohttp's router, so that ids with
encoded `/`, `+` and `=` are decoded exactly once and unknown paths still get a JSON answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from batchbind.sandbox.bindings import BindingEndpoints
from batchbind.sandbox.bitable import BitableEndpoints
from batchbind.sandbox.bots import BotEndpoints
from batchbind.sandbox.chaos import Delays, Dice, FaultPlan, LogIds
from batchbind.sandbox.contact import ContactEndpoints
from batchbind.sandbox.limits import RateLimiter, Verdict
from batchbind.sandbox.oauth import OAuthEndpoints
from batchbind.sandbox.owner import is_challenge, proof
from batchbind.sandbox.protocol import (
    GATEWAY_502_PAGE,
    Answer,
    Call,
    Route,
    error_details,
    failure,
)
from batchbind.sandbox.requestlog import RequestLog, RequestRecord, as_dict
from batchbind.sandbox.scenario import SANDBOX_TOKEN, Scenario
from batchbind.sandbox.sheets import SheetsEndpoints
from batchbind.sandbox.state import BindingStore, write_state
from batchbind.sandbox.wiki import WikiEndpoints

logger = logging.getLogger("batchbind.sandbox")

NAME = "batchbind-sandbox"
# A Sheets write of 5,000 rows of results (issue 14) is a few megabytes; still a bound.
MAX_BODY = 16 * 1024 * 1024
SAVE_INTERVAL_S = 0.5

_TOKEN_ANSWERS = {
    None: failure(400, 99991661, "Missing access token for authorization."),
    "format": failure(400, 99991671, "Invalid access token format: use 'Bearer <token>'."),
    "invalid": failure(400, 99991668, "Invalid access token for authorization."),
    "expired": failure(400, 99991677, "The user access token has expired."),
    "user": failure(403, 195101, "caller is not the super administrator of the tenant"),
    # Run-wide answers, one role each (the HTTP statuses of the last three are not documented).
    "wrong_unit": failure(403, 190006, "wrong unit for app tenant"),
    "no_bot": failure(404, 190007, "app bot_id not found"),
    "quota": failure(403, 99991403, "the app's monthly API call quota is used up"),
    "no_scope": failure(403, 99991672, "Access denied: the app lacks the required scope."),
    "no_grant": failure(403, 99991679, "Unauthorized: the user has not granted the scope."),
}

#: The scopes Feishu's binding page names per call; any one of them will do.
SHEETS_READ = (
    "sheets:spreadsheet",
    "sheets:spreadsheet:readonly",
    "drive:drive",
    "drive:drive:readonly",
)
_CALL_SCOPES = {
    "create": (
        "calendar:exchange.bindings:create",
        "calendar:calendar",
        "calendar:calendar:readonly",
    ),
    "get": ("calendar:exchange.bindings:read", "calendar:calendar:readonly"),
    "delete": ("calendar:exchange.bindings:delete", "calendar:calendar"),
    # The team's tracker as a Sheet (issue 14): the scopes the Sheets pages list.
    "sheets.query": SHEETS_READ,
    "sheets.meta": SHEETS_READ,
    "sheets.read": SHEETS_READ,
    "sheets.write": ("sheets:spreadsheet", "drive:drive"),
}


class Emulator:
    """The state and behaviour of one sandbox; `web_app()` serves it."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        state_file: Path | None = None,
        request_log: Path | None = None,
        wall_clock: Callable[[], float] = time.time,
        owner_key: bytes | None = None,
    ) -> None:
        self.scenario = scenario
        # The key of the user it belongs to: it answers identity challenges with it (owner.py).
        self._owner_key = owner_key
        self._store = BindingStore(state_file)
        self._log = RequestLog(request_log)
        self._limiter = RateLimiter(scenario.limits)
        dice = Dice(scenario.seed)
        self._faults = FaultPlan(scenario.faults, dice)
        self._delays = Delays(scenario.latency, scenario.seed)
        self._log_ids = LogIds(scenario.seed)
        self._bindings = BindingEndpoints(scenario, self._store, dice, wall_clock)
        self._wall_clock = wall_clock
        self.routes: list[Route] = self._bindings.routes()
        self._contact = ContactEndpoints(scenario)
        self.routes += self._contact.routes()
        self._oauth = OAuthEndpoints(scenario)
        self.routes += self._oauth.routes()
        self._bots = BotEndpoints(scenario, wall_clock)
        self.routes += self._bots.routes()
        # The team's tracker as a Bitable, or on a Wiki page (issue 14).
        self._bitables = BitableEndpoints(scenario, state_file)
        self.routes += self._bitables.routes()
        self.routes += WikiEndpoints(scenario).routes()
        # The team's tracker (issue 14): documents with their own state file beside the bindings'.
        self._sheets = SheetsEndpoints(scenario, state_file)
        self.routes += self._sheets.routes()
        self._started = time.monotonic()
        self._save_interval = SAVE_INTERVAL_S
        self.shutdown_requested: asyncio.Event | None = None
        self._closing: asyncio.Event | None = None
        self._persister: asyncio.Task[None] | None = None
        self._hosts: frozenset[str] = frozenset()
        self._port = 0
        # For the idle timer: when the last request ended, and how many are being answered.
        self._last_used = time.monotonic()
        self._in_flight = 0
        # Answers held by a `hold_after_store` rule, each with the event that releases it.
        self._held: list[tuple[RequestRecord, asyncio.Event]] = []

    # -- lifecycle (inside the serving event loop) -----------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def open(self) -> None:
        self.shutdown_requested = asyncio.Event()
        self._closing = asyncio.Event()
        self._started = self._last_used = time.monotonic()
        documents = (self._sheets.path, self._bitables.path)
        if self._store.path is not None or any(p is not None for p in documents):
            self._persister = asyncio.create_task(self._persist_until_closed())

    def listening(self, host: str, port: int) -> None:
        """Serve only requests addressed to this sandbox by a loopback name, with its port.

        A web page on another site can rebind its own name to 127.0.0.1 (DNS rebinding) and then
        read answers from here; its requests still carry its own name in `Host`, so they are
        turned away (421) before anything is read or done.
        """
        names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
        self._port = port
        self._hosts = frozenset(f"{name}:{port}".lower() for name in names)

    def release(self) -> int:
        """Let every held answer go (to a client that is usually gone by then)."""
        held, self._held = self._held, []
        for _record, event in held:
            event.set()
        return len(held)

    async def close(self) -> None:
        """Stop persisting (after one last save of anything unsaved) and close the log."""
        self.release()
        if self._closing is not None:
            self._closing.set()
        if self._persister is not None:
            await self._persister
            self._persister = None
        self._log.close()

    # -- what tests and the admin endpoints read -------------------------------------------------

    def requests(self) -> list[dict[str, Any]]:
        return self._log.as_dicts()

    def bindings(self) -> list[dict[str, Any]]:
        now, seconds = self._wall_clock(), self.scenario.sync.seconds
        return [
            {**b.data(b.status(now, seconds)), "created_at": b.created_at}
            for b in self._store.snapshot()
        ]

    def held(self) -> list[dict[str, Any]]:
        """The requests whose answers are held now (carried out, not answered yet)."""
        return [as_dict(record) for record, _event in self._held]

    def idle_s(self) -> float:
        """Seconds since the last request ended; 0 while one is being answered (or held)."""
        if self._in_flight:
            return 0.0
        return time.monotonic() - self._last_used

    def info(self) -> dict[str, str]:
        admins = [t for t, role in self.scenario.tokens.items() if role == "super_admin"]
        token = SANDBOX_TOKEN if SANDBOX_TOKEN in admins or not admins else admins[0]
        return {"name": NAME, "token": token, "scenario": self.scenario.digest()}

    # -- serving ---------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        log_id = self._log_ids.next()
        self._in_flight += 1
        try:
            return await self._handle(request, log_id)
        except Exception:  # the sandbox answers every request, whatever it holds
            logger.exception("sandbox: unexpected error on %s %s", request.method, request.path)
            return _render(failure(500, 190003, "internal service error"), log_id)
        finally:
            self._in_flight -= 1
            self._last_used = time.monotonic()

    async def _handle(self, request: web.Request, log_id: str) -> web.StreamResponse:
        if request.headers.get("Host", "").lower() not in self._hosts:
            host = request.headers.get("Host", "")
            return _render(failure(421, 421, f"this sandbox does not serve {host!r}"), log_id)
        path = request.raw_path.partition("?")[0]
        if path.startswith("/_sandbox/"):
            return _render(self._admin(request, path), log_id)
        record = RequestRecord(
            t=round(time.monotonic() - self._started, 6), method=request.method, endpoint="other"
        )
        record.log_id = log_id
        found = self._route(request.method, path)
        if isinstance(found, Answer):
            return self._finish(record, found, log_id)
        route, params = found
        record.endpoint = route.endpoint
        record.token = self._token_seen(request)
        body = await _read_body(request)
        call = Call(request.method, params, request.query, body, record)
        route.describe(call)

        verdict = self._limiter.check(route.endpoint)
        delay = self._delays.next_s()
        if delay:
            await asyncio.sleep(delay)
        if not verdict.allowed:
            record.throttled = True
            return self._finish(record, self._throttled(verdict), log_id)

        fault = record.fault = self._faults.pick(route.endpoint, record.exchange_account)
        if fault == "drop":
            return self._drop(request, record)
        if fault == "error_500":
            return self._finish(record, failure(500, 190003, "internal service error"), log_id)
        if fault == "gateway_502":
            page = Answer(502, GATEWAY_502_PAGE, content_type="text/html")
            return self._finish(record, page, log_id)

        answer = self._authorize(request, route.endpoint) if route.auth == "user" else None
        if route.auth == "tenant":
            answer = self._contact.authorize(request.headers.get("Authorization", ""))
        if answer is None:
            answer = await _run_handler(route, call)
        if fault == "drop_after_store":
            record.code = answer.code
            return self._drop(request, record)
        if fault == "hold_after_store":
            # Logged now: the log shows it carried out while its answer is still held.
            record.http_status, record.code = answer.status, answer.code
            self._log.add(record)
            released = asyncio.Event()
            self._held.append((record, released))
            await released.wait()
            return _render(answer, log_id)
        if fault == "echo_authorization":
            answer, log_id = _echo_authorization(answer, log_id, request)
        return self._finish(record, answer, log_id)

    def _finish(self, record: RequestRecord, answer: Answer, log_id: str) -> web.Response:
        record.http_status, record.code = answer.status, answer.code
        self._log.add(record)
        return _render(answer, log_id)

    def _drop(self, request: web.Request, record: RequestRecord) -> web.Response:
        """Close the connection without a word: the client sees a transport error."""
        self._log.add(record)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=204)  # never written: the transport is gone

    def _route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | Answer:
        """The route and its decoded parameters, or the JSON answer to a path nobody serves."""
        segments = path.split("/")
        known_path = False
        for route in self.routes:
            params = route.match(segments)
            if params is None:
                continue
            if route.method == method:
                return route, params
            known_path = True
        if known_path:
            return failure(405, 405, f"method {method} is not allowed on {path}")
        return failure(404, 404, f"no such API in the sandbox: {method} {path}")

    def _token_seen(self, request: web.Request) -> str | None:
        """The bearer token for the request log: only one the sandbox knows is written as is."""
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        if token in self.scenario.tokens or self._oauth.issued(token):
            return token
        return "(unknown)"

    def _authorize(self, request: web.Request, endpoint: str) -> Answer | None:
        header = request.headers.get("Authorization", "").strip()
        if not header:
            return _TOKEN_ANSWERS[None]
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _TOKEN_ANSWERS["format"]
        token = token.strip()
        role = self._oauth.role(token) or self.scenario.tokens.get(token, "invalid")
        if role != "super_admin":
            return _TOKEN_ANSWERS[role]
        return self._lacks_scope(endpoint, token)

    def _lacks_scope(self, endpoint: str, token: str) -> Answer | None:
        """The refusal of a call whose scope the tenant's tokens lack (`[scopes]`), in the shape
        Feishu's message takes: the scopes that would do, in brackets."""
        takes = _CALL_SCOPES.get(endpoint, ())
        missing = self.scenario.scopes.missing
        if not any(scope in missing for scope in takes):
            return None
        if not self._oauth.scopes(token).isdisjoint(takes):  # its login asked for one
            return None
        code = self.scenario.scopes.code
        lead = (
            "Access denied." if code == 99991672 else "Unauthorized: the user has not granted it."
        )
        msg = f"{lead} One of the following scopes is required: [{', '.join(takes)}]."
        return failure(403, code, msg)

    def _throttled(self, verdict: Verdict) -> Answer:
        limits = self.scenario.limits
        answer = failure(429, limits.throttle_code, "request trigger frequency limit")
        if limits.throttle_headers:
            answer.headers["x-ogw-ratelimit-limit"] = str(verdict.limit)
            answer.headers["x-ogw-ratelimit-reset"] = str(verdict.reset_s)
        return answer

    def _admin(self, request: web.Request, path: str) -> Answer:
        method = request.method
        if method == "GET" and path == "/_sandbox/info":
            return Answer(200, dict(self.info()))
        if method == "GET" and path == "/_sandbox/identity":
            return self._identity(request.query.get("challenge", ""))
        if method == "GET" and path == "/_sandbox/bindings":
            return Answer(200, {"bindings": self.bindings()})
        if method == "GET" and path == "/_sandbox/requests":
            return Answer(200, {"requests": self.requests()})
        if method == "GET" and path == "/_sandbox/held":
            return Answer(200, {"held": self.held()})
        if method == "GET" and path == "/_sandbox/documents/bitables":
            return Answer(200, {"bitables": self._bitables.snapshot()})
        if method == "GET" and path == "/_sandbox/documents/sheets":
            return Answer(200, {"documents": self._sheets.snapshot()})
        if method == "GET" and path == "/_sandbox/messages":
            return Answer(200, {"messages": self._bots.received})
        if method == "POST" and path in ("/_sandbox/shutdown", "/_sandbox/release"):
            # A page in a browser may post here without asking first, but cannot add this header.
            wanted = f"Bearer {self.info()['token']}"
            if request.headers.get("Authorization", "").strip() != wanted:
                return failure(401, 99991661, f"{path} needs the sandbox's token")
            if path == "/_sandbox/release":
                return Answer(200, {"released": self.release()})
            if self.shutdown_requested is not None:
                self.shutdown_requested.set()
            return Answer(200, {"shutting_down": True})
        return failure(404, 404, f"no such sandbox endpoint: {method} {path}")

    def _identity(self, challenge: str) -> Answer:
        """Proof of the owner's key for this challenge and this port (never the key itself)."""
        if not is_challenge(challenge):
            return failure(400, 400, "challenge: 16 to 128 letters, digits, '-' or '_'")
        key = self._owner_key
        return Answer(
            200,
            {
                "name": NAME,
                "proof": None if key is None else proof(key, self._port, challenge),
                "scenario": self.scenario.digest(),
                "pid": os.getpid(),
            },
        )

    # -- persistence -----------------------------------------------------------------------------

    async def _persist_until_closed(self) -> None:
        assert self._closing is not None
        while not self._closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._save_interval)
            await self._save_if_dirty()

    async def _save_if_dirty(self) -> None:
        await self._bitables.save_if_dirty()
        await self._sheets.save_if_dirty()
        path = self._store.path
        if path is None or not self._store.dirty:
            return
        self._store.dirty = False
        snapshot = self._store.snapshot()
        started = time.monotonic()
        try:
            await asyncio.to_thread(write_state, path, snapshot)
        except OSError as exc:
            self._store.dirty = True
            logger.warning("sandbox: cannot save the state file %s: %s", path, exc)
        # Debounce harder when the file is big, so saving never eats the event loop's time.
        self._save_interval = max(SAVE_INTERVAL_S, 5 * (time.monotonic() - started))


def _echo_authorization(answer: Answer, log_id: str, request: web.Request) -> tuple[Answer, str]:
    """The answer as a careless proxy passes it on: the Authorization header in msg and log id."""
    echoed = request.headers.get("Authorization", "")
    body = answer.body
    if isinstance(body, dict):
        body = {**body, "msg": f"{body.get('msg', '')} (request had Authorization: {echoed})"}
    return Answer(answer.status, body, dict(answer.headers), answer.content_type), (
        f"{log_id} {echoed}"
    )


async def _run_handler(route: Route, call: Call) -> Answer:
    # A handler bug must still end in an answer and a log entry: the log has to be complete.
    try:
        answer = route.handler(call)
        if inspect.isawaitable(answer):
            return await answer
        return answer
    except Exception:
        logger.exception("sandbox: the %s handler failed", route.endpoint)
        return failure(500, 190003, "internal service error")


async def _read_body(request: web.Request) -> bytes | None:
    if not request.body_exists:
        return b""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None


def _render(answer: Answer, log_id: str) -> web.Response:
    # Spelled as Feishu sends it: the official SDK looks it up case-sensitively.
    headers = {"X-Tt-Logid": log_id, **answer.headers}
    body = answer.body
    if isinstance(body, str):
        return web.Response(
            text=body, status=answer.status, headers=headers, content_type=answer.content_type
        )
    code = answer.code
    if code not in (None, 0) and "error" not in body:
        body = {**body, "error": error_details(code, log_id)}
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        status=answer.status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )
