"""`batchbind doctor --notify`: each message target is asked whether it answers, posting nothing;
`--send-test` posts exactly one short message to each. Real CLI against the sandbox, whose
`GET /_sandbox/messages` shows whatever a group would have seen."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
from conftest import MakeSandbox, free_port, run_cli

from batchbind.sandbox import SandboxServer

SECRET = "hook-secret-Zq93kLm"
HOOK_ID = "b1d2c3e4-team-hook"
APP = {"FEISHU_APP_ID": "cli_sandbox", "FEISHU_APP_SECRET": "s-app"}


def tenant(**bots: Any) -> dict[str, Any]:
    hooks = [{"id": HOOK_ID, "secret": SECRET}]
    return {"bots": {"hooks": hooks, "any_hook": False, **bots},
            "directory": {"app_secret": "s-app"}}  # fmt: skip


def hook_url(sandbox: SandboxServer, hook_id: str = HOOK_ID) -> str:
    return f"{sandbox.base_url}/open-apis/bot/v2/hook/{hook_id}"


def messages(sandbox: SandboxServer) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{sandbox.base_url}/_sandbox/messages").json()[
        "messages"
    ]
    return found


def doctor(
    sandbox: SandboxServer, *args: str, env: dict[str, str] | None = None
) -> tuple[int, list[dict[str, Any]], str]:
    """doctor --json against the sandbox: exit code, the notify checks, and stdout + stderr."""
    done = run_cli(
        "doctor", "--base-url", sandbox.base_url, *args, "--json",
        env={"FEISHU_USER_ACCESS_TOKEN": "u-sandbox", **(env or {})},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert report["exit_code"] == done.returncode
    notify = [c for c in report["checks"] if c["name"] == "notify"]
    return done.returncode, notify, done.stdout + done.stderr


def test_a_good_webhook_answers_and_nothing_is_posted(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(tenant())
    log_file = tmp_path / "doctor.log"

    code, [check], output = doctor(
        sandbox, "--notify", hook_url(sandbox), "-v", "--log-file", str(log_file),
        env={"BATCHBIND_NOTIFY_SECRET": SECRET},
    )  # fmt: skip

    assert code == 0, check
    assert check["status"] == "pass"
    assert check["data"] == {
        "target": f"{sandbox.base_url.removeprefix('http://')}/open-apis/bot/v2/hook/b1d2…",
        "kind": "webhook",
        "source": "option",
        "code": "9499",
        "sent": False,
        "proven": False,
    }
    # The inference is said, not hidden: the hook answered, but is not proven.
    assert "nothing was posted" in check["message"]
    assert "not proven without --send-test" in check["message"]
    assert messages(sandbox) == []
    [asked] = [r for r in sandbox.requests() if r["endpoint"] == "bot_hook"]
    assert asked["code"] == 9499
    for place in (output, log_file.read_text(encoding="utf-8")):
        assert HOOK_ID not in place and SECRET not in place


def test_a_gone_hook_fails_with_what_to_do_and_exit_1(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant())

    code, [check], output = doctor(sandbox, "--notify", hook_url(sandbox, "0f9e8d7c-removed"))

    assert code == 1
    assert check["status"] == "fail" and check["data"]["code"] == "19001"
    assert check["data"]["proven"] is True
    assert "the webhook does not exist (19001)" in check["message"]
    assert "Copy the webhook URL again" in check["advice"]
    assert "0f9e8d7c-removed" not in output
    assert messages(sandbox) == []


def test_a_bad_signature_secret_is_unproven_without_send_test_and_fails_with_it(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(tenant())
    wrong = {"BATCHBIND_NOTIFY_SECRET": "not-the-bot-secret"}

    code, [probed], _ = doctor(sandbox, "--notify", hook_url(sandbox), env=wrong)

    # The sandbox, like a Feishu that checks the body first, refuses the empty request with 9499
    # before it looks at the signature: doctor says it does not know, rather than "ok".
    assert code == 0
    assert probed["status"] == "pass" and probed["data"]["proven"] is False
    assert messages(sandbox) == []

    code, [sent], _ = doctor(sandbox, "--notify", hook_url(sandbox), "--send-test", env=wrong)

    assert code == 1
    assert sent["status"] == "fail" and sent["data"]["code"] == "19021"
    assert "the signature was refused (19021)" in sent["message"]
    assert "Set BATCHBIND_NOTIFY_SECRET to the bot's signing secret" in sent["advice"]
    assert messages(sandbox) == []

    unsigned, [missing], _ = doctor(sandbox, "--notify", hook_url(sandbox), "--send-test")

    assert unsigned == 1
    assert "the bot wants a signature (19021) and no signing secret is set" in missing["message"]


def test_an_unreachable_url_fails_naming_the_host(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant())
    port = free_port()
    nobody = f"http://127.0.0.1:{port}/open-apis/bot/v2/hook/nobody-listens"

    code, [check, other], _ = doctor(
        sandbox, "--notify", nobody, "--notify", "https://example.com/hooks/abc"
    )

    assert code == 1
    assert check["status"] == "fail" and check["data"]["code"] == ""
    assert "no answer (ConnectError" in check["message"]
    assert f"reaches 127.0.0.1:{port}" in check["advice"]
    assert other["status"] == "fail" and other["data"]["kind"] == ""
    assert "is not a custom bot's webhook URL" in other["message"]


def test_a_chat_is_checked_with_a_read_that_posts_nothing(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant(chats=["oc_team"]))

    code, checks, output = doctor(
        sandbox, "--notify", "chat:oc_team", "--notify", "chat:oc_elsewhere", env=APP
    )

    assert code == 1
    inside, outside = checks
    assert inside["status"] == "pass" and inside["data"]["kind"] == "chat"
    assert "the app's bot is in this group" in inside["message"]
    assert "im:message:send_as_bot, which only --send-test proves" in inside["message"]
    assert outside["status"] == "fail"
    assert "the app's bot is not in this group" in outside["message"]
    assert "Settings > Bots > Add Bot" in outside["advice"]
    endpoints = [r["endpoint"] for r in sandbox.requests()]
    assert endpoints.count("is_in_chat") == 2 and "im_message" not in endpoints
    assert messages(sandbox) == []
    assert "s-app" not in output

    no_app, [without], _ = doctor(sandbox, "--notify", "chat:oc_team")

    assert no_app == 1
    assert "needs the app's ID and secret" in without["message"]
    assert "FEISHU_APP_ID" in without["advice"]


def test_an_app_without_a_scope_to_read_groups_is_a_warning(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant(reads_chats=False))

    code, [check], _ = doctor(sandbox, "--notify", "chat:oc_team", env=APP)

    assert code == 0  # run's message may still get through: only --send-test can tell
    assert check["status"] == "warn" and check["data"]["code"] == "99991672"
    assert "im:chat:readonly" in check["message"] and "--send-test" in check["advice"]
    assert messages(sandbox) == []


def test_send_test_posts_exactly_one_message_to_each_target(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant(chats=["oc_team"]))

    code, checks, _ = doctor(
        sandbox, "--notify", hook_url(sandbox), "--notify", "chat:oc_team", "--send-test",
        "--lang", "zh", env={**APP, "BATCHBIND_NOTIFY_SECRET": SECRET},
    )  # fmt: skip

    assert code == 0, checks
    assert [c["status"] for c in checks] == ["pass", "pass"]
    assert all(c["data"]["sent"] and c["data"]["proven"] for c in checks)
    assert "测试消息已发送（代码 0）" in checks[0]["message"]
    hook, chat = messages(sandbox)
    assert hook["via"] == "hook" and hook["signed"] is True and hook["msg_type"] == "text"
    assert chat["via"] == "app" and chat["chat_id"] == "oc_team"
    for message in (hook, chat):
        assert message["content"]["text"].startswith("batchbind doctor：测试消息")


def test_the_stored_targets_are_checked_unless_under_sandbox(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant())
    added = run_cli(
        "notify", "add", hook_url(sandbox), env={"BATCHBIND_NOTIFY_SECRET": "stale-secret"}
    )
    assert added.returncode == 0, added.stderr

    code, [stored], _ = doctor(sandbox)

    assert code == 0
    assert stored["data"]["source"] == "stored" and stored["data"]["sent"] is False
    assert messages(sandbox) == []

    code, [sent], _ = doctor(sandbox, "--send-test")

    assert code == 1
    assert "notify add URL" in sent["advice"]  # the stored secret is the one to fix
    assert messages(sandbox) == []

    rehearsal = run_cli("doctor", "--sandbox", "--json")
    refused = run_cli("doctor", "--sandbox", "--send-test")
    run_cli("sandbox", "stop")

    assert rehearsal.returncode == 0, rehearsal.stderr
    assert [c for c in json.loads(rehearsal.stdout)["checks"] if c["name"] == "notify"] == []
    assert refused.returncode == 2
    assert "--send-test needs a target" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_checklist_line_in_chinese_and_english(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(tenant())
    env = {"FEISHU_USER_ACCESS_TOKEN": "u-sandbox"}
    gone = hook_url(sandbox, "0f9e8d7c-removed")

    zh = run_cli(
        "doctor", "--base-url", sandbox.base_url, "--notify", gone, "--lang", "zh", env=env
    )
    en = run_cli("doctor", "--base-url", sandbox.base_url, "--notify", gone, env=env)

    assert zh.returncode == en.returncode == 1
    assert "[失败] 通知目标：" in zh.stdout and "webhook 不存在（19001）" in zh.stdout
    assert "[FAIL] message target: " in en.stdout
    assert "0f9e8d7c-removed" not in zh.stdout + zh.stderr + en.stdout + en.stderr


def test_stored_settings_others_may_read_fail_the_check_but_not_a_notify_option(
    make_sandbox: MakeSandbox,
) -> None:
    sandbox = make_sandbox(tenant())
    assert run_cli("notify", "add", hook_url(sandbox)).returncode == 0
    stored = Path(os.environ["BATCHBIND_CONFIG_DIR"]) / "notify" / "default.json"
    stored.chmod(0o644)

    code, [refused], _ = doctor(sandbox)
    given, [checked], _ = doctor(sandbox, "--notify", hook_url(sandbox))

    assert code == 1
    assert refused["status"] == "fail" and str(stored) in refused["message"]
    assert given == 0 and checked["status"] == "pass"
