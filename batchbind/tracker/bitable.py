"""A Bitable table as the team's tracker: its records read as rows, each row's result written back.

Reading: the base's name (the default results file is named after it), the table's fields in
order (the primary field first), then every record, 500 a page (`records/search`; the view's
records in the view's order when the link names a view). The field names are the header row and
go through the same header matching, cleaning and validation as a file's; the result fields
batchbind writes are its own and are left out, as a results file's result columns are.

Values arrive in Bitable's shapes and are read as the text a person sees: text segments joined,
e-mail and URL fields' text, numbers without `.0` (16 digits or more: the same rounding problem
as a file's). A **Person** field is the user column when its name is one of the user column
names, or when it is the table's only Person field and no other column is; its person's `id`
(asked in the run's `--user-id-type`) is the user id, and several people in one row are a
problem for that row (`several_people`).

Rows are numbered as a file's would be (the header is row 1, the first record row 2) and named by
their record and primary field (`Table.row_names`).

Writing back: into fields named as the result columns (`WRITTEN_COLUMNS`), created as text
fields when missing; the team's fields are never written. At most 1,000 records a batch_update,
one write at a time; write conflicts and throttling are waited out by `DocCalls`. A record
deleted since the read makes a batch fail whole (1254043): the batch is halved until the missing
records are found, they are reported in `rows_missing`, and the others are written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from batchbind.errors import InputError
from batchbind.input.cleaning import NUMBER_ROUNDED, cell_text, normalise_header
from batchbind.input.headers import Rows, assemble, check_header, match_header
from batchbind.model import Field, ResultRow, Table, UserIdType
from batchbind.output.i18n import Phrase
from batchbind.tracker.base import WRITTEN_COLUMNS, WriteReport
from batchbind.tracker.calls import DocCalls, TrackerCallFailed
from batchbind.tracker.links import TrackerLink

__all__ = [
    "PERSON",
    "SEVERAL_PEOPLE",
    "BitableTracker",
    "first_table",
]

#: Bitable's field type numbers batchbind reads specially (the official pages' numbers).
TEXT = 1
NUMBER = 2
PERSON = 11
URL = 15
#: Problem code of a Person cell holding several people (a row binds one user).
SEVERAL_PEOPLE = "several_people"

#: The documented limits: records a search page, records a batch_update, fields a list page.
SEARCH_PAGE = 500
BATCH_RECORDS = 1000
FIELDS_PAGE = 100
TABLES_PAGE = 100

BASE_NOT_FOUND = frozenset({1254040, 1254003})
TABLE_NOT_FOUND = frozenset({1254040, 1254041, 1254003, 1254004})
VIEW_NOT_FOUND = frozenset({1254040, 1254041, 1254042, 1254004, 1254005})
RECORD_NOT_FOUND = 1254043

_WRITTEN = frozenset(normalise_header(name) for name in WRITTEN_COLUMNS)


def _apps(link: TrackerLink) -> str:
    return f"/open-apis/bitable/v1/apps/{link.token}"


async def _pages(
    calls: DocCalls,
    endpoint: str,
    method: str,
    path: str,
    *,
    size: int,
    params: dict[str, str] | None = None,
    body: Any = None,
    not_found: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Every item of a paged list, a page at a time."""
    items: list[dict[str, Any]] = []
    token = ""
    while True:
        query = {**(params or {}), "page_size": str(size)}
        if token:
            query["page_token"] = token
        data = await calls.call(
            endpoint, method, path, params=query, body=body, not_found=not_found
        )
        items.extend(item for item in data.get("items") or [] if isinstance(item, dict))
        token = str(data.get("page_token") or "")
        if not data.get("has_more") or not token:
            return items


async def first_table(link: TrackerLink, calls: DocCalls) -> tuple[str, str]:
    """The base's first table: its id and name (a link without `?table=`)."""
    tables = await _pages(
        calls,
        "bitable.meta",
        "GET",
        f"{_apps(link)}/tables",
        size=TABLES_PAGE,
        not_found=BASE_NOT_FOUND,
    )
    for table in tables:
        if table.get("table_id"):
            return str(table["table_id"]), str(table.get("name") or table["table_id"])
    raise InputError.of("bitable_no_table", document=str(link))


class BitableTracker:
    """One table of a base (a view of it, when the link names one), read and written back."""

    def __init__(
        self,
        link: TrackerLink,
        calls: DocCalls,
        *,
        user_id_type: UserIdType | str = UserIdType.OPEN_ID,
    ) -> None:
        self.link = link
        self.calls = calls
        self.user_id_type = UserIdType(user_id_type)
        #: What the reader chose on the user's behalf (the first table), said once.
        self.notice: Phrase | None = None
        self._title = ""
        self._table_name = ""
        self._field_names: set[str] = set()
        self._record_of_row: dict[int, str] = {}

    @property
    def title(self) -> str:
        return self._title or self.link.token

    def _table_path(self) -> str:
        return f"{_apps(self.link)}/tables/{self.link.table_id}"

    # -- reading -----------------------------------------------------------------------------

    async def read(self, *, sheet: str | None = None) -> Table:
        """The table's records as rows (`sheet` does not apply: the link names the table)."""
        app = await self.calls.call(
            "bitable.meta", "GET", _apps(self.link), not_found=BASE_NOT_FOUND
        )
        self._title = str((app.get("app") or {}).get("name") or "")
        tables = await _pages(
            self.calls,
            "bitable.meta",
            "GET",
            f"{_apps(self.link)}/tables",
            size=TABLES_PAGE,
            not_found=BASE_NOT_FOUND,
        )
        names = {str(t.get("table_id")): str(t.get("name") or t.get("table_id")) for t in tables}
        if self.link.table_id is None:
            if not names:
                raise InputError.of("bitable_no_table", document=self.title)
            table_id = next(iter(names))
            self.link = replace(self.link, table_id=table_id)
            self.notice = Phrase(
                "bitable_first_table", {"table": names[table_id], "title": self.title}
            )
        self._table_name = names.get(str(self.link.table_id), str(self.link.table_id))
        fields = await _pages(
            self.calls,
            "bitable.fields",
            "GET",
            f"{self._table_path()}/fields",
            size=FIELDS_PAGE,
            not_found=TABLE_NOT_FOUND,
        )
        fields.sort(key=lambda f: not f.get("is_primary"))  # stable: the primary field first
        self._field_names = {str(f.get("field_name")) for f in fields}
        # batchbind's own result fields are not the team's columns (as a results file's).
        columns = [
            f for f in fields if normalise_header(str(f.get("field_name", ""))) not in _WRITTEN
        ]
        header = match_header(1, [str(f.get("field_name", "")) for f in columns])
        people = [i for i, f in enumerate(columns) if f.get("type") == PERSON]
        if Field.USER_ID not in header.fields and len(people) == 1:
            header.fields[Field.USER_ID] = people  # the table's only Person field
        where = Phrase("bitable_where", {"title": self.title, "link": str(self.link)})
        check_header(header, where)
        user_column = header.fields[Field.USER_ID][0]
        body: dict[str, Any] = {}
        if self.link.view_id:
            body["view_id"] = self.link.view_id
        records = await _pages(
            self.calls,
            "bitable.search",
            "POST",
            f"{self._table_path()}/records/search",
            size=SEARCH_PAGE,
            params={"user_id_type": self.user_id_type.value},
            body=body,
            not_found=VIEW_NOT_FOUND,
        )
        rows = Rows()
        names_of_rows: dict[int, str] = {}
        self._record_of_row = {}
        for position, record in enumerate(records):
            number = position + 2  # the header counts as row 1, as in a file
            values = record.get("fields") or {}
            cells: list[str] = []
            for index, found in enumerate(columns):
                text, problem = _cell(
                    values.get(found.get("field_name")), found, index == user_column
                )
                cells.append(text)
                if problem is not None:
                    rows.problems.setdefault(number, {})[index] = problem
            record_id = str(record.get("record_id") or "")
            rows.numbers.append(number)
            rows.cells.append(cells)
            self._record_of_row[number] = record_id
            primary = cells[0].strip() if cells else ""
            names_of_rows[number] = f"{record_id} · {primary}" if primary else record_id
        table = assemble(
            header, rows, source=str(self.link), sheet=self._table_name, unescape=False
        )
        table.row_names = {n: names_of_rows[n] for n in table.numbers}
        return table

    # -- writing back --------------------------------------------------------------------------

    async def prepare(self) -> WriteReport:
        """Create the result fields still missing, as text fields: before a run sends anything,
        this proves the base may be written (`TrackerDenied`, exit 2, when it may not)."""
        report = WriteReport()
        for name in WRITTEN_COLUMNS:
            if name not in self._field_names:
                await self.calls.call(
                    "bitable.write",
                    "POST",
                    f"{self._table_path()}/fields",
                    body={"field_name": name, "type": TEXT},
                )
                report.requests += 1
                self._field_names.add(name)
                report.columns_added.append(name)
        return report

    async def write_back(self, rows: Iterable[ResultRow]) -> WriteReport:
        """Each row's result into the result fields of its record (created when missing).

        The batches go one after the other: one write at a time per base (the caller runs one
        write-back at a time).
        """
        updates: list[dict[str, Any]] = []
        missing_rows: list[int] = []
        for row in rows:
            record_id = self._record_of_row.get(row.row)
            if record_id is None:
                missing_rows.append(row.row)
                continue
            updates.append({"record_id": record_id, "fields": _written(row)})
        report = await self.prepare() if updates else WriteReport()
        report.rows_missing.extend(missing_rows)
        row_of_record = {r: n for n, r in self._record_of_row.items()}
        for start in range(0, len(updates), BATCH_RECORDS):
            missing = await self._send(updates[start : start + BATCH_RECORDS], report)
            report.rows_missing.extend(row_of_record[record_id] for record_id in missing)
        return report

    async def _send(self, batch: list[dict[str, Any]], report: WriteReport) -> list[str]:
        """Write one batch; the ids of its records that no longer exist (the rest are written).

        batch_update is all or nothing and does not say which record is gone: the batch is
        halved until each missing record stands alone.
        """
        report.requests += 1
        try:
            await self.calls.call(
                "bitable.write",
                "POST",
                f"{self._table_path()}/records/batch_update",
                body={"records": batch},
                not_found=frozenset({RECORD_NOT_FOUND}),
            )
        except TrackerCallFailed as exc:
            if exc.key != "tracker_not_found":
                raise
            if len(batch) == 1:
                return [str(batch[0]["record_id"])]
            half = len(batch) // 2
            return await self._send(batch[:half], report) + await self._send(batch[half:], report)
        report.rows_written += len(batch)
        return []


def _written(row: ResultRow) -> dict[str, str]:
    """A row's result fields as plain text (a number left out is an empty text)."""
    values = {
        "outcome": row.outcome.value,
        "code": row.code,
        "msg": row.msg,
        "hint": row.hint,
        "exchange_binding_id": row.exchange_binding_id,
        "binding_status": row.binding_status,
        "attempts": "" if row.attempts is None else str(row.attempts),
        "http_status": "" if row.http_status is None else str(row.http_status),
        "log_id": row.log_id,
        "updated_at": row.updated_at,
    }
    return {name: values[name] for name in WRITTEN_COLUMNS}


def _cell(value: Any, found: dict[str, Any], user_column: bool) -> tuple[str, str | None]:
    """A value as the text a person sees, and a problem code when it cannot be used as it is."""
    if value is None:
        return "", None
    if found.get("type") == PERSON and isinstance(value, list):
        people = [p for p in value if isinstance(p, dict)]
        if user_column:
            if len(people) > 1:
                named = ", ".join(
                    str(p.get("name") or p.get("email") or p.get("id")) for p in people
                )
                return named, SEVERAL_PEOPLE
            return (str(people[0].get("id") or "") if people else ""), None
        return ", ".join(str(p.get("name") or p.get("email") or "") for p in people), None
    return _text(value)


def _text(value: Any) -> tuple[str, str | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool | int | float):
        text, problem = cell_text(value)
        return text, problem if problem == NUMBER_ROUNDED else None
    if isinstance(value, list):
        parts = [_text(item) for item in value]
        # Text segments are one text (a mention, a link in the middle); other lists are items.
        segments = all(isinstance(item, dict) and "text" in item for item in value)
        return ("" if segments else ", ").join(p[0] for p in parts), None
    if isinstance(value, dict):
        if "text" in value:
            return str(value["text"]), None
        if "link" in value:
            return str(value["link"]), None
        if "value" in value:  # a formula's or lookup's result
            return _text(value["value"])
        if "name" in value:
            return str(value["name"]), None
    return json.dumps(value, ensure_ascii=False), None
