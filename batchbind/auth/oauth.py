"""Feishu's OAuth endpoints: the authorize URL (with PKCE), code exchange, refresh, user info.

Feishu's v2 token endpoint follows RFC 6749 with a flat JSON answer (`access_token`,
`expires_in`, `refresh_token`, `refresh_token_expires_in`, `scope`) or an error (`code`, `error`,
`error_description`). A refresh token comes only when the app has `offline_access` and it was
asked for; every refresh returns a new one and kills the old one at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from batchbind.auth import redact
from batchbind.errors import OAuthError as OAuthError  # re-exported: callers import it from here
from batchbind.feishu.network import TRANSPORT_ERRORS, json_object, no_answer
from batchbind.output import i18n
from batchbind.output.i18n import Phrase

TOKEN_PATH = "/open-apis/authen/v2/oauth/token"
AUTHORIZE_PATH = "/open-apis/authen/v1/authorize"
USER_INFO_PATH = "/open-apis/authen/v1/user_info"

#: The accounts host that serves the consent page, per API host (custom hosts serve both).
ACCOUNTS = {
    "open.feishu.cn": "https://accounts.feishu.cn",
    "open.larksuite.com": "https://accounts.larksuite.com",
}

#: Refresh can never succeed again: the user must authorize anew.
DEAD_REFRESH = {
    code: Phrase(f"dead_refresh_{code}") for code in (20026, 20037, 20064, 20073, 20074)
}
#: Feishu's own trouble: try again shortly.
RETRYABLE = frozenset({20050, 20072})


@dataclass(frozen=True, slots=True)
class AppCredentials:
    app_id: str
    app_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Grant:
    """What the token endpoint issued."""

    access_token: str = field(repr=False)
    expires_in: float | None = None
    refresh_token: str = field(default="", repr=False)
    refresh_expires_in: float | None = None
    scope: str = ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def parse_grant(data: dict[str, Any]) -> Grant:
    """A grant from the v2 flat answer, or the v1 `{"data": {...}}` envelope."""
    inner = data.get("data")
    if isinstance(inner, dict) and "access_token" in inner:
        data = inner
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip():
        raise OAuthError.of("oauth_no_access_token")
    refresh = data.get("refresh_token")
    grant = Grant(
        access_token=token.strip(),
        expires_in=_number(data.get("expires_in")),
        refresh_token=refresh.strip() if isinstance(refresh, str) else "",
        refresh_expires_in=_number(
            data.get("refresh_token_expires_in", data.get("refresh_expires_in"))
        ),
        scope=str(data.get("scope") or ""),
    )
    redact.register(grant.access_token)
    redact.register(grant.refresh_token)
    return grant


def accounts_origin(base_url: str) -> str:
    """Where the consent page lives: accounts.feishu.cn for open.feishu.cn, else the host itself."""
    host = (urlsplit(base_url).hostname or "").lower()
    return ACCOUNTS.get(host, base_url)


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        return cls(verifier, challenge_for(verifier))


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    base_url: str, app_id: str, redirect_uri: str, *, scope: str, state: str, pkce: Pkce
) -> str:
    query = {
        "client_id": app_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    return f"{accounts_origin(base_url)}{AUTHORIZE_PATH}?{urlencode(query)}"


async def _token_call(http: httpx.AsyncClient, base_url: str, body: dict[str, str]) -> Grant:
    try:
        response = await http.post(
            base_url + TOKEN_PATH,
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    except TRANSPORT_ERRORS as exc:
        raise _refused(
            "oauth_no_answer", retryable=True, host=base_url, kind=no_answer(exc).kind
        ) from None
    data = json_object(response.content)
    if data is None:
        raise _refused(
            "oauth_not_json",
            retryable=response.status_code >= 500 or response.status_code == 429,
            status=response.status_code,
        )
    code = data.get("code")
    if (isinstance(code, int) and code != 0) or "error" in data:
        number = code if isinstance(code, int) else None
        description = redact.scrub_server_text(
            str(data.get("error_description") or data.get("msg") or data.get("error"))
        )
        retryable = number in RETRYABLE or response.status_code >= 500
        if number is None:  # the server's own words, as it said them
            raise OAuthError(description, retryable=retryable)
        reason = DEAD_REFRESH.get(number) or description
        raise _refused("oauth_refused", code=number, retryable=retryable, reason=reason)
    return parse_grant(data)


def _refused(key: str, *, retryable: bool, code: int | None = None, **params: object) -> OAuthError:
    """An OAuthError whose sentence is catalogue entry `key` (`code`: Feishu's, if any)."""
    params = {"code": code, **params} if code is not None else params
    return OAuthError(
        i18n.text(key, "en", **params), code=code, retryable=retryable, key=key, params=params
    )


async def exchange_code(
    http: httpx.AsyncClient,
    base_url: str,
    app: AppCredentials,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
) -> Grant:
    return await _token_call(
        http,
        base_url,
        {
            "grant_type": "authorization_code",
            "client_id": app.app_id,
            "client_secret": app.app_secret,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
    )


async def refresh(
    http: httpx.AsyncClient, base_url: str, app: AppCredentials, refresh_token: str
) -> Grant:
    return await _token_call(
        http,
        base_url,
        {
            "grant_type": "refresh_token",
            "client_id": app.app_id,
            "client_secret": app.app_secret,
            "refresh_token": refresh_token,
        },
    )


async def user_info(http: httpx.AsyncClient, base_url: str, access_token: str) -> dict[str, str]:
    """Who the token belongs to (name, open_id), or {} when Feishu does not say."""
    try:
        response = await http.get(
            base_url + USER_INFO_PATH, headers={"Authorization": f"Bearer {access_token}"}
        )
    except TRANSPORT_ERRORS:
        return {}
    data = json_object(response.content)
    inner = data.get("data") if data is not None else None
    if data is None or not isinstance(inner, dict) or data.get("code") != 0:
        return {}
    return {k: str(inner.get(k) or "") for k in ("name", "open_id")}
