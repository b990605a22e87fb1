"""Getting real tokens from the sandbox's OAuth endpoints, the way a browser and Feishu would.

Shared by the auth, refresh and secrets tests: the consent page is driven with httpx (the sandbox
approves at once), the code exchanged with PKCE, and the grant stored with `auth import`.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from click.testing import CliRunner, Result

from batchbind.auth.oauth import AUTHORIZE_PATH, TOKEN_PATH, challenge_for
from batchbind.cli import cli
from batchbind.sandbox import SandboxServer

APP_ID = "cli_sandbox"
APP_SECRET = "sandbox-secret"
APP_ENV = {"FEISHU_APP_ID": APP_ID, "FEISHU_APP_SECRET": APP_SECRET}
VERIFIER = "test-verifier-" + "x" * 40


def grant(
    sandbox: SandboxServer, scope: str = "offline_access", *, app_secret: str = APP_SECRET
) -> dict[str, Any]:
    """The token endpoint's JSON answer for a fresh authorization (a code, exchanged)."""
    redirect = "http://127.0.0.1:9/callback"
    consent = httpx.get(
        sandbox.base_url + AUTHORIZE_PATH,
        params={
            "client_id": APP_ID,
            "redirect_uri": redirect,
            "scope": scope,
            "state": "s1",
            "code_challenge": challenge_for(VERIFIER),
            "code_challenge_method": "S256",
        },
        follow_redirects=False,
    )
    assert consent.status_code == 302, consent.text
    code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
    answer = httpx.post(
        sandbox.base_url + TOKEN_PATH,
        json={
            "grant_type": "authorization_code",
            "client_id": APP_ID,
            "client_secret": app_secret,
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": VERIFIER,
        },
    )
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def refresh_by_hand(sandbox: SandboxServer, refresh_token: str) -> dict[str, Any]:
    answer = httpx.post(
        sandbox.base_url + TOKEN_PATH,
        json={
            "grant_type": "refresh_token",
            "client_id": APP_ID,
            "client_secret": APP_SECRET,
            "refresh_token": refresh_token,
        },
    )
    data: dict[str, Any] = answer.json()
    return data


def bb(*args: str | Path, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin, env=env)


def import_grant(
    sandbox: SandboxServer, data: dict[str, Any], *, profile: str = "default"
) -> Result:
    """`auth import` of a token endpoint answer, with the app's credentials stored alongside."""
    result = bb(
        "auth",
        "import",
        "--profile",
        profile,
        "--base-url",
        sandbox.base_url,
        "--app-id",
        APP_ID,
        stdin=json.dumps(data),
        env={"FEISHU_APP_SECRET": APP_SECRET},
    )
    assert result.exit_code == 0, result.output
    return result


def profile_path(profile: str = "default") -> Path:
    return Path(os.environ["BATCHBIND_CONFIG_DIR"]) / "profiles" / f"{profile}.json"


def is_private(path: Path) -> bool:
    return not path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)


def requests_of(sandbox: SandboxServer, *endpoints: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["endpoint"] in endpoints]
