"""Scenarios: everything that makes the sandbox friendly (the default) or hostile on purpose.

A scenario is a TOML or JSON file whose tables mirror the dataclasses below one to one
(`[tenant]` is `Tenant`, `[[faults.rules]]` is `FaultRule`, ...). Every dataclass checks its own
values, so a `Scenario` built in code is held to the same rules as one read from a file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from batchbind.errors import ScenarioError as ScenarioError  # re-exported for callers
from batchbind.output.i18n import Phrase

SANDBOX_TOKEN = "u-sandbox"

TOKEN_ROLES = ("super_admin", "user", "expired", "invalid")
# Tokens whose every call gets one of the run-wide answers (see app._TOKEN_ANSWERS).
RUN_WIDE_ROLES = ("wrong_unit", "no_bot", "quota", "no_scope", "no_grant")
# `echo_authorization` answers as usual, through a careless proxy that copies the request's
# Authorization header into `msg` and `x-tt-logid` (what batchbind must never write down).
FAULTS = ("error_500", "drop", "gateway_502", "drop_after_store", "echo_authorization")
# Only as a targeted rule: the request is carried out, then its answer is held until released
# (`POST /_sandbox/release`), so a test can kill the client in exactly that moment.
RULE_FAULTS = (*FAULTS, "hold_after_store")
THROTTLE_CODES = (99991400, 190004, 190005, 190010)
ENDPOINTS = ("create", "get", "delete")


def _check(ok: bool, key: str, **params: Any) -> None:
    """Refuse with catalogue entry `scenario_<key>`: the settings' names stay as the file spells
    them, the sentence around them speaks the user's language."""
    if not ok:
        raise ScenarioError.of(f"scenario_{key}", **params)


def _one_of(value: object, field: str, choices: tuple[object, ...]) -> None:
    _check(value in choices, "one_of", field=field, choices=", ".join(map(repr, choices)))


def _probability(where: str, name: str, value: float) -> None:
    _check(0.0 <= value <= 1.0, "probability", field=f"{where}.{name}", value=value)


def _non_negative(where: str, name: str, value: float) -> None:
    _check(value >= 0, "negative", field=f"{where}.{name}", value=value)


def _http_status(where: str, value: int) -> None:
    _check(400 <= value <= 599, "http_status", field=f"{where}.http", value=value)


@dataclass(frozen=True)
class Tenant:
    """Who exists. `None` for `admin_accounts` / `users` means every well-formed value exists."""

    admin_accounts: tuple[str, ...] | None = None
    unknown_admin_accounts: tuple[str, ...] = ()  # 195106
    foreign_admin_accounts: tuple[str, ...] = ()  # 195104
    broken_admin_accounts: tuple[str, ...] = ()  # 195105
    users: tuple[str, ...] | None = None
    missing_users: tuple[str, ...] = ()  # 195100


@dataclass(frozen=True)
class Recreate:
    """The answer to creating a binding that already exists with the same user and admin.

    The official docs do not say what Feishu answers, so both plausible answers are available.
    """

    answer: Literal["same", "error"] = "same"
    http: int = 400
    code: int = 190002
    msg: str = "the exchange account is already bound"

    def __post_init__(self) -> None:
        _one_of(self.answer, "recreate.answer", ("same", "error"))
        _http_status("recreate", self.http)


@dataclass(frozen=True)
class Conflict:
    """The answer when the Exchange account is already bound to another user or admin account."""

    http: int = 400
    code: int = 190002
    msg: str = "the exchange account is already bound to another user"

    def __post_init__(self) -> None:
        _http_status("conflict", self.http)


@dataclass(frozen=True)
class Sync:
    """How a binding's status moves: doing -> cal_done -> timespan_done -> done (or err)."""

    seconds: float = 3.0
    err_accounts: tuple[str, ...] = ()
    err_rate: float = 0.0

    def __post_init__(self) -> None:
        _non_negative("sync", "seconds", self.seconds)
        _probability("sync", "err_rate", self.err_rate)


@dataclass(frozen=True)
class LimitStep:
    """From `after_s` seconds after the server's first request on, these caps apply.

    A cap left out keeps the `[limits]` value, so a later step with no caps restores them.
    """

    after_s: float
    per_second: int | None = None
    per_minute: int | None = None

    def __post_init__(self) -> None:
        _non_negative("limits.schedule", "after_s", self.after_s)
        for name in ("per_second", "per_minute"):
            cap = getattr(self, name)
            _check(cap is None or cap >= 1, "at_least_1", field=f"limits.schedule.{name}")


@dataclass(frozen=True)
class Limits:
    """Rate budgets, one set per endpoint. Feishu does not document its window rules."""

    per_second: int = 50
    per_minute: int = 1000
    minute_window: Literal["sliding", "fixed"] = "sliding"
    count_refused: bool = False
    throttle_code: int = 99991400
    throttle_headers: bool = True
    schedule: tuple[LimitStep, ...] = ()

    def __post_init__(self) -> None:
        _check(self.per_second >= 1, "at_least_1", field="limits.per_second")
        _check(self.per_minute >= 1, "at_least_1", field="limits.per_minute")
        _one_of(self.minute_window, "limits.minute_window", ("sliding", "fixed"))
        _one_of(self.throttle_code, "limits.throttle_code", THROTTLE_CODES)


@dataclass(frozen=True)
class Latency:
    """Time taken by every API answer: uniform between min and max, plus rare long stalls."""

    min_ms: float = 0.0
    max_ms: float = 0.0
    stall_probability: float = 0.0
    stall_ms: float = 10_000.0

    def __post_init__(self) -> None:
        for name in ("min_ms", "max_ms", "stall_ms"):
            _non_negative("latency", name, getattr(self, name))
        _check(self.max_ms >= self.min_ms, "below", field="latency.max_ms", other="latency.min_ms")
        _probability("latency", "stall_probability", self.stall_probability)


@dataclass(frozen=True)
class FaultRule:
    """A targeted fault: fires on the next `times` requests for this Exchange account.

    `hold_after_store` (rules only) carries the request out, then holds its answer until
    `POST /_sandbox/release`; `GET /_sandbox/held` lists the answers held.
    """

    exchange_account: str
    fault: str
    times: int = 1
    endpoint: str = "create"

    def __post_init__(self) -> None:
        _one_of(self.fault, "faults.rules.fault", RULE_FAULTS)
        _check(self.times >= 1, "at_least_1", field="faults.rules.times")
        _one_of(self.endpoint, "faults.rules.endpoint", ENDPOINTS)


@dataclass(frozen=True)
class Faults:
    """Injected failures: probabilities per request on `endpoints`, plus targeted rules."""

    error_500: float = 0.0
    drop: float = 0.0
    gateway_502: float = 0.0
    drop_after_store: float = 0.0
    echo_authorization: float = 0.0
    endpoints: tuple[str, ...] = ("create",)
    rules: tuple[FaultRule, ...] = ()

    def __post_init__(self) -> None:
        for name in FAULTS:
            _probability("faults", name, getattr(self, name))
        total = sum(getattr(self, name) for name in FAULTS)
        _check(total <= 1.0, "fault_total", total=total)
        unknown = [e for e in self.endpoints if e not in ENDPOINTS]
        _check(
            not unknown,
            "unknown_endpoints",
            field="faults.endpoints",
            unknown=", ".join(unknown),
            known=", ".join(ENDPOINTS),
        )


PERSON_STATUSES = ("active", "resigned", "frozen")


@dataclass(frozen=True)
class Person:
    """One person of the directory, found by e-mail. Ids left out are derived from the e-mail."""

    email: str
    open_id: str = ""
    union_id: str = ""
    user_id: str = ""
    status: Literal["active", "resigned", "frozen"] = "active"

    def __post_init__(self) -> None:
        _check("@" in self.email, "not_email", field="directory.people.email", value=self.email)
        _one_of(self.status, "directory.people.status", PERSON_STATUSES)


@dataclass(frozen=True)
class Directory:
    """Who `contact/v3/users/batch_get_id` finds, and the app allowed to get a tenant token.

    With `everyone`, an e-mail nobody listed is found too (ids derived from it), so a rehearsal
    works with any spreadsheet; `missing` e-mails are never found.
    """

    app_id: str = "cli_sandbox"
    app_secret: str = "sandbox-secret"
    people: tuple[Person, ...] = ()
    missing: tuple[str, ...] = ()
    everyone: bool = True


@dataclass(frozen=True)
class OAuth:
    """The app that `auth login` uses, and the life of the tokens the OAuth endpoints issue.

    `access_calls` > 0 makes each access token expire after that many API calls (exact and fast
    for tests); `access_lifetime_s` is its life in seconds. `refresh_server_errors` answers the
    next N refreshes with 20050 (Feishu's trouble: retry).
    """

    app_id: str = "cli_sandbox"
    app_secret: str = "sandbox-secret"
    access_lifetime_s: float = 7200.0
    access_calls: int = 0
    refresh_lifetime_s: float = 365 * 86400.0
    refresh_enabled: bool = True
    refresh_server_errors: int = 0
    role: str = "super_admin"
    user_name: str = "Sandbox Admin"
    open_id: str = "ou_sandbox_admin"

    def __post_init__(self) -> None:
        _check(self.access_lifetime_s > 0, "positive", field="oauth.access_lifetime_s")
        _check(self.refresh_lifetime_s > 0, "positive", field="oauth.refresh_lifetime_s")
        _non_negative("oauth", "access_calls", self.access_calls)
        _non_negative("oauth", "refresh_server_errors", self.refresh_server_errors)
        roles = (*TOKEN_ROLES, *RUN_WIDE_ROLES)
        _one_of(self.role, "oauth.role", roles)


#: A call refused for a missing scope: the app lacks it (99991672), or the user never granted it.
SCOPE_CODES = (99991672, 99991679)


@dataclass(frozen=True)
class Scopes:
    """A tenant whose tokens lack scopes: a binding call that takes one of `missing` is refused
    with `code`, naming the scopes it takes, unless the token comes from an `auth login` that
    asked for one of them (so logging in again with the scope is the fix)."""

    missing: tuple[str, ...] = ()
    code: int = 99991672

    def __post_init__(self) -> None:
        _one_of(self.code, "scopes.code", SCOPE_CODES)


# -- the team's tracker: Bitable and Wiki (issue 14; sandbox/bitable.py, sandbox/wiki.py) -------

DOC_ACCESS = ("edit", "read", "none")
#: Bitable's field types, by the numbers the official pages give them.
FIELD_TYPES = {
    "text": 1,
    "number": 2,
    "single_select": 3,
    "multi_select": 4,
    "date": 5,
    "checkbox": 7,
    "person": 11,
    "phone": 13,
    "url": 15,
    "attachment": 17,
    "formula": 20,
    "created_time": 1001,
    "auto_number": 1005,
}
WIKI_OBJ_TYPES = ("doc", "docx", "sheet", "mindnote", "bitable", "file", "slides")


def _unique(ids: list[str], where: str) -> None:
    _check(len(ids) == len(set(ids)) and all(ids), "ids_unique", field=where)


@dataclass(frozen=True)
class BitableField:
    """A field of a table: its name, its type (`FIELD_TYPES`' numbers), and for a text field
    the kind of text it shows (`ui_type = "Email"` makes it an e-mail field)."""

    name: str
    type: int = 1
    ui_type: str = ""

    def __post_init__(self) -> None:
        _one_of(self.type, "bitables.tables.fields.type", tuple(FIELD_TYPES.values()))


@dataclass(frozen=True)
class BitableView:
    """A view: its id (`view=` in links) and the records it shows, in its order (every record
    in the table's order when `records` is empty)."""

    view_id: str
    name: str = "Grid"
    records: tuple[str, ...] = ()


@dataclass(frozen=True)
class BitableRecord:
    """One record: `fields` maps a field's name to its value in a plain form (text, a number,
    the e-mail addresses of a Person field's people, `{link, text}` for a URL). An id left out
    is `rec<position>`."""

    fields: dict[str, Any] = field(default_factory=dict)
    record_id: str = ""


@dataclass(frozen=True)
class BitableTable:
    """A table of a base. The first field is the primary field. `synced` marks a table synced
    from another source: writes to it are refused with the base's `synced_code`.
    `deleted_after_read` records vanish once a search has shown them (a teammate deleting a
    row while a run is under way)."""

    table_id: str
    name: str = "Table"
    fields: tuple[BitableField, ...] = ()
    records: tuple[BitableRecord, ...] = ()
    views: tuple[BitableView, ...] = ()
    synced: bool = False
    deleted_after_read: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _unique([f.name for f in self.fields], "bitables.tables.fields.name")
        _unique([v.view_id for v in self.views], "bitables.tables.views.view_id")


@dataclass(frozen=True)
class Bitable:
    """A base the sandbox serves (`/open-apis/bitable/v1/apps/{app_token}/...`).

    `access` gives a token's right to it (edit, read, none); other tokens get `default_access`.
    `conflicts` answers the next N writes 1254291 (Write conflict), as does a write that arrives
    while another is in progress (each takes `write_ms`); `throttle_writes` answers the next N
    writes 429 with `x-ogw-ratelimit-reset`. Feishu documents no code for a write to a synced
    table: `synced_code` / `synced_msg` are the sandbox's answer, a scenario setting.
    """

    app_token: str
    name: str = "Base"
    tables: tuple[BitableTable, ...] = ()
    access: dict[str, str] = field(default_factory=dict)
    default_access: str = "edit"
    conflicts: int = 0
    throttle_writes: int = 0
    write_ms: float = 0.0
    synced_code: int = 1254000
    synced_msg: str = "the table is synced from another source and cannot be edited"

    def __post_init__(self) -> None:
        _check(bool(self.app_token), "ids_unique", field="bitables.app_token")
        _one_of(self.default_access, "bitables.default_access", DOC_ACCESS)
        for right in self.access.values():
            _one_of(right, "bitables.access", DOC_ACCESS)
        _non_negative("bitables", "conflicts", self.conflicts)
        _non_negative("bitables", "throttle_writes", self.throttle_writes)
        _non_negative("bitables", "write_ms", self.write_ms)
        _unique([t.table_id for t in self.tables], "bitables.tables.table_id")


@dataclass(frozen=True)
class WikiNode:
    """A Wiki page (`/wiki/<node_token>`) and the document behind it (`obj_type`, `obj_token`).
    `access` gives a token's right to the page (read or none); others get `default_access`."""

    node_token: str
    obj_token: str
    obj_type: str = "bitable"
    title: str = "Wiki page"
    access: dict[str, str] = field(default_factory=dict)
    default_access: str = "read"

    def __post_init__(self) -> None:
        _check(bool(self.node_token), "ids_unique", field="wiki.node_token")
        _one_of(self.obj_type, "wiki.obj_type", WIKI_OBJ_TYPES)
        _one_of(self.default_access, "wiki.default_access", DOC_ACCESS)
        for right in self.access.values():
            _one_of(right, "wiki.access", DOC_ACCESS)


#: The answers of a custom bot's webhook the shared docs name (section "Messages to a group").
HOOK_REFUSALS = ("bad_request", "bad_hook", "keyword", "ip_not_allowed")


@dataclass(frozen=True)
class Hook:
    """One custom bot's webhook, `/open-apis/bot/v2/hook/<id>`.

    With a `secret`, a message must carry `timestamp` (within an hour of now) and its `sign`, else
    19021. `frequency_limited` answers the next N messages 11232; `refuse` answers every message
    with one of the other documented codes (9499, 19001, 19024, 19022).
    """

    id: str
    secret: str = ""
    frequency_limited: int = 0
    refuse: str = ""

    def __post_init__(self) -> None:
        _check(bool(self.id), "bots.hooks.id must not be empty")
        _non_negative("bots.hooks", "frequency_limited", self.frequency_limited)
        _check(
            self.refuse in ("", *HOOK_REFUSALS),
            f"bots.hooks.refuse must be one of {', '.join(HOOK_REFUSALS)}",
        )


@dataclass(frozen=True)
class Bots:
    """Group messages: custom-bot webhooks and the app's own bot (`im/v1/messages`).

    A hook id nobody declared is a bot without a secret when `any_hook` is true (a rehearsal
    with any URL works), else 19001. The app's bot is in the `chats` listed (every chat when the
    list is empty). Feishu does not document the HTTP status of a webhook's refusals: the sandbox
    answers them with `refusal_http` (200 unless a scenario says otherwise). `reads_chats` false
    plays an app without a scope that reads a group (`is_in_chat` answers 99991672).
    """

    hooks: tuple[Hook, ...] = ()
    any_hook: bool = True
    chats: tuple[str, ...] = ()
    refusal_http: int = 200
    reads_chats: bool = True

    def __post_init__(self) -> None:
        _check(100 <= self.refusal_http <= 599, "bots.refusal_http must be an HTTP status")


# -- the team's tracker: Sheets (issue 14) --------------------------------------------------------

SHEET_ACCESS = ("edit", "read", "none")
#: What a cell of a scenario's Sheet may hold (TOML has no null; JSON's null is an empty cell).
_CELL_TYPES = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class SheetTab:
    """One tab of a Sheet: its id (`?sheet=` in links), its title, and its cells, row by row.

    The grid is at least as large as the cells (`row_count`, `column_count` make it larger, as a
    new Sheet's 200 x 20 grid is).
    """

    sheet_id: str
    title: str
    cells: tuple[tuple[Any, ...], ...] = ()
    row_count: int = 0
    column_count: int = 0
    hidden: bool = False

    def __post_init__(self) -> None:
        _check(bool(self.sheet_id), "sheets_empty", field="sheets.tabs.sheet_id")
        for row in self.cells:
            for value in row:
                _check(isinstance(value, _CELL_TYPES), "sheets_cell", field="sheets.tabs.cells")
        _non_negative("sheets.tabs", "row_count", self.row_count)
        _non_negative("sheets.tabs", "column_count", self.column_count)


@dataclass(frozen=True)
class SheetDocument:
    """A Feishu Sheet the sandbox serves (`/open-apis/sheets/...`), found by its token.

    `access` gives a token's right to it (edit, read, none); other tokens get `default_access`.
    `throttle_writes` answers the next N writes 429 with `x-ogw-ratelimit-reset`. Feishu asks
    for one write at a time per document but does not document its answer to a second writer:
    the sandbox answers a write that arrives while another is in progress (or one of the next
    `busy_writes`) with `concurrent_http` / `concurrent_code` (default: the Sheets' throttling
    answer, 90217); `write_ms` is how long a write takes. `writable_writes` takes the edit right
    away after that many writes (a permission removed during a run).
    """

    token: str
    title: str = "Sheet"
    tabs: tuple[SheetTab, ...] = ()
    access: dict[str, str] = field(default_factory=dict)
    default_access: str = "edit"
    throttle_writes: int = 0
    busy_writes: int = 0
    concurrent_http: int = 400
    concurrent_code: int = 90217
    write_ms: float = 0.0
    # After this many writes the token may no longer edit it (someone took the permission
    # away during a run); -1: never.
    writable_writes: int = -1

    def __post_init__(self) -> None:
        _check(bool(self.token), "sheets_empty", field="sheets.token")
        _one_of(self.default_access, "sheets.default_access", SHEET_ACCESS)
        for right in self.access.values():
            _one_of(right, "sheets.access", SHEET_ACCESS)
        _non_negative("sheets", "throttle_writes", self.throttle_writes)
        _non_negative("sheets", "busy_writes", self.busy_writes)
        _non_negative("sheets", "write_ms", self.write_ms)
        _http_status("sheets", self.concurrent_http)
        ids = [tab.sheet_id for tab in self.tabs]
        _check(len(ids) == len(set(ids)), "sheets_unique", field="sheets.tabs.sheet_id")


def _default_tokens() -> dict[str, str]:
    return {SANDBOX_TOKEN: "super_admin"}


@dataclass(frozen=True)
class Scenario:
    """All the sandbox's settings. `Scenario()` is the friendly tenant."""

    seed: int = 0
    tokens: dict[str, str] = field(default_factory=_default_tokens)
    tenant: Tenant = field(default_factory=Tenant)
    recreate: Recreate = field(default_factory=Recreate)
    conflict: Conflict = field(default_factory=Conflict)
    sync: Sync = field(default_factory=Sync)
    limits: Limits = field(default_factory=Limits)
    latency: Latency = field(default_factory=Latency)
    faults: Faults = field(default_factory=Faults)
    directory: Directory = field(default_factory=Directory)
    oauth: OAuth = field(default_factory=OAuth)
    scopes: Scopes = field(default_factory=Scopes)
    bots: Bots = field(default_factory=Bots)
    bitables: tuple[Bitable, ...] = ()  # the team's tracker as a Bitable (issue 14)
    wiki: tuple[WikiNode, ...] = ()  # Wiki pages holding a tracker (issue 14)
    sheets: tuple[SheetDocument, ...] = ()  # the team's tracker (issue 14)

    def __post_init__(self) -> None:
        roles = (*TOKEN_ROLES, *RUN_WIDE_ROLES)
        bad = sorted(t for t, role in self.tokens.items() if role not in roles)
        _check(not bad, "unknown_roles", tokens=", ".join(bad), roles=", ".join(roles))
        _unique([b.app_token for b in self.bitables], "bitables.app_token")
        _unique([w.node_token for w in self.wiki], "wiki.node_token")

    def digest(self) -> str:
        """The sha256 of the scenario's canonical JSON form (what `/_sandbox/info` shows)."""
        canonical = json.dumps(
            dataclasses.asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_scenario(path: Path) -> Scenario:
    """Read a scenario from a `.toml` or `.json` file; any mistake is one `ScenarioError`."""
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ScenarioError.of(
            "scenario_in_file", path=path, error=ScenarioError.of("scenario_suffix")
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError.of("scenario_unreadable", path=path, error=exc.strerror) from exc
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError.of(
            "scenario_invalid", path=path, format=suffix[1:].upper(), error=exc
        ) from exc
    if not isinstance(data, dict):
        raise ScenarioError.of("scenario_not_table", path=path)
    try:
        return scenario_from_dict(data)
    except ScenarioError as exc:
        raise ScenarioError.of("scenario_in_file", path=path, error=exc) from None


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build a scenario from parsed TOML/JSON. Tokens given are added to the default token."""
    data = dict(data)
    tokens = data.pop("tokens", {})
    _check(isinstance(tokens, dict), "tokens_table")
    scenario: Scenario = _build(Scenario, data, "")
    return dataclasses.replace(scenario, tokens={**_default_tokens(), **tokens})


def _build(cls: type[Any], data: Any, where: str) -> Any:
    """Turn one table into the dataclass `cls`, refusing unknown keys and wrong types."""
    label: str | Phrase = f"[{where}]" if where else Phrase("scenario_top_level")
    _check(isinstance(data, dict), "table", label=label)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "tokens"}
    unknown = sorted(set(data) - set(fields))
    _check(
        not unknown,
        "unknown_settings",
        label=label,
        unknown=", ".join(unknown),
        known=", ".join(fields),
    )
    hints = typing.get_type_hints(cls)
    values = {
        name: _convert(hints[name], value, f"{where}.{name}" if where else name)
        for name, value in data.items()
    }
    return cls(**values)


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):  # only `X | None` occurs
        return _convert(next(a for a in args if a is not type(None)), value, where)
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type[Any], hint), value, where)
    if origin is tuple:
        _check(isinstance(value, list), "list", field=where)
        return tuple(_convert(args[0], item, where) for item in value)
    if origin is Literal:
        _one_of(value, where, args)
        return value
    # bool is a subclass of int: refuse `true` where a number is meant, and 1 where a bool is.
    if hint is bool:
        _check(isinstance(value, bool), "bool", field=where)
    elif hint is int:
        _check(isinstance(value, int) and not isinstance(value, bool), "whole", field=where)
    elif hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        _check(ok, "number", field=where)
        return float(value)
    elif hint is str:
        _check(isinstance(value, str), "string", field=where)
    return value
