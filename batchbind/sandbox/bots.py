"""Messages to a group: a custom bot's webhook and the app's own bot, as the shared docs describe.

`POST /open-apis/bot/v2/hook/{id}` takes `{msg_type, content | card}` and, for a bot with a
secret, `timestamp` and `sign` (base64 of HMAC-SHA256 keyed with "<timestamp>\\n<secret>" over an
empty message); it answers `{code, msg, data}` with the legacy `StatusCode` too. The documented
refusals: 9499 bad request, 19001 bad hook id, 19021 bad signature (or a timestamp more than an
hour away), 19024 keyword check, 19022 IP not allowed, 11232 frequency limited.

`POST /open-apis/im/v1/messages?receive_id_type=chat_id` takes a tenant token and
`{receive_id, msg_type, content}` (content a JSON-encoded string); a `uuid` sent again within the
hour gets the first message back instead of a second one.

`GET /open-apis/im/v1/chats/{chat_id}/members/is_in_chat` (documented as "determine whether a
user or bot is in a group") takes a tenant token and answers `data.is_in_chat` for the token's
bot; it needs one of `im:chat`, `im:chat:readonly`, `im:chat.members:read`,
`im:chat.group_info:readonly` (else 99991672), and a chat id that is no `oc_...` one is 232006
("Your request specifies a chat_id which is invalid.", HTTP 400 as documented).

Every message received is kept, in order, for `GET /_sandbox/messages`: what a rehearsal posted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import Hook, Scenario

HOOK_PATH = "/open-apis/bot/v2/hook/{hook_id}"
MESSAGES_PATH = "/open-apis/im/v1/messages"
IS_IN_CHAT_PATH = "/open-apis/im/v1/chats/{chat_id}/members/is_in_chat"
CHAT_READ_SCOPES = ("im:chat", "im:chat.group_info:readonly", "im:chat.members:read",
                    "im:chat:readonly")  # fmt: skip
MSG_TYPES = ("text", "post", "interactive", "image", "share_chat")
MAX_BODY_BYTES = 20 * 1024
SIGN_WINDOW_S = 3600

_REFUSALS = {
    "bad_request": (9499, "Bad Request"),
    "bad_hook": (19001, "param invalid: incoming webhook access token invalid"),
    "keyword": (19024, "Key Words Not Found"),
    "ip_not_allowed": (19022, "Ip Not Allowed"),
}


def signature(timestamp: str, secret: str) -> str:
    """The documented `sign`: the key is "<timestamp>\\n<secret>", the message is empty."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class BotEndpoints:
    """The webhook and the app bot's send, and the messages they took."""

    def __init__(
        self,
        scenario: Scenario,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._bots = scenario.bots
        self._hooks = {h.id: h for h in scenario.bots.hooks}
        self._limited = {h.id: h.frequency_limited for h in scenario.bots.hooks}
        self._clock = wall_clock
        self._serial = itertools.count(1)
        self._by_uuid: dict[str, str] = {}
        self.received: list[dict[str, Any]] = []

    def routes(self) -> list[Route]:
        return [
            Route("POST", HOOK_PATH, "bot_hook", self.hook, auth=None),
            # The tenant token is checked as for the contact API (the app.py dispatcher).
            Route("POST", MESSAGES_PATH, "im_message", self.im_message, auth="tenant"),
            Route("GET", IS_IN_CHAT_PATH, "is_in_chat", self.is_in_chat, auth="tenant"),
        ]

    # -- the custom bot's webhook ---------------------------------------------------------------

    def _refuse(self, code: int, msg: str) -> Answer:
        return Answer(self._bots.refusal_http, {"code": code, "msg": msg, "data": {}})

    def hook(self, call: Call) -> Answer:
        hook_id = call.params["hook_id"]
        found = self._hooks.get(hook_id)
        if found is None:
            if not self._bots.any_hook:
                return self._refuse(*_REFUSALS["bad_hook"])
            found = Hook(id=hook_id)
        if call.body is None or len(call.body) > MAX_BODY_BYTES:
            return self._refuse(9499, "Bad Request: the body is over 20 KB")
        body = call.json_object()
        if body is None or body.get("msg_type") not in MSG_TYPES:
            return self._refuse(*_REFUSALS["bad_request"])
        if found.refuse:
            return self._refuse(*_REFUSALS[found.refuse])
        if found.secret and not self._signed(body, found.secret):
            return self._refuse(
                19021, "sign match fail or timestamp is not within one hour from current time"
            )
        if self._limited.get(found.id, 0) > 0:
            self._limited[found.id] -= 1
            return self._refuse(11232, "frequency limited psm[lark.oapi.app_platform_runtime]")
        self.received.append(
            {
                "via": "hook",
                "hook_id": hook_id,
                "signed": "sign" in body,
                "msg_type": body["msg_type"],
                "content": body.get("content"),
                "card": body.get("card"),
            }
        )
        return Answer(
            200,
            {"code": 0, "msg": "success", "data": {}, "StatusCode": 0, "StatusMessage": "success"},
        )

    def _signed(self, body: dict[str, Any], secret: str) -> bool:
        timestamp, sign = body.get("timestamp"), body.get("sign")
        if not isinstance(timestamp, str | int) or not isinstance(sign, str):
            return False
        try:
            when = int(timestamp)
        except ValueError:
            return False
        if abs(self._clock() - when) > SIGN_WINDOW_S:
            return False
        return hmac.compare_digest(sign, signature(str(timestamp), secret))

    # -- the app's own bot ------------------------------------------------------------------------

    def im_message(self, call: Call) -> Answer:
        if call.query.get("receive_id_type") != "chat_id":
            return failure(400, 99992402, "field validation failed: receive_id_type")
        body = call.json_object() or {}
        chat_id, msg_type, content = (
            body.get("receive_id"),
            body.get("msg_type"),
            body.get("content"),
        )
        if not isinstance(chat_id, str) or not chat_id or msg_type not in MSG_TYPES:
            return failure(400, 99992402, "field validation failed: receive_id or msg_type")
        if not isinstance(content, str):
            return failure(400, 230001, "invalid message content: content must be a JSON string")
        try:
            parsed = json.loads(content)
        except ValueError:
            return failure(400, 230001, "invalid message content: not JSON")
        if self._bots.chats and chat_id not in self._bots.chats:
            return failure(400, 230002, "Bot/User can NOT be out of the chat.")
        uuid = body.get("uuid")
        if isinstance(uuid, str) and uuid in self._by_uuid:
            return success({"message_id": self._by_uuid[uuid], "chat_id": chat_id})
        message_id = f"om_sandbox_{next(self._serial)}"
        if isinstance(uuid, str) and uuid:
            self._by_uuid[uuid] = message_id
        self.received.append(
            {
                "via": "app",
                "chat_id": chat_id,
                "message_id": message_id,
                "msg_type": msg_type,
                "content": parsed,
                "card": parsed if msg_type == "interactive" else None,
            }
        )
        return success({"message_id": message_id, "chat_id": chat_id, "msg_type": msg_type})

    def is_in_chat(self, call: Call) -> Answer:
        """Whether the app's bot is in the chat: a read, nothing is posted."""
        if not self._bots.reads_chats:
            scopes = ", ".join(CHAT_READ_SCOPES)
            msg = f"Access denied. One of the following scopes is required: [{scopes}]."
            return failure(400, 99991672, msg)
        chat_id = call.params["chat_id"]
        if not chat_id.startswith("oc_"):
            return failure(400, 232006, "Your request specifies a chat_id which is invalid.")
        return success({"is_in_chat": not self._bots.chats or chat_id in self._bots.chats})
