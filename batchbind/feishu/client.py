"""The HTTP calls to Feishu's binding endpoints, reduced to plain `Answer` records.

Nothing here raises for what Feishu or the network says: a refused row, a 429, a dropped
connection and an HTML page from a gateway are all answers, and `codes.classify` decides what they
mean. The token is sent in a header only and never appears in an answer, a log line or an error:
`_parse` is where every answer is read, and it scrubs what the server said (`msg`, the log id,
the data) of secrets before anything else sees it, since a proxy may echo the token back.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from batchbind.auth.redact import scrub_server_text, scrub_values
from batchbind.auth.scopes import MISSING_SCOPE, named_scopes
from batchbind.auth.tokens import CallableToken, TokenSource
from batchbind.errors import InputError
from batchbind.feishu.codes import Meaning, classify
from batchbind.feishu.network import (
    TRANSPORT_ERRORS,
    async_client,
    is_loopback,
    json_object,
    no_answer,
)
from batchbind.model import Binding
from batchbind.output import i18n

log = logging.getLogger(__name__)

DOMAINS = {"feishu": "https://open.feishu.cn", "lark": "https://open.larksuite.com"}
BINDINGS_PATH = "/open-apis/calendar/v4/exchange_bindings"
TENANT_TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
LOOKUP_PATH = "/open-apis/contact/v3/users/batch_get_id"
MESSAGES_PATH = "/open-apis/im/v1/messages"
IS_IN_CHAT_PATH = "/open-apis/im/v1/chats/{chat_id}/members/is_in_chat"


@dataclass(frozen=True, slots=True)
class Answer:
    """What one request got back, or why it got nothing."""

    http_status: int | None = None
    code: int | None = None
    msg: str = ""
    data: dict[str, Any] | None = None
    log_id: str = ""
    reset_after: float | None = None  # x-ogw-ratelimit-reset
    limit: float | None = None  # x-ogw-ratelimit-limit
    error: str = ""  # the transport problem, when there was no answer
    maybe_sent: bool = True  # False when the request certainly never reached the server
    tls_error: bool = False
    scopes: tuple[str, ...] = ()  # what a refusal for a missing scope names (99991672/99991679)

    @property
    def meaning(self) -> Meaning:
        return classify(self.http_status, self.code)

    @property
    def lost(self) -> bool:
        """The request may have reached Feishu but its answer never arrived (or was unreadable)."""
        return self.code is None and self.maybe_sent


def derived_binding_id(binding: Binding) -> str:
    """The id Feishu most likely gave this binding (an inference, never trusted alone).

    The official example id is base64 of "<admin_account> <exchange_account>". batchbind uses this
    only to ask Feishu about a binding whose create answer was lost, and believes the binding
    exists only if Feishu's answer for that id names the same Exchange account and user.
    """
    raw = f"{binding.admin_account} {binding.exchange_account}".encode()
    return base64.b64encode(raw).decode("ascii")


def resolve_base_url(base_url: str | None, domain: str = "feishu") -> str:
    """The origin to talk to: `--base-url`, else the `--domain`'s. https unless loopback."""
    if not base_url:
        if domain not in DOMAINS:
            raise InputError.of("unknown_domain", domain=repr(domain))
        return DOMAINS[domain]
    parts = urlsplit(base_url.strip())
    if "@" in parts.netloc:
        # A password in the URL would be stored with the journal and shown in messages; Feishu
        # takes no credentials there anyway. Say so without repeating it.
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise InputError.of("base_url_credentials", url=shown)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError.of("base_url_not_http", url=repr(base_url))
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InputError.of("base_url_plain_http", url=repr(base_url))
    return f"{parts.scheme}://{parts.netloc}"


def tenant_host(base_url: str) -> str:
    """The host:port that identifies a tenant's API origin in the journal and profiles."""
    return urlsplit(base_url).netloc.lower()


def _float_header(headers: Mapping[str, str], name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer as received: status, headers (case-insensitive) and body."""

    status: int
    headers: Mapping[str, str]
    content: bytes


def _parse(reply: Reply, lang: str = "en") -> Answer:
    headers = reply.headers
    log_id = scrub_server_text(headers.get("x-tt-logid", ""))
    reset_after = _float_header(headers, "x-ogw-ratelimit-reset")
    limit = _float_header(headers, "x-ogw-ratelimit-limit")
    body = json_object(reply.content)
    if body is None or not isinstance(body.get("code"), int):
        text = reply.content[:200].decode("utf-8", "replace")
        snippet = scrub_server_text(text[:120].strip().replace("\n", " "))
        return Answer(
            http_status=reply.status,
            msg=i18n.text("not_feishu_answer", lang, status=reply.status, snippet=snippet).strip(),
            log_id=log_id,
            reset_after=reset_after,
            limit=limit,
        )
    data = body.get("data")
    error = body.get("error")
    if not log_id and isinstance(error, dict):
        log_id = scrub_server_text(str(error.get("log_id") or error.get("logid") or ""))
    msg = scrub_server_text(str(body.get("msg", "")))
    return Answer(
        http_status=reply.status,
        code=body["code"],
        msg=msg,
        scopes=named_scopes(msg, error) if body["code"] in MISSING_SCOPE else (),
        data=scrub_values(data) if isinstance(data, dict) else None,
        log_id=log_id,
        reset_after=reset_after,
        limit=limit,
    )


@functools.lru_cache(maxsize=1024)
def _url(text: str) -> httpx.URL:
    """The parsed URL, kept: every create goes to the same one, and parsing is not cheap.

    Paths are already percent-encoded (binding ids hold `/`, `+`, `=`): httpx keeps them as sent.
    """
    return httpx.URL(text)


def _transport_answer(exc: httpx.RequestError) -> Answer:
    failure = no_answer(exc)
    error = scrub_server_text(failure.error)  # a proxy's words may be in it
    return Answer(error=error, maybe_sent=failure.maybe_sent, tls_error=failure.tls_error)


class FeishuClient:
    """The binding endpoints over one keep-alive connection pool."""

    def __init__(
        self,
        base_url: str,
        token: TokenSource | Callable[[], str],
        *,
        user_id_type: str = "open_id",
        max_connections: int = 64,
        timeout_s: float = 30.0,
        lang: str = "en",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang  # of the few words batchbind writes into an answer itself
        # A plain callable (a fixed token) cannot be refreshed; a TokenSource may be.
        self.tokens = token if isinstance(token, TokenSource) else CallableToken(token)
        self.user_id_type = user_id_type
        self._max_connections = max_connections
        self._timeout_s = timeout_s
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        """The run's one keep-alive pool (made on first use, again after `aclose`)."""
        if self._client is None:
            self._client = async_client(
                self.base_url, connections=self._max_connections, timeout_s=self._timeout_s
            )
        return self._client

    async def __aenter__(self) -> FeishuClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None,
        body: Any,
        headers: dict[str, str],
    ) -> tuple[Answer, Reply | None]:
        """Send one request; every failure to get an answer becomes an Answer, never raises."""
        query = f"?{urlencode(params)}" if params else ""
        url = _url(f"{self.base_url}{path}{query}")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            response = await self._http().request(method, url, content=data, headers=headers)
            reply = Reply(response.status_code, response.headers, response.content)
        except TRANSPORT_ERRORS as exc:
            answer = _transport_answer(exc)
            log.debug("%s %s: no answer (%s)", method, path, answer.error)
            return answer, None
        answer = _parse(reply, self.lang)
        log.debug(
            "%s %s: HTTP %s code %s log_id %s",
            method,
            path,
            answer.http_status,
            answer.code,
            answer.log_id,
        )
        return answer, reply

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens.current()}",
            "Content-Type": "application/json; charset=utf-8",
        }

    async def _request(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> Answer:
        answer, _ = await self._exchange(
            method, path, params=params, body=body, headers=self._headers()
        )
        return answer

    async def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> Answer:
        """Any other endpoint of this origin with the job's token (the documents of a tracker:
        `batchbind.tracker.calls`); `path` must be percent-encoded already."""
        return await self._request(method, path, params=params, body=body)

    async def create(self, binding: Binding) -> Answer:
        body = {
            "admin_account": binding.admin_account,
            "exchange_account": binding.exchange_account,
            "user_id": binding.user_id,
        }
        return await self._request(
            "POST", BINDINGS_PATH, params={"user_id_type": self.user_id_type}, body=body
        )

    async def get(self, binding_id: str) -> Answer:
        return await self._request(
            "GET",
            f"{BINDINGS_PATH}/{quote(binding_id, safe='')}",
            params={"user_id_type": self.user_id_type},
        )

    async def delete(self, binding_id: str) -> Answer:
        return await self._request("DELETE", f"{BINDINGS_PATH}/{quote(binding_id, safe='')}")

    # -- the contact API, with an app-level tenant token (for `batchbind resolve`) ----------------

    async def _post_without_token(self, path: str, body: Any) -> tuple[Answer, Reply | None]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return await self._exchange("POST", path, params=None, body=body, headers=headers)

    async def tenant_token(self, app_id: str, app_secret: str) -> Answer:
        """Trade the app's ID and secret for a tenant token: `data` holds the token and expiry.

        The endpoint answers flat (`{code, msg, tenant_access_token, expire}`), not in `data`.
        """
        answer, response = await self._post_without_token(
            TENANT_TOKEN_PATH, {"app_id": app_id, "app_secret": app_secret}
        )
        if answer.code != 0 or response is None:
            return answer
        body = json_object(response.content) or {}
        token = body.get("tenant_access_token")
        if not isinstance(token, str) or not token:
            msg = i18n.text("no_tenant_token_in_answer", self.lang)
            return dataclasses.replace(answer, code=None, msg=msg)
        return dataclasses.replace(
            answer, data={"tenant_access_token": token, "expire": body.get("expire")}
        )

    # -- messages to a group (`batchbind.notify`) -------------------------------------------------

    async def post_to_hook(self, path: str, body: dict[str, Any]) -> Answer:
        """Post to a custom bot's webhook on this origin: its URL is the credential, no token."""
        answer, _ = await self._post_without_token(path, body)
        return answer

    async def send_message(self, chat_id: str, msg_type: str, content: str, uuid: str) -> Answer:
        """Post as the app's bot into a chat (this client holds a tenant token); `uuid` makes a
        second send of the same message within the hour a no-op."""
        body = {"receive_id": chat_id, "msg_type": msg_type, "content": content, "uuid": uuid}
        return await self._request(
            "POST", MESSAGES_PATH, params={"receive_id_type": "chat_id"}, body=body
        )

    async def bot_in_chat(self, chat_id: str) -> Answer:
        """Whether this client's token (the app's bot, with a tenant token) is in the chat:
        `data.is_in_chat`. It reads; it posts nothing (`doctor --notify chat:<id>`)."""
        return await self._request("GET", IS_IN_CHAT_PATH.format(chat_id=quote(chat_id, safe="")))

    async def batch_get_id(self, emails: list[str], *, include_resigned: bool = True) -> Answer:
        """Look up to 50 people by e-mail (`data.user_list`), ids of `user_id_type`.

        Feishu wants a tenant token here: build this client with one (see `tenant_token`).
        """
        return await self._request(
            "POST",
            LOOKUP_PATH,
            params={"user_id_type": self.user_id_type},
            body={"emails": emails, "include_resigned": include_resigned},
        )
