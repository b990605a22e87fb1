"""The sandbox's messages to a group: a custom bot's webhook and the app's bot (`im/v1/messages`),
with the codes and the signature the shared docs describe, and what they received."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from conftest import MakeSandbox

from batchbind.sandbox import SandboxServer

SECRET = "hook-secret-Zq93kLm"


def sign(timestamp: int, secret: str) -> str:
    """The shared docs' formula, written out: key "<timestamp>\\n<secret>", empty message."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def hook_url(sandbox: SandboxServer, hook_id: str) -> str:
    return f"{sandbox.base_url}/open-apis/bot/v2/hook/{hook_id}"


def messages(sandbox: SandboxServer) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{sandbox.base_url}/_sandbox/messages").json()[
        "messages"
    ]
    return found


def test_the_sandbox_webhook_answers_the_documented_codes(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(
        {"bots": {"any_hook": False, "hooks": [{"id": "signed", "secret": SECRET},
                                               {"id": "kw", "refuse": "keyword"}]}}
    )  # fmt: skip
    card = {"msg_type": "text", "content": {"text": "hi"}}

    def post(hook: str, body: Any) -> int:
        answer = httpx.post(hook_url(sandbox, hook), json=body)
        code: int = answer.json()["code"]
        return code

    now = int(time.time())
    assert post("unknown", card) == 19001
    assert post("signed", card) == 19021
    assert post("signed", {**card, "timestamp": str(now), "sign": "bad"}) == 19021
    old = now - 4000
    assert post("signed", {**card, "timestamp": str(old), "sign": sign(old, SECRET)}) == 19021
    assert post("signed", {**card, "timestamp": str(now), "sign": sign(now, SECRET)}) == 0
    assert post("signed", {"msg_type": "nonsense"}) == 9499
    assert post("kw", card) == 19024
    assert [m["hook_id"] for m in messages(sandbox)] == ["signed"]


def test_the_sandbox_webhook_waits_out_a_frequency_limit(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox({"bots": {"hooks": [{"id": "busy", "frequency_limited": 2}]}})
    body = {"msg_type": "text", "content": {"text": "hi"}}

    codes = [httpx.post(hook_url(sandbox, "busy"), json=body).json()["code"] for _ in range(3)]

    assert codes == [11232, 11232, 0]
    assert len(messages(sandbox)) == 1


def test_the_app_bot_needs_a_tenant_token_and_posts_a_uuid_once(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox({"bots": {"chats": ["oc_team"]}})
    url = f"{sandbox.base_url}/open-apis/im/v1/messages?receive_id_type=chat_id"
    body = {"receive_id": "oc_team", "msg_type": "text", "content": json.dumps({"text": "hi"})}

    assert httpx.post(url, json=body).json()["code"] == 99991661  # no token
    token = httpx.post(
        f"{sandbox.base_url}/open-apis/auth/v3/tenant_access_token/internal",
        json={"app_id": "cli_sandbox", "app_secret": "sandbox-secret"},
    ).json()["tenant_access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    first = httpx.post(url, json={**body, "uuid": "u1"}, headers=headers).json()
    again = httpx.post(url, json={**body, "uuid": "u1"}, headers=headers).json()
    elsewhere = httpx.post(url, json={**body, "receive_id": "oc_other"}, headers=headers).json()

    assert first["code"] == 0 and again["data"]["message_id"] == first["data"]["message_id"]
    assert elsewhere["code"] == 230002
    [message] = messages(sandbox)
    assert message["via"] == "app" and message["content"] == {"text": "hi"}
