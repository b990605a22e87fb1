"""Which host and which token a command uses.

With `--sandbox` the sandbox's own token is the only one ever sent: whatever answers on the
sandbox's port may be another local user's program, so neither FEISHU_USER_ACCESS_TOKEN nor a
stored profile goes there, and `--token` with `--sandbox` is refused rather than dropped
silently. Otherwise the first match wins: a token given outright (`--token`, then
FEISHU_USER_ACCESS_TOKEN), then the stored profile. A profile's token is sent only to the host it
was issued for, and only a profile's token can be renewed during a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from batchbind.auth import redact
from batchbind.auth.oauth import AppCredentials
from batchbind.auth.profiles import Profile, ProfileStore, check_name, clean_token
from batchbind.auth.tokens import ProfileTokens, TokenSource
from batchbind.errors import InputError
from batchbind.feishu.client import resolve_base_url

__all__ = [
    "Connection",
    "TokenChoice",
    "check_profile_host",
    "choose_connection",
    "profile_connection",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenChoice:
    """What the user asked for: the command's connection options, as given."""

    token: str | None = None
    profile: str = "default"
    base_url: str | None = None
    domain: str | None = None
    sandbox: bool = False
    sandbox_scenario: Path | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    base_url: str
    tokens: TokenSource  # FeishuClient reads it per request; a profile's can be renewed


def choose_connection(choice: TokenChoice, lang: str) -> Connection:
    """The origin and the token source for `choice` (see the module docstring for the order)."""
    # The profile names the default journal even when the token comes from elsewhere.
    check_name(choice.profile)
    if choice.sandbox or choice.sandbox_scenario:
        if choice.token:
            raise InputError.of("sandbox_with_token")
        # Imported here: only --sandbox needs the emulator's starter.
        from batchbind.sandbox.background import SANDBOX_TOKEN, ensure_sandbox

        base_url = choice.base_url or ensure_sandbox(choice.sandbox_scenario)
        return Connection(
            resolve_base_url(base_url), TokenSource(SANDBOX_TOKEN, origin="--sandbox", lang=lang)
        )
    token = choice.token
    origin = "--token" if token else "FEISHU_USER_ACCESS_TOKEN"
    token = token or os.environ.get("FEISHU_USER_ACCESS_TOKEN", "")
    token = clean_token(token, origin=origin) if token else ""
    if token:
        base_url = resolve_base_url(choice.base_url, choice.domain or "feishu")
        source = TokenSource(token, origin=origin, lang=lang)
        source.profile_name = choice.profile  # where a login would keep a better one
        return Connection(base_url, source)
    return profile_connection(choice, lang)


def check_profile_host(profile: Profile, *, base_url: str | None, domain: str | None) -> None:
    """Refuse `profile` when --base-url or --domain names another host than its own."""
    if base_url or domain:
        wanted = resolve_base_url(base_url, domain or "feishu")
        if wanted.lower() != profile.host.lower():
            raise InputError.of(
                "profile_other_host", profile=profile.name, host=profile.host, wanted=wanted
            )


def profile_connection(choice: TokenChoice, lang: str) -> Connection:
    """The stored profile's host and tokens; refused if asked to talk to another host."""
    name = choice.profile
    store = ProfileStore()
    profile = store.load(name)
    if profile is None:
        raise InputError.of("no_credentials", profile=name)
    check_profile_host(profile, base_url=choice.base_url, domain=choice.domain)
    app_id = os.environ.get("FEISHU_APP_ID") or profile.app_id
    app_secret = os.environ.get("FEISHU_APP_SECRET") or profile.app_secret
    redact.register(app_secret)
    app = AppCredentials(app_id, app_secret) if app_id and app_secret else None
    return Connection(profile.host, ProfileTokens(store, profile, app=app, lang=lang))
