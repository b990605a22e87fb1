"""Bitable in the sandbox: the team's tracker as a table of a base (issue 14).

The endpoints batchbind uses, in the shapes of the official pages (shared/docs/feishu-api.md,
section 7): the base (`GET /open-apis/bitable/v1/apps/{app_token}`, its name), its tables
(`GET .../tables`), a table's fields (`GET .../fields`, `POST .../fields`) and records
(`POST .../records/search`, `POST .../records/batch_update`).

What the pages document is enforced with their codes: 500 records a search page, 1,000 records
a batch_update, all or nothing (a record that no longer exists: 1254043 RecordIdNotFound, and
nothing is written), one write at a time per base (1254291 Write conflict), 1254040 / 1254041 /
1254042 / 1254045 for a base, table, view or field name that does not exist, 91403 Forbidden for
a token that may not open the base and 1254302 Permission denied for one that may only read it.
Values come back in Bitable's shapes: text as a list of segments (an e-mail field's segment is a
`mailto:` link), numbers as numbers, a URL as `{link, text}`, a Person field as a list of
`{id, name, en_name, email, avatar_url}` with `id` in the requested `user_id_type` (derived from
the person's e-mail, or given in `[directory]`). The code of a write to a synced table is not
documented: it is the scenario's `synced_code`.

The tables' fields and records live in memory and, with a state file, in `<state>.bitables.json`
beside it, saved as the bindings are. `GET /_sandbox/documents/bitables` shows them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchbind.sandbox.contact import ID_PREFIXES, derived_id
from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import (
    FIELD_TYPES,
    Bitable,
    BitableTable,
    Person,
    Scenario,
    ScenarioError,
)
from batchbind.store.paths import write_private

__all__ = ["BitableEndpoints"]

APPS = "/open-apis/bitable/v1/apps/{app_token}"
TABLE = APPS + "/tables/{table_id}"

#: The documented limits.
MAX_SEARCH_PAGE = 500
MAX_BATCH_UPDATE = 1000
MAX_LIST_PAGE = 100

FORBIDDEN = 91403
PERMISSION_DENIED = 1254302
WRONG_REQUEST = 1254000
BASE_NOT_FOUND = 1254040
TABLE_NOT_FOUND = 1254041
VIEW_NOT_FOUND = 1254042
RECORD_NOT_FOUND = 1254043
FIELD_NAME_NOT_FOUND = 1254045
TEXT_CONV_FAIL = 1254060
NUMBER_CONV_FAIL = 1254061
TOO_MANY_RECORDS = 1254104
WRITE_CONFLICT = 1254291
FIELD_VALIDATION = 99992402

STATE_FORMAT = "batchbind-sandbox-bitables"
STATE_VERSION = 1

_UI_TYPES = {
    1: "Text",
    2: "Number",
    3: "SingleSelect",
    4: "MultiSelect",
    5: "DateTime",
    7: "Checkbox",
    11: "User",
    13: "Phone",
    15: "Url",
    17: "Attachment",
    20: "Formula",
    1001: "CreatedTime",
    1005: "AutoNumber",
}
_TEXT = FIELD_TYPES["text"]
_NUMBER = FIELD_TYPES["number"]
_PERSON = FIELD_TYPES["person"]
_URL = FIELD_TYPES["url"]


@dataclass(slots=True)
class _Field:
    field_id: str
    name: str
    type: int
    ui_type: str

    def data(self, primary: bool) -> dict[str, Any]:
        return {
            "field_id": self.field_id,
            "field_name": self.name,
            "type": self.type,
            "ui_type": self.ui_type,
            "is_primary": primary,
            "is_hidden": False,
            "property": None,
            "description": "",
        }


@dataclass(slots=True)
class _Table:
    table_id: str
    name: str
    fields: list[_Field]
    records: dict[str, dict[str, Any]]  # record id -> field name -> plain value, in order
    views: dict[str, tuple[str, ...]]
    synced: bool
    vanish: set[str] = field(default_factory=set)

    def field(self, name: str) -> _Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(slots=True)
class _Base:
    spec: Bitable
    tables: dict[str, _Table]
    conflicts: int
    throttles: int
    busy_until: float = 0.0


def _table(spec: BitableTable) -> _Table:
    fields = [
        _Field(f"fld{i:06d}", f.name, f.type, f.ui_type or _UI_TYPES.get(f.type, "Text"))
        for i, f in enumerate(spec.fields, start=1)
    ]
    records = {
        (r.record_id or f"rec{i:06d}"): dict(r.fields) for i, r in enumerate(spec.records, 1)
    }
    views = {v.view_id: v.records for v in spec.views}
    return _Table(
        spec.table_id, spec.name, fields, records, views, spec.synced, set(spec.deleted_after_read)
    )


class BitableEndpoints:
    """Handlers for the Bitable endpoints, over the scenario's bases."""

    def __init__(
        self,
        scenario: Scenario,
        state_file: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._people = {p.email.casefold(): p for p in scenario.directory.people}
        self._bases = {
            b.app_token: _Base(
                b, {t.table_id: _table(t) for t in b.tables}, b.conflicts, b.throttle_writes
            )
            for b in scenario.bitables
        }
        self.path = (
            None if state_file is None else state_file.with_name(state_file.name + ".bitables.json")
        )
        self.dirty = False
        if self.path is not None and self.path.exists():
            self._load(self.path)

    def routes(self) -> list[Route]:
        return [
            Route("GET", APPS, "bitable.app", self.app),
            Route("GET", APPS + "/tables", "bitable.tables", self.tables),
            Route("GET", TABLE + "/fields", "bitable.fields", self.fields),
            Route("POST", TABLE + "/fields", "bitable.field_create", self.create_field),
            Route("POST", TABLE + "/records/search", "bitable.search", self.search),
            Route("POST", TABLE + "/records/batch_update", "bitable.batch_update", self.update),
        ]

    # -- what the admin endpoint and tests read ------------------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        return [
            {
                "app_token": token,
                "name": base.spec.name,
                "tables": [
                    {
                        "table_id": t.table_id,
                        "name": t.name,
                        "fields": [{"name": f.name, "type": f.type} for f in t.fields],
                        "records": [
                            {"record_id": rid, "fields": dict(values)}
                            for rid, values in t.records.items()
                        ],
                    }
                    for t in base.tables.values()
                ],
            }
            for token, base in self._bases.items()
        ]

    # -- the endpoints -----------------------------------------------------------------------

    def app(self, call: Call) -> Answer:
        base = self._base(call)
        if isinstance(base, Answer):
            return base
        return success(
            {
                "app": {
                    "app_token": base.spec.app_token,
                    "name": base.spec.name,
                    "revision": 1,
                    "is_advanced": False,
                    "time_zone": "Asia/Shanghai",
                }
            }
        )

    def tables(self, call: Call) -> Answer:
        base = self._base(call)
        if isinstance(base, Answer):
            return base
        items = [
            {"table_id": t.table_id, "name": t.name, "revision": 1} for t in base.tables.values()
        ]
        return self._page(call, items, MAX_LIST_PAGE)

    def fields(self, call: Call) -> Answer:
        found = self._table(call)
        if isinstance(found, Answer):
            return found
        _base, table = found
        items = [f.data(i == 0) for i, f in enumerate(table.fields)]
        return self._page(call, items, MAX_LIST_PAGE)

    def create_field(self, call: Call) -> Answer:
        found = self._table(call, write=True)
        if isinstance(found, Answer):
            return found
        base, table = found
        body = call.json_object() or {}
        name, kind = body.get("field_name"), body.get("type")
        if not isinstance(name, str) or not name.strip() or kind not in FIELD_TYPES.values():
            return failure(400, WRONG_REQUEST, "WrongRequestJson: field_name and type")
        if table.field(name) is not None:
            return failure(400, WRONG_REQUEST, f"field name already exists: {name}")
        refused = self._writing(base, table)
        if refused is not None:
            return refused
        assert isinstance(kind, int)
        new = _Field(f"fld{len(table.fields) + 1:06d}", name, kind, _UI_TYPES.get(kind, "Text"))
        table.fields.append(new)
        self.dirty = True
        return success({"field": new.data(False)})

    def search(self, call: Call) -> Answer:
        found = self._table(call)
        if isinstance(found, Answer):
            return found
        _base, table = found
        id_type = call.query.get("user_id_type", "open_id")
        if id_type not in ID_PREFIXES:
            return failure(400, FIELD_VALIDATION, f"invalid user_id_type: {id_type}")
        size = _page_size(call, MAX_SEARCH_PAGE)
        if size is None:
            return failure(400, FIELD_VALIDATION, f"page_size: 1 to {MAX_SEARCH_PAGE}")
        body = call.json_object() or {}
        view_id = body.get("view_id")
        order = list(table.records)
        if view_id:
            if view_id not in table.views:
                return failure(200, VIEW_NOT_FOUND, "ViewIdNotFound")
            listed = table.views[view_id]
            order = [r for r in listed if r in table.records] if listed else order
        names = body.get("field_names")
        shown = table.fields
        if isinstance(names, list) and names:
            unknown = [n for n in names if table.field(str(n)) is None]
            if unknown:
                return failure(200, FIELD_NAME_NOT_FOUND, "FieldNameNotFound")
            shown = [f for f in table.fields if f.name in names]
        start = _offset(call.query.get("page_token", ""))
        if start is None:
            return failure(400, FIELD_VALIDATION, "invalid page_token")
        page = order[start : start + size]
        items = []
        for record_id in page:
            values = table.records[record_id]
            rendered = {
                f.name: self._render(f, values[f.name], id_type)
                for f in shown
                if values.get(f.name) not in (None, "", [])
            }
            items.append({"record_id": record_id, "fields": rendered})
        more = start + size < len(order)
        data: dict[str, Any] = {"items": items, "has_more": more, "total": len(order)}
        if more:
            data["page_token"] = f"pt{start + size}"
        gone = table.vanish.intersection(page)
        if gone:  # a teammate deletes these rows right after the run has read them
            table.vanish -= gone
            for record_id in gone:
                del table.records[record_id]
            self.dirty = True
        return success(data)

    def update(self, call: Call) -> Answer:
        found = self._table(call, write=True)
        if isinstance(found, Answer):
            return found
        base, table = found
        body = call.json_object() or {}
        records = body.get("records")
        if not isinstance(records, list) or not records:
            return failure(400, WRONG_REQUEST, "WrongRequestJson: records")
        if len(records) > MAX_BATCH_UPDATE:
            return failure(
                400, TOO_MANY_RECORDS, f"RecordExceedLimit: at most {MAX_BATCH_UPDATE} records"
            )
        refused = self._writing(base, table)
        if refused is not None:
            return refused
        changes: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
                return failure(400, WRONG_REQUEST, "WrongRequestJson: records[].fields")
            record_id = record.get("record_id")
            if not isinstance(record_id, str) or record_id not in table.records:
                return failure(200, RECORD_NOT_FOUND, "RecordIdNotFound")
            values: dict[str, Any] = {}
            for name, value in record["fields"].items():
                target = table.field(name)
                if target is None:
                    return failure(200, FIELD_NAME_NOT_FOUND, "FieldNameNotFound")
                problem = _conversion(target, value)
                if problem is not None:
                    return problem
                values[name] = value
            changes.append((record_id, values))
        # All or nothing: nothing above wrote; now every record is written.
        for record_id, values in changes:
            table.records[record_id].update(values)
        self.dirty = True
        id_type = call.query.get("user_id_type", "open_id")
        id_type = id_type if id_type in ID_PREFIXES else "open_id"
        answered = [
            {
                "record_id": record_id,
                "fields": {
                    name: self._render(table.field(name), value, id_type)  # type: ignore[arg-type]
                    for name, value in values.items()
                },
            }
            for record_id, values in changes
        ]
        return success({"records": answered})

    # -- the rules every call follows ----------------------------------------------------------

    def _base(self, call: Call, *, write: bool = False) -> _Base | Answer:
        base = self._bases.get(call.params["app_token"])
        if base is None:
            return failure(200, BASE_NOT_FOUND, "BaseTokenNotFound")
        right = base.spec.access.get(call.record.token or "", base.spec.default_access)
        if right == "none":
            return failure(403, FORBIDDEN, "Forbidden")
        if write and right != "edit":
            return failure(403, PERMISSION_DENIED, "Permission denied.")
        return base

    def _table(self, call: Call, *, write: bool = False) -> tuple[_Base, _Table] | Answer:
        base = self._base(call, write=write)
        if isinstance(base, Answer):
            return base
        table = base.tables.get(call.params["table_id"])
        if table is None:
            return failure(200, TABLE_NOT_FOUND, "TableIdNotFound")
        return base, table

    def _writing(self, base: _Base, table: _Table) -> Answer | None:
        """The refusal of a write now, or None: the write goes ahead and holds the base."""
        if base.throttles:
            base.throttles -= 1
            answer = failure(429, 99991400, "request trigger frequency limit")
            answer.headers["x-ogw-ratelimit-limit"] = "50"
            answer.headers["x-ogw-ratelimit-reset"] = "1"
            return answer
        now = self._clock()
        if base.conflicts or now < base.busy_until:
            base.conflicts = max(0, base.conflicts - 1)
            return failure(200, WRITE_CONFLICT, "Write conflict")
        if table.synced:
            return failure(400, base.spec.synced_code, base.spec.synced_msg)
        base.busy_until = now + base.spec.write_ms / 1000
        return None

    def _page(self, call: Call, items: list[dict[str, Any]], most: int) -> Answer:
        size = _page_size(call, most, default=20)
        start = _offset(call.query.get("page_token", ""))
        if size is None or start is None:
            return failure(400, FIELD_VALIDATION, f"page_size: 1 to {most}; page_token")
        more = start + size < len(items)
        data: dict[str, Any] = {
            "items": items[start : start + size],
            "has_more": more,
            "total": len(items),
            "page_token": f"pt{start + size}" if more else "",
        }
        return success(data)

    def _render(self, target: _Field, value: Any, id_type: str) -> Any:
        """A stored value in the shape the search and batch_update answers give it."""
        if target.type == _TEXT and isinstance(value, str):
            if target.ui_type == "Email":
                return [{"text": value, "type": "url", "link": f"mailto:{value}"}]
            return [{"text": value, "type": "text"}]
        if target.type == _URL and isinstance(value, str):
            return {"link": value, "text": value}
        if target.type == _PERSON:
            emails = [value] if isinstance(value, str) else list(value)
            return [self._person(str(e), id_type) for e in emails]
        return value

    def _person(self, email: str, id_type: str) -> dict[str, str]:
        person = self._people.get(email.casefold()) or Person(email=email)
        given = {"open_id": person.open_id, "union_id": person.union_id, "user_id": person.user_id}
        name = email.partition("@")[0].replace(".", " ").title()
        return {
            "id": given[id_type] or derived_id(email, id_type),
            "name": name,
            "en_name": name,
            "email": email,
            "avatar_url": "https://sandbox.invalid/avatar.png",
        }

    # -- persistence ---------------------------------------------------------------------------

    async def save_if_dirty(self) -> None:
        if self.path is None or not self.dirty:
            return
        self.dirty = False
        document = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "bases": {
                token: {
                    t.table_id: {
                        "fields": [[f.field_id, f.name, f.type, f.ui_type] for f in t.fields],
                        "records": [[rid, values] for rid, values in t.records.items()],
                    }
                    for t in base.tables.values()
                }
                for token, base in self._bases.items()
            },
        }
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            await asyncio.to_thread(write_private, self.path, data)
        except OSError:
            self.dirty = True

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != STATE_FORMAT or document.get("version") != STATE_VERSION:
                raise ValueError("not a sandbox Bitable state file of this version")
            for token, tables in document["bases"].items():
                base = self._bases.get(token)
                if base is None:
                    continue
                for table_id, saved in tables.items():
                    table = base.tables.get(table_id)
                    if table is None:
                        continue
                    table.fields = [
                        _Field(str(i), str(n), int(t), str(u)) for i, n, t, u in saved["fields"]
                    ]
                    table.records = {str(rid): dict(values) for rid, values in saved["records"]}
                    table.vanish &= set(table.records)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ScenarioError.of("sandbox_state_unreadable", path=path, error=exc) from exc


def _page_size(call: Call, most: int, default: int = 20) -> int | None:
    raw = call.query.get("page_size", "")
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        return None
    return int(raw)


def _offset(token: str) -> int | None:
    if not token:
        return 0
    if token.startswith("pt") and token[2:].isdigit():
        return int(token[2:])
    return None


def _conversion(target: _Field, value: Any) -> Answer | None:
    """The refusal of a value this field cannot hold (only what batchbind might send)."""
    if target.type == _TEXT and not isinstance(value, str):
        return failure(200, TEXT_CONV_FAIL, "TextFieldConvFail")
    if target.type == _NUMBER and not isinstance(value, int | float):
        return failure(200, NUMBER_CONV_FAIL, "NumberFieldConvFail")
    return None
