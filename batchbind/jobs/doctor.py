"""`doctor`: is this machine, and this tenant, ready for `run`? A checklist; nothing is bound.

Every check is a function in `CHECKS`, run in order on one `Context`; a later check may read what
an earlier one learnt (the token checks make the side-effect-free preflight, whose answer the
administrator and scope checks read). Each returns its lines of the checklist, `Check`s: passed,
failed (with what to do), a warning (something other than `run` will meet it), or skipped (not
knowable here). The report is ready, and `doctor` exits 0, when no check failed.

Sent to the tenant: one plain GET of its origin (is it reachable, is TLS verified) and the
preflight's status query for a made-up binding id; a token is renewed only when it is due, as a
run would. With `--notify` (or targets stored with the profile), each message target is asked
whether it answers, posting nothing; `--send-test` posts one short message to each
(`batchbind.notify.check` says what each answer can and cannot prove). Features to come add
their checks to `CHECKS` (the tracker link).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from batchbind.auth import scopes
from batchbind.auth.choose import Connection, TokenChoice, choose_connection
from batchbind.auth.profiles import Profile, ProfileStore
from batchbind.auth.tokens import ProfileTokens, expiry_words, renewal_problem
from batchbind.errors import BatchbindError, InputError
from batchbind.feishu.client import FeishuClient, resolve_base_url
from batchbind.feishu.codes import PREFLIGHT_PASSED, Kind
from batchbind.feishu.network import (
    TRANSPORT_ERRORS,
    NoAnswer,
    client_options,
    is_loopback,
    no_answer,
    proxy_for,
)
from batchbind.feishu.pacing import Budget, Pacers
from batchbind.feishu.preflight import TokenCheck
from batchbind.feishu.preflight import check_token as ask_preflight
from batchbind.jobs.settings import ReadSettings
from batchbind.model import Outcome
from batchbind.output import i18n

if TYPE_CHECKING:
    from batchbind.notify.check import Wanted

__all__ = ["CHECKS", "Check", "DoctorReport", "DoctorSettings", "Status", "doctor_job"]


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"  # worth knowing, but `run` can go on (unbind's scope, invalid rows, renewal)
    FAIL = "fail"  # `run` would stop or could not start
    SKIP = "skip"  # not checked, or not knowable here


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One line of the checklist. `name` and `data`'s keys are stable, for scripts."""

    name: str
    status: Status
    message: str
    advice: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "message": self.message,
            "advice": self.advice,
            "data": dict(self.data),
        }


@dataclass(kw_only=True)
class DoctorSettings:
    """What `doctor_job` checks: the tenant and token `run` would use, and optionally an input
    file (read as `run` reads it), paced as `run` would be."""

    choice: TokenChoice = field(default_factory=TokenChoice)
    read: ReadSettings | None = None
    rate_per_second: float = 50.0
    rate_per_minute: float = 1000.0
    lang: str = "en"
    timeout_s: float = 15.0
    notify: tuple[str, ...] = ()  # --notify values; none: the profile's stored targets
    send_test: bool = False  # post one test message to each target


@dataclass(kw_only=True)
class DoctorReport:
    """What `doctor_job` found: the checks in order; ready when none failed (exit 0, else 1)."""

    host: str
    profile: str
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(check.status is not Status.FAIL for check in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.ready else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "command": "doctor",
            "ready": self.ready,
            "exit_code": self.exit_code,
            "host": self.host,
            "profile": self.profile,
            "checks": [check.to_json() for check in self.checks],
        }


@dataclass(kw_only=True)
class Context:
    """What the checks share: the settings, whom `run` would talk to, and what was learnt."""

    settings: DoctorSettings
    host: str
    connection: Connection | None
    refused: BatchbindError | None  # why no token could be chosen
    token_check: TokenCheck | None = None
    notify: list[Wanted] = field(default_factory=list)  # the message targets to check
    notify_refused: BatchbindError | None = None  # the stored targets cannot be read

    @property
    def lang(self) -> str:
        return self.settings.lang

    def say(self, key: str, **params: object) -> str:
        return i18n.text(key, self.lang, **params)

    def login_advice(self) -> str:
        profile = self.settings.choice.profile
        option = "" if profile == "default" else f" --profile {profile}"
        return self.say("doctor_login_advice", option=option)


CheckFunction = Callable[[Context], Awaitable[list[Check]]]


def doctor_job(settings: DoctorSettings) -> DoctorReport:
    """Run every check of `CHECKS` in order; nothing is bound or changed (a token that is due is
    renewed and saved, as a run would)."""
    context = _context(settings)
    _choose_targets(context)

    async def every_check() -> list[Check]:
        found: list[Check] = []
        for check in CHECKS:
            found += await check(context)
        return found

    checks = asyncio.run(every_check())
    return DoctorReport(host=context.host, profile=settings.choice.profile, checks=checks)


#: Refusals of the options themselves (exit 2): with them, nothing can be checked.
_INVOCATION_ERRORS = frozenset(
    {
        "unknown_domain",
        "base_url_credentials",
        "base_url_not_http",
        "base_url_plain_http",
        "sandbox_with_token",
        "profile_bad_name",
    }
)


def _context(settings: DoctorSettings) -> Context:
    """Whom `run` would talk to with these options; a token that cannot be chosen is a failed
    check, not an error (a bad --base-url still is: nothing can be checked then)."""
    choice = settings.choice
    try:
        connection = choose_connection(choice, settings.lang)
    except InputError as exc:
        if exc.key in _INVOCATION_ERRORS:
            raise
        return Context(settings=settings, host=_host(choice), connection=None, refused=exc)
    except BatchbindError as exc:
        return Context(settings=settings, host=_host(choice), connection=None, refused=exc)
    return Context(settings=settings, host=connection.base_url, connection=connection, refused=None)


def _host(choice: TokenChoice) -> str:
    """The origin `run` would talk to when no token could be chosen: the profile's, if stored."""
    if not (choice.base_url or choice.domain):
        try:
            profile = ProfileStore().load(choice.profile)
        except BatchbindError:
            profile = None
        if profile is not None:
            return profile.host
    return resolve_base_url(choice.base_url, choice.domain or "feishu")


# -- the network ----------------------------------------------------------------------------------


async def check_network(ctx: Context) -> list[Check]:
    """The proxy in use, whether the host answers at all, and whether TLS was verified."""
    host = ctx.host
    parts = urlsplit(host)
    loopback = is_loopback(parts.hostname or "")
    proxy = proxy_for(host)
    if loopback:
        proxy_line = ctx.say("doctor_proxy_loopback")
    elif proxy is None:
        proxy_line = ctx.say("doctor_proxy_none")
    else:
        proxy_line = ctx.say("doctor_proxy_used", proxy=proxy)
    checks = [Check(name="network.proxy", status=Status.PASS, message=proxy_line,
                    data={"proxy": proxy})]  # fmt: skip

    started = time.monotonic()
    failure: NoAnswer | None = None
    status_code: int | None = None
    try:
        async with httpx.AsyncClient(**client_options(host, timeout_s=ctx.settings.timeout_s)) as c:
            response = await c.get(host + "/")
            status_code = response.status_code
    except TRANSPORT_ERRORS as exc:
        failure = no_answer(exc)
    ms = round(1000 * (time.monotonic() - started))
    if failure is None:
        checks.append(
            Check(
                name="network.reachable",
                status=Status.PASS,
                message=ctx.say("doctor_reachable", host=host, status=status_code, ms=ms),
                data={"http_status": status_code, "ms": ms},
            )
        )
    elif failure.tls_error:
        checks.append(
            Check(
                name="network.reachable",
                status=Status.PASS,
                message=ctx.say("doctor_reachable_tls_failed", host=host),
                data={"http_status": None, "ms": ms},
            )
        )
    else:
        checks.append(
            Check(
                name="network.reachable",
                status=Status.FAIL,
                message=ctx.say("doctor_unreachable", host=host, error=failure.error),
                advice=ctx.say("stop_unreachable_hint"),
                data={"http_status": None, "error": failure.error},
            )
        )
    if parts.scheme != "https":
        tls = Check(name="network.tls", status=Status.SKIP, message=ctx.say("doctor_tls_plain"))
    elif failure is not None and failure.tls_error:
        tls = Check(
            name="network.tls",
            status=Status.FAIL,
            message=ctx.say("doctor_tls_failed", host=host, error=failure.error),
            advice=ctx.say("stop_tls_hint"),
        )
    elif failure is None:
        tls = Check(name="network.tls", status=Status.PASS, message=ctx.say("doctor_tls_ok"))
    else:
        tls = Check(name="network.tls", status=Status.SKIP, message=ctx.say("doctor_not_checked"))
    checks.append(tls)
    return checks


# -- the token, the super administrator, the scopes ------------------------------------------------


async def check_token(ctx: Context) -> list[Check]:
    """Present (and from where), accepted by Feishu (renewed first if due), and renewable."""
    if ctx.connection is None:
        error = ctx.refused
        message, hint = error.render(ctx.lang) if error is not None else ("", "")
        return [
            Check(
                name="token.present",
                status=Status.FAIL,
                message=message,
                advice=hint or ctx.login_advice(),
            ),
            Check(name="token.valid", status=Status.SKIP, message=ctx.say("doctor_no_token")),
            Check(name="token.renewal", status=Status.SKIP, message=ctx.say("doctor_no_token")),
        ]
    tokens = ctx.connection.tokens
    profile = tokens.profile if isinstance(tokens, ProfileTokens) else None
    if profile is not None:
        user = profile.user_name or "?"
        origin = ctx.say("doctor_token_profile", profile=profile.name, user=user)
    else:
        origin = tokens.origin
    checks = [
        Check(
            name="token.present",
            status=Status.PASS,
            message=ctx.say("doctor_token_from", origin=origin),
            data={"origin": tokens.origin},
        )
    ]
    pacers = Pacers(
        Budget(per_second=ctx.settings.rate_per_second, per_minute=ctx.settings.rate_per_minute)
    )
    async with FeishuClient(ctx.host, tokens, timeout_s=ctx.settings.timeout_s) as client:
        ctx.token_check = checked = await ask_preflight(client, pacers)
    answer = checked.answer
    profile = tokens.profile if isinstance(tokens, ProfileTokens) else None  # maybe renewed
    expires_at = profile.expires_at if profile is not None else None
    data = {"expires_at": expires_at, "renewed": tokens.refreshes > 0, "code": answer.code}
    if checked.refresh_failure is not None:
        refused = ctx.say("doctor_token_refused", code=answer.code, msg=answer.msg)
        checks.append(
            Check(
                name="token.valid",
                status=Status.FAIL,
                message=f"{refused} {checked.refresh_failure.message}",
                advice=ctx.login_advice(),
                data=data,
            )
        )
    elif answer.code is None:
        checks.append(
            Check(
                name="token.valid",
                status=Status.SKIP,
                message=ctx.say("doctor_no_answer", error=answer.error or answer.msg),
                data=data,
            )
        )
    elif answer.meaning.kind is Kind.TOKEN:
        checks.append(
            Check(
                name="token.valid",
                status=Status.FAIL,
                message=ctx.say("doctor_token_refused", code=answer.code, msg=answer.msg),
                advice=answer.meaning.hint(ctx.lang),
                data=data,
            )
        )
    else:
        key = "doctor_token_valid_until" if expires_at is not None else "doctor_token_valid"
        message = ctx.say(key, when=expiry_words(expires_at, ctx.lang))
        if tokens.refreshes:
            message += " " + ctx.say("doctor_token_renewed")
        checks.append(Check(name="token.valid", status=Status.PASS, message=message, data=data))
    checks.append(_renewal(ctx, profile))
    return checks


def _renewal(ctx: Context, profile: Profile | None) -> Check:
    """Whether the token renews itself during a long run (a refresh is never made here unless it
    was due: then the preflight made it, as a run would)."""
    assert ctx.connection is not None
    tokens = ctx.connection.tokens
    if profile is None:
        if tokens.origin == "--sandbox":
            return Check(
                name="token.renewal", status=Status.SKIP, message=ctx.say("doctor_sandbox_token")
            )
        return Check(
            name="token.renewal",
            status=Status.WARN,
            message=ctx.say("doctor_not_renewable", origin=tokens.origin),
            advice=ctx.login_advice(),
            data={"possible": False},
        )
    problem = renewal_problem(profile, ctx.lang)
    data = {"possible": problem is None, "refresh_expires_at": profile.refresh_expires_at}
    if problem is None:
        message = ctx.say(
            "doctor_renewal_yes", when=expiry_words(profile.refresh_expires_at, ctx.lang)
        )
        return Check(name="token.renewal", status=Status.PASS, message=message, data=data)
    return Check(
        name="token.renewal",
        status=Status.WARN,
        message=ctx.say("doctor_renewal_no", reason=problem),
        advice=ctx.login_advice(),
        data=data,
    )


def _accepted(checked: TokenCheck | None) -> bool:
    """Feishu judged the token itself (accepted it), so what it said next is worth reading."""
    if checked is None or checked.refresh_failure is not None:
        return False
    answer = checked.answer
    return answer.code is not None and answer.meaning.kind is not Kind.TOKEN


async def check_administrator(ctx: Context) -> list[Check]:
    """The preflight's verdict: the tenant's super administrator, or why not."""
    checked = ctx.token_check
    if checked is None or not _accepted(checked):
        key = "doctor_no_token" if ctx.connection is None else "doctor_not_checked"
        return [Check(name="administrator", status=Status.SKIP, message=ctx.say(key))]
    answer = checked.answer
    data = {"code": answer.code}
    if answer.code in PREFLIGHT_PASSED:
        message = ctx.say("doctor_admin_ok", code=answer.code)
        return [Check(name="administrator", status=Status.PASS, message=message, data=data)]
    if answer.code in scopes.MISSING_SCOPE:
        message = ctx.say("doctor_admin_unknown_scope")
        return [Check(name="administrator", status=Status.SKIP, message=message, data=data)]
    meaning = answer.meaning
    if meaning.kind is Kind.RUN_WIDE:
        return [
            Check(
                name="administrator",
                status=Status.FAIL,
                message=ctx.say("stop_run_wide", code=answer.code, msg=answer.msg),
                advice=meaning.hint(ctx.lang),
                data=data,
            )
        ]
    code = answer.code if answer.code is not None else f"HTTP {answer.http_status}"
    message = ctx.say("preflight_unknown", code=code, msg=answer.msg or answer.error)
    return [Check(name="administrator", status=Status.WARN, message=message, data=data)]


async def check_scopes(ctx: Context) -> list[Check]:
    """The scopes the token carries against what each command needs.

    Feishu says a token's scopes when it issues it (the token answer's `scope`, kept with the
    profile); a token from the environment, --token or a bare import has none known, and then
    the preflight's answer is all there is to go by.
    """
    checked = ctx.token_check
    connection = ctx.connection
    if connection is None or checked is None:
        return [Check(name="scopes", status=Status.SKIP, message=ctx.say("doctor_no_token"))]
    tokens = connection.tokens
    answer = checked.answer
    if answer.code in scopes.MISSING_SCOPE:
        wanted = scopes.to_ask_for(answer.scopes, "get")
        shown = ", ".join(wanted)
        return [
            Check(
                name="scopes",
                status=Status.FAIL,
                message=ctx.say(
                    "doctor_scope_refused", code=answer.code, msg=answer.msg, scopes=shown
                ),
                advice=scopes.scope_fix(answer.code, wanted, "get", ctx.lang, tokens.profile_name),
                data={"held": None, "lacking": {"run": list(wanted)}},
            )
        ]
    profile = tokens.profile if isinstance(tokens, ProfileTokens) else None
    held = scopes.split_scopes(profile.scope) if profile is not None else ()
    # A list that leaves out the status scope the preflight just used is not the whole story.
    if not held or (checked.passed and not scopes.covers(held, "get")):
        key = "doctor_scopes_unknown" if _accepted(checked) else "doctor_not_checked"
        return [Check(name="scopes", status=Status.SKIP, message=ctx.say(key),
                      data={"held": None, "lacking": None})]  # fmt: skip
    lacks = {command: list(scopes.lacking(held, command)) for command in scopes.COMMAND_ENDPOINTS}
    lacks["fields"] = [s for s in scopes.FIELD_SCOPES if s not in held]
    data = {"held": sorted(held), "lacking": lacks}
    missing = list(dict.fromkeys(s for found in lacks.values() for s in found))
    if not missing:
        return [
            Check(name="scopes", status=Status.PASS, message=ctx.say("doctor_scopes_ok"), data=data)
        ]
    command = scopes.login_command(missing, tokens.profile_name)
    advice = ctx.say("doctor_scopes_advice", command=command)
    if lacks["run"]:
        message = ctx.say("doctor_scopes_run_lacks", scopes=", ".join(lacks["run"]))
        return [Check(name="scopes", status=Status.FAIL, message=message, advice=advice, data=data)]
    who = ", ".join(ctx.say(f"doctor_needs_{name}") for name, found in lacks.items() if found)
    message = ctx.say("doctor_scopes_some_lack", who=who, scopes=", ".join(missing))
    return [Check(name="scopes", status=Status.WARN, message=message, advice=advice, data=data)]


# -- the input --------------------------------------------------------------------------------------


def _duration(seconds: float, lang: str) -> str:
    seconds = max(1, math.ceil(seconds))
    hours, rest = divmod(seconds, 3600)
    if hours:
        return i18n.text("doctor_hours", lang, hours=hours, minutes=rest // 60)
    if rest >= 60:
        return i18n.text("doctor_minutes", lang, minutes=math.ceil(rest / 60))
    return i18n.text("doctor_seconds", lang, seconds=rest)


async def check_input(ctx: Context) -> list[Check]:
    """With INPUT: it reads and validates as `run` reads it, and how long sending takes."""
    read = ctx.settings.read
    if read is None:
        return []
    # Imported here: reading a sheet loads the readers, which a doctor without INPUT never needs.
    from batchbind.jobs.run import read_and_check

    link = read.link
    if link is not None and read.tracker_client is None and ctx.connection is not None:
        # The tracker is read with the token run would use (issue 14); nothing is written.
        connection, lang = ctx.connection, ctx.lang
        read.tracker_client = lambda: FeishuClient(
            connection.base_url, connection.tokens, lang=lang
        )
    try:
        if link is not None and read.tracker_client is None:
            raise ctx.refused or InputError.of("doctor_tracker_no_token")
        # In a thread: reading a tracker runs its own event loop.
        _table, checked = await asyncio.to_thread(read_and_check, read)
    except BatchbindError as exc:
        message, hint = exc.render(ctx.lang)
        return [
            Check(
                name="input.read",
                status=Status.FAIL,
                message=message,
                advice=hint or ctx.say("doctor_input_advice", path=read.input),
                data={"path": str(read.input)},
            ),
            Check(name="input.duration", status=Status.SKIP, message=ctx.say("doctor_not_checked")),
        ]
    total = len(checked)
    invalid = sum(1 for row in checked.rejected.values() if row.outcome is Outcome.INVALID)
    duplicates = len(checked.rejected) - invalid
    to_send = total - len(checked.rejected)
    data = {"path": str(read.input), "rows": total, "to_send": to_send, "invalid": invalid,
            "duplicates": duplicates}  # fmt: skip
    counts = ctx.say("doctor_input_counts", path=read.input.name, rows=total, to_send=to_send,
                     invalid=invalid, duplicates=duplicates)  # fmt: skip
    if invalid:
        read_check = Check(
            name="input.read",
            status=Status.WARN,
            message=counts,
            advice=ctx.say("doctor_input_advice", path=read.input),
            data=data,
        )
    else:
        read_check = Check(name="input.read", status=Status.PASS, message=counts, data=data)
    tracker = []
    if link is not None:
        tracker.append(
            Check(
                name="input.tracker",
                status=Status.PASS,
                message=ctx.say("doctor_tracker_read", document=read.input.name),
                data={"link": str(link), "kind": link.kind.value, "title": read.input.name},
            )
        )
    settings = ctx.settings
    ceiling = min(settings.rate_per_second, settings.rate_per_minute / 60)
    seconds = to_send / ceiling
    duration = Check(
        name="input.duration",
        status=Status.PASS,
        message=ctx.say(
            "doctor_duration",
            duration=_duration(seconds, ctx.lang),
            rows=to_send,
            per_minute=f"{settings.rate_per_minute:g}",
            per_second=f"{settings.rate_per_second:g}",
        ),
        data={"seconds": round(seconds), "rows": to_send, "per_second": round(ceiling, 3)},
    )
    return [read_check, *tracker, duration]


# -- the message targets (--notify) ----------------------------------------------------------------


def _choose_targets(ctx: Context) -> None:
    """The targets `run` would post to with these options (see `notify.check.wanted_targets`);
    --send-test with none is a bad invocation (exit 2), refused before anything is sent."""
    settings = ctx.settings
    choice = settings.choice
    if not settings.notify and not settings.send_test:
        # Imported here: without --notify, only a profile's stored targets need the module.
        from batchbind.notify.config import config_path

        if choice.sandbox or choice.sandbox_scenario or not config_path(choice.profile).exists():
            return
    from batchbind.notify.check import no_target_for_send_test, wanted_targets

    try:
        ctx.notify = wanted_targets(
            settings.notify, choice.profile, bool(choice.sandbox or choice.sandbox_scenario)
        )
    except BatchbindError as exc:  # the stored targets cannot be read: a failed check
        ctx.notify_refused = exc
        return
    if settings.send_test and not ctx.notify:
        raise no_target_for_send_test()


async def check_notify(ctx: Context) -> list[Check]:
    """Each message target answers, posting nothing (one test message each with --send-test)."""
    if ctx.notify_refused is not None:
        message, hint = ctx.notify_refused.render(ctx.lang)
        return [Check(name="notify", status=Status.FAIL, message=message, advice=hint)]
    if not ctx.notify:
        return []
    from batchbind.notify.check import Probe, check_target

    settings = ctx.settings
    choice = settings.choice
    probe = Probe(
        base_url=ctx.host,
        profile=choice.profile,
        sandbox=bool(choice.sandbox or choice.sandbox_scenario),
        lang=ctx.lang,
        timeout_s=settings.timeout_s,
        send_test=settings.send_test,
    )
    checks = []
    for wanted in ctx.notify:
        found = await check_target(wanted, probe)
        checks.append(
            Check(
                name="notify",
                status=Status(found.status),
                message=found.message,
                advice=found.advice,
                data=found.data(wanted.source),
            )
        )
    return checks


#: The checks, in order (the token's comes before those that read the preflight's answer).
#: The tracker link (issue 14) will add its own here.
CHECKS: tuple[CheckFunction, ...] = (
    check_network,
    check_token,
    check_administrator,
    check_scopes,
    check_input,
    check_notify,
)
