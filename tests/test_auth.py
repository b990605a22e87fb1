"""`batchbind auth`: login (browser redirect or pasted URL), import, status, logout; profiles and
the order in which credentials are chosen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import ADMIN, FAST_LIMITS, FAST_RATES, MakeSandbox, free_port, run_cli, write_input
from oauth_flow import (
    APP_ID,
    APP_SECRET,
    bb,
    grant,
    import_grant,
    is_private,
    profile_path,
    requests_of,
)

from batchbind.sandbox import SandboxServer

ROWS = [(ADMIN, "alice@corp.example", "ou_alice"), (ADMIN, "bob@corp.example", "ou_bob")]


def start_login(sandbox: SandboxServer, port: int, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "batchbind", "auth", "login", "--base-url", sandbox.base_url]
    command += ["--app-id", APP_ID, "--port", str(port), "--no-browser", "--timeout", "20", *extra]
    return subprocess.Popen(
        command,
        env={**os.environ, "FEISHU_APP_SECRET": APP_SECRET},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def consent_url(login: subprocess.Popen[str]) -> str:
    """The authorize address `auth login` prints (on stderr), as a person would copy it."""
    assert login.stderr is not None
    for line in login.stderr:
        if "/open-apis/authen/v1/authorize?" in line:
            return line.strip()
    raise AssertionError("auth login printed no address")


# -- login ----------------------------------------------------------------------------------------


def test_login_through_the_loopback_redirect(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    port = free_port()
    login = start_login(sandbox, port)
    url = consent_url(login)
    assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fcallback" in url
    assert "code_challenge_method=S256" in url and "offline_access" in url

    # The browser: the sandbox approves at once and redirects to batchbind's listener.
    landing = httpx.get(url, follow_redirects=True)
    out, err = login.communicate(timeout=20)

    assert landing.status_code == 200 and "logged in" in landing.text
    assert login.returncode == 0, err
    assert "Logged in as Sandbox Admin" in out and "refresh: yes" in out
    assert is_private(profile_path())
    stored = json.loads(profile_path().read_text())
    assert stored["host"] == sandbox.base_url
    assert stored["refresh_token"].startswith("ur-")
    assert [r["endpoint"] for r in sandbox.requests()] == ["authorize", "token", "user_info"]
    assert stored["access_token"] not in out + err and stored["refresh_token"] not in out + err


def test_login_with_the_redirected_url_pasted_back(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    login = start_login(sandbox, free_port(), "--profile", "acme")
    url = consent_url(login)
    # The browser runs elsewhere: the redirect fails there, the person copies its address.
    redirected = httpx.get(url, follow_redirects=False).headers["location"]
    out, err = login.communicate(redirected + "\n", timeout=20)

    assert login.returncode == 0, err
    assert "profile 'acme'" in out
    status = bb("auth", "status", "--profile", "acme")
    assert status.exit_code == 0, status.output
    assert "user: Sandbox Admin (ou_sandbox_admin)" in status.output


def test_login_with_a_wrong_app_secret_exits_1(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox({"oauth": {"app_secret": "another-secret"}})
    login = start_login(sandbox, free_port())
    redirected = httpx.get(consent_url(login), follow_redirects=False).headers["location"]
    _out, err = login.communicate(redirected + "\n", timeout=20)

    assert login.returncode == 1
    assert "Error:" in err and "client_secret" in err
    assert not profile_path().exists()


def test_login_without_app_credentials_exits_1() -> None:
    result = bb("auth", "login", "--base-url", "http://127.0.0.1:9", "--no-browser")
    assert result.exit_code == 1
    assert "FEISHU_APP_SECRET" in result.output


# -- import, status, logout -----------------------------------------------------------------------


def test_import_status_logout(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    data = grant(sandbox)
    imported = import_grant(sandbox, data)
    assert "Token imported as Sandbox Admin" in imported.output
    assert is_private(profile_path())

    status = bb("auth", "status")
    assert status.exit_code == 0, status.output
    assert f"host: {sandbox.base_url}" in status.output
    assert f"app: {APP_ID}" in status.output and "refresh: yes" in status.output
    as_json = json.loads(bb("auth", "status", "--json").output)
    assert as_json["usable"] is True and as_json["refresh_possible"] is True
    for secret in (data["access_token"], data["refresh_token"], APP_SECRET):
        assert secret not in status.output + imported.output + json.dumps(as_json)

    logout = bb("auth", "logout")
    assert logout.exit_code == 0 and "removed" in logout.output
    assert not profile_path().exists()
    after = bb("auth", "status")
    assert after.exit_code == 1 and "auth login" in after.output
    assert bb("auth", "logout").exit_code == 0  # nothing left: says so, still fine


def test_a_bare_token_imports_without_refresh(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    result = bb("auth", "import", "--base-url", sandbox.base_url, stdin="u-sandbox\n")
    assert result.exit_code == 0, result.output
    status = bb("auth", "status")
    assert status.exit_code == 0  # expiry unknown: usable until Feishu says otherwise
    assert "expiry unknown" in status.output and "refresh: no (no refresh token" in status.output


def test_an_expired_token_without_refresh_makes_status_exit_1(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    stale = json.dumps({"access_token": "u-old", "expires_in": 7200})
    assert bb("auth", "import", "--base-url", sandbox.base_url, stdin=stale).exit_code == 0
    path = profile_path()
    stored = json.loads(path.read_text())
    stored["expires_at"] = time.time() - 60
    path.write_text(json.dumps(stored))  # keeps its 0600 mode

    status = bb("auth", "status")
    assert status.exit_code == 1
    assert "expired at" in status.output and "refresh: no" in status.output


@pytest.mark.parametrize("text", ["", "{not json", "two words"])
def test_import_refuses_what_is_not_a_token(text: str) -> None:
    result = bb("auth", "import", stdin=text)
    assert result.exit_code == 1 and "Error:" in result.output
    assert not profile_path().exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_profile_others_can_read_is_refused(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    import_grant(sandbox, grant(sandbox))
    path = profile_path()
    path.chmod(0o644)
    before = len(sandbox.requests())

    status = bb("auth", "status")
    assert status.exit_code == 1
    assert f"chmod 600 {path}" in status.output

    source = write_input(tmp_path / "in.csv", ROWS)
    run = bb("run", source, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    assert run.exit_code == 2 and f"chmod 600 {path}" in run.output
    assert len(sandbox.requests()) == before  # nothing was sent


# -- which credentials a run uses ----------------------------------------------------------------


def test_precedence_token_then_environment_then_profile(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tokens": {"u-old": "expired"}})
    import_grant(sandbox, grant(sandbox))  # a valid profile
    source = write_input(tmp_path / "in.csv", ROWS)
    args = ["run", str(source), "--state", str(tmp_path / "j.sqlite"), *FAST_RATES]

    here = ("--base-url", sandbox.base_url)
    env_wins = bb(*args, *here, env={"FEISHU_USER_ACCESS_TOKEN": "u-old"})
    assert env_wins.exit_code == 3 and "99991677" in env_wins.output  # not the profile's token
    assert "FEISHU_USER_ACCESS_TOKEN" in env_wins.output  # why it cannot be renewed

    token_wins = bb(*args, *here, "--token", "u-sandbox", env={"FEISHU_USER_ACCESS_TOKEN": "u-old"})
    assert token_wins.exit_code == 0, token_wins.output
    assert "process list" in token_wins.output

    more = write_input(tmp_path / "more.csv", [(ADMIN, "carol@corp.example", "ou_carol")])
    # No token given: the profile's, on the host it remembers.
    profile_used = bb("run", more, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    assert profile_used.exit_code == 0, profile_used.output
    assert len(requests_of(sandbox, "create")) == 3


def test_a_profile_is_never_sent_to_another_host(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    home = make_sandbox({"limits": FAST_LIMITS})
    elsewhere = make_sandbox({"limits": FAST_LIMITS})
    import_grant(home, grant(home))
    before = len(home.requests())
    source = write_input(tmp_path / "in.csv", ROWS)

    result = bb("run", source, "--base-url", elsewhere.base_url, "--state", tmp_path / "j")

    assert result.exit_code == 2
    assert f"belongs to {home.base_url}" in result.output
    assert f"never sends its token to {elsewhere.base_url}" in result.output
    assert elsewhere.requests() == [] and len(home.requests()) == before
    lark = bb("run", source, "--domain", "lark", "--state", tmp_path / "j")
    assert lark.exit_code == 2 and "https://open.larksuite.com" in lark.output


def test_profiles_keep_tenants_apart(make_sandbox: MakeSandbox, tmp_path: Path) -> None:
    first = make_sandbox({"limits": FAST_LIMITS})
    second = make_sandbox({"limits": FAST_LIMITS})
    import_grant(first, grant(first), profile="one")
    import_grant(second, grant(second), profile="two")
    source = write_input(tmp_path / "in.csv", ROWS)

    for profile, sandbox in (("one", first), ("two", second)):
        result = bb("run", source, "--profile", profile, "--state", tmp_path / f"{profile}.db")
        assert result.exit_code == 0, result.output
        assert len(requests_of(sandbox, "create")) == 2


# -- seams (issue 12): names, tokens and lifetimes that could escape or crash ------------------


@pytest.mark.parametrize("name", ["../../escaped", "..", "a/b", "/abs"])
def test_a_profile_name_is_checked_even_when_the_token_comes_from_elsewhere(
    make_sandbox: MakeSandbox, tmp_path: Path, name: str
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "in.csv", ROWS)
    data = Path(os.environ["BATCHBIND_DATA_DIR"])
    before = {p for p in tmp_path.parent.rglob("*")}
    env = {"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"}
    attempts = [
        ("run", source, "--base-url", sandbox.base_url, *FAST_RATES),
        ("run", source, "--sandbox", *FAST_RATES),
        ("status", source, "--base-url", sandbox.base_url),
        ("report",),
        ("journal",),
    ]
    for args in attempts:
        result = run_cli(*args, "--profile", name, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert "Profile name" in result.stderr and "Traceback" not in result.stderr
    assert requests_of(sandbox, "create") == []
    assert {p for p in tmp_path.parent.rglob("*")} - before <= {p for p in data.rglob("*")}
    assert not (data / "journals").exists()  # nothing created, inside or outside


@pytest.mark.parametrize("token", ["u-sandbox\r", "  u-sandbox\n", "\tu-sandbox \r\n"])
def test_a_token_with_surrounding_whitespace_is_used_trimmed(
    make_sandbox: MakeSandbox, tmp_path: Path, token: str
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "in.csv", ROWS)
    common = ("--base-url", sandbox.base_url, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    from_env = run_cli("run", source, *common, env={"FEISHU_USER_ACCESS_TOKEN": token})
    assert from_env.returncode == 0, from_env.stderr
    from_option = run_cli("run", source, *common, "--token", token)
    assert from_option.returncode == 0, from_option.stderr
    imported = bb("auth", "import", "--base-url", sandbox.base_url, stdin=token)
    assert imported.exit_code == 0, imported.output
    assert json.loads(profile_path().read_text())["access_token"] == "u-sandbox"


@pytest.mark.parametrize("token", ["u-sand\rbox", "u-sand\x00box", "u-sand box", "u-sand\x1bbox"])
def test_a_token_with_a_control_character_inside_is_refused_in_one_sentence(
    make_sandbox: MakeSandbox, tmp_path: Path, token: str
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tokens": {token: "super_admin"}})
    source = write_input(tmp_path / "in.csv", ROWS)
    common = ("--base-url", sandbox.base_url, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    outcomes = []
    if "\x00" not in token:  # the environment cannot hold a NUL
        outcomes.append(run_cli("run", source, *common, env={"FEISHU_USER_ACCESS_TOKEN": token}))
        outcomes.append(run_cli("run", source, *common, "--token", token))
    for done in outcomes:
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr and "one word" in done.stderr
        assert token not in done.stderr and "sand" not in done.stderr.replace("--sandbox", "")
    imported = bb("auth", "import", "--base-url", sandbox.base_url, "--no-check",
                  stdin=json.dumps({"access_token": token}))  # fmt: skip
    assert imported.exit_code == 1 and "one word" in imported.output, imported.output
    assert not profile_path().exists()
    # A profile edited by hand (or saved by an older batchbind) is refused the same way.
    assert (
        bb("auth", "import", "--base-url", sandbox.base_url, "--no-check", stdin="u-x").exit_code
        == 0
    )
    stored = json.loads(profile_path().read_text())
    profile_path().write_text(json.dumps({**stored, "access_token": token}))
    run = run_cli("run", source, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    assert run.returncode == 3 and "one word" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert requests_of(sandbox, "create") == []


@pytest.mark.parametrize(
    "lifetimes",
    [
        {"expires_in": 1e300},
        {"expires_in": "nan"},
        {"expires_in": "inf"},
        {"expires_in": -5},
        {"expires_in": 7200, "refresh_token": "ur-x", "refresh_token_expires_in": "nan"},
    ],
)
def test_an_imported_token_with_an_impossible_lifetime_is_refused_before_saving(
    make_sandbox: MakeSandbox, lifetimes: dict[str, object]
) -> None:
    sandbox = make_sandbox()
    answer = json.dumps({"access_token": "u-sandbox", **lifetimes})
    imported = bb("auth", "import", "--base-url", sandbox.base_url, stdin=answer)
    assert imported.exit_code == 1, imported.output
    assert "Error:" in imported.output and "Traceback" not in imported.output
    assert "lifetime" in imported.output
    assert not profile_path().exists()
    status = bb("auth", "status")
    assert status.exit_code == 1 and "Traceback" not in status.output


@pytest.mark.parametrize("expires_at", [1e300, "nan", float("inf")])
def test_a_stored_profile_with_an_impossible_expiry_is_refused_not_a_crash(
    make_sandbox: MakeSandbox, tmp_path: Path, expires_at: object
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    assert bb("auth", "import", "--base-url", sandbox.base_url, stdin="u-sandbox").exit_code == 0
    stored = json.loads(profile_path().read_text())
    profile_path().write_text(json.dumps({**stored, "expires_at": expires_at}))
    status = run_cli("auth", "status")
    assert status.returncode == 1, status.stderr
    assert "damaged" in status.stderr and "Traceback" not in status.stderr
    source = write_input(tmp_path / "in.csv", ROWS)
    run = run_cli("run", source, "--state", tmp_path / "j.sqlite", *FAST_RATES)
    assert run.returncode == 2, run.stderr
    assert "damaged" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_folders_made_for_profiles_are_owner_only(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    old = os.umask(0o022)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "batchbind", "auth", "import", "--base-url", sandbox.base_url,
             "--no-check"],
            input="u-sandbox\n", capture_output=True, text=True, check=False,
            env={**os.environ, "BATCHBIND_CONFIG_DIR": str(profile_path().parent.parent / "a" / "b")},
        )  # fmt: skip
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    made = profile_path().parent.parent / "a"
    for folder in (made, made / "b", made / "b" / "profiles"):
        assert is_private(folder), folder


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_login_page_escapes_what_the_redirect_carries_and_speaks_the_users_language(
    lang: str,
) -> None:
    from batchbind.auth.loopback import LoginFailed, listening

    port = free_port()
    hostile = "<script>alert(1)</script>"
    with listening(port, lang) as results:
        answer = httpx.get(
            f"http://127.0.0.1:{port}/callback",
            params={"error": "access_denied", "error_description": hostile},
        )
        refused = results.get(timeout=5)
        ok = httpx.get(f"http://127.0.0.1:{port}/callback", params={"code": "c", "state": "s"})
        results.get(timeout=5)
    assert isinstance(refused, LoginFailed)
    assert answer.status_code == 400
    assert hostile not in answer.text and "&lt;script&gt;" in answer.text
    assert ok.status_code == 200
    if lang == "zh":
        assert "登录" in ok.text and "logged in" not in ok.text
        assert "could not log in" not in answer.text
    else:
        assert "batchbind is logged in" in ok.text
