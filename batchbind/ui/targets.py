"""Where the page sends: the sandbox, or the tenant of a stored profile; and logging in.

The choice is the CLI's own (`auth.choose`): with the sandbox only the sandbox's token is ever
sent, and a profile's token goes only to the host it was issued for. The page is told a target's
name, host and user, never a token. Logging in is `batchbind auth login`'s flow (PKCE, the
loopback redirect), run in a worker thread; the page only learns "logged in as profile X".
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from batchbind.auth import redact, scopes
from batchbind.auth.choose import Connection, TokenChoice, choose_connection, profile_connection
from batchbind.auth.login import LoginRequest, login, profile_from_grant
from batchbind.auth.loopback import DEFAULT_PORT
from batchbind.auth.oauth import AppCredentials
from batchbind.auth.profiles import ProfileStore, check_name
from batchbind.errors import BatchbindError, InputError, OAuthError
from batchbind.feishu.client import resolve_base_url
from batchbind.output import i18n

__all__ = ["PROFILE", "SANDBOX", "Login", "Target", "connect", "list_targets"]

SANDBOX = "sandbox"
PROFILE = "profile:"


@dataclass(frozen=True, slots=True)
class Target:
    """A target as the page shows it (`value`: "sandbox" or "profile:NAME")."""

    value: str
    label: str
    usable: bool = True


def list_targets(lang: str, store: ProfileStore | None = None) -> list[Target]:
    """The sandbox, then every stored profile (by name)."""
    targets = [Target(SANDBOX, i18n.text("ui_target_sandbox", lang))]
    store = store or ProfileStore()
    folder = store.folder
    names = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    for name in names:
        try:
            profile = store.load(name)
        except BatchbindError:
            continue  # unreadable or not private: `auth status` says why
        if profile is None:
            continue
        label = i18n.text("ui_target_profile", lang, name=name, host=profile.host)
        if profile.user_name:
            label += f" ({profile.user_name})"
        targets.append(Target(PROFILE + name, label))
    return targets


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxChoice:
    """How the sandbox target is reached: the background one (with a scenario), or a given URL."""

    scenario: Path | None = None
    base_url: str | None = None  # an emulator already running (tests)


def connect(value: str, sandbox: SandboxChoice, lang: str) -> tuple[Connection, str]:
    """The connection for target `value`, and the profile whose journal it uses."""
    if value == SANDBOX:
        choice = TokenChoice(
            sandbox=True, sandbox_scenario=sandbox.scenario, base_url=sandbox.base_url
        )
        return choose_connection(choice, lang), ""
    if value.startswith(PROFILE):
        name = check_name(value.removeprefix(PROFILE))
        # The profile the page names, even when FEISHU_USER_ACCESS_TOKEN is set: the page chose.
        return profile_connection(TokenChoice(profile=name), lang), name
    raise InputError.of("ui_unknown_target", target=value)


@dataclass(slots=True)
class Login:
    """One login from the page at a time: its state, the address to open, the sentence."""

    state: str = "idle"  # idle, waiting, done, error
    url: str = ""
    message: str = ""
    profile: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return {"state": self.state, "url": self.url, "message": self.message}

    def _set(self, **values: str) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self, name, value)

    def start(
        self,
        *,
        profile: str,
        app_id: str,
        app_secret: str,
        domain: str,
        lang: str,
        base_url: str | None = None,
        tracker: bool = False,
    ) -> None:
        """Log in as `auth login` does, in a worker thread; app credentials not given come from
        FEISHU_APP_ID / FEISHU_APP_SECRET or the stored profile. `tracker`: ask for the scopes of
        the team's tracker too (`auth login --scope …`), which the app must have enabled."""
        name = check_name(profile or "default")
        store = ProfileStore()
        previous = store.load(name)
        host = resolve_base_url(base_url, domain or "feishu")
        same_host = previous is not None and previous.host == host
        app_id = (
            app_id
            or os.environ.get("FEISHU_APP_ID", "")
            or (previous.app_id if previous and same_host else "")
        )
        app_secret = (
            app_secret
            or os.environ.get("FEISHU_APP_SECRET", "")
            or (previous.app_secret if previous and same_host else "")
        )
        redact.register(app_secret)
        if not (app_id and app_secret):
            raise OAuthError.of("auth_no_app")
        with self._lock:
            if self.state == "waiting":
                raise InputError.of("ui_busy")
            self.state, self.url, self.message, self.profile = "waiting", "", "", name
        request = LoginRequest(
            base_url=host,
            app=AppCredentials(app_id, app_secret),
            port=int(os.environ.get("BATCHBIND_OAUTH_PORT", DEFAULT_PORT)),
            scope=" ".join(scopes.LOGIN_SCOPES + (scopes.TRACKER_SCOPES if tracker else ())),
            lang=lang,
        )

        def work() -> None:
            try:
                grant, user = login(
                    request,
                    show_url=lambda url: self._set(url=url),
                    open_browser=None,  # the page opens it: the browser is the user's
                    paste=None,
                )
                made = profile_from_grant(
                    name, host, grant, app_id=app_id, app_secret=app_secret, user=user,
                    previous=previous,
                )  # fmt: skip
                with store.locked(name):
                    store.save(made)
                self._set(state="done", message=i18n.text("ui_logged_in", lang, profile=name))
            except BatchbindError as exc:
                self._set(state="error", message=redact.scrub(exc.render(lang)[0]))

        threading.Thread(target=work, name="batchbind-ui-login", daemon=True).start()
