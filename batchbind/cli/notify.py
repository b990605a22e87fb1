"""`--notify` on run, status and unbind, and `batchbind notify` to keep targets with a profile.

`notifying(command)` wraps a command below `friendly_errors`' caller: the command tells it how
to summarise its ending (`ending().done(...)`), and however it ends (its own `sys.exit`, a
refusal turned into one sentence by `friendly_errors`, Ctrl-C), the message is posted after it,
with the exit code unchanged. A refusal's exception is the `SystemExit`'s `__context__`: Python
chains it because `friendly_errors` exits while handling it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from batchbind.auth import redact
from batchbind.cli.common import LANG_HELP, F, friendly_errors, say
from batchbind.cli.exits import epilog
from batchbind.errors import InputError
from batchbind.feishu.client import resolve_base_url, tenant_host
from batchbind.notify.config import SECRET_ENV, NotifyConfig, Stored, load_config, save_config
from batchbind.notify.post import Announce, announce_end
from batchbind.notify.summary import RunSummary, refusal
from batchbind.notify.targets import parse_target, register_hook_id
from batchbind.output import i18n
from batchbind.store.journal import Journal
from batchbind.store.paths import default_journal

log = logging.getLogger(__name__)

NOTIFY_HELP = (
    "After the command, post one message to this Feishu group: a custom bot's webhook URL, or "
    "chat:<chat_id> for the app's own bot (repeatable). A webhook's signing secret comes from "
    f"{SECRET_ENV} or 'batchbind notify add', never from the command line. Default: the targets "
    "stored with the profile. A failed message never changes the exit code."
)

Build = Callable[[Journal | None], RunSummary]


@dataclass
class Ending:
    """How the running command ended, as far as its message needs to know."""

    command: str
    build: Build | None = None
    base_url: str = ""
    skip: bool = False

    def done(self, build: Build, *, base_url: str) -> None:
        """The command finished its job: `build` makes its summary (given the journal)."""
        self.build, self.base_url = build, base_url

    def nothing_done(self) -> None:
        """A dry run, or a question answered no: nothing to tell the group."""
        self.skip = True


_ENDING: contextvars.ContextVar[Ending | None] = contextvars.ContextVar("ending", default=None)


def ending() -> Ending:
    """The running command's `Ending` (a detached one outside `notifying`)."""
    return _ENDING.get() or Ending("")


def _guess_base_url(kw: dict[str, Any]) -> str:
    """The origin the options name, for a command refused before it connected ("" if none)."""
    if kw.get("sandbox") or kw.get("sandbox_scenario"):
        return ""
    try:
        return resolve_base_url(kw.get("base_url"), kw.get("domain") or "feishu")
    except InputError:
        return ""


def _exit_code(done: SystemExit) -> int:
    if done.code is None:
        return 0
    return done.code if isinstance(done.code, int) else 1


def notifying(command: str) -> Callable[[F], F]:
    """Add `--notify` to `command` and post its message however it ends."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kw: Any) -> Any:
            # Known from the start, so no log line of the whole command can show it.
            redact.register(os.environ.get(SECRET_ENV, "").strip())
            for value in kw.get("notify_targets") or ():
                register_hook_id(value)
            current = Ending(command)
            token = _ENDING.set(current)
            try:
                func(*args, **kw)
            except SystemExit as done:
                _post(current, kw, _exit_code(done), done.__context__)
                raise
            finally:
                _ENDING.reset(token)
            _post(current, kw, 0, None)
            return None

        option = click.option(
            "--notify", "notify_targets", multiple=True, metavar="URL|chat:ID", help=NOTIFY_HELP
        )
        return option(wrapper)  # type: ignore[return-value]

    return decorate


def _post(current: Ending, kw: dict[str, Any], code: int, cause: BaseException | None) -> None:
    if current.skip or (current.build is None and cause is None):
        return
    lang = kw.get("lang") or i18n.default_lang()
    source = kw.get("input_path") or kw.get("results_path") or ""
    base_url = current.base_url or _guess_base_url(kw)
    tenant = tenant_host(base_url) if base_url else ""
    build = current.build
    if build is None:
        assert cause is not None
        refused = refusal(current.command, str(source), tenant, cause, code, lang)
        build = lambda _journal: refused  # noqa: E731
    try:
        profile = kw.get("profile") or "default"
        announce_end(
            Announce(
                values=tuple(kw.get("notify_targets") or ()),
                profile=profile,
                sandbox=bool(kw.get("sandbox") or kw.get("sandbox_scenario")),
                state=kw.get("state") or default_journal(profile),
                tenant=tenant,
                base_url=base_url,
                lang=lang,
                quiet=bool(kw.get("quiet")),
                say=say,
            ),
            build,
        )
    except Exception:  # whatever went wrong, the command's exit code is its own
        log.debug("posting the notification failed", exc_info=True)
        say(i18n.text("notify_failed", lang, target="--notify", why="internal error"))
    except KeyboardInterrupt:
        pass


# -- batchbind notify ---------------------------------------------------------------------------

NOTIFY_EXAMPLE = """

\b
Examples:
  BATCHBIND_NOTIFY_SECRET=... batchbind notify add https://open.feishu.cn/open-apis/bot/v2/hook/xxxx
  batchbind notify add chat:oc_xxxx
  batchbind notify list
  batchbind run bindings.xlsx          # posts to the stored targets
"""


@click.group("notify", epilog=epilog("notify", NOTIFY_EXAMPLE))
def notify() -> None:
    """Keep the groups that hear about every run with a profile (so a cron line stays short)."""


def _profile_option(func: F) -> F:
    return click.option(
        "--profile", default="default", show_default=True, help="Whose targets (one set a profile)."
    )(func)


def _lang_option(func: F) -> F:
    return click.option("--lang", type=click.Choice(i18n.LANGS), default=None, help=LANG_HELP)(func)


@notify.command("add", epilog=epilog("notify add", NOTIFY_EXAMPLE))
@click.argument("target", metavar="URL|chat:ID")
@click.option(
    "--secret-stdin",
    is_flag=True,
    help=f"Read the webhook's signing secret from stdin (else {SECRET_ENV}, if set).",
)
@_profile_option
@_lang_option
@friendly_errors
def notify_add(target: str, secret_stdin: bool, profile: str, lang: str | None) -> None:
    """Post every run's message to TARGET too (a webhook URL or chat:<chat_id>)."""
    lang = lang or i18n.default_lang()
    parsed = parse_target(target)
    secret = sys.stdin.readline().strip() if secret_stdin else os.environ.get(SECRET_ENV, "")
    config = load_config(profile)
    kept = tuple(t for t in config.targets if t.value != target)
    stored = Stored(target, "" if parsed.is_chat else secret.strip())
    save_config(profile, NotifyConfig((*kept, stored), config.format, config.retry_wait_s))
    signed = i18n.text("notify_signed" if stored.secret else "notify_unsigned", lang)
    say(i18n.text("notify_added", lang, target=parsed.shown, profile=profile, signed=signed))


@notify.command("list", epilog=epilog("notify list"))
@_profile_option
@_lang_option
@friendly_errors
def notify_list(profile: str, lang: str | None) -> None:
    """Show the stored targets (webhooks shortened: their URL is a credential)."""
    lang = lang or i18n.default_lang()
    config = load_config(profile)
    if not config.targets:
        say(i18n.text("notify_none_stored", lang, profile=profile), err=False)
        return
    for stored in config.targets:
        shown = parse_target(stored.value).shown
        signed = i18n.text("notify_signed" if stored.secret else "notify_unsigned", lang)
        say(f"{shown} ({signed})", err=False)


@notify.command("remove", epilog=epilog("notify remove"))
@click.argument("target", metavar="URL|chat:ID", required=False)
@click.option("--all", "remove_all", is_flag=True, help="Remove every stored target.")
@_profile_option
@_lang_option
@friendly_errors
def notify_remove(target: str | None, remove_all: bool, profile: str, lang: str | None) -> None:
    """Stop posting to TARGET (or to every stored target with --all)."""
    lang = lang or i18n.default_lang()
    config = load_config(profile)
    if not remove_all and not target:
        raise InputError.of("notify_remove_what")
    kept = () if remove_all else tuple(t for t in config.targets if t.value != target)
    save_config(profile, NotifyConfig(kept, config.format, config.retry_wait_s))
    say(i18n.text("notify_removed", lang, count=len(config.targets) - len(kept)))


__all__ = ["Ending", "ending", "notify", "notifying"]
