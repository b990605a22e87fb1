"""After a command: build its summary, post it to every target, say what failed, keep the record.

Never in the way: whatever happens here (a refused signature, no network, a bad URL, a journal
that cannot be opened, Ctrl-C while posting), the command's exit code stays its own. A failed
message is one line on stderr, and every attempt is kept in the journal's `notifications` table.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchbind.auth.profiles import ProfileStore
from batchbind.errors import BatchbindError
from batchbind.notify.card import payload
from batchbind.notify.config import NotifyConfig, load_config
from batchbind.notify.send import Delivery, Sending, deliver
from batchbind.notify.summary import RunSummary
from batchbind.notify.targets import Target, parse_target
from batchbind.output import i18n
from batchbind.store.journal import Journal

log = logging.getLogger(__name__)

#: The sandbox's app (`[directory]` of the default scenario), for `chat:` targets under --sandbox.
SANDBOX_APP = ("cli_sandbox", "sandbox-secret")


@dataclass(kw_only=True)
class Announce:
    """Where a command's message goes, and what is needed to get it there."""

    values: tuple[str, ...]  # the --notify values
    profile: str = "default"
    sandbox: bool = False
    state: Path | None = None  # the journal that keeps the record
    tenant: str = ""  # the journal's tenant (its host)
    base_url: str = ""  # the API origin, for the app's bot
    lang: str = "en"
    quiet: bool = False
    say: Callable[[str], None] = field(default=lambda _m: None, repr=False)


def app_credentials(profile_name: str, sandbox: bool) -> tuple[str, str]:
    """The app for `chat:` targets: the environment's, else the profile's (the sandbox's app
    under --sandbox)."""
    app_id = os.environ.get("FEISHU_APP_ID", "")
    secret = os.environ.get("FEISHU_APP_SECRET", "")
    if sandbox:
        return app_id or SANDBOX_APP[0], secret or SANDBOX_APP[1]
    if app_id and secret:
        return app_id, secret
    try:
        profile = ProfileStore().load(profile_name)
    except BatchbindError:
        profile = None
    if profile is None:
        return app_id, secret
    return app_id or profile.app_id, secret or profile.app_secret


def _open_journal(announce: Announce) -> tuple[Journal | None, str]:
    if announce.state is None:
        return None, ""
    try:
        return Journal(announce.state, tenant=announce.tenant), ""
    except (BatchbindError, OSError) as exc:  # JournalLocked too: another run holds it
        shown = exc.render(announce.lang)[0] if isinstance(exc, BatchbindError) else str(exc)
        return None, shown


def targets_for(announce: Announce) -> tuple[tuple[str, ...], NotifyConfig]:
    """The --notify values, else the profile's stored targets (never under --sandbox)."""
    try:
        config = load_config(announce.profile).effective()
    except BatchbindError as exc:
        log.debug("stored notification settings unusable: %s", exc)
        config = NotifyConfig().effective()
    if announce.values:
        return announce.values, config
    if announce.sandbox:
        return (), config
    return tuple(t.value for t in config.targets), config


def _summary(announce: Announce, build: Callable[[Journal | None], RunSummary]) -> RunSummary:
    """The summary, read from the journal when it can be opened (the causes need its rows); the
    journal is closed again before anything is posted, so no other run waits on the network."""
    journal, _unopened = _open_journal(announce)
    try:
        return build(journal)
    except Exception:  # a summary must never cost the command its exit code
        log.debug("building the notification from the journal failed", exc_info=True)
        return build(None)
    finally:
        if journal is not None:
            journal.close()


def _record(announce: Announce, run_id: int | None, deliveries: list[Delivery]) -> None:
    journal, unopened = _open_journal(announce)
    if journal is None:
        if unopened:
            announce.say(i18n.text("notify_not_recorded", announce.lang, error=unopened))
        return
    with journal:
        for d in deliveries:
            journal.record_notification(
                run_id, target=d.target, delivered=d.delivered, code=d.code, why=d.why,
                tries=d.tries,
            )  # fmt: skip


def announce_end(announce: Announce, build: Callable[[Journal | None], RunSummary]) -> None:
    """Post the command's summary to each target once; never raises, never changes the exit."""
    values, config = targets_for(announce)
    if not values:
        return
    lang = announce.lang
    summary = _summary(announce, build)
    parsed: list[tuple[str, Target | BatchbindError]] = []
    secrets: dict[str, str] = {}
    for value in dict.fromkeys(values):  # one message per target, even if named twice
        try:
            target = parse_target(value)
        except BatchbindError as exc:
            parsed.append((i18n.text("notify_unusable_target", lang), exc))
            continue
        secrets[target.url] = config.secret_for(value)
        parsed.append((target.shown, target))
    app_id, app_secret = app_credentials(announce.profile, announce.sandbox)
    sending = Sending(
        lang=lang,
        secret=lambda t: secrets.get(t.url, ""),
        base_url=announce.base_url,
        app_id=app_id,
        app_secret=app_secret,
        first_wait_s=config.retry_wait_s,
    )
    msg_type, message = payload(summary, config.format)
    try:
        deliveries = deliver(parsed, msg_type, message, sending)
    except KeyboardInterrupt:  # Ctrl-C while posting: the command's own exit code stands
        why = i18n.text("notify_why_interrupted", lang)
        deliveries = [Delivery(shown, False, "", why) for shown, _t in parsed]
    for d in deliveries:
        if not d.delivered:
            announce.say(i18n.text("notify_failed", lang, target=d.target, why=d.why))
        elif not announce.quiet:
            announce.say(i18n.text("notify_sent", lang, target=d.target))
    _record(announce, summary.run_id, deliveries)
