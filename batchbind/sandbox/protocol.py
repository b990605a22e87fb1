"""The shapes every emulated endpoint shares: routes, calls, answers and Feishu's envelopes.

An endpoint is a `Route` in a table: its method and path, the budget key it spends (also its
name in the request log), the token it needs, a handler that turns a `Call` into an `Answer`, and
a `describe` that fills the request log's subject fields before anything else happens (so even a
throttled or dropped request is logged with the accounts it was about). Adding an endpoint (OAuth
token, tenant token, user lookup) is one more module that returns more routes.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

from batchbind.sandbox.requestlog import RequestRecord

JSONObject = dict[str, Any]
Auth = Literal["user", "tenant"] | None  # "tenant": an app-level token (contact API)


@dataclass(slots=True)
class Answer:
    status: int
    body: JSONObject | str
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @property
    def code(self) -> int | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("code"), int):
            return int(self.body["code"])
        return None


def success(data: JSONObject) -> Answer:
    return Answer(200, {"code": 0, "msg": "success", "data": data})


def failure(status: int, code: int, msg: str) -> Answer:
    """A Feishu business error: a non-2xx status with a JSON body (the log id is added on send)."""
    return Answer(status, {"code": code, "msg": msg})


@dataclass(slots=True)
class Call:
    """One API request as the handlers see it: decoded path parameters, query, raw body."""

    method: str
    params: dict[str, str]
    query: Mapping[str, str]
    body: bytes | None  # None: the body could not be read (e.g. too large)
    record: RequestRecord
    _json: Any = None
    _parsed: bool = False

    def json_object(self) -> JSONObject | None:
        """The body as a JSON object, or None when it is missing, not JSON, or not an object."""
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body) if self.body else None
            except (ValueError, UnicodeDecodeError):
                self._json = None
        return self._json if isinstance(self._json, dict) else None


# A handler may be a coroutine (a Sheets write takes time: one writer at a time per document).
Handler = Callable[[Call], Answer | Awaitable[Answer]]
Describe = Callable[[Call], None]


def _nothing(call: Call) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # "/open-apis/.../{name}": a `{name}` segment captures one decoded path segment
    endpoint: str
    handler: Handler
    describe: Describe = _nothing
    auth: Auth = "user"

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """The decoded parameters if the raw path `segments` fit this route, else None.

        Matching runs on the raw (still percent-encoded) segments and decodes each captured one
        afterwards, so an id holding an encoded `/` stays one segment.
        """
        pattern = self.path.split("/")
        if len(pattern) != len(segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(pattern, segments, strict=True):
            if want.startswith("{") and want.endswith("}"):
                params[want[1:-1]] = unquote(got, errors="replace")
            elif want != got:
                return None
        return params


TROUBLESHOOTER = "https://open.feishu.cn/search?from=openapi&log_id={log_id}&code={code}"


def error_details(code: int, log_id: str) -> JSONObject:
    """The `error` object Feishu adds to failed answers: what support asks for, and a link."""
    return {"log_id": log_id, "troubleshooter": TROUBLESHOOTER.format(log_id=log_id, code=code)}


GATEWAY_502_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
