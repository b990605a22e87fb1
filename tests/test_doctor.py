"""`batchbind doctor`: a checklist of whether this machine and tenant are ready for `run`, against
the sandbox with the real CLI; it binds nothing, and exits 0 only when nothing `run` needs failed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from conftest import ADMIN, MakeSandbox, run_cli, write_input
from oauth_flow import grant, import_grant

from batchbind.feishu.network import proxy_for

FULL = (
    "calendar:exchange.bindings:create calendar:exchange.bindings:read "
    "calendar:exchange.bindings:delete contact:user.email:readonly "
    "contact:user.employee_id:readonly offline_access"
)
NAMES = [
    "network.proxy",
    "network.reachable",
    "network.tls",
    "token.present",
    "token.valid",
    "token.renewal",
    "administrator",
    "scopes",
]


def doctor(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = run_cli("doctor", *args, "--json", env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def test_a_good_profile_passes_and_nothing_is_bound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    import_grant(sandbox, grant(sandbox, FULL))
    rows = [(ADMIN, f"p{i}@corp.example", f"ou_p{i}") for i in range(2000)]
    source = write_input(tmp_path / "in.csv", rows)

    code, report = doctor(source)

    assert code == 0, report
    # The --json shape scripts rely on.
    assert set(report) == {"command", "ready", "exit_code", "host", "profile", "checks"}
    assert report["command"] == "doctor" and report["ready"] is True and report["exit_code"] == 0
    assert report["host"] == sandbox.base_url and report["profile"] == "default"
    assert [c["name"] for c in report["checks"]] == [*NAMES, "input.read", "input.duration"]
    for check in report["checks"]:
        assert set(check) == {"name", "status", "message", "advice", "data"}
        assert check["status"] in ("pass", "skip"), check
    found = checks(report)
    assert found["network.tls"]["status"] == "skip"  # plain HTTP to loopback
    assert found["network.proxy"]["data"] == {"proxy": None}
    assert found["token.renewal"]["data"]["possible"] is True
    assert found["scopes"]["status"] == "pass"
    assert found["scopes"]["data"]["lacking"] == {
        "run": [],
        "status": [],
        "unbind": [],
        "fields": [],
    }
    assert found["input.read"]["data"]["to_send"] == 2000
    # 2000 rows at the ceiling of 1000 a minute: 120 s.
    assert found["input.duration"]["data"]["seconds"] == 120
    assert "2 min" in found["input.duration"]["message"]
    endpoints = [r["endpoint"] for r in sandbox.requests()]
    assert "create" not in endpoints and "delete" not in endpoints

    human = run_cli("doctor", source)
    assert human.returncode == 0
    assert "Ready: everything 'run' needs passed." in human.stdout
    assert "[ok  ] super administrator:" in human.stdout


def test_an_expired_token_that_cannot_be_renewed_fails_with_the_login_to_run(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox({"oauth": {"access_lifetime_s": 1}})
    import_grant(sandbox, grant(sandbox, FULL.replace(" offline_access", "")))  # no refresh token
    time.sleep(1.2)

    code, report = doctor()

    assert code == 1
    found = checks(report)
    assert found["token.present"]["status"] == "pass"
    valid = found["token.valid"]
    assert valid["status"] == "fail"
    assert "99991677" in valid["message"] and "no refresh token" in valid["message"]
    assert "batchbind auth login" in valid["advice"]
    assert found["token.renewal"]["status"] == "warn"
    assert found["administrator"]["status"] == "skip"


def test_a_token_that_is_not_the_super_administrators_fails(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox({"oauth": {"role": "user"}})
    import_grant(sandbox, grant(sandbox, FULL))

    result = run_cli("doctor")

    assert result.returncode == 1
    assert "[FAIL] super administrator: Feishu answered 195101" in result.stdout
    assert "super administrator" in result.stdout.split("195101", 1)[1]  # the advice
    assert "Not ready: 1 check(s) failed" in result.stdout


def test_a_token_whose_scopes_lack_the_create_scope_fails_naming_it(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox()
    import_grant(sandbox, grant(sandbox, "offline_access calendar:exchange.bindings:read"))

    code, report = doctor()

    assert code == 1
    scopes = checks(report)["scopes"]
    assert scopes["status"] == "fail"
    assert "calendar:exchange.bindings:create" in scopes["message"]
    assert scopes["data"]["lacking"]["run"] == ["calendar:exchange.bindings:create"]
    assert (
        "batchbind auth login --scope calendar:exchange.bindings:create "
        "--scope calendar:exchange.bindings:delete" in scopes["advice"]
    )
    assert checks(report)["administrator"]["status"] == "pass"


def test_a_status_query_refused_for_a_scope_fails_with_the_console_and_the_login(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox({"scopes": {"missing": ["calendar:exchange.bindings:read"]}})
    env = {"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"}  # its scopes are not known: Feishu says

    code, report = doctor("--base-url", sandbox.base_url, env=env)

    assert code == 1
    scopes = checks(report)["scopes"]
    assert scopes["status"] == "fail" and "99991672" in scopes["message"]
    assert "calendar:exchange.bindings:read" in scopes["message"]
    assert "developer console" in scopes["advice"]
    assert "batchbind auth login --scope calendar:exchange.bindings:read" in scopes["advice"]
    assert checks(report)["token.renewal"]["status"] == "warn"  # from the environment


def test_an_unreadable_input_fails_and_no_token_says_to_log_in(tmp_path: Path) -> None:
    broken = tmp_path / "in.xlsx"
    broken.write_bytes(b"this is not a workbook")

    result = run_cli("doctor", broken, "--base-url", "http://127.0.0.1:9")

    assert result.returncode == 1, result.stderr
    assert "[FAIL] input: " in result.stdout and "in.xlsx" in result.stdout
    assert "[FAIL] token: No access token for profile 'default'" in result.stdout
    assert "-> Log in as the super administrator: 'batchbind auth login" in result.stdout
    assert "[FAIL] network: cannot reach http://127.0.0.1:9" in result.stdout


def test_doctor_speaks_chinese(tmp_path: Path) -> None:
    result = run_cli("doctor", tmp_path / "missing.csv", "--base-url", "http://127.0.0.1:9",
                     "--lang", "zh")  # fmt: skip
    assert result.returncode == 1
    assert "[失败] 输入文件：" in result.stdout and "未就绪" in result.stdout


def test_the_proxy_in_use_is_shown_without_its_password(monkeypatch: Any) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    assert proxy_for("https://open.feishu.cn") == "http://proxy.corp.example:3128"
    assert proxy_for("https://api.internal.example") is None
    assert proxy_for("http://127.0.0.1:8900") is None
