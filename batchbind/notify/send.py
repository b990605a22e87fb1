"""Delivering one message to each target, through the one HTTP client (`FeishuClient`).

A webhook (custom bot) gets the message with `timestamp` and `sign` when it has a secret. Its
frequency limit (11232) is waited out and tried again through the one retry helper; nothing else
is tried again, except a request that certainly never left (a refused connection), since the
webhook has no way to drop a second copy. The app's bot (`chat:<id>`) first trades the app's ID
and secret for a tenant token, then sends with a `uuid`, so a try after a lost answer cannot post
twice.

Nothing here raises for what the network or Feishu says: every target ends in a `Delivery`,
delivered or not, with Feishu's code and the reason in the user's language.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from batchbind.auth import redact
from batchbind.errors import BatchbindError
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.retry import ONE_CHECK, Backoff, Retrying, Verdict, unanswered
from batchbind.notify.card import safe
from batchbind.notify.sign import sign
from batchbind.notify.targets import Target, register_hook_id
from batchbind.output import i18n

#: The webhook's frequency limit (shared docs: 100/min and 5/s per bot).
FREQUENCY_LIMITED = 11232
SIGNATURE_REFUSED = 19021
#: Codes with a sentence of their own; any other is said with Feishu's own words.
_KNOWN = {9499, 19001, 19021, 19022, 19024, 11232}
TIMEOUT_S = 15.0


def frequency_backoff(first_wait_s: float) -> Backoff:
    """After 11232: two more tries, `first_wait_s` then four times that (the docs name the limits,
    not how long a limited bot must wait), within two minutes in all."""
    return Backoff(
        attempts=3,
        timeout_s=max(120.0, 5 * first_wait_s),
        wait_initial_s=first_wait_s,
        wait_exp_base=4.0,
        wait_max_s=max(60.0, first_wait_s),
        jitter=0.0,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Sending:
    """What delivering needs besides the message: secrets, the app, the waits."""

    lang: str = "en"
    secret: Callable[[Target], str] = lambda _t: ""  # a webhook's signing secret, or ""
    base_url: str = ""  # the tenant's API origin (the app's bot)
    app_id: str = ""
    app_secret: str = field(default="", repr=False)
    first_wait_s: float = 5.0
    clock: Callable[[], float] = time.time


@dataclass(frozen=True, slots=True)
class Delivery:
    """One target's fate: delivered or not, Feishu's code, and why (in the user's language)."""

    target: str  # `Target.shown`: never the whole webhook URL
    delivered: bool
    code: str = ""
    why: str = ""
    tries: int = 0


def why_refused(answer: Answer, lang: str) -> str:
    """Why a message was not posted, in the user's language (Feishu's code, or no answer)."""
    if answer.code is None:
        detail = answer.error or answer.msg
        return i18n.text("notify_why_no_answer", lang, error=safe(detail, 200))
    if answer.code in _KNOWN:
        return i18n.text(f"notify_why_{answer.code}", lang)
    return i18n.text("notify_why_code", lang, code=answer.code, msg=safe(answer.msg, 200))


def _outcome(target: Target, answer: Answer, tries: int, lang: str) -> Delivery:
    if answer.code == 0:
        return Delivery(target.shown, True, "0", "", tries)
    code = "" if answer.code is None else str(answer.code)
    return Delivery(target.shown, False, code, why_refused(answer, lang), tries)


class _Counted:
    """Counts the tries a `Retrying.call` makes."""

    def __init__(self, send: Callable[[], Any]) -> None:
        self._send = send
        self.tries = 0

    async def __call__(self) -> Answer:
        self.tries += 1
        answer: Answer = await self._send()
        return answer


async def _to_hook(
    target: Target, msg_type: str, message: dict[str, Any] | str, sending: Sending
) -> Delivery:
    parts = urlsplit(target.url)
    register_hook_id(target.url)
    secret = sending.secret(target)
    redact.register(secret)
    key = "card" if msg_type == "interactive" else "content"
    content = message if msg_type == "interactive" else {"text": message}

    def body() -> dict[str, Any]:
        envelope: dict[str, Any] = {"msg_type": msg_type, key: content}
        if secret:
            stamp = int(sending.clock())  # taken for each try: it must be within the hour
            envelope.update(timestamp=str(stamp), sign=sign(stamp, secret))
        return envelope

    def retryable(answer: Answer) -> Verdict:
        if answer.code == FREQUENCY_LIMITED:
            return True
        return answer.code is None and not answer.maybe_sent  # never reached the server

    async with FeishuClient(f"{parts.scheme}://{parts.netloc}", lambda: "", max_connections=1,
                            timeout_s=TIMEOUT_S) as client:  # fmt: skip
        send = _Counted(lambda: client.post_to_hook(parts.path, body()))
        answer = await Retrying(frequency_backoff(sending.first_wait_s)).call(send, retryable)
    return _outcome(target, answer, send.tries, sending.lang)


async def _to_chat(
    target: Target, msg_type: str, message: dict[str, Any] | str, sending: Sending
) -> Delivery:
    lang = sending.lang
    if not sending.app_id or not sending.app_secret or not sending.base_url:
        return Delivery(target.shown, False, "", i18n.text("notify_why_no_app", lang), 0)
    redact.register(sending.app_secret)
    token = [""]
    async with FeishuClient(sending.base_url, lambda: token[0], max_connections=1,
                            timeout_s=TIMEOUT_S) as client:  # fmt: skip
        asked = await Retrying(ONE_CHECK).call(
            lambda: client.tenant_token(sending.app_id, sending.app_secret), unanswered
        )
        token[0] = str((asked.data or {}).get("tenant_access_token", ""))
        if asked.code != 0 or not token[0]:
            why = i18n.text("notify_why_tenant_token", lang, why=why_refused(asked, lang))
            code = "" if asked.code is None else str(asked.code)
            return Delivery(target.shown, False, code, why, 0)
        redact.register(token[0])
        content = json.dumps(message if msg_type == "interactive" else {"text": message},
                             ensure_ascii=False)  # fmt: skip
        once = str(uuid.uuid4())  # the same uuid for every try: Feishu posts it once
        send = _Counted(lambda: client.send_message(target.chat_id, msg_type, content, once))
        answer = await Retrying(ONE_CHECK).call(send, unanswered)
    return _outcome(target, answer, send.tries, lang)


async def _deliver(
    target: Target | BatchbindError,
    shown: str,
    msg_type: str,
    message: dict[str, Any] | str,
    sending: Sending,
) -> Delivery:
    if isinstance(target, BatchbindError):  # a --notify value that names no place to post
        return Delivery(shown, False, "", target.render(sending.lang)[0], 0)
    return await deliver_one(target, msg_type, message, sending)


async def deliver_one(
    target: Target, msg_type: str, message: dict[str, Any] | str, sending: Sending
) -> Delivery:
    """Post the message to one target, inside a running event loop (`doctor --send-test`)."""
    if target.is_chat:
        return await _to_chat(target, msg_type, message, sending)
    return await _to_hook(target, msg_type, message, sending)


def deliver(
    targets: list[tuple[str, Target | BatchbindError]],
    msg_type: str,
    message: dict[str, Any] | str,
    sending: Sending,
) -> list[Delivery]:
    """Post the message to every target, one at a time; one `Delivery` per target."""

    async def all_of_them() -> list[Delivery]:
        return [await _deliver(t, shown, msg_type, message, sending) for shown, t in targets]

    return asyncio.run(all_of_them())
