"""Where a run's access token comes from, and how it is renewed in the middle of a run.

`FeishuClient` reads `current()` for every request. When Feishu says the token expired (or the
profile says it is about to), the pool calls `refresh(stale)` with the token its request carried:

- one refresh for all workers: an asyncio lock, and "someone already refreshed since `stale`"
  returns the new token at once, so concurrent expiries cause exactly one refresh;
- one refresh across processes: the profile's file lock is held and the file re-read first, so a
  second process sharing the profile adopts the pair the first one obtained;
- refresh tokens are single-use: the new pair is saved (atomically) before the new access token
  is used, so a crash right after a refresh never strands the only valid refresh token in memory.

When refresh is impossible (no refresh token, revoked, expired, reused, no app credentials),
`refresh` raises `RefreshFailed`, a `RunStopped`: exit 3, rows stay pending, log in again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import httpx

from batchbind.auth import oauth, redact
from batchbind.auth.oauth import AppCredentials, Grant, OAuthError
from batchbind.auth.profiles import Profile, ProfileStore
from batchbind.errors import BatchbindError, RunStopped
from batchbind.feishu.network import client_options
from batchbind.feishu.retry import Backoff, Retrying
from batchbind.output import i18n

log = logging.getLogger(__name__)

#: Refresh this long before expiry at most (Feishu tokens live about 2 hours)...
MAX_MARGIN_S = 300.0
#: ...or this share of the token's lifetime, whichever is shorter (short-lived sandbox tokens).
MARGIN_SHARE = 0.1
REFRESH_ATTEMPTS = 3  # tries in all when the token endpoint is in trouble (or does not answer)


class RefreshFailed(RunStopped):
    """The access token cannot be renewed: the user must log in again."""


def expiry_words(epoch: float | None, lang: str) -> str:
    """When a token ends, for people: its UTC time, and how long is left while it is ahead."""
    if epoch is None:
        return "?"
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    left = epoch - time.time()
    if left <= 0:
        return stamp
    hours, rest = divmod(int(left), 3600)
    if hours:
        return i18n.text(
            "auth_in_hours", lang, when=stamp, hours=hours, minutes=f"{rest // 60:02d}"
        )
    return i18n.text("auth_in_minutes", lang, when=stamp, minutes=rest // 60)


def login_hint(lang: str, profile: str = "default") -> str:
    option = "" if profile == "default" else f" --profile {profile}"
    return i18n.text("refresh_login_hint", lang, option=option)


def refresh_failed(reason: object, lang: str, profile: str = "default") -> RefreshFailed:
    """The stop for a token that cannot be renewed; `reason` (a refusal too) speaks `lang`."""
    return RefreshFailed(
        i18n.text("refresh_impossible", lang, reason=_spoken(reason, lang)),
        hint=login_hint(lang, profile),
    )


def renewal_problem(profile: Profile, lang: str, *, now: float | None = None) -> str | None:
    """Why the profile's token cannot be renewed (in `lang`), or None when it can be.

    The app's credentials may come from FEISHU_APP_ID / FEISHU_APP_SECRET, as during a run.
    """
    now = time.time() if now is None else now
    app_id = os.environ.get("FEISHU_APP_ID") or profile.app_id
    secret = os.environ.get("FEISHU_APP_SECRET") or profile.app_secret
    if not profile.refresh_token:
        return i18n.text("refresh_no_token", lang)
    if profile.refresh_expired(now):
        return oauth.DEAD_REFRESH[20037].text(lang)
    if not (app_id and secret):
        return i18n.text("refresh_no_app", lang)
    return None


def _spoken(reason: object, lang: str) -> object:
    return reason.render(lang)[0] if isinstance(reason, BatchbindError) else reason


class TokenSource:
    """A token that cannot be renewed (from --token or the environment): the base behaviour."""

    def __init__(self, token: str, *, origin: str = "--token", lang: str = "en") -> None:
        redact.register(token)
        self._token = token
        self.origin = origin
        self.lang = lang
        # The profile `auth login` would store a better token in (a fix a stop can name).
        self.profile_name = "default"
        self.refreshes = 0  # refreshes this process made (adopting another's is not one)

    def __call__(self) -> str:
        return self.current()

    def current(self) -> str:
        return self._token

    async def ensure_fresh(self) -> None:
        """Refresh ahead of expiry when the expiry is known; never raises."""
        return None

    async def refresh(self, stale: str) -> str:
        """A new token to use instead of `stale`, or `RefreshFailed`."""
        reason = i18n.text("refresh_not_stored", self.lang, origin=self.origin)
        raise refresh_failed(reason, self.lang)


class CallableToken(TokenSource):
    """Adapts a plain `() -> str` (what FeishuClient took before profiles existed)."""

    def __init__(self, read: Callable[[], str], *, lang: str = "en") -> None:
        super().__init__("", origin="--token", lang=lang)
        self._read = read

    def current(self) -> str:
        return self._read()


Sleep = Callable[[float], Awaitable[None]]


class ProfileTokens(TokenSource):
    """A stored profile's tokens, refreshed with its refresh token when they run out."""

    def __init__(
        self,
        store: ProfileStore,
        profile: Profile,
        *,
        app: AppCredentials | None = None,
        lang: str = "en",
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        retry_wait_s: float = 1.0,
    ) -> None:
        super().__init__(profile.access_token, origin=f"profile {profile.name}", lang=lang)
        self.profile_name = profile.name
        self._store = store
        self.profile = profile
        self._app = app
        self._clock = clock
        self._sleep = sleep
        self._retry_wait_s = retry_wait_s
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Future[str] | None = None
        self._dead: RefreshFailed | None = None
        self._ahead_failed_for = ""

    def current(self) -> str:
        return self.profile.access_token

    def _due(self, profile: Profile) -> bool:
        """Expired, or close enough to expiry that refreshing now beats a refused request."""
        if profile.expires_at is None:
            return False
        lifetime = profile.lifetime_s or 7200.0
        margin = min(MAX_MARGIN_S, MARGIN_SHARE * lifetime)
        return self._clock() >= profile.expires_at - margin

    async def ensure_fresh(self) -> None:
        stale = self.current()
        if not self._due(self.profile) or self._dead or self._ahead_failed_for == stale:
            return
        try:
            await self.refresh(stale)
        except RunStopped as exc:
            # Not fatal yet: the token may still work; Feishu's refusal will decide.
            self._ahead_failed_for = stale
            log.warning("could not refresh the token ahead of expiry: %s", exc.message)

    async def refresh(self, stale: str) -> str:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.current() != stale:  # another worker refreshed while this one waited
                return self.current()
            if self._dead is not None:
                raise self._dead
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._refresh_shared(stale))
            # Shielded: a worker cancelled mid-refresh must not abandon a single-use refresh
            # token between Feishu's answer and the save.
            return await asyncio.shield(self._task)

    async def _refresh_shared(self, stale: str) -> str:
        name = self.profile.name
        lock = await asyncio.to_thread(self._store.acquire_lock, name)
        try:
            disk = self._store.load(name)
            if disk is None or disk.host != self.profile.host:
                raise self._die(i18n.text("refresh_profile_gone", self.lang, profile=name))
            if disk.access_token != stale and not self._due(disk):
                log.info("using the token another batchbind process refreshed")
                self._adopt(disk)
                return disk.access_token
            grant = await self._call(disk)
            now = self._clock()
            renewed = replace(
                disk,
                access_token=grant.access_token,
                expires_at=None if grant.expires_in is None else now + grant.expires_in,
                lifetime_s=grant.expires_in,
                refresh_token=grant.refresh_token or disk.refresh_token,
                refresh_expires_at=(
                    now + grant.refresh_expires_in
                    if grant.refresh_expires_in is not None
                    else disk.refresh_expires_at
                ),
                scope=grant.scope or disk.scope,
            )
            try:
                self._store.save(renewed)  # before use: the old refresh token is dead already
            except OSError as exc:
                reason = i18n.text(
                    "refresh_unsaved", self.lang, path=self._store.path(name), error=exc.strerror
                )
                raise self._die(reason) from None
            self.refreshes += 1
            self._adopt(renewed)
            log.info("access token refreshed (profile %s)", name)
            return renewed.access_token
        finally:
            lock.release()

    def _adopt(self, profile: Profile) -> None:
        self.profile = profile

    def _die(self, reason: object) -> RefreshFailed:
        self._dead = refresh_failed(reason, self.lang, self.profile.name)
        return self._dead

    def _app_for(self, profile: Profile) -> AppCredentials | None:
        if self._app is not None:
            return self._app
        if profile.app_id and profile.app_secret:
            return AppCredentials(profile.app_id, profile.app_secret)
        return None

    async def _call(self, profile: Profile) -> Grant:
        lang = self.lang
        if not profile.refresh_token:
            raise self._die(i18n.text("refresh_no_token", lang))
        if profile.refresh_expired(self._clock()):
            raise self._die(oauth.DEAD_REFRESH[20037])
        app = self._app_for(profile)
        if app is None:
            raise self._die(i18n.text("refresh_no_app", lang))

        async def send() -> Grant | OAuthError:
            try:
                # A client of its own, not the run's: the refresh is shielded so that a
                # single-use refresh token is never abandoned mid-call, and must not die with the
                # run's pool when the run ends or is interrupted while it is under way.
                async with httpx.AsyncClient(**client_options(profile.host)) as http:
                    return await oauth.refresh(http, profile.host, app, profile.refresh_token)
            except OAuthError as exc:
                if exc.retryable:
                    log.info("token refresh failed (%s)", exc)
                return exc

        # Sent again only when the endpoint said it was in trouble or did not answer. If an
        # answer was lost after Feishu had used the refresh token, the next try cannot get a
        # second pair: it meets 20073 (already used), the stop that the lost pair means anyway.
        # No jitter and no time bound: one refresh at a time per profile, waits of 1 s then 2 s.
        backoff = Backoff(
            attempts=REFRESH_ATTEMPTS,
            timeout_s=None,
            wait_initial_s=self._retry_wait_s,
            wait_max_s=self._retry_wait_s * 2 ** (REFRESH_ATTEMPTS - 2),
            jitter=0.0,
        )
        answer = await Retrying(backoff, sleep=self._sleep).call(
            send, lambda got: isinstance(got, OAuthError) and got.retryable
        )
        if isinstance(answer, Grant):
            return answer
        if not answer.retryable:
            raise self._die(answer)
        # Not marked dead: a later refresh may still work (Feishu's trouble, or the network's).
        error = _spoken(answer, lang)
        raise refresh_failed(i18n.text("refresh_unavailable", lang, error=error), lang)
