"""Feishu's OAuth endpoints, emulated: consent (approved at once), code exchange, refresh.

- `GET /open-apis/authen/v1/authorize` approves on the spot and redirects to `redirect_uri` with
  a single-use `code` (valid 5 minutes) and the caller's `state`.
- `POST /open-apis/authen/v2/oauth/token` exchanges a code (checking the app's credentials, the
  redirect URI and the PKCE verifier) or a refresh token. Refresh tokens are single-use: each
  refresh kills the one it used, and the old access token keeps one minute of grace, as Feishu
  documents. A refresh token is issued only when `offline_access` was asked for.
- `GET /open-apis/authen/v1/user_info` says whom an access token belongs to.

Access tokens issued here are short-lived on demand (`[oauth] access_lifetime_s`, or
`access_calls`: a number of API calls), so a test can outlive several of them in seconds. Code
exchanges are logged as endpoint `token`, refreshes as `refresh`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from batchbind.sandbox.protocol import Answer, Call, Route, success
from batchbind.sandbox.scenario import OAuth, Scenario

AUTHORIZE_PATH = "/open-apis/authen/v1/authorize"
TOKEN_PATH = "/open-apis/authen/v2/oauth/token"
USER_INFO_PATH = "/open-apis/authen/v1/user_info"
CODE_LIFETIME_S = 300.0
GRACE_S = 60.0  # the old access token's life after a refresh

# The documented refresh errors (shared/docs/feishu-api.md, section Tokens); 20064 (revoked) is
# left out because the sandbox never revokes a refresh token.
INVALID, EXPIRED, REUSED, NOT_ENABLED, SERVER = 20026, 20037, 20073, 20074, 20050
# Not in the documented facts: the sandbox's own choice for a bad client or a bad code.
BAD_CLIENT, BAD_CODE = 20002, 20003


@dataclass(slots=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    expires_at: float


@dataclass(slots=True)
class _Access:
    expires_at: float
    calls_left: int | None
    scope: str = ""


@dataclass(slots=True)
class _Refresh:
    scope: str
    expires_at: float
    access_token: str
    used: bool = False


def _error(status: int, code: int, error: str, description: str) -> Answer:
    return Answer(status, {"code": code, "error": error, "error_description": description})


def _seconds(value: float) -> float | int:
    """Whole seconds as Feishu sends them; a sub-second test lifetime stays exact."""
    return int(value) if value == int(value) else value


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthEndpoints:
    """The consent page, the token endpoint and user info, over in-memory grants."""

    def __init__(self, scenario: Scenario, clock: Callable[[], float] = time.monotonic) -> None:
        self._cfg: OAuth = scenario.oauth
        self._clock = clock
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._server_errors_left = self._cfg.refresh_server_errors

    def routes(self) -> list[Route]:
        return [
            Route("GET", AUTHORIZE_PATH, "authorize", self.authorize, auth=None),
            Route("POST", TOKEN_PATH, "token", self.token, self.describe_token, auth=None),
            Route("GET", USER_INFO_PATH, "user_info", self.user_info),
        ]

    def issued(self, token: str) -> bool:
        """Whether this access token was issued here (spends nothing, unlike `role`)."""
        return token in self._access

    def scopes(self, token: str) -> frozenset[str]:
        """The scopes asked for when this access token was issued (none if not issued here)."""
        access = self._access.get(token)
        return frozenset(access.scope.split()) if access is not None else frozenset()

    def role(self, token: str) -> str | None:
        """The role of an access token issued here (spending one call), or None if not ours."""
        access = self._access.get(token)
        if access is None:
            return None
        if self._clock() >= access.expires_at:
            return "expired"
        if access.calls_left is not None:
            if access.calls_left <= 0:
                return "expired"
            access.calls_left -= 1
        return self._cfg.role

    # -- the endpoints -------------------------------------------------------------------------

    def authorize(self, call: Call) -> Answer:
        query = call.query
        if query.get("client_id") != self._cfg.app_id:
            return Answer(
                400, "<p>unknown client_id: is the app id right?</p>", content_type="text/html"
            )
        redirect = query.get("redirect_uri", "")
        if not redirect.startswith(("http://", "https://")):
            return Answer(400, "<p>redirect_uri is missing</p>", content_type="text/html")
        code = "sbx-code-" + secrets.token_urlsafe(12)
        self._codes[code] = _Code(
            client_id=self._cfg.app_id,
            redirect_uri=redirect,
            challenge=query.get("code_challenge", ""),
            scope=query.get("scope", ""),
            expires_at=self._clock() + CODE_LIFETIME_S,
        )
        params = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        location = redirect + ("&" if "?" in redirect else "?") + urlencode(params)
        return Answer(302, "", headers={"Location": location}, content_type="text/html")

    def describe_token(self, call: Call) -> None:
        if self._form(call).get("grant_type") == "refresh_token":
            call.record.endpoint = "refresh"

    def token(self, call: Call) -> Answer:
        form = self._form(call)
        cfg = self._cfg
        if form.get("client_id") != cfg.app_id or form.get("client_secret") != cfg.app_secret:
            return _error(400, BAD_CLIENT, "invalid_client", "client_id or client_secret is wrong")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(form)
        if grant_type == "refresh_token":
            return self._renew(form)
        return _error(400, 20001, "unsupported_grant_type", f"grant_type {grant_type!r}")

    def user_info(self, call: Call) -> Answer:
        cfg = self._cfg
        return success({"name": cfg.user_name, "en_name": cfg.user_name, "open_id": cfg.open_id})

    # -- grants ----------------------------------------------------------------------------------

    def _exchange(self, form: dict[str, str]) -> Answer:
        code = self._codes.pop(form.get("code", ""), None)  # single use, whatever happens next
        if code is None or self._clock() >= code.expires_at:
            return _error(400, BAD_CODE, "invalid_grant", "the code is invalid, used or expired")
        if form.get("redirect_uri") != code.redirect_uri:
            return _error(400, BAD_CODE, "invalid_grant", "redirect_uri does not match")
        if code.challenge and _challenge(form.get("code_verifier", "")) != code.challenge:
            return _error(400, BAD_CODE, "invalid_grant", "code_verifier does not match")
        return self._issue(code.scope)

    def _renew(self, form: dict[str, str]) -> Answer:
        cfg = self._cfg
        if not cfg.refresh_enabled:
            return _error(400, NOT_ENABLED, "invalid_grant", "refresh is not enabled for the app")
        if self._server_errors_left > 0:
            self._server_errors_left -= 1
            return _error(500, SERVER, "server_error", "internal error, retry")
        held = self._refresh.get(form.get("refresh_token", ""))
        now = self._clock()
        if held is None:
            return _error(400, INVALID, "invalid_grant", "the refresh token is invalid")
        if held.used:
            return _error(400, REUSED, "invalid_grant", "the refresh token was already used")
        if now >= held.expires_at:
            return _error(400, EXPIRED, "invalid_grant", "the refresh token expired")
        held.used = True
        old = self._access.get(held.access_token)
        if old is not None:
            old.expires_at = min(old.expires_at, now + GRACE_S)
        return self._issue(held.scope)

    def _issue(self, scope: str) -> Answer:
        cfg = self._cfg
        now = self._clock()
        access = "u-" + secrets.token_urlsafe(24)
        calls = cfg.access_calls or None
        self._access[access] = _Access(
            expires_at=now + cfg.access_lifetime_s, calls_left=calls, scope=scope
        )
        body: dict[str, Any] = {
            "code": 0,
            "access_token": access,
            "expires_in": _seconds(cfg.access_lifetime_s),
            "token_type": "Bearer",
            "scope": scope,
        }
        if "offline_access" in scope.split():
            refresh = "ur-" + secrets.token_urlsafe(24)
            self._refresh[refresh] = _Refresh(
                scope=scope, expires_at=now + cfg.refresh_lifetime_s, access_token=access
            )
            body["refresh_token"] = refresh
            body["refresh_token_expires_in"] = _seconds(cfg.refresh_lifetime_s)
        return Answer(200, body)

    @staticmethod
    def _form(call: Call) -> dict[str, str]:
        """The body as JSON, or as a form (both are accepted by OAuth servers)."""
        body = call.json_object()
        if body is not None:
            return {k: v for k, v in body.items() if isinstance(v, str)}
        try:
            text = (call.body or b"").decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return {k: v[0] for k, v in parse_qs(text).items() if v}
