"""Scopes: `auth login` asks for what binding needs; a call refused for a missing scope stops the
run (exit 3, rows pending) naming the scopes Feishu asked for and the command that fixes it; the
sandbox plays a tenant whose tokens lack a scope."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    MakeSandbox,
    free_port,
    read_results,
    run_cli,
    write_input,
)
from oauth_flow import grant, import_grant, profile_path, requests_of
from test_auth import consent_url, start_login

from batchbind.auth.scopes import login_command, missing_scope_stop, named_scopes, to_ask_for
from batchbind.errors import ScenarioError
from batchbind.sandbox.scenario import scenario_from_dict

CREATE = "calendar:exchange.bindings:create"
READ = "calendar:exchange.bindings:read"
DELETE = "calendar:exchange.bindings:delete"
#: What issue 17 says a login asks for by default, in this order.
DEFAULTS = [
    CREATE,
    READ,
    DELETE,
    "contact:user.email:readonly",
    "contact:user.employee_id:readonly",
    "offline_access",
]
ROWS = [(ADMIN, f"p{i}@corp.example", f"ou_p{i}") for i in range(3)]


def test_login_asks_for_the_binding_scopes_and_scope_adds_more(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox()
    login = start_login(sandbox, free_port(), "--scope", "calendar:calendar:readonly")
    url = consent_url(login)
    asked = parse_qs(urlsplit(url).query)["scope"][0]

    assert asked.split(" ") == [*DEFAULTS, "calendar:calendar:readonly"]  # space-separated
    landing = httpx.get(url, follow_redirects=True)
    _out, err = login.communicate(timeout=20)
    assert landing.status_code == 200 and login.returncode == 0, err
    # Feishu's token answer says what the token carries: kept with the profile (doctor reads it).
    assert json.loads(profile_path().read_text())["scope"] == asked


def test_a_token_without_the_binding_scope_stops_the_run_and_a_login_with_it_fixes_it(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "scopes": {"missing": [CREATE]}})
    # The token of an older login, which asked only for renewal and the status call.
    import_grant(sandbox, grant(sandbox, f"offline_access {READ}"))
    source = write_input(tmp_path / "in.csv", ROWS)
    out = tmp_path / "r.csv"
    args = ("run", source, "--out", out, *FAST_RATES)

    stopped = run_cli(*args)

    said = stopped.stdout + stopped.stderr
    assert stopped.returncode == 3, said
    assert "99991672" in said and "Traceback" not in said
    assert f"The token needs: {CREATE}." in said
    assert f"'batchbind auth login --scope {CREATE}'" in said
    assert "developer console" in said  # 99991672: the app lacks it
    assert [r["outcome"] for r in read_results(out)] == ["pending"] * 3
    assert requests_of(sandbox, "create") and all(
        r["code"] == 99991672 for r in requests_of(sandbox, "create")
    )

    # The fix, as the stop says: log in again (asking for the scope), then the same command.
    login = start_login(sandbox, free_port(), "--scope", CREATE)
    httpx.get(consent_url(login), follow_redirects=True)
    _out, err = login.communicate(timeout=20)
    assert login.returncode == 0, err
    again = run_cli(*args)

    assert again.returncode == 0, again.stdout + again.stderr
    assert [r["outcome"] for r in read_results(out)] == ["bound"] * 3


def test_a_scope_the_user_never_granted_names_the_login_only(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"scopes": {"missing": [READ], "code": 99991679}})
    source = write_input(tmp_path / "in.csv", ROWS)
    out = tmp_path / "r.csv"

    result = run_cli(
        "run", source, "--base-url", sandbox.base_url, "--out", out, "--profile", "acme",
        env={"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"},
    )  # fmt: skip

    said = result.stdout + result.stderr
    assert result.returncode == 3, said
    assert f"The token needs: {READ}." in said  # Feishu's list names two: the narrow one is asked
    assert (
        f"Log in again and approve it: 'batchbind auth login --profile acme --scope {READ}'" in said
    )
    assert "developer console" not in said
    assert [r["endpoint"] for r in sandbox.requests()] == ["get"]  # the preflight only
    assert [r["outcome"] for r in read_results(out)] == ["pending"] * 3


@pytest.mark.parametrize(
    ("msg", "error", "named"),
    [
        # Feishu's shape: the scopes that would do, in brackets.
        (
            "Access denied. One of the following scopes is required: [drive:drive, "
            "calendar:calendar:readonly].",
            None,
            ("drive:drive", "calendar:calendar:readonly"),
        ),
        (
            "Unauthorized. required scopes: contact:user.email:readonly",
            None,
            ("contact:user.email:readonly",),
        ),
        # error.permission_violations first (its shape is not documented: any scope in it).
        (
            "Access denied: see https://open.feishu.cn/app/cli_x/auth?q=a:b",
            {"permission_violations": [{"type": "action_scope_required", "subject": CREATE}]},
            (CREATE,),
        ),
        # A link, a time or a sentence is never taken for a scope.
        ("Access denied: see https://open.feishu.cn/x at 12:30", None, ()),
        ("应用尚未开通所需的权限：[calendar:calendar]", None, ("calendar:calendar",)),
    ],
)
def test_the_scopes_a_refusal_names(msg: str, error: object, named: tuple[str, ...]) -> None:
    assert named_scopes(msg, error) == named


def test_what_to_ask_for_and_the_command() -> None:
    assert to_ask_for(["calendar:calendar", CREATE], "create") == (CREATE,)
    assert to_ask_for(["calendar:calendar"], "create") == ("calendar:calendar",)
    assert to_ask_for([], "delete") == (DELETE,)
    assert to_ask_for([], "lookup") == ()
    assert (
        login_command([CREATE], "acme") == f"batchbind auth login --profile acme --scope {CREATE}"
    )


def test_a_scenario_refuses_an_unknown_scope_code() -> None:
    with pytest.raises(ScenarioError, match=r"scopes\.code"):
        scenario_from_dict({"scopes": {"missing": [CREATE], "code": 190006}})


def test_the_app_tokens_lookup_refused_for_a_scope_names_the_console_not_a_login() -> None:
    stop = missing_scope_stop(
        code=99991672,
        msg="Access denied. One of the following scopes is required: [contact:user.id:readonly].",
        named=("contact:user.id:readonly",),
        endpoint="lookup",
        lang="en",
    )
    assert "The token needs: contact:user.id:readonly." in stop.message
    assert "app identity" in stop.hint and "auth login" not in stop.hint
    assert stop.exit_code == 3


def test_unbind_without_the_delete_scope_stops_and_leaves_the_rows_bound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "scopes": {"missing": [DELETE]}})
    source = write_input(tmp_path / "in.csv", ROWS)
    out = tmp_path / "r.csv"
    env = {"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"}
    where = ("--base-url", sandbox.base_url, "--state", tmp_path / "j.sqlite")
    bound = run_cli("run", source, *where, "--out", out, *FAST_RATES, env=env)
    assert bound.returncode == 0, bound.stderr

    result = run_cli("unbind", out, *where, "--yes", *FAST_RATES, env=env)

    said = result.stdout + result.stderr
    assert result.returncode == 3, said
    assert f"The token needs: {DELETE}." in said
    assert f"'batchbind auth login --scope {DELETE}'" in said
    assert [r["outcome"] for r in read_results(out)] == ["bound"] * 3
    assert len(sandbox.bindings()) == 3


def test_every_tracker_call_knows_the_scopes_that_let_a_user_make_it() -> None:
    # A call missing here was refused with "enable it in the console" where logging in again
    # asking for the scope is the fix (a Sheet's title, `sheets.meta`, was missing).
    from batchbind.auth.scopes import ENDPOINT_SCOPES
    from batchbind.tracker.calls import BUDGETS

    assert sorted(set(BUDGETS) - set(ENDPOINT_SCOPES)) == []
