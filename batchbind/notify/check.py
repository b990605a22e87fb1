"""`doctor --notify`: does each message target answer? Nothing is posted unless `--send-test`.

Feishu documents no request that checks a custom bot's webhook without posting. What is done
instead, and what it can and cannot prove:

- A **webhook** gets a request that carries no message (no `msg_type`, no content; signed with
  `timestamp` and `sign` when a secret is known), so there is nothing to post. A refusal whose
  documented meaning is definite is believed: 19001 (no such hook), 19021 (bad signature), 19022
  (this IP is not allowed). Any other refusal (9499, bad request, is the one expected) proves only
  that the hook's host answers: the docs do not say whether the hook id and the signature are
  checked before the body, so the line says "not proven without --send-test". The inference is
  shown, never hidden.
- A **chat** (`chat:<chat_id>`, the app's own bot): the app's tenant token, then the documented
  read `GET /open-apis/im/v1/chats/{chat_id}/members/is_in_chat` ("is the token's bot in this
  group?"). It needs one of the scopes `im:chat:readonly`, `im:chat`, `im:chat.members:read`,
  `im:chat.group_info:readonly`; posting needs `im:message:send_as_bot`, which only a message
  proves.
- **`--send-test`** posts one short text message to each target, through the same code a run's
  message takes (`send.deliver_one`), and reports what Feishu said.

Webhook URLs are credentials: every line names a target by `Target.shown` (host and the first
characters of the hook id), and the hook id and the secret are registered for redaction first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from batchbind.auth import redact
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu.client import Answer, FeishuClient, tenant_host
from batchbind.feishu.retry import ONE_CHECK, Retrying, unanswered
from batchbind.notify.card import safe
from batchbind.notify.config import DEFAULT_RETRY_WAIT_S, NotifyConfig, load_config
from batchbind.notify.post import app_credentials
from batchbind.notify.send import Sending, deliver_one, why_refused
from batchbind.notify.sign import sign
from batchbind.notify.targets import Target, parse_target, register_hook_id
from batchbind.output import i18n

__all__ = ["Found", "Wanted", "check_target", "wanted_targets"]

#: A webhook's refusals whose documented meaning holds whatever order Feishu checks things in.
_DEFINITE = {19001, 19021, 19022}
#: What `is_in_chat` says, by its documented codes: the advice for each.
_CHAT_REFUSALS = {232004, 232006, 232010, 232025, 232033, 232034}
_SCOPE_REFUSALS = {99991672, 99991679}


@dataclass(frozen=True, slots=True)
class Wanted:
    """One target to check: the value as given (a credential: never shown) and where from."""

    value: str = field(repr=False)
    source: str  # "option" (--notify) or "stored" (batchbind notify add)
    secret: str = field(default="", repr=False)
    retry_wait_s: float = DEFAULT_RETRY_WAIT_S  # after a frequency limit (--send-test)


@dataclass(frozen=True, slots=True)
class Found:
    """One target's line: `status` is the doctor's (pass, warn, fail)."""

    target: str  # `Target.shown`
    kind: str  # "webhook", "chat", or "" (a value that names no target)
    status: str
    message: str
    advice: str = ""
    code: str = ""
    sent: bool = False  # a message was posted (--send-test only)
    proven: bool = False  # Feishu's answer settles whether a run's message would arrive

    def data(self, source: str) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "source": source,
            "code": self.code,
            "sent": self.sent,
            "proven": self.proven,
        }


def wanted_targets(values: tuple[str, ...], profile: str, sandbox: bool) -> list[Wanted]:
    """The --notify values, else the profile's stored targets as `run` would use them (never
    under --sandbox, where a run posts only where --notify says). Each with its signing secret.

    Stored settings that cannot be read raise `ProfileError` when they are what is checked; with
    --notify values they only lose their stored secrets, as for a run."""
    try:
        config = load_config(profile).effective()
    except BatchbindError:
        if not values:
            raise
        config = NotifyConfig().effective()
    if values:
        chosen, source = values, "option"
    elif sandbox:
        return []
    else:
        chosen, source = tuple(t.value for t in config.targets), "stored"
    found = []
    for value in dict.fromkeys(chosen):
        register_hook_id(value)
        secret = config.secret_for(value)
        redact.register(secret)
        found.append(Wanted(value, source, secret, config.retry_wait_s))
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """What checking needs: the tenant's origin and app (for chats), the language, the wait."""

    base_url: str
    profile: str
    sandbox: bool
    lang: str = "en"
    timeout_s: float = 15.0
    send_test: bool = False


async def check_target(wanted: Wanted, probe: Probe) -> Found:
    """One target's line; never raises for what the network or Feishu says."""
    lang = probe.lang
    try:
        target = parse_target(wanted.value)
    except InputError as exc:
        message, hint = exc.render(lang)
        return Found(
            target=i18n.text("notify_unusable_target", lang),
            kind="",
            status="fail",
            message=message,
            advice=hint or i18n.text("doctor_notify_bad_target_advice", lang),
        )
    if probe.send_test:
        return await _send_test(target, wanted, probe)
    if target.is_chat:
        return await _check_chat(target, probe)
    return await _check_hook(target, wanted, probe)


# -- a webhook ------------------------------------------------------------------------------------


def _say(key: str, lang: str, **params: object) -> str:
    return i18n.text(key, lang, **params)


async def _check_hook(target: Target, wanted: Wanted, probe: Probe) -> Found:
    """Post a request with no message in it; believe only what its code means for certain."""
    lang = probe.lang
    parts = urlsplit(target.url)
    body: dict[str, Any] = {}  # no msg_type, no content: nothing a group could be shown
    if wanted.secret:
        stamp = int(time.time())
        body.update(timestamp=str(stamp), sign=sign(stamp, wanted.secret))
    async with FeishuClient(f"{parts.scheme}://{parts.netloc}", lambda: "", max_connections=1,
                            timeout_s=probe.timeout_s) as client:  # fmt: skip
        answer = await client.post_to_hook(parts.path, body)
    shown, code = target.shown, answer.code
    if code is None:
        return _no_answer(target, answer, lang, parts.netloc)
    if code in _DEFINITE:
        return Found(
            target=shown,
            kind="webhook",
            status="fail",
            message=_say("doctor_notify_hook_refused", lang, target=shown,
                         why=_hook_why(code, wanted, lang)),
            advice=_hook_advice(code, wanted, lang),
            code=str(code),
            proven=True,
        )  # fmt: skip
    if code == 0:  # accepted a request with nothing in it: the hook and its signature are right
        message = _say("doctor_notify_hook_accepted", lang, target=shown)
        return Found(target=shown, kind="webhook", status="pass", message=message, code="0",
                     proven=True)  # fmt: skip
    if code in (11232, 19024):
        return Found(
            target=shown,
            kind="webhook",
            status="warn",
            message=_say("doctor_notify_hook_refused", lang, target=shown,
                         why=why_refused(answer, lang)),
            advice=_say("doctor_notify_send_test_advice", lang),
            code=str(code),
        )  # fmt: skip
    message = _say("doctor_notify_hook_unproven", lang, target=shown, code=code)
    return Found(target=shown, kind="webhook", status="pass", message=message, code=str(code))


def _hook_why(code: int, wanted: Wanted, lang: str) -> str:
    if code == 19021:
        return _say("doctor_notify_19021_" + ("signed" if wanted.secret else "unsigned"), lang)
    return _say(f"notify_why_{code}", lang)


def _hook_advice(code: int, wanted: Wanted, lang: str) -> str:
    if code == 19021:
        key = "doctor_notify_advice_19021_" + ("stored" if wanted.source == "stored" else "option")
        return _say(key, lang)
    return _say(f"doctor_notify_advice_{code}", lang)


def _no_answer(target: Target, answer: Answer, lang: str, host: str) -> Found:
    """No Feishu answer at all: the network, TLS, or a URL that is no webhook."""
    if answer.http_status is not None:  # an answer, but not Feishu's JSON
        message = _say("doctor_notify_not_feishu", lang, target=target.shown,
                       detail=safe(answer.msg, 200))  # fmt: skip
        advice = _say("doctor_notify_bad_target_advice", lang)
    else:
        message = _say("doctor_notify_no_answer", lang, target=target.shown,
                       error=safe(answer.error, 200))  # fmt: skip
        key = "stop_tls_hint" if answer.tls_error else "doctor_notify_network_advice"
        advice = _say(key, lang, host=host)
    return Found(target=target.shown, kind="chat" if target.is_chat else "webhook",
                 status="fail", message=message, advice=advice)  # fmt: skip


# -- a chat, through the app's bot ---------------------------------------------------------------


async def _tenant_client(target: Target, probe: Probe) -> FeishuClient | Found:
    """A client holding the app's tenant token, or the line that says why there is none."""
    lang = probe.lang
    app_id, app_secret = app_credentials(probe.profile, probe.sandbox)
    if not app_id or not app_secret:
        return Found(
            target=target.shown,
            kind="chat",
            status="fail",
            message=_say("doctor_notify_chat_refused", lang, target=target.shown,
                         why=_say("notify_why_no_app", lang)),
            advice=_say("doctor_notify_advice_no_app", lang),
        )  # fmt: skip
    redact.register(app_secret)
    token = [""]
    client = FeishuClient(probe.base_url, lambda: token[0], max_connections=1,
                          timeout_s=probe.timeout_s)  # fmt: skip
    asked = await Retrying(ONE_CHECK).call(lambda: client.tenant_token(app_id, app_secret),
                                           unanswered)  # fmt: skip
    token[0] = str((asked.data or {}).get("tenant_access_token", ""))
    if asked.code == 0 and token[0]:
        redact.register(token[0])
        return client
    await client.aclose()
    if asked.code is None:
        return _no_answer(target, asked, lang, tenant_host(probe.base_url))
    why = _say("notify_why_tenant_token", lang, why=why_refused(asked, lang))
    return Found(
        target=target.shown,
        kind="chat",
        status="fail",
        message=_say("doctor_notify_chat_refused", lang, target=target.shown, why=why),
        advice=_say("doctor_notify_advice_no_app", lang),
        code=str(asked.code),
    )


async def _check_chat(target: Target, probe: Probe) -> Found:
    """Is the app's bot in the chat? A documented read: nothing is posted."""
    lang = probe.lang
    client = await _tenant_client(target, probe)
    if isinstance(client, Found):
        return client
    async with client:
        answer = await Retrying(ONE_CHECK).call(lambda: client.bot_in_chat(target.chat_id),
                                                unanswered)  # fmt: skip
    shown, code = target.shown, answer.code
    if code is None:
        return _no_answer(target, answer, lang, tenant_host(probe.base_url))
    if code == 0:
        inside = (answer.data or {}).get("is_in_chat") is True
        if inside:
            message = _say("doctor_notify_chat_in", lang, target=shown)
            return Found(target=shown, kind="chat", status="pass", message=message, code="0")
        return Found(target=shown, kind="chat", status="fail",
                     message=_say("doctor_notify_chat_out", lang, target=shown),
                     advice=_say("doctor_notify_advice_230002", lang), code="0",
                     proven=True)  # fmt: skip
    if code in _SCOPE_REFUSALS:
        return Found(target=shown, kind="chat", status="warn",
                     message=_say("doctor_notify_chat_no_scope", lang, target=shown, code=code),
                     advice=_say("doctor_notify_advice_chat_scope", lang),
                     code=str(code))  # fmt: skip
    why = _say("notify_why_code", lang, code=code, msg=safe(answer.msg, 200))
    if code in _CHAT_REFUSALS:
        return Found(target=shown, kind="chat", status="fail",
                     message=_say("doctor_notify_chat_refused", lang, target=shown, why=why),
                     advice=_say(f"doctor_notify_advice_{code}", lang), code=str(code),
                     proven=True)  # fmt: skip
    return Found(target=shown, kind="chat", status="warn",
                 message=_say("doctor_notify_chat_unknown", lang, target=shown, why=why),
                 advice=_say("doctor_notify_send_test_advice", lang), code=str(code))  # fmt: skip


# -- --send-test: one short message ----------------------------------------------------------------


async def _send_test(target: Target, wanted: Wanted, probe: Probe) -> Found:
    """Post one short text message through the code a run's message takes."""
    lang = probe.lang
    app_id, app_secret = app_credentials(probe.profile, probe.sandbox)
    sending = Sending(
        lang=lang,
        secret=lambda _t: wanted.secret,
        base_url=probe.base_url,
        app_id=app_id,
        app_secret=app_secret,
        first_wait_s=wanted.retry_wait_s,
    )
    text = _say("doctor_notify_test_message", lang, host=tenant_host(probe.base_url),
                profile=probe.profile)  # fmt: skip
    delivery = await deliver_one(target, "text", text, sending)
    kind = "chat" if target.is_chat else "webhook"
    shown = target.shown
    if delivery.delivered:
        message = _say("doctor_notify_test_posted", lang, target=shown)
        return Found(target=shown, kind=kind, status="pass", message=message, code="0",
                     sent=True, proven=True)  # fmt: skip
    code = int(delivery.code) if delivery.code.isdigit() else None
    if code == 19021:
        why, advice = _hook_why(code, wanted, lang), _hook_advice(code, wanted, lang)
    elif code is not None:
        key = f"doctor_notify_advice_{code}"
        why, advice = delivery.why, _say(key, lang) if i18n.has(key) else ""
    elif target.is_chat and not (app_id and app_secret):
        why, advice = delivery.why, _say("doctor_notify_advice_no_app", lang)
    else:  # no answer at all
        host = urlsplit(target.url).netloc if target.url else tenant_host(probe.base_url)
        why, advice = delivery.why, _say("doctor_notify_network_advice", lang, host=host)
    return Found(target=shown, kind=kind, status="warn" if code == 11232 else "fail",
                 message=_say("doctor_notify_test_failed", lang, target=shown, why=why),
                 advice=advice, code=delivery.code, proven=code is not None)  # fmt: skip


def no_target_for_send_test() -> BatchbindError:
    return InputError.of("doctor_send_test_no_target")
