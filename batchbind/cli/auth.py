"""`auth login/status/logout/import`: obtain, store and inspect the super administrator's token.

Exit codes, as the contract says for `auth`: 0 done (or, for `status`, a usable token), 1 not.
Nothing here ever prints a secret: only hosts, ids, names and times.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import webbrowser
from collections.abc import Callable
from typing import Any, TypeVar

import click

from batchbind.auth import redact, scopes
from batchbind.auth.choose import check_profile_host
from batchbind.auth.login import LoginRequest, fetch_user, login, parse_import, profile_from_grant
from batchbind.auth.loopback import DEFAULT_PORT, redirect_uri
from batchbind.auth.oauth import AppCredentials, OAuthError
from batchbind.auth.profiles import Profile, ProfileStore, check_name
from batchbind.auth.tokens import expiry_words, renewal_problem
from batchbind.cli.common import friendly_errors, global_options, say, say_error, setup
from batchbind.cli.exits import epilog
from batchbind.errors import BatchbindError
from batchbind.feishu.client import resolve_base_url
from batchbind.output import i18n

F = TypeVar("F", bound=Callable[..., Any])


def auth_errors(func: F) -> F:
    """Every refusal of an auth command is one sentence and exit 1 (the contract's `auth` codes)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BatchbindError as exc:  # OAuthError and LoginFailed included
            say_error(exc, kwargs.get("lang"))
        sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _profile_option(func: F) -> F:
    return click.option(
        "--profile", default="default", show_default=True, help="Which stored credentials."
    )(func)


def _host_options(func: F) -> F:
    for option in reversed(
        [
            click.option("--base-url", help="The API origin (default: --domain's)."),
            click.option(
                "--domain",
                type=click.Choice(["feishu", "lark"]),
                default=None,
                help="Feishu (China) or Lark (international). Default: feishu.",
            ),
            click.option(
                "--app-id", envvar="FEISHU_APP_ID", help="The app's App ID [env FEISHU_APP_ID]."
            ),
            click.option(
                "--app-secret",
                envvar="FEISHU_APP_SECRET",
                show_envvar=False,
                help="Prefer the environment variable FEISHU_APP_SECRET (the process list "
                "shows options).",
            ),
        ]
    ):
        func = option(func)
    return func


def _app_secret(kw: dict[str, Any], lang: str) -> str:
    secret: str = kw["app_secret"] or ""
    source = click.get_current_context().get_parameter_source("app_secret")
    if secret and source is click.core.ParameterSource.COMMANDLINE:
        say(i18n.text("secret_on_command_line", lang))
    redact.register(secret)
    return secret


def _host(kw: dict[str, Any], previous: Profile | None) -> str:
    if kw["base_url"] or kw["domain"] or previous is None:
        return resolve_base_url(kw["base_url"], kw["domain"] or "feishu")
    return previous.host


def _refresh_state(profile: Profile, lang: str) -> tuple[bool, str]:
    """Whether the profile can be renewed, and the line that says so (no secrets)."""
    reason = renewal_problem(profile, lang)
    if reason is None:
        return True, i18n.text(
            "auth_refresh_yes", lang, when=expiry_words(profile.refresh_expires_at, lang)
        )
    return False, i18n.text("auth_refresh_no", lang, reason=reason)


def _saved_lines(action: str, profile: Profile, path: str, lang: str) -> list[str]:
    user = i18n.text("auth_as_user", lang, user=profile.user_name) if profile.user_name else ""
    lines = [
        i18n.text(
            "auth_saved",
            lang,
            action=i18n.text(action, lang),
            user=user,
            host=profile.host,
            profile=profile.name,
            path=path,
        )
    ]
    if profile.expires_at is not None:
        lines.append(i18n.text("auth_expires", lang, when=expiry_words(profile.expires_at, lang)))
    lines.append(_refresh_state(profile, lang)[1])
    return lines


LOGIN_EXAMPLE = """

\b
Examples:
  FEISHU_APP_SECRET=... batchbind auth login --app-id cli_a1b2c3
  batchbind auth login --app-id cli_a1b2c3 --domain lark --profile acme-intl
  batchbind auth login --app-id cli_a1b2c3 --no-browser   # on a server: paste the URL back
"""


@click.command("login", epilog=epilog("auth login", LOGIN_EXAMPLE))
@_profile_option
@_host_options
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=lambda: int(os.environ.get("BATCHBIND_OAUTH_PORT", DEFAULT_PORT)),
    show_default=f"{DEFAULT_PORT}, or BATCHBIND_OAUTH_PORT",
    help="Loopback port of the redirect URL http://127.0.0.1:PORT/callback (register it in the "
    "app's security settings).",
)
@click.option(
    "--scope",
    multiple=True,
    help="More scopes to ask for (repeat it, or separate them with spaces). Always asked for: "
    + ", ".join(scopes.LOGIN_SCOPES)
    + " (binding, status, unbind, the answers' e-mail and user id fields, and renewal).",
)
@click.option("--no-browser", is_flag=True, help="Print the address instead of opening a browser.")
@click.option(
    "--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True, help="Seconds."
)
@global_options
@friendly_errors
@auth_errors
def login_cmd(**kw: Any) -> None:
    """Log in as the super administrator in a browser (OAuth with PKCE) and store the tokens."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    name = check_name(kw["profile"])
    store = ProfileStore()
    previous = store.load(name)
    host = _host(kw, previous)
    app_id = kw["app_id"] or (previous.app_id if previous and previous.host == host else "")
    secret = _app_secret(kw, lang) or (
        previous.app_secret if previous and previous.host == host else ""
    )
    if not (app_id and secret):
        raise OAuthError.of("auth_no_app")
    asked = (s for scope in kw["scope"] for s in scopes.split_scopes(scope))
    request = LoginRequest(
        base_url=host,
        app=AppCredentials(app_id, secret),
        port=kw["port"],
        scope=" ".join(dict.fromkeys([*scopes.LOGIN_SCOPES, *asked])),
        timeout_s=kw["timeout"],
        lang=lang,
    )

    def show(url: str) -> None:
        say(i18n.text("auth_open_url", lang, url=url))
        say(i18n.text("auth_paste", lang, redirect=redirect_uri(request.port)))

    grant, user = login(
        request,
        show_url=show,
        open_browser=None if kw["no_browser"] else webbrowser.open,
        paste=sys.stdin,
    )
    profile = profile_from_grant(
        name, host, grant, app_id=app_id, app_secret=secret, user=user, previous=previous
    )
    with store.locked(name):
        path = store.save(profile)
    for line in _saved_lines("auth_logged_in", profile, str(path), lang):
        say(line, err=False)


IMPORT_EXAMPLE = """

\b
Examples:
  echo "$TOKEN" | batchbind auth import
  curl -s ... /open-apis/authen/v2/oauth/token | batchbind auth import --app-id cli_a1b2c3
  batchbind auth import --profile acme-intl --domain lark < token.json
"""


@click.command("import", epilog=epilog("auth import", IMPORT_EXAMPLE))
@_profile_option
@_host_options
@click.option("--no-check", is_flag=True, help="Do not ask Feishu whose token it is.")
@global_options
@friendly_errors
@auth_errors
def import_cmd(**kw: Any) -> None:
    """Store a token read from stdin: a bare access token, or the token endpoint's JSON."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    name = check_name(kw["profile"])
    store = ProfileStore()
    previous = store.load(name)
    host = _host(kw, previous)
    secret = _app_secret(kw, lang)
    if sys.stdin.isatty():
        text = click.prompt(i18n.text("import_prompt", lang), hide_input=True, err=True)
    else:
        text = sys.stdin.read()
    grant = parse_import(text)
    user = {} if kw["no_check"] else fetch_user(host, grant.access_token)
    profile = profile_from_grant(
        name,
        host,
        grant,
        app_id=kw["app_id"] or "",
        app_secret=secret,
        user=user,
        previous=previous,
    )
    with store.locked(name):
        path = store.save(profile)
    for line in _saved_lines("auth_imported", profile, str(path), lang):
        say(line, err=False)


STATUS_EXAMPLE = """

\b
Examples:
  batchbind auth status
  batchbind auth status --profile acme-intl --json
  batchbind auth status --domain lark
"""


@click.command("status", epilog=epilog("auth status", STATUS_EXAMPLE))
@_profile_option
@click.option(
    "--base-url", help="Check that the profile belongs to this origin, as run would (else exit 1)."
)
@click.option(
    "--domain",
    type=click.Choice(["feishu", "lark"]),
    default=None,
    help="Check that the profile belongs to Feishu (China) or Lark (international).",
)
@global_options
@friendly_errors
@auth_errors
def status_cmd(**kw: Any) -> None:
    """Show who is logged in, where, until when, and whether the token renews itself."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    name = check_name(kw["profile"])
    store = ProfileStore()
    profile = store.load(name)
    if profile is None:
        if kw["as_json"]:
            say(json.dumps({"profile": name, "logged_in": False, "usable": False}), err=False)
        say(i18n.text("auth_not_logged_in", lang, profile=name), err=kw["as_json"])
        sys.exit(1)
    # The same check as every command that sends: another host's profile is not usable there.
    try:
        check_profile_host(profile, base_url=kw["base_url"], domain=kw["domain"])
    except BatchbindError:
        if kw["as_json"]:
            payload = {"profile": name, "logged_in": True, "usable": False, "host": profile.host}
            say(json.dumps(payload), err=False)
        raise
    now = time.time()
    renewable, refresh_line = _refresh_state(profile, lang)
    usable = not profile.expired(now) or renewable
    if kw["as_json"]:
        payload = {
            "profile": name,
            "logged_in": True,
            "usable": usable,
            "host": profile.host,
            "app_id": profile.app_id or os.environ.get("FEISHU_APP_ID", ""),
            "user": profile.user_name,
            "open_id": profile.open_id,
            "expires_at": profile.expires_at,
            "refresh_possible": renewable,
            "refresh_expires_at": profile.refresh_expires_at,
            "path": str(store.path(name)),
        }
        say(json.dumps(payload, ensure_ascii=False), err=False)
        sys.exit(0 if usable else 1)
    if profile.expires_at is None:
        expiry = i18n.text("auth_expiry_unknown", lang)
    elif profile.expired(now):
        expiry = i18n.text("auth_expired", lang, when=expiry_words(profile.expires_at, lang))
    else:
        expiry = i18n.text("auth_expires", lang, when=expiry_words(profile.expires_at, lang))
    user = profile.user_name or "?"
    app = profile.app_id or os.environ.get("FEISHU_APP_ID", "") or "?"
    lines = [
        i18n.text("auth_line_profile", lang, profile=name, path=store.path(name)),
        i18n.text("auth_line_host", lang, host=profile.host),
        i18n.text("auth_line_user", lang, user=user)
        + (f" ({profile.open_id})" if profile.open_id else ""),
        i18n.text("auth_line_app", lang, app=app),
        expiry,
        refresh_line,
    ]
    for line in lines:
        say(line, err=False)
    sys.exit(0 if usable else 1)


LOGOUT_EXAMPLE = """

\b
Examples:
  batchbind auth logout
  batchbind auth logout --profile acme-intl
"""


@click.command("logout", epilog=epilog("auth logout", LOGOUT_EXAMPLE))
@_profile_option
@global_options
@friendly_errors
@auth_errors
def logout_cmd(**kw: Any) -> None:
    """Remove the stored credentials of a profile from this computer."""
    lang = setup(kw["verbose"], kw["quiet"], kw["log_file"], kw["lang"])
    name = check_name(kw["profile"])
    store = ProfileStore()
    with store.locked(name):
        removed = store.delete(name)
    key = "auth_logged_out" if removed else "auth_nothing_stored"
    say(i18n.text(key, lang, profile=name, path=store.path(name)), err=False)


AUTH_EXAMPLE = """

\b
Examples:
  FEISHU_APP_SECRET=... batchbind auth login --app-id cli_a1b2c3
  batchbind auth status
"""


@click.group(epilog=epilog("auth", AUTH_EXAMPLE))
def auth() -> None:
    """Obtain, store and renew the super administrator's token (one profile per tenant)."""


for command in (login_cmd, status_cmd, logout_cmd, import_cmd):
    auth.add_command(command)
