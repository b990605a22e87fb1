"""Where a run's message goes: a custom bot's webhook URL, or `chat:<chat_id>` for the app's bot.

A webhook URL is itself a credential (anyone holding it can post to the group), so it is never
shown or recorded whole: `Target.shown` names its host and the first characters of its id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from batchbind.auth import redact
from batchbind.errors import InputError
from batchbind.feishu.network import is_loopback

#: The hosts of Feishu's and Lark's webhooks (the shared docs name only these two).
HOOK_HOSTS = ("open.feishu.cn", "open.larksuite.com")
HOOK_PREFIX = "/open-apis/bot/v2/hook/"
CHAT_PREFIX = "chat:"


@dataclass(frozen=True, slots=True)
class Target:
    """One place a message goes. `url` is the webhook (empty for a chat); `chat_id` the chat."""

    url: str = field(default="", repr=False)
    chat_id: str = ""

    @property
    def is_chat(self) -> bool:
        return bool(self.chat_id)

    @property
    def shown(self) -> str:
        """How messages and the journal name it: never the whole hook id."""
        if self.is_chat:
            return f"{CHAT_PREFIX}{self.chat_id}"
        parts = urlsplit(self.url)
        hook_id = parts.path[len(HOOK_PREFIX) :]
        return f"{parts.netloc}{HOOK_PREFIX}{hook_id[:4]}…"


def hook_id_of(text: str) -> str:
    """The webhook id in a --notify value ("" for none)."""
    return text.partition(HOOK_PREFIX)[2].split("?")[0].strip("/ ")


def register_hook_id(text: str) -> None:
    """Scrub a webhook's id from every line batchbind writes: whoever has it can post.

    Feishu's ids are UUIDs; a short one (a sandbox rehearsal's `team`) is left alone, since
    scrubbing it would also mask that word wherever it appears (a file name, say).
    """
    hook_id = hook_id_of(text)
    if len(hook_id) >= 8:
        redact.register(hook_id)


def parse_target(text: str) -> Target:
    """A `--notify` value as a target, or `InputError` (exit 2) saying what is wrong with it."""
    value = text.strip()
    if value.lower().startswith(CHAT_PREFIX):
        chat_id = value[len(CHAT_PREFIX) :].strip()
        if not chat_id or any(c.isspace() or c in "/?#" for c in chat_id):
            raise InputError.of("notify_bad_chat", value=value)
        return Target(chat_id=chat_id)
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path[: len(HOOK_PREFIX)]}…"
    hook_id = parts.path[len(HOOK_PREFIX) :] if parts.path.startswith(HOOK_PREFIX) else ""
    if parts.scheme not in ("http", "https") or not host or not hook_id or "/" in hook_id:
        raise InputError.of("notify_bad_url", url=shown)
    if "@" in parts.netloc or parts.query or parts.fragment:
        raise InputError.of("notify_bad_url", url=shown)
    if is_loopback(host):
        # The sandbox (or a test double) on this machine: plain http is fine there.
        return Target(url=f"{parts.scheme}://{parts.netloc}{parts.path}")
    if parts.scheme != "https":
        raise InputError.of("notify_plain_http", url=shown)
    if host not in HOOK_HOSTS:
        raise InputError.of("notify_other_host", url=shown, hosts=", ".join(HOOK_HOSTS))
    return Target(url=f"https://{parts.netloc}{parts.path}")
