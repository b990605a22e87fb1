"""Feishu Sheets in the sandbox: the team's tracker as a spreadsheet (issue 14).

The endpoints batchbind uses, in the shapes of the official pages (shared/docs/feishu-api.md,
section 7): the tabs (`sheets/v3 .../sheets/query`), the document's title (`sheets/v3
.../{token}`), values read by range (`sheets/v2 .../values/{range}`, `values_batch_get`) and
written (`values` PUT, `values_batch_update`, `values_append`). Ranges are `sid!A1:E100`,
`sid!A:E`, `sid!A2:E`, `sid!A1` or `sid`.

The documented limits are enforced: 5,000 rows and 100 columns per write, 50,000 characters a
cell. What the pages do not document is a scenario setting, said so where it is answered: the
answer to a second writer while one write is in progress (`[[sheets]] concurrent_code`, default
the Sheets' throttling answer 90217), the error codes of the v2 endpoints (the v3 pages list
1310213 Permission Fail, 1310214 SpreadSheet Not Found, 1310215 Sheet Id Not Found, 1310202
Wrong Range, 1310226 Excess Limit; the v2 ones are taken as the same numbers without the 131
prefix), and that a write beyond the grid grows it.

The documents' cells live in memory and, with a state file, in `<state>.sheets.json` beside it,
saved as the bindings are, so a run, a re-run and a report work across sandbox restarts.
`GET /_sandbox/documents/sheets` shows every document's cells.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchbind.input.headers import column_index, column_letter
from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import Scenario, ScenarioError, SheetDocument
from batchbind.store.paths import write_private

__all__ = ["SheetsEndpoints"]

V2 = "/open-apis/sheets/v2/spreadsheets/{token}"
V3 = "/open-apis/sheets/v3/spreadsheets/{token}"

#: The documented limits of one write, and of one cell.
MAX_WRITE_ROWS = 5000
MAX_WRITE_COLUMNS = 100
MAX_CELL_CHARS = 50_000

# v2 codes (inferred from the v3 pages' 13102xx, see the module's docstring).
PERMISSION_FAIL = 90213
NOT_FOUND = 90214
SHEET_NOT_FOUND = 90215
WRONG_RANGE = 90202
WRONG_BODY = 90204
EXCESS_LIMIT = 90226
STATE_FORMAT = "batchbind-sandbox-sheets"

Cell = str | int | float | bool | None

_RANGE = re.compile(
    r"(?P<sid>[^!]+)(?:!(?P<c1>[A-Z]{1,3})(?P<r1>[0-9]*)(?::(?P<c2>[A-Z]{1,3})(?P<r2>[0-9]*))?)?"
)


@dataclass(slots=True)
class _Tab:
    sheet_id: str
    title: str
    cells: list[list[Cell]]
    row_count: int
    column_count: int
    hidden: bool = False

    def grow(self, rows: int, columns: int) -> None:
        self.row_count = max(self.row_count, rows)
        self.column_count = max(self.column_count, columns)

    def get(self, row: int, col: int) -> Cell:
        if row < len(self.cells) and col < len(self.cells[row]):
            return self.cells[row][col]
        return None

    def put(self, row: int, col: int, value: Cell) -> None:
        while len(self.cells) <= row:
            self.cells.append([])
        line = self.cells[row]
        while len(line) <= col:
            line.append(None)
        line[col] = value

    def data(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "title": self.title,
            "hidden": self.hidden,
            "row_count": self.row_count,
            "column_count": self.column_count,
            "cells": self.cells,
        }


@dataclass(slots=True)
class _Document:
    token: str
    title: str
    tabs: list[_Tab]
    settings: SheetDocument
    revision: int = 0
    throttle_left: int = 0
    busy_left: int = 0
    writing: bool = False
    writes: int = 0

    def tab(self, sheet_id: str) -> _Tab | None:
        return next((t for t in self.tabs if t.sheet_id == sheet_id), None)

    def data(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "title": self.title,
            "revision": self.revision,
            "tabs": [t.data() for t in self.tabs],
        }


def _from_scenario(doc: SheetDocument) -> _Document:
    tabs = []
    for tab in doc.tabs:
        cells: list[list[Cell]] = [list(row) for row in tab.cells]
        width = max((len(row) for row in cells), default=0)
        tabs.append(
            _Tab(
                tab.sheet_id,
                tab.title,
                cells,
                max(tab.row_count, len(cells)),
                max(tab.column_count, width),
                tab.hidden,
            )
        )
    return _Document(
        doc.token,
        doc.title,
        tabs,
        doc,
        throttle_left=doc.throttle_writes,
        busy_left=doc.busy_writes,
    )


@dataclass(slots=True)
class _Range:
    sheet_id: str
    first_row: int  # 0-based
    last_row: int | None  # inclusive, 0-based; None: to the last row
    first_col: int
    last_col: int | None

    def text(self, tab: _Tab, last_row: int, last_col: int) -> str:
        return (
            f"{self.sheet_id}!{column_letter(self.first_col)}{self.first_row + 1}:"
            f"{column_letter(last_col)}{last_row + 1}"
        )


def _parse_range(text: str) -> _Range | None:
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    sid, c1, r1, c2, r2 = match["sid"], match["c1"], match["r1"], match["c2"], match["r2"]
    if c1 is None:
        return _Range(sid, 0, None, 0, None)
    first_col = column_index(c1)
    first_row = int(r1) - 1 if r1 else 0
    if c2 is None:  # one cell
        if not r1:
            return None
        return _Range(sid, first_row, first_row, first_col, first_col)
    last_col = column_index(c2)
    last_row = int(r2) - 1 if r2 else None
    if first_row < 0 or last_col < first_col or (last_row is not None and last_row < first_row):
        return None
    return _Range(sid, first_row, last_row, first_col, last_col)


@dataclass
class SheetsEndpoints:
    """The Sheets endpoints over the scenario's documents (and the state file's, when saved)."""

    scenario: Scenario
    state_file: Path | None = None
    documents: dict[str, _Document] = field(default_factory=dict)
    dirty: bool = False

    def __post_init__(self) -> None:
        self.documents = {doc.token: _from_scenario(doc) for doc in self.scenario.sheets}
        path = self.path
        if path is not None and path.exists():
            self._load(path)

    @property
    def path(self) -> Path | None:
        state = self.state_file
        return None if state is None else state.with_name(f"{state.stem}.sheets.json")

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{V3}/sheets/query", "sheets.query", self.query),
            Route("GET", V3, "sheets.meta", self.meta),
            Route("GET", f"{V2}/values/{{range}}", "sheets.read", self.read),
            Route("GET", f"{V2}/values_batch_get", "sheets.read", self.batch_read),
            Route("PUT", f"{V2}/values", "sheets.write", self.write),
            Route("POST", f"{V2}/values_batch_update", "sheets.write", self.batch_write),
            Route("POST", f"{V2}/values_append", "sheets.write", self.append),
        ]

    # -- what the admin endpoint shows, and the state file ----------------------------------------

    def snapshot(self) -> list[dict[str, Any]]:
        return [doc.data() for doc in self.documents.values()]

    async def save_if_dirty(self) -> None:
        path = self.path
        if path is None or not self.dirty:
            return
        self.dirty = False
        data = json.dumps(
            {"format": STATE_FORMAT, "documents": self.snapshot()},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        try:
            await asyncio.to_thread(write_private, path, data)
        except OSError:
            self.dirty = True

    def _load(self, path: Path) -> None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != STATE_FORMAT:
                raise ValueError("not a sandbox Sheets state file")
            for item in document["documents"]:
                known = self.documents.get(item["token"])
                if known is None:
                    continue  # a document the scenario no longer has
                known.title = str(item["title"])
                known.revision = int(item["revision"])
                known.tabs = [
                    _Tab(
                        str(t["sheet_id"]),
                        str(t["title"]),
                        [list(row) for row in t["cells"]],
                        int(t["row_count"]),
                        int(t["column_count"]),
                        bool(t["hidden"]),
                    )
                    for t in item["tabs"]
                ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ScenarioError.of("sandbox_state_unreadable", path=path, error=exc) from exc

    # -- access -----------------------------------------------------------------------------------

    def _open(self, call: Call, *, write: bool, v3: bool = False) -> _Document | Answer:
        doc = self.documents.get(call.params["token"])
        if doc is None:
            return failure(400, 1310214 if v3 else NOT_FOUND, "SpreadSheet Not Found")
        token = call.record.token or ""
        right = doc.settings.access.get(token, doc.settings.default_access)
        if write and 0 <= doc.settings.writable_writes <= doc.writes:
            right = "read"
        if right == "none" or (write and right != "edit"):
            return failure(403, 1310213 if v3 else PERMISSION_FAIL, "Permission Fail")
        return doc

    # -- reading ----------------------------------------------------------------------------------

    def query(self, call: Call) -> Answer:
        doc = self._open(call, write=False, v3=True)
        if isinstance(doc, Answer):
            return doc
        sheets = [
            {
                "sheet_id": tab.sheet_id,
                "title": tab.title,
                "index": index,
                "hidden": tab.hidden,
                "resource_type": "sheet",
                "grid_properties": {
                    "frozen_row_count": 0,
                    "frozen_column_count": 0,
                    "row_count": tab.row_count,
                    "column_count": tab.column_count,
                },
            }
            for index, tab in enumerate(doc.tabs)
        ]
        return success({"sheets": sheets})

    def meta(self, call: Call) -> Answer:
        doc = self._open(call, write=False, v3=True)
        if isinstance(doc, Answer):
            return doc
        return success(
            {
                "spreadsheet": {
                    "title": doc.title,
                    "token": doc.token,
                    "owner_id": "ou_sandbox_admin",
                    "url": f"https://sandbox.feishu.cn/sheets/{doc.token}",
                }
            }
        )

    def read(self, call: Call) -> Answer:
        doc = self._open(call, write=False)
        if isinstance(doc, Answer):
            return doc
        found = self._value_range(doc, call.params["range"], call.query)
        if isinstance(found, Answer):
            return found
        return success(
            {
                "revision": doc.revision,
                "spreadsheetToken": doc.token,
                "valueRange": found,
            }
        )

    def batch_read(self, call: Call) -> Answer:
        doc = self._open(call, write=False)
        if isinstance(doc, Answer):
            return doc
        ranges = [r for r in call.query.get("ranges", "").split(",") if r]
        if not ranges:
            return failure(400, WRONG_RANGE, "Wrong Range: ranges is empty")
        found = []
        for text in ranges:
            one = self._value_range(doc, text, call.query)
            if isinstance(one, Answer):
                return one
            found.append(one)
        return success(
            {
                "revision": doc.revision,
                "spreadsheetToken": doc.token,
                "totalCells": sum(len(r["values"]) * len(r["values"][0]) for r in found),
                "valueRanges": found,
            }
        )

    def _value_range(self, doc: _Document, text: str, query: Any) -> dict[str, Any] | Answer:
        wanted = _parse_range(text)
        if wanted is None:
            return failure(400, WRONG_RANGE, f"Wrong Range: {text}")
        tab = doc.tab(wanted.sheet_id)
        if tab is None:
            return failure(400, SHEET_NOT_FOUND, f"Sheet Id Not Found: {wanted.sheet_id}")
        if wanted.first_row >= tab.row_count or wanted.first_col >= tab.column_count:
            return failure(400, WRONG_RANGE, f"Wrong Range: {text} is outside the grid")
        last_row = tab.row_count - 1 if wanted.last_row is None else wanted.last_row
        last_row = min(last_row, tab.row_count - 1)
        last_col = tab.column_count - 1 if wanted.last_col is None else wanted.last_col
        last_col = min(last_col, tab.column_count - 1)
        render = query.get("valueRenderOption", "")
        dates = query.get("dateTimeRenderOption", "")
        values = [
            [
                _rendered(tab.get(row, col), render, dates)
                for col in range(wanted.first_col, last_col + 1)
            ]
            for row in range(wanted.first_row, last_row + 1)
        ]
        return {
            "majorDimension": "ROWS",
            "range": wanted.text(tab, last_row, last_col),
            "revision": doc.revision,
            "values": values,
        }

    # -- writing ----------------------------------------------------------------------------------

    async def write(self, call: Call) -> Answer:
        body = call.json_object() or {}
        one = body.get("valueRange")
        if not isinstance(one, dict):
            return failure(400, WRONG_BODY, "Wrong Request Body: valueRange is missing")
        return await self._write(call, [one])

    async def batch_write(self, call: Call) -> Answer:
        body = call.json_object() or {}
        ranges = body.get("valueRanges")
        if not isinstance(ranges, list) or not ranges:
            return failure(400, WRONG_BODY, "Wrong Request Body: valueRanges is missing")
        return await self._write(call, ranges)

    async def append(self, call: Call) -> Answer:
        body = call.json_object() or {}
        one = body.get("valueRange")
        if not isinstance(one, dict):
            return failure(400, WRONG_BODY, "Wrong Request Body: valueRange is missing")
        wanted = _parse_range(str(one.get("range", "")))
        doc = self._open(call, write=True)
        if isinstance(doc, Answer):
            return doc
        tab = None if wanted is None else doc.tab(wanted.sheet_id)
        if wanted is None or tab is None:
            return failure(400, WRONG_RANGE, "Wrong Range")
        last = max(
            (i for i, row in enumerate(tab.cells) if any(v not in (None, "") for v in row)),
            default=-1,
        )
        values = one.get("values") or []
        start = last + 1
        end_col = wanted.first_col + max((len(r) for r in values), default=1) - 1
        target = (
            f"{wanted.sheet_id}!{column_letter(wanted.first_col)}{start + 1}:"
            f"{column_letter(end_col)}{start + max(len(values), 1)}"
        )
        return await self._write(call, [{"range": target, "values": values}])

    async def _write(self, call: Call, ranges: list[Any]) -> Answer:
        doc = self._open(call, write=True)
        if isinstance(doc, Answer):
            return doc
        settings = doc.settings
        if doc.throttle_left > 0:
            doc.throttle_left -= 1
            answer = failure(429, 99991400, "request trigger frequency limit")
            answer.headers["x-ogw-ratelimit-limit"] = "100"
            answer.headers["x-ogw-ratelimit-reset"] = "1"
            return answer
        if doc.writing or doc.busy_left > 0:
            # Another writer: what Feishu answers is not documented (the scenario chooses).
            if not doc.writing:
                doc.busy_left -= 1
            return failure(
                settings.concurrent_http,
                settings.concurrent_code,
                "Too Many Request: another write to this document is in progress",
            )
        checked = []
        rows = 0
        for item in ranges:
            if not isinstance(item, dict) or not isinstance(item.get("values"), list):
                return failure(400, WRONG_BODY, "Wrong Request Body")
            wanted = _parse_range(str(item.get("range", "")))
            if wanted is None:
                return failure(400, WRONG_RANGE, f"Wrong Range: {item.get('range')}")
            tab = doc.tab(wanted.sheet_id)
            if tab is None:
                return failure(400, SHEET_NOT_FOUND, f"Sheet Id Not Found: {wanted.sheet_id}")
            values = item["values"]
            rows += len(values)
            width = max((len(r) for r in values if isinstance(r, list)), default=0)
            if width > MAX_WRITE_COLUMNS:
                return failure(400, EXCESS_LIMIT, "Excess Limit: at most 100 columns a write")
            for row in values:
                if not isinstance(row, list):
                    return failure(400, WRONG_BODY, "Wrong Request Body: values")
                for value in row:
                    if not isinstance(value, str | int | float | bool | None):
                        return failure(400, WRONG_BODY, "Wrong Request Body: a cell's value")
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        return failure(
                            400, EXCESS_LIMIT, "Excess Limit: at most 50000 characters a cell"
                        )
            last_row = wanted.last_row
            if last_row is not None and last_row - wanted.first_row + 1 < len(values):
                return failure(400, WRONG_RANGE, "Wrong Range: more rows than the range holds")
            checked.append((tab, wanted, values))
        if rows > MAX_WRITE_ROWS:
            return failure(400, EXCESS_LIMIT, "Excess Limit: at most 5000 rows a write")
        doc.writing = True
        try:
            if settings.write_ms:
                await asyncio.sleep(settings.write_ms / 1000)
            updated = []
            for tab, wanted, values in checked:
                width = max((len(r) for r in values), default=0)
                for r, row in enumerate(values):
                    for c, value in enumerate(row):
                        tab.put(wanted.first_row + r, wanted.first_col + c, value)
                # Inferred: a write beyond the grid grows it.
                tab.grow(wanted.first_row + len(values), wanted.first_col + width)
                updated.append(
                    {
                        "spreadsheetToken": doc.token,
                        "updatedRange": wanted.text(
                            tab,
                            wanted.first_row + max(len(values), 1) - 1,
                            wanted.first_col + max(width, 1) - 1,
                        ),
                        "updatedRows": len(values),
                        "updatedColumns": width,
                        "updatedCells": sum(len(r) for r in values),
                        "revision": doc.revision + 1,
                    }
                )
            doc.revision += 1
            doc.writes += 1
            self.dirty = True
        finally:
            doc.writing = False
        if len(updated) == 1 and call.method == "PUT":
            return success(updated[0])
        return success(
            {
                "revision": doc.revision,
                "spreadsheetToken": doc.token,
                "responses": updated,
                "totalUpdatedRows": rows,
            }
        )


def _rendered(value: Cell, render: str, dates: str) -> Cell:
    """A cell as the read asks for it: as stored, or as text (`ToString`, `FormattedValue`)."""
    if value is None or value == "":
        return None
    if render in ("ToString", "FormattedValue") and not isinstance(value, str):
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return value
