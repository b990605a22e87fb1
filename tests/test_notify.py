"""`--notify`: one message to the group after every run, end to end (real CLI, real sandbox).

The sandbox's webhook checks the signature as the shared docs describe it and keeps every message
it took (`GET /_sandbox/messages`), so each test reads the card the group would see.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    free_port,
    run_cli,
    spawn_cli,
    write_input,
)

from batchbind.errors import InputError
from batchbind.notify.sign import sign
from batchbind.notify.targets import parse_target
from batchbind.sandbox import SandboxServer
from batchbind.store.journal import Journal

SECRET = "hook-secret-Zq93kLm"  # the bot's signing secret
HOOK_ID = "b1d2c3e4-team-hook"
GONE = "ou_gone0000000000000000000000000001"
GONE_TOO = "ou_gone0000000000000000000000000002"


def bots(**hook: Any) -> dict[str, Any]:
    return {"hooks": [{"id": HOOK_ID, **hook}]}


def scenario(**extra: Any) -> dict[str, Any]:
    return {"limits": FAST_LIMITS, "tenant": {"missing_users": [GONE, GONE_TOO]}, **extra}


def hook_url(sandbox: SandboxServer, hook_id: str = HOOK_ID) -> str:
    return f"{sandbox.base_url}/open-apis/bot/v2/hook/{hook_id}"


def messages(sandbox: SandboxServer) -> list[dict[str, Any]]:
    answer = httpx.get(f"{sandbox.base_url}/_sandbox/messages")
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["messages"]
    return found


def card_text(card: dict[str, Any]) -> str:
    """Everything the card shows, title first, one line each."""
    lines = [card["header"]["title"]["content"]]
    for element in card["elements"]:
        if element["tag"] == "div":
            lines.append(element["text"]["content"])
        elif element["tag"] == "note":
            lines.extend(e["content"] for e in element["elements"])
    return "\n".join(lines)


def sheet(tmp_path: Path) -> Path:
    """8 rows: 5 bind, 2 users have left (195100), 1 invalid e-mail."""
    rows = [(ADMIN, f"p{n}@corp.example", f"ou_p{n:030}") for n in range(5)]
    rows += [(ADMIN, "gone1@corp.example", GONE), (ADMIN, "gone2@corp.example", GONE_TOO)]
    rows += [(ADMIN, "not-an-address", "ou_bad00000000000000000000000000000")]
    return write_input(tmp_path / "team-sheet.csv", rows)


def run_args(source: Path, sandbox: SandboxServer, tmp_path: Path, *extra: str) -> list[Any]:
    return [
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "journal.sqlite", *FAST_RATES, *extra,
    ]  # fmt: skip


def notifications(state: Path) -> list[dict[str, Any]]:
    with Journal(state, tenant="", exclusive=False) as journal:
        return journal.notifications()


# -- the message of a run ----------------------------------------------------------------------


def test_a_run_posts_one_signed_card_with_its_counts_and_causes(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(bots=bots(secret=SECRET)))
    source = sheet(tmp_path)

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox)),
        env={"BATCHBIND_NOTIFY_SECRET": SECRET},
    )

    assert done.returncode == 1, done.stderr  # some rows need a person: notified or not
    [message] = messages(sandbox)
    assert message["via"] == "hook" and message["signed"] is True
    assert message["msg_type"] == "interactive"
    text = card_text(message["card"])
    assert text.splitlines()[0] == "Some rows need a person · run team-sheet.csv"
    assert message["card"]["header"]["template"] == "orange"
    assert f"Tenant {sandbox.base_url.removeprefix('http://')} · exit code 1" in text
    assert "bound 5, failed 2, invalid 1" in text
    assert "This run: 7 sent, 5 bound now, 0 answered 429" in text
    assert "2 × user has left or is not in the tenant (195100): This user has left" in text
    assert "(rows 7, 8)" in text
    assert "1 × exchange_account is not an e-mail address (invalid_email):" in text
    assert "(row 9)" in text
    assert f"Results: {tmp_path / 'team-sheet.results.xlsx'}" in text
    assert "@corp.example" not in json.dumps(message)  # no e-mail address goes to the group
    assert "Notified: 127.0.0.1:" in done.stderr and HOOK_ID not in done.stderr
    [record] = notifications(tmp_path / "journal.sqlite")
    assert record["delivered"] == 1 and record["code"] == "0" and record["tries"] == 1
    assert record["run_id"] == 1 and HOOK_ID not in record["target"]

    again = run_cli(  # from the sheet's folder, named without one
        *run_args(
            Path(source.name), sandbox, tmp_path, "--notify", hook_url(sandbox), "--lang", "zh"
        ),
        env={"BATCHBIND_NOTIFY_SECRET": SECRET},
        cwd=tmp_path,
    )

    assert again.returncode == 1, again.stderr
    latest = card_text(messages(sandbox)[-1]["card"])
    assert latest.splitlines()[0] == "部分行需要人工处理 · run team-sheet.csv"
    assert "本次运行：发送 0 个请求，新绑定 0 行" in latest  # bound earlier: nothing sent again
    assert f"结果文件：{tmp_path / 'team-sheet.results.xlsx'}" in latest  # where, from anywhere


def test_a_stopped_run_says_why_what_to_do_and_that_rows_are_pending(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(tokens={"u-not-the-admin": "user"}))
    source = sheet(tmp_path)
    args = run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox))
    args[args.index(SANDBOX_TOKEN)] = "u-not-the-admin"

    done = run_cli(*args)

    assert done.returncode == 3, done.stderr
    [message] = messages(sandbox)
    text = card_text(message["card"])
    assert text.splitlines()[0].startswith("Stopped: needs a person before it can go on · run")
    assert message["card"]["header"]["template"] == "red"
    assert "Why: " in text and "super administrator" in text
    assert "What to do: " in text
    assert "7 rows are pending: running the same command again continues." in text


def test_a_command_refused_before_it_starts_still_tells_the_group(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario())

    done = run_cli(
        *run_args(tmp_path / "missing.csv", sandbox, tmp_path, "--notify", hook_url(sandbox))
    )

    assert done.returncode == 2
    [message] = messages(sandbox)
    text = card_text(message["card"])
    assert text.splitlines()[0] == "Refused: nothing was sent · run missing.csv"
    assert "Why: " in text and "missing.csv" in text


# -- never in the way --------------------------------------------------------------------------


def test_a_refused_signature_leaves_the_exit_code_and_is_said_on_stderr(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "bots": bots(secret=SECRET)})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox)),
        env={"BATCHBIND_NOTIFY_SECRET": "not-the-bot-secret"},
    )

    assert done.returncode == 0, done.stderr  # all bound: the failed message changes nothing
    assert messages(sandbox) == []
    [line] = [x for x in done.stderr.splitlines() if "Notification" in x]
    assert "failed: the signature was refused (19021)" in line
    assert "(the exit code is unchanged)" in line
    assert "Traceback" not in done.stderr
    [record] = notifications(tmp_path / "journal.sqlite")
    assert record["delivered"] == 0 and record["code"] == "19021"


def test_an_unreachable_or_bad_webhook_leaves_the_exit_code_and_loses_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])
    nobody = f"http://127.0.0.1:{free_port()}/open-apis/bot/v2/hook/nobody-listens"
    plain = "http://open.feishu.cn/open-apis/bot/v2/hook/abcdef"

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", nobody, "--notify", plain,
                  "--notify", hook_url(sandbox)),
        env={"BATCHBIND_NOTIFY_RETRY_WAIT": "0.1"},
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    failed = [x for x in done.stderr.splitlines() if x.startswith("Notification to")]
    assert len(failed) == 2
    assert "failed: no answer (ConnectError" in failed[0]
    assert "must start with https://" in failed[1]
    assert len(messages(sandbox)) == 1  # the good target still got its message
    records = notifications(tmp_path / "journal.sqlite")
    assert [r["delivered"] for r in records] == [0, 0, 1]
    assert records[0]["tries"] == 3  # a connection refused never reached anyone: tried again


def test_a_frequency_limit_is_waited_out_and_the_message_posted_once(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "bots": bots(frequency_limited=1)})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])
    env = {"BATCHBIND_NOTIFY_RETRY_WAIT": "0.2"}

    done = run_cli(*run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox)), env=env)

    assert done.returncode == 0, done.stderr
    assert len(messages(sandbox)) == 1
    [record] = notifications(tmp_path / "journal.sqlite")
    assert record["delivered"] == 1 and record["tries"] == 2


def test_a_bot_still_limited_after_the_waits_is_said_and_changes_nothing(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "bots": bots(frequency_limited=10)})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])
    env = {"BATCHBIND_NOTIFY_RETRY_WAIT": "0.1"}

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox), "--lang", "zh"),
        env=env,
    )

    assert done.returncode == 0, done.stderr
    assert "机器人发送频率受限（11232），等待后仍未成功" in done.stderr
    [record] = notifications(tmp_path / "journal.sqlite")
    assert record["code"] == "11232" and record["tries"] == 3


def test_the_secret_and_the_hook_id_appear_in_no_output_log_journal_or_results(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(scenario(bots=bots(secret=SECRET)))
    source = sheet(tmp_path)
    log_file = tmp_path / "run.log"
    out = tmp_path / "results.csv"

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox), "-v",
                  "--log-file", str(log_file), "--out", str(out), "--json"),
        env={"BATCHBIND_NOTIFY_SECRET": SECRET},
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    assert len(messages(sandbox)) == 1
    places = {
        "stdout": done.stdout.encode(),
        "stderr": done.stderr.encode(),
        "log": log_file.read_bytes(),
        "journal": b"".join(p.read_bytes() for p in tmp_path.glob("journal.sqlite*")),
        "results": out.read_bytes(),
        "message": json.dumps(messages(sandbox)).encode(),
    }
    for name, content in places.items():
        assert SECRET.encode() not in content, name
        if name != "message":
            assert HOOK_ID.encode() not in content, name
    assert b"Notified" in places["stderr"]  # the run did post (the test can fail)


# -- the app's own bot -------------------------------------------------------------------------


def test_the_app_bot_posts_to_a_chat_with_a_tenant_token(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(
        {**scenario(), "bots": {"chats": ["oc_migration"]}, "directory": {"app_secret": "s-app"}}
    )
    source = sheet(tmp_path)
    env = {"FEISHU_APP_ID": "cli_sandbox", "FEISHU_APP_SECRET": "s-app"}

    done = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", "chat:oc_migration",
                  "--notify", "chat:oc_elsewhere"),
        env=env,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    [message] = messages(sandbox)
    assert message["via"] == "app" and message["chat_id"] == "oc_migration"
    assert "bound 5, failed 2, invalid 1" in card_text(message["card"])
    assert "Notified: chat:oc_migration" in done.stderr
    assert "Notification to chat:oc_elsewhere failed: Feishu answered 230002" in done.stderr
    tokens = [r for r in sandbox.requests() if r["endpoint"] == "tenant_token"]
    assert len(tokens) == 2  # one tenant token per chat message
    assert "s-app" not in done.stderr + done.stdout

    wrong = run_cli(
        *run_args(source, sandbox, tmp_path, "--notify", "chat:oc_migration"),
        env={**env, "FEISHU_APP_SECRET": "wrong"},
    )

    assert wrong.returncode == 1, wrong.stderr
    assert "the app's tenant token was refused" in wrong.stderr
    assert len(messages(sandbox)) == 1


# -- status, unbind, interrupted, stored targets -----------------------------------------------


def test_status_and_unbind_post_their_own_message(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "sync": {"seconds": 0}})
    source = write_input(
        tmp_path / "two.csv", [(ADMIN, f"s{n}@corp.example", f"ou_s{n}") for n in range(2)]
    )
    assert run_cli(*run_args(source, sandbox, tmp_path)).returncode == 0
    results = tmp_path / "two.results.xlsx"
    common = ["--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
              "--state", tmp_path / "journal.sqlite", "--notify", hook_url(sandbox)]  # fmt: skip

    status = run_cli("status", results, *common)
    dry = run_cli("unbind", results, *common, "--dry-run")
    unbind = run_cli("unbind", results, *common, "--yes", "--reason", "test")

    assert (status.returncode, dry.returncode, unbind.returncode) == (0, 0, 0), unbind.stderr
    first, second = messages(sandbox)  # the dry run did nothing: it tells nobody
    assert (
        card_text(first["card"]).splitlines()[0]
        == "Every calendar has synced · status two.results.xlsx"
    )
    assert "done 2" in card_text(first["card"])
    assert card_text(second["card"]).splitlines()[0] == "All undone · unbind two.results.xlsx"
    assert "unbound 2" in card_text(second["card"])


def test_a_run_interrupted_with_ctrl_c_still_posts_its_message(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 150, "max_ms": 250}})
    rows = [(ADMIN, f"i{n:03}@corp.example", f"ou_i{n:03}") for n in range(60)]
    source = write_input(tmp_path / "many.csv", rows)
    process = spawn_cli(
        "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
        "--state", tmp_path / "journal.sqlite", "--rate-per-second", "10", "--concurrency", "4",
        "--notify", hook_url(sandbox),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while len(sandbox.bindings()) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    [message] = messages(sandbox)
    text = card_text(message["card"])
    assert text.splitlines()[0] == "Interrupted (Ctrl-C) · run many.csv"
    assert "rows are pending: running the same command again continues." in text
    assert "Notified" in stderr


def test_targets_stored_with_the_profile_keep_the_cron_line_short(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "bots": bots(secret=SECRET)})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])

    added = run_cli("notify", "add", hook_url(sandbox), env={"BATCHBIND_NOTIFY_SECRET": SECRET})
    listed = run_cli("notify", "list")
    stored = Path(os.environ["BATCHBIND_CONFIG_DIR"]) / "notify" / "default.json"

    assert added.returncode == 0, added.stderr
    assert "(signed)" in added.stderr and HOOK_ID not in added.stderr
    assert listed.stdout.strip().endswith("/open-apis/bot/v2/hook/b1d2… (signed)")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600

    done = run_cli(*run_args(source, sandbox, tmp_path))  # no --notify, no secret in the env
    rehearsal = run_cli("run", source, "--sandbox", "--state", tmp_path / "other.sqlite")

    assert done.returncode == 0, done.stderr
    assert rehearsal.returncode == 0, rehearsal.stderr
    [message] = messages(sandbox)  # --sandbox never posts to the stored (real) group
    assert message["signed"] is True

    removed = run_cli("notify", "remove", "--all")
    assert removed.returncode == 0 and "1 target removed" in removed.stderr  # not "1 targets"
    assert "No notification targets" in run_cli("notify", "list").stdout


# -- the pieces ----------------------------------------------------------------------------------


def test_the_signature_is_the_documented_one() -> None:
    key = b"1599360473\ndemo-secret"
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert sign(1599360473, "demo-secret") == expected


@pytest.mark.parametrize(
    "value",
    [
        "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
        "https://open.larksuite.com/open-apis/bot/v2/hook/abc",
        "http://127.0.0.1:9/open-apis/bot/v2/hook/abc",
        "chat:oc_abc",
    ],
)
def test_webhook_urls_and_chats_that_are_accepted(value: str) -> None:
    assert parse_target(value).shown


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("http://open.feishu.cn/open-apis/bot/v2/hook/abc", "https://"),
        ("https://evil.example/open-apis/bot/v2/hook/abc", "webhooks are on"),
        ("https://open.feishu.cn/open-apis/im/v1/messages", "not a custom bot's webhook"),
        ("https://user:pw@open.feishu.cn/open-apis/bot/v2/hook/abc", "not a custom bot's"),
        ("chat:", "does not name a chat"),
    ],
)
def test_webhook_urls_that_are_refused_say_why_without_the_hook_id(value: str, why: str) -> None:
    with pytest.raises(InputError, match=why) as caught:
        parse_target(value)
    assert "abc" not in str(caught.value) and "pw" not in str(caught.value)


def test_a_run_that_finds_the_journal_busy_tells_the_group_and_says_it_kept_no_record(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])

    with Journal(tmp_path / "journal.sqlite", tenant="t"):  # another run holds it
        done = run_cli(*run_args(source, sandbox, tmp_path, "--notify", hook_url(sandbox)))

    assert done.returncode == 75, done.stderr
    [message] = messages(sandbox)
    title = card_text(message["card"]).splitlines()[0]
    assert title == "Not run: another batchbind process holds the journal · run ok.csv"
    assert "The notification could not be recorded in the journal" in done.stderr
    assert notifications(tmp_path / "journal.sqlite") == []


def test_the_plain_text_format_and_the_sandbox_app_for_a_rehearsed_chat(tmp_path: Path) -> None:
    source = write_input(tmp_path / "ok.csv", [(ADMIN, "a@corp.example", "ou_a")])

    done = run_cli(
        "run", source, "--sandbox", "--state", tmp_path / "journal.sqlite",
        "--notify", "chat:oc_rehearsal", env={"BATCHBIND_NOTIFY_FORMAT": "text"},
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Notified: chat:oc_rehearsal" in done.stderr
    base_url = "http://127.0.0.1:" + os.environ["BATCHBIND_SANDBOX_PORT"]
    found = httpx.get(f"{base_url}/_sandbox/messages").json()["messages"]
    [message] = [m for m in found if m.get("chat_id") == "oc_rehearsal"]
    assert message["msg_type"] == "text"
    assert message["content"]["text"].startswith("All bound · run ok.csv\n\nTenant 127.0.0.1:")
    run_cli("sandbox", "stop")


def test_the_card_masks_peoples_addresses_but_keeps_a_hints_example() -> None:
    from batchbind.notify.card import safe

    shown = safe("Use the full address, like name@example.com; ann@corp.example is on row 3")
    assert "name@example.com" in shown  # reserved for examples (RFC 2606): nobody's address
    assert "ann@corp.example" not in shown and "[e-mail]" in shown
