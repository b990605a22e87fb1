"""Getting the first tokens: `auth login` (OAuth code flow with PKCE) and `auth import` (stdin).

Both end the same way: the grant becomes a profile, tagged with the host it belongs to and the
user it names, and saved owner-only before anything else happens.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import httpx

from batchbind.auth import oauth, scopes
from batchbind.auth.loopback import listening, read_pasted, redirect_uri, wait_for_redirect
from batchbind.auth.oauth import AppCredentials, Grant, OAuthError, Pkce
from batchbind.auth.profiles import MAX_LIFETIME_S, Profile, clean_token
from batchbind.feishu.network import client_options


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginRequest:
    base_url: str
    app: AppCredentials
    port: int
    scope: str = " ".join(scopes.LOGIN_SCOPES)  # space-separated, as OAuth 2.0 writes scopes
    timeout_s: float = 300.0
    lang: str = "en"  # the language of the page the browser lands on


def _http(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(**client_options(base_url))


async def _exchange(
    request: LoginRequest, code: str, verifier: str
) -> tuple[Grant, dict[str, str]]:
    async with _http(request.base_url) as http:
        grant = await oauth.exchange_code(
            http,
            request.base_url,
            request.app,
            code=code,
            redirect_uri=redirect_uri(request.port),
            verifier=verifier,
        )
        user = await oauth.user_info(http, request.base_url, grant.access_token)
    return grant, user


def login(
    request: LoginRequest,
    *,
    show_url: Callable[[str], None],
    open_browser: Callable[[str], bool] | None,
    paste: IO[str] | None,
) -> tuple[Grant, dict[str, str]]:
    """Run the authorization-code flow; returns the grant and who it belongs to.

    Raises `LoginFailed` (no usable redirect) or `OAuthError` (the code exchange was refused).
    """
    pkce = Pkce.new()
    state = secrets.token_urlsafe(16)
    url = oauth.authorize_url(
        request.base_url,
        request.app.app_id,
        redirect_uri(request.port),
        scope=request.scope,
        state=state,
        pkce=pkce,
    )
    with listening(request.port, request.lang) as results:
        show_url(url)
        if open_browser is not None:
            open_browser(url)
        if paste is not None:
            read_pasted(paste, results)
        redirect = wait_for_redirect(results, state=state, timeout_s=request.timeout_s)
    return asyncio.run(_exchange(request, redirect.code, pkce.verifier))


def parse_import(text: str) -> Grant:
    """stdin of `auth import`: a bare access token, or the token endpoint's JSON answer.

    Checked whole before anything is saved: a token that is not one word, or a lifetime that is
    not a number of seconds (`1e300`, `"nan"`), would make every later command fail.
    """
    text = text.strip()
    if not text:
        raise OAuthError.of("stdin_empty")
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            raise OAuthError.of("stdin_bad_json") from None
        if not isinstance(data, dict):
            raise OAuthError.of("stdin_not_object")
        grant = oauth.parse_grant(data)
    elif any(c.isspace() for c in text):
        raise OAuthError.of("stdin_several_words")
    else:
        grant = oauth.parse_grant({"access_token": text})
    clean_token(grant.access_token, origin="stdin")
    if grant.refresh_token:
        clean_token(grant.refresh_token, origin="stdin")
    lifetimes = {
        "expires_in": grant.expires_in,
        "refresh_token_expires_in": grant.refresh_expires_in,
    }
    for name, seconds in lifetimes.items():
        if seconds is not None and not (math.isfinite(seconds) and 0 <= seconds <= MAX_LIFETIME_S):
            raise OAuthError.of("import_bad_lifetime", field=name, value=seconds)
    return grant


def fetch_user(base_url: str, access_token: str) -> dict[str, str]:
    async def ask() -> dict[str, str]:
        async with _http(base_url) as http:
            return await oauth.user_info(http, base_url, access_token)

    return asyncio.run(ask())


def profile_from_grant(
    name: str,
    host: str,
    grant: Grant,
    *,
    app_id: str = "",
    app_secret: str = "",
    user: dict[str, str],
    previous: Profile | None = None,
    now: float | None = None,
) -> Profile:
    """The profile a grant makes; app credentials not given now are kept from before."""
    now = time.time() if now is None else now
    keep = previous if previous is not None and previous.host == host else None
    return Profile(
        name=name,
        host=host,
        access_token=grant.access_token,
        expires_at=None if grant.expires_in is None else now + grant.expires_in,
        lifetime_s=grant.expires_in,
        refresh_token=grant.refresh_token,
        refresh_expires_at=(
            None if grant.refresh_expires_in is None else now + grant.refresh_expires_in
        ),
        app_id=app_id or (keep.app_id if keep else ""),
        app_secret=app_secret or (keep.app_secret if keep else ""),
        scope=grant.scope,
        user_name=user.get("name", ""),
        open_id=user.get("open_id", ""),
    )
