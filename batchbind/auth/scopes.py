"""Scopes: what `auth login` asks for, what each call needs, and what a refusal for one names.

Feishu puts into a user token only the scopes asked for at authorization (and those granted
earlier), so a login that asks for too little yields a token every create is refused with. The
binding API's own page names the scopes each call takes, any one of them will do:

- create: `calendar:exchange.bindings:create`, `calendar:calendar` or `calendar:calendar:readonly`;
- status: `calendar:exchange.bindings:read` or `calendar:calendar:readonly`;
- unbind: `calendar:exchange.bindings:delete` or `calendar:calendar`;
- the e-mail and user id fields of the answers: `contact:user.email:readonly`,
  `contact:user.employee_id:readonly`.

`auth login` asks for the narrow ones, and `offline_access` so that the token can be renewed.
The e-mail lookup of `resolve` runs on the app's own (tenant) token, which no login grants; which
scope it takes is not in the facts batchbind relies on, so a refusal there names what Feishu
asked for and nothing else.

A call refused for a missing scope (99991672: the app lacks it; 99991679: the user has not
granted it) stops the run; the stop names the scopes Feishu asked for, read from its message (`[a,
b]` lists, or the words after "scope(s):") or from `error.permission_violations`, and the one
command that fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from batchbind.errors import RunStopped
from batchbind.output import i18n

OFFLINE_ACCESS = "offline_access"
CREATE = "calendar:exchange.bindings:create"
READ = "calendar:exchange.bindings:read"
DELETE = "calendar:exchange.bindings:delete"
CONTACT_EMAIL = "contact:user.email:readonly"
CONTACT_EMPLOYEE_ID = "contact:user.employee_id:readonly"
CALENDAR = "calendar:calendar"
CALENDAR_READONLY = "calendar:calendar:readonly"

#: What `auth login` asks for by default (`--scope` adds more).
LOGIN_SCOPES = (CREATE, READ, DELETE, CONTACT_EMAIL, CONTACT_EMPLOYEE_ID, OFFLINE_ACCESS)

#: The team's tracker (issue 14): a Sheet's cells, a Bitable's records and fields, a Wiki node.
SHEETS = "sheets:spreadsheet"
SHEETS_READONLY = "sheets:spreadsheet:readonly"
DRIVE = "drive:drive"
DRIVE_READONLY = "drive:drive:readonly"
BITABLE = "bitable:app"
BITABLE_READONLY = "bitable:app:readonly"
WIKI_READONLY = "wiki:wiki:readonly"
WIKI_NODE_READ = "wiki:node:read"
#: What a tracker needs, to read it and write results back (`auth login --scope` adds them).
TRACKER_SCOPES = (SHEETS, BITABLE, WIKI_READONLY)

#: Per endpoint (the pacers' names), the scopes that let a user token make the call: any one.
ENDPOINT_SCOPES: Mapping[str, tuple[str, ...]] = {
    "create": (CREATE, CALENDAR, CALENDAR_READONLY),
    "get": (READ, CALENDAR_READONLY),
    "delete": (DELETE, CALENDAR),
    "sheets.query": (SHEETS, SHEETS_READONLY, DRIVE, DRIVE_READONLY),
    "sheets.meta": (SHEETS, SHEETS_READONLY, DRIVE, DRIVE_READONLY),
    "sheets.read": (SHEETS, SHEETS_READONLY, DRIVE, DRIVE_READONLY),
    "sheets.write": (SHEETS, DRIVE),
    "bitable.search": (BITABLE, BITABLE_READONLY, "base:record:retrieve"),
    "bitable.meta": (BITABLE, BITABLE_READONLY),
    "bitable.fields": (BITABLE,),
    "bitable.write": (BITABLE, "base:record:update"),
    "wiki.node": (WIKI_READONLY, WIKI_NODE_READ),
}
#: The e-mail and user id fields of the binding answers.
FIELD_SCOPES = (CONTACT_EMAIL, CONTACT_EMPLOYEE_ID)

#: Per command, the endpoints it calls (each sending command starts with the status preflight).
COMMAND_ENDPOINTS: Mapping[str, tuple[str, ...]] = {
    "run": ("get", "create"),
    "status": ("get",),
    "unbind": ("get", "delete"),
}

#: A call refused because the app lacks a scope (99991672) or the user never granted it (99991679).
APP_LACKS_SCOPE = 99991672
USER_LACKS_SCOPE = 99991679
MISSING_SCOPE = frozenset({APP_LACKS_SCOPE, USER_LACKS_SCOPE})

#: A scope as Feishu spells them: words joined by colons (`calendar:calendar:readonly`).
_SCOPE = re.compile(r"(?<![\w.:/-])([a-z][a-z0-9_]*(?::[a-z][a-z0-9_.-]*[a-z0-9_])+)(?![\w:/-])")
_LIST = re.compile(r"\[([^\[\]]*)\]")
_AFTER_WORD = re.compile(r"(?i)(?:scopes?|privileges?|permissions?)\s*[:：]\s*([^\n。]*)")


def split_scopes(text: str) -> tuple[str, ...]:
    """A scope string as OAuth writes it (space-separated; commas tolerated), in order, once."""
    return tuple(dict.fromkeys(s for s in re.split(r"[\s,]+", text) if s))


def _scopes_in(text: str) -> list[str]:
    return [m.group(1) for m in _SCOPE.finditer(text)]


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def named_scopes(msg: str, error: Any = None) -> tuple[str, ...]:
    """The scopes a refusal names, in the order named; () when it names none.

    `error.permission_violations` first (its shape is not documented: every scope-shaped string
    in it counts), then the `[a, b]` lists of the message, then what follows "scope(s):". Never
    any other word of the message: a link or a sentence must not become a scope to ask for.
    """
    found: list[str] = []
    if isinstance(error, Mapping):
        for text in _strings(error.get("permission_violations")):
            found += _scopes_in(text)
    if not found:
        for listed in _LIST.findall(msg):
            found += _scopes_in(listed)
    if not found:
        for after in _AFTER_WORD.findall(msg):
            found += _scopes_in(after)
    return tuple(dict.fromkeys(found))


def to_ask_for(named: Sequence[str], endpoint: str) -> tuple[str, ...]:
    """The scopes to log in with: of those Feishu named (any one of which will do, usually),
    the narrow ones batchbind asks for by default; all of them when none is; the endpoint's own
    narrow scope when Feishu named none."""
    if named:
        narrow = tuple(s for s in named if s in LOGIN_SCOPES)
        return narrow or tuple(named)
    needs = ENDPOINT_SCOPES.get(endpoint)
    return needs[:1] if needs else ()


def login_command(scopes: Sequence[str], profile: str = "default") -> str:
    """The one command that asks for `scopes` (with the profile, unless it is the default)."""
    parts = ["batchbind auth login"]
    if profile != "default":
        parts.append(f"--profile {profile}")
    parts += [f"--scope {scope}" for scope in scopes]
    return " ".join(parts)


def covers(held: Iterable[str], endpoint: str) -> bool:
    """Whether a token holding `held` may call `endpoint` (unknown endpoints: yes)."""
    needs = ENDPOINT_SCOPES.get(endpoint)
    return needs is None or not set(needs).isdisjoint(held)


def lacking(held: Iterable[str], command: str) -> tuple[str, ...]:
    """The narrow scopes `command` needs that a token holding `held` lacks (any alternative held
    counts as the scope)."""
    held = set(held)
    return tuple(
        ENDPOINT_SCOPES[endpoint][0]
        for endpoint in COMMAND_ENDPOINTS[command]
        if not covers(held, endpoint)
    )


def scope_fix(
    code: int | None, scopes: Sequence[str], endpoint: str, lang: str, profile: str = "default"
) -> str:
    """What to do about a missing scope: log in again asking for it (99991679); enable it for the
    app first (99991672); for the app's own token (`resolve`'s lookup) only the console helps."""
    shown = ", ".join(scopes) or i18n.text("scope_not_named", lang)
    if endpoint not in ENDPOINT_SCOPES:
        return i18n.text("scope_fix_app", lang, scopes=shown)
    key = "scope_fix_console" if code == APP_LACKS_SCOPE else "scope_fix_login"
    return i18n.text(key, lang, scopes=shown, command=login_command(scopes, profile))


def missing_scope_stop(
    *,
    code: int | None,
    msg: str,
    named: Sequence[str],
    endpoint: str,
    lang: str,
    profile: str = "default",
) -> RunStopped:
    """The stop for a call refused for a missing scope: which scopes, and the fix.

    `msg` is Feishu's message, already scrubbed of secrets (`feishu.client` scrubs every answer).
    """
    scopes = to_ask_for(named, endpoint)
    shown = ", ".join(scopes) or i18n.text("scope_not_named", lang)
    message = i18n.text("stop_scope", lang, code=code, msg=msg, scopes=shown)
    if not named and scopes:
        message += " " + i18n.text("stop_scope_guessed", lang)
    fix = scope_fix(code, scopes, endpoint, lang, profile)
    stop = RunStopped(message, hint=f"{fix} {i18n.text('rerun_hint', lang)}")
    if endpoint in ENDPOINT_SCOPES and code != APP_LACKS_SCOPE:
        stop.endpoint = endpoint  # a login asking for the scope fixes it
    return stop
