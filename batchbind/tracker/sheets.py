"""A Feishu Sheet as the team's tracker: its rows read as a file's, each row's result written back.

Reading: the tab named by the link (`?sheet=`) or `--sheet`, else the first whose headers match,
as for workbooks (`input.headers.choose_sheet`); every tab's first rows come in one call. Values
are read in windows of rows (the API has no paging; a window holds at most `WINDOW_CELLS` cells,
a few megabytes, well under the 10 MB an answer may hold), unformatted (`UnformattedValue`), so
a number arrives as a number and a 16-digit id Sheets has rounded is caught as in a file
(`input.cleaning.cell_text`); dates as the Sheet shows them (`dateTimeRenderOption=
FormattedString`). Row numbers are the Sheet's own. A title line above the header, other
columns, totals and notes lines under the data: as for files. batchbind's own result columns
(from an earlier run) are not the team's columns and are left out of the table.

Writing back: the result columns (`WRITTEN_COLUMNS`) under their headers in the header row, to
the right of the team's columns; a re-run finds them by their headers, in any order. Before
writing, the header row and the Exchange account column are read again: a row is written only
where it still holds the same Exchange account (a row moved by an insertion or a deletion is
found by its account; one that is gone is listed in `WriteReport.rows_missing`), so a result
never lands on another person's row. Values are written as text, with the results file's
protection against formulas (`output.cells.escape_csv_cell`: a `'` before `=`, `+`, `-`, `@`):
the v2 write takes plain values and its pages do not say whether a string starting with `=` is
kept as text. At most 5,000 rows per write (the documented limit), one write at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from batchbind.errors import InputError
from batchbind.input.cleaning import cell_text, clean_value, normalise_header
from batchbind.input.footers import drop_table_footers
from batchbind.input.headers import (
    HEADER_SCAN_ROWS,
    Header,
    Rows,
    assemble,
    choose_sheet,
    column_letter,
    find_header,
    match_header,
)
from batchbind.model import Field, ResultRow, Table
from batchbind.output.cells import escape_csv_cell
from batchbind.tracker.base import WRITTEN_COLUMNS, WriteReport
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import TrackerLink

__all__ = ["MAX_WRITE_ROWS", "WINDOW_CELLS", "SheetTracker"]

#: The documented limit of one write.
MAX_WRITE_ROWS = 5000
#: Cells per read: 100,000 cells of ids and addresses are a few megabytes (answers may hold 10).
WINDOW_CELLS = 100_000
#: The codes that mean the Sheet or its tab does not exist (v2, and v3's 1310214 / 1310215).
NOT_FOUND = frozenset({90214, 90215, 1310214, 1310215})

_RESULT_NAMES = {normalise_header(name): name for name in WRITTEN_COLUMNS}
_READ_OPTIONS = {"valueRenderOption": "UnformattedValue", "dateTimeRenderOption": "FormattedString"}


def sheet_text(value: Any) -> tuple[str, str | None]:
    """A cell as the v2 read gives it, as text (and a problem code when it cannot be trusted).

    Besides text and numbers, a cell may hold a link (`{"text", "link"}`) or segments (a list of
    them, for mentions and rich text): their text is what a person sees.
    """
    if isinstance(value, dict):
        return str(value.get("text", "")), None
    if isinstance(value, list):
        return "".join(
            str(s.get("text", "")) if isinstance(s, dict) else str(s) for s in value
        ), None
    return cell_text(value)


class SheetTracker:
    """One tab of a Feishu Sheet, read once and written back as often as the job wants."""

    def __init__(self, link: TrackerLink, calls: DocCalls) -> None:
        self.link = link
        self.calls = calls
        self._title = ""
        self._lock = asyncio.Lock()  # one write at a time per document
        # What reading learnt, for writing: the tab, the header row, the Exchange account column
        # (as the Sheet numbers it), where the team's columns end, the key of each row read.
        self._sheet_id = ""
        self._header_row = 0
        self._exchange_col = 0
        self._team_end = 0
        self._key_field = 0  # the Exchange account's column in the table

    @property
    def title(self) -> str:
        return self._title or self.link.token

    @property
    def _base(self) -> str:
        return f"/open-apis/sheets/v2/spreadsheets/{quote(self.link.token, safe='')}"

    # -- reading ----------------------------------------------------------------------------------

    async def _tabs(self) -> list[dict[str, Any]]:
        token = quote(self.link.token, safe="")
        data = await self.calls.call(
            "sheets.query",
            "GET",
            f"/open-apis/sheets/v3/spreadsheets/{token}/sheets/query",
            not_found=NOT_FOUND,
        )
        return [s for s in data.get("sheets") or [] if s.get("resource_type", "sheet") == "sheet"]

    async def _values(self, ranges: list[str]) -> list[list[list[Any]]]:
        """The values of each range (one call for several)."""
        if len(ranges) == 1:
            data = await self.calls.call(
                "sheets.read",
                "GET",
                f"{self._base}/values/{quote(ranges[0], safe='!:')}",
                params=_READ_OPTIONS,
                not_found=NOT_FOUND,
            )
            return [(data.get("valueRange") or {}).get("values") or []]
        data = await self.calls.call(
            "sheets.read",
            "GET",
            f"{self._base}/values_batch_get",
            params={"ranges": ",".join(ranges), **_READ_OPTIONS},
            not_found=NOT_FOUND,
        )
        return [(r or {}).get("values") or [] for r in data.get("valueRanges") or []]

    async def read(self, *, sheet: str | None = None) -> Table:
        token = quote(self.link.token, safe="")
        meta = await self.calls.call(
            "sheets.meta", "GET", f"/open-apis/sheets/v3/spreadsheets/{token}", not_found=NOT_FOUND
        )
        self._title = str((meta.get("spreadsheet") or {}).get("title") or "")
        tabs = await self._tabs()
        by_title = {str(t.get("title", "")): t for t in tabs}
        names = list(by_title)
        if self.link.sheet_id and sheet is None:
            chosen = next((t for t in tabs if t.get("sheet_id") == self.link.sheet_id), None)
            if chosen is None:
                raise InputError.of(
                    "tracker_no_such_tab", document=self.title, sheet_id=self.link.sheet_id
                )
            names = [str(chosen.get("title", ""))]
        heads = await self._values(
            [
                f"{by_title[n]['sheet_id']}!A1:{_last_column(by_title[n])}{HEADER_SCAN_ROWS}"
                for n in names
            ]
        )
        head_rows = {
            n: [(i + 1, [sheet_text(v)[0] for v in row]) for i, row in enumerate(rows)]
            for n, rows in zip(names, heads, strict=True)
        }
        title, header = choose_sheet(names, sheet, self.title, lambda n: find_header(head_rows[n]))
        tab = by_title[title]
        self._sheet_id = str(tab["sheet_id"])
        return await self._read_tab(tab, title, header)

    async def _read_tab(self, tab: dict[str, Any], title: str, header: Header) -> Table:
        grid = tab.get("grid_properties") or {}
        row_count = int(grid.get("row_count") or 0)
        width = max(int(grid.get("column_count") or 0), len(header.cells), 1)
        results = {
            i: _RESULT_NAMES[normalise_header(c)]
            for i, c in enumerate(header.cells)
            if normalise_header(c) in _RESULT_NAMES
        }
        team = [i for i in range(width) if i not in results]
        self._header_row = header.row
        self._exchange_col = header.fields[Field.EXCHANGE_ACCOUNT][0]
        data = Rows()
        window = max(100, min(MAX_WRITE_ROWS, WINDOW_CELLS // width))
        last = column_letter(width - 1)
        team_end = max(
            (i + 1 for i, c in enumerate(header.cells) if c.strip() and i not in results), default=0
        )
        for start in range(header.row + 1, row_count + 1, window):
            end = min(start + window - 1, row_count)
            (values,) = await self._values([f"{self._sheet_id}!A{start}:{last}{end}"])
            for offset, raw in enumerate(values):
                number = start + offset
                cells: list[str] = []
                problems: dict[int, str] = {}
                for col in team:
                    value = raw[col] if col < len(raw) else None
                    text, problem = sheet_text(value)
                    if problem is not None:
                        problems[len(cells)] = problem
                    if text.strip():
                        team_end = max(team_end, col + 1)
                    cells.append(text)
                data.numbers.append(number)
                data.cells.append(cells)
                if problems:
                    data.problems[number] = problems
        self._team_end = team_end
        stripped = match_header(
            header.row, [header.cells[i] if i < len(header.cells) else "" for i in team]
        )
        table = assemble(stripped, data, source=str(self.link), sheet=title, unescape=False)
        drop_table_footers(table)
        self._key_field = table.fields[Field.EXCHANGE_ACCOUNT]
        return table

    # -- writing back -----------------------------------------------------------------------------

    async def prepare(self) -> WriteReport:
        """Before anything is sent: write the result columns' headers (an existing `outcome`
        header is written again as it is). This proves the token may edit the document: a
        refusal (`TrackerDenied`) stops the run with nothing sent."""
        async with self._lock:
            return await self._write_back([], probe=True)

    async def write_back(self, rows: Iterable[ResultRow]) -> WriteReport:
        async with self._lock:
            return await self._write_back(list(rows))

    async def _write_back(self, results: list[ResultRow], *, probe: bool = False) -> WriteReport:
        report = WriteReport()
        before = sum(self.calls.requests.values())
        tabs = await self._tabs()
        tab = next((t for t in tabs if str(t.get("sheet_id")) == self._sheet_id), None)
        if tab is None:
            raise InputError.of("tracker_no_such_tab", document=self.title, sheet_id=self._sheet_id)
        grid = tab.get("grid_properties") or {}
        row_count = int(grid.get("row_count") or 0)
        width = max(int(grid.get("column_count") or 0), 1)
        last = column_letter(width - 1)
        # The header may have moved (a line inserted above it): find it again among the top rows.
        scan = self._header_row + HEADER_SCAN_ROWS
        (head,) = await self._values([f"{self._sheet_id}!A1:{last}{min(scan, row_count)}"])
        header = find_header([(i + 1, [sheet_text(v)[0] for v in r]) for i, r in enumerate(head)])
        if header is None or Field.EXCHANGE_ACCOUNT not in header.fields:
            raise InputError.of("tracker_header_gone", document=self.title)
        key_col = header.fields[Field.EXCHANGE_ACCOUNT][0]
        cells = list(header.cells) + [""] * max(0, width - len(header.cells))
        found = {
            _RESULT_NAMES[normalise_header(c)]: i
            for i, c in enumerate(cells)
            if normalise_header(c) in _RESULT_NAMES
        }
        # Columns still missing go right of everything the header row names, and of the team's
        # columns as read (a column without a header but with data is still the team's).
        shift = key_col - self._exchange_col
        free = max([i + 1 for i, c in enumerate(cells) if c.strip()] + [self._team_end + shift])
        header_writes: list[tuple[int, str]] = []
        for name in WRITTEN_COLUMNS:
            if name not in found:
                found[name] = free
                header_writes.append((free, name))
                report.columns_added.append(name)
                free += 1
        keys: dict[int, str] = {}
        first = header.row + 1
        if probe and not header_writes:
            header_writes.append((found["outcome"], cells[found["outcome"]]))
        if row_count >= first and not probe:
            letter = column_letter(key_col)
            step = WINDOW_CELLS
            for start in range(first, row_count + 1, step):
                end = min(start + step - 1, row_count)
                (column,) = await self._values([f"{self._sheet_id}!{letter}{start}:{letter}{end}"])
                for offset, raw in enumerate(column):
                    keys[start + offset] = _key(sheet_text(raw[0] if raw else None)[0])
        where: dict[str, list[int]] | None = None
        targets: dict[int, list[str]] = {}
        for result in results:
            key = _key(result.cells[self._key_field]) if self._key_field < len(result.cells) else ""
            row = result.row
            if keys.get(row) != key or row in targets:
                if where is None:
                    where = {}
                    for number, held in keys.items():
                        where.setdefault(held, []).append(number)
                moved = where.get(key, []) if key else []
                if len(moved) != 1 or moved[0] in targets:
                    report.rows_missing.append(row)
                    continue
                row = moved[0]
            targets[row] = [escape_csv_cell(v) for v in result.result_values()[1:]]
        order = sorted(found.items(), key=lambda item: item[1])
        ranges = _ranges(self._sheet_id, header.row, header_writes, order, targets)
        for batch in _batches(ranges):
            await self.calls.call(
                "sheets.write",
                "POST",
                f"{self._base}/values_batch_update",
                body={"valueRanges": batch},
                not_found=NOT_FOUND,
            )
        report.rows_written = len(targets)
        report.requests = sum(self.calls.requests.values()) - before
        return report


def _key(text: str) -> str:
    return clean_value(text).casefold()


def _last_column(tab: dict[str, Any]) -> str:
    grid = tab.get("grid_properties") or {}
    return column_letter(max(int(grid.get("column_count") or 0), 1) - 1)


def _ranges(
    sheet_id: str,
    header_row: int,
    header_writes: list[tuple[int, str]],
    order: list[tuple[str, int]],
    targets: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """The writes: the new headers, then each block of rows under each run of adjacent columns."""
    ranges: list[dict[str, Any]] = []
    for col, name in header_writes:
        cell = f"{column_letter(col)}{header_row}"
        ranges.append({"range": f"{sheet_id}!{cell}:{cell}", "values": [[name]]})
    position = {name: i for i, name in enumerate(WRITTEN_COLUMNS)}
    runs: list[list[tuple[str, int]]] = []
    for name, col in order:
        if runs and runs[-1][-1][1] + 1 == col:
            runs[-1].append((name, col))
        else:
            runs.append([(name, col)])
    numbers = sorted(targets)
    blocks: list[list[int]] = []
    for number in numbers:
        if blocks and blocks[-1][-1] + 1 == number and len(blocks[-1]) < MAX_WRITE_ROWS:
            blocks[-1].append(number)
        else:
            blocks.append([number])
    for run in runs:
        left, right = column_letter(run[0][1]), column_letter(run[-1][1])
        picks = [position[name] for name, _col in run]
        for block in blocks:
            ranges.append(
                {
                    "range": f"{sheet_id}!{left}{block[0]}:{right}{block[-1]}",
                    "values": [[targets[n][p] for p in picks] for n in block],
                }
            )
    return ranges


def _batches(ranges: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The ranges grouped into writes of at most `MAX_WRITE_ROWS` rows each."""
    batches: list[list[dict[str, Any]]] = []
    rows = 0
    for item in ranges:
        size = len(item["values"])
        if not batches or rows + size > MAX_WRITE_ROWS:
            batches.append([])
            rows = 0
        batches[-1].append(item)
        rows += size
    return batches
