"""`batchbind resolve`: fill in missing `user_id`s from people's Feishu e-mail addresses.

A row needs an id when its user cell is empty or holds no valid id of `--user-id-type` (an e-mail
address, `1.23457E+17`, an id of another type: the checks of `validate`). Its e-mail address is
the one in the user cell itself, else the one in the e-mail column. The addresses are looked up
through `contact/v3/users/batch_get_id`, 50 to a call, through the `lookup` pacer, with a tenant
token obtained from the app's ID and secret. The copy of the input gets the ids and a
`resolve_status` per row: `found`, `not_found`, `resigned` (filled only when asked), `frozen`
(filled: the account exists), `pending` when the lookup did not finish (interrupted, stopped, or
no usable answer): running it again looks those up; `no_email` or `invalid` when the row has no
address to look up (and, for `invalid`, a value that is not an id). An address taken from the
user cell moves to the e-mail column (`feishu_email` when the sheet has none), so the copy keeps
it for a later try.

Lookups change nothing in Feishu and nothing in the journal, so a re-run simply asks again.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from batchbind.auth import redact
from batchbind.errors import InputError, RunStopped
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.codes import Kind
from batchbind.feishu.pacing import Budget, Pacers
from batchbind.feishu.retry import ONE_CHECK, Retrying, unanswered
from batchbind.input.cleaning import (
    NUMBER_ROUNDED,
    SCIENTIFIC_NOTATION,
    clean_value,
    normalise_header,
)
from batchbind.input.headers import HEADER_ALIASES, HEADER_SCAN_ROWS, match_header
from batchbind.input.validation import EMAIL_IN_USER_ID, resolved_copy, user_id_problem
from batchbind.jobs.engine import DONE, Final, Pool, PoolOptions, PoolStats, failed
from batchbind.jobs.exit_codes import exit_code
from batchbind.jobs.harness import run_pool
from batchbind.jobs.target import check_copy_path
from batchbind.model import Field, Problem, UserIdType
from batchbind.output import i18n
from batchbind.output.progress import progress_bar
from batchbind.output.sheetcopy import Grid, Sheet, read_grid, write_grid

BATCH = 50  # e-mails per call: the documented maximum
STATUS_COLUMN = "resolve_status"
RENAMED_EMAIL_COLUMN = "feishu_email"

#: Column names that hold people's Feishu e-mail, most specific first.
EMAIL_ALIASES = (
    "feishu_email", "feishu_mail", "lark_email", "lark_mail", "飞书邮箱", "飞书邮件地址",
    "email", "e-mail", "mail", "email_address", "邮箱", "邮箱地址", "电子邮箱", "电子邮件",
    "用户邮箱", "企业邮箱",
)  # fmt: skip

_USER_ID_NAMES = frozenset(normalise_header(a) for a in HEADER_ALIASES[Field.USER_ID])
_EXCHANGE_NAMES = frozenset(normalise_header(a) for a in HEADER_ALIASES[Field.EXCHANGE_ACCOUNT])


class Status(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    RESIGNED = "resigned"
    FROZEN = "frozen"
    PENDING = "pending"
    NO_EMAIL = "no_email"  # no id, and no e-mail address to look one up
    INVALID = "invalid"  # a value that is not an id, and no e-mail address to look one up


#: The statuses of a row that got its id.
FILLED = frozenset((Status.FOUND, Status.FROZEN))
# Why an `invalid` value is no id, when Excel is the cause: named apart, with their own reason.
_EXCEL_CAUSES = frozenset((SCIENTIFIC_NOTATION, NUMBER_ROUNDED))


@dataclass(kw_only=True)
class ResolveSettings:
    """What `resolve` reads, which app's credentials it looks people up with, and how fast."""

    input: Path
    base_url: str
    app_id: str
    app_secret: str = field(repr=False)
    out: Path | None = None
    # Replace an existing --out that is not a copy `resolve` wrote (never the input itself).
    force: bool = False
    email_column: str | None = None
    include_resigned: bool = False
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    user_id_type: UserIdType = UserIdType.OPEN_ID
    rate_per_second: float = 50.0
    rate_per_minute: float = 1000.0
    concurrency: int = 8
    max_attempts: int = 5
    circuit_breaker: int = 50
    lang: str = "en"
    progress: bool = True

    def out_path(self) -> Path:
        return self.out if self.out is not None else resolved_copy(self.input)


# -- finding the columns --------------------------------------------------------------------------


@dataclass(slots=True)
class Layout:
    sheet: Sheet
    header: int  # index of the header row in sheet.rows
    email: int  # the column of people's e-mail: the user column itself when they are there
    user_id: int | None
    status: int | None
    renamed: str | None = None  # the e-mail column's name, when the copy renames it
    complete: bool = False  # the header names the three columns `run` reads


def _find_layout(grid: Grid, settings: ResolveSettings) -> Layout:
    """The sheet and columns to work on: the first sheet (or CSV delimiter) whose header names
    the three binding columns and has e-mail addresses to look up (the sheet `validate` and
    `run` read), else the first with e-mail addresses."""
    wanted = (settings.email_column,) if settings.email_column else EMAIL_ALIASES
    names = [normalise_header(n) for n in wanted]
    sheets = grid.sheets
    if settings.sheet is not None and grid.kind == "xlsx":
        sheets = [s for s in sheets if s.name.casefold() == settings.sheet.casefold()]
        if not sheets:
            listed = ", ".join(repr(s.name) for s in grid.sheets)
            raise InputError.of(
                "resolve_no_sheet", name=grid.path.name, sheet=repr(settings.sheet), listed=listed
            )
    layouts = [
        layout
        for layout in (_sheet_layout(s, names, settings.email_column is None) for s in sheets)
        if layout is not None
    ]
    chosen = next((layout for layout in layouts if layout.complete), None)
    chosen = chosen or next(iter(layouts), None)
    if chosen is not None:
        if grid.kind == "csv":
            grid.delimiter = chosen.sheet.name
        return chosen
    what = (
        repr(settings.email_column)
        if settings.email_column
        else i18n.Phrase("resolve_email_column")
    )
    raise InputError.of("resolve_no_column", name=grid.path.name, what=what, count=HEADER_SCAN_ROWS)


def _sheet_layout(sheet: Sheet, names: list[str], in_user_column: bool) -> Layout | None:
    """The columns of the first header row of `sheet` naming an e-mail column, or (when
    `in_user_column`) a user column holding e-mail addresses below it."""
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        cells = [normalise_header(c) for c in row]
        user = next((i for i, c in enumerate(cells) if c in _USER_ID_NAMES), None)
        column = next((cells.index(n) for n in names if n in cells), None)
        if column is None and in_user_column and user is not None:
            below = sheet.rows[index + 1 :]
            if any(user < len(r) and "@" in r[user] for r in below):
                column = user
        if column is None:
            continue
        status = next((i for i, c in enumerate(cells) if c == STATUS_COLUMN.replace("_", "")), None)
        layout = Layout(sheet, index, column, user, status)
        layout.complete = match_header(index, row).score == len(Field)
        exchange_columns = [i for i, c in enumerate(cells) if c in _EXCHANGE_NAMES]
        if column in exchange_columns and len(exchange_columns) > 1:
            # `run` would see two Exchange account columns: the copy names this one apart.
            layout.renamed = row[column]
        return layout
    return None


# -- looking people up ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    status: Status


def _person(entry: dict[str, Any]) -> Person:
    user_id = entry.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return Person("", Status.NOT_FOUND)
    flags = entry.get("status") if isinstance(entry.get("status"), dict) else {}
    assert isinstance(flags, dict)
    if flags.get("is_resigned") or flags.get("is_exited"):
        return Person(user_id, Status.RESIGNED)
    if flags.get("is_frozen"):
        return Person(user_id, Status.FROZEN)
    return Person(user_id, Status.FOUND)


@dataclass(slots=True)
class Batch:
    emails: list[str]
    attempts: int = 0
    retry_since: float | None = None


class Resolver(Pool[Batch]):
    """Looks each batch of e-mails up; what Feishu answered is kept by casefolded e-mail."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people: dict[str, Person] = {}

    async def carry(self, item: Batch) -> None:
        call = functools.partial(self.client.batch_get_id, item.emails)
        await self.until_final("lookup", call, functools.partial(self._step, item))
        self.progress.advance(bound=len(item.emails))

    async def _step(self, item: Batch, answer: Answer) -> Final | None:
        meaning = answer.meaning
        self.stop_if_run_wide(answer, meaning)
        if meaning.kind is Kind.OK:
            entries = (answer.data or {}).get("user_list") or []
            answered = {
                str(e.get("email", "")).casefold(): _person(e)
                for e in entries
                if isinstance(e, dict)
            }
            for email in item.emails:
                key = email.casefold()
                self.people[key] = answered.get(key, Person("", Status.NOT_FOUND))
            return DONE
        if await self.try_again(item, meaning.kind):
            return None
        return failed(answer)  # no usable answer: these stay pending, a re-run asks again


async def _tenant_token(client: FeishuClient, pacers: Pacers, settings: ResolveSettings) -> str:
    lang = settings.lang

    async def ask() -> Answer:
        await pacers["tenant_token"].acquire()
        return await client.tenant_token(settings.app_id, settings.app_secret)

    answer = await Retrying(ONE_CHECK).call(ask, unanswered)
    token = str((answer.data or {}).get("tenant_access_token", ""))
    if answer.code == 0 and token:
        redact.register(token)
        return token
    what = answer.code if answer.code is not None else (answer.error or answer.msg)
    raise RunStopped(
        i18n.text("tenant_token_refused", lang, code=what, msg=answer.msg),
        hint=i18n.text("tenant_token_hint", lang),
    )


def _look_up(
    settings: ResolveSettings, emails: list[str], notify: Callable[[str], None]
) -> Resolver:
    token = [""]

    async def start(client: FeishuClient, pacers: Pacers, _lang: str) -> list[str]:
        token[0] = await _tenant_token(client, pacers, settings)
        return []

    def client() -> FeishuClient:
        return FeishuClient(
            settings.base_url,
            lambda: token[0],
            user_id_type=settings.user_id_type.value,
            max_connections=settings.concurrency,
            lang=settings.lang,
        )

    resolver = Resolver(
        Pacers(Budget(per_second=settings.rate_per_second, per_minute=settings.rate_per_minute)),
        PoolOptions(
            concurrency=settings.concurrency,
            max_attempts=settings.max_attempts,
            circuit_breaker=settings.circuit_breaker,
            lang=settings.lang,
        ),
    )
    batches = [Batch(emails[i : i + BATCH]) for i in range(0, len(emails), BATCH)]
    run_pool(
        resolver,
        client,
        functools.partial(resolver.run, batches),
        start=start,
        progress=lambda: progress_bar(
            len(emails), desc="progress_looking_up", lang=settings.lang, enabled=settings.progress
        ),
        notify=notify,
    )
    return resolver


# -- the job ----------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class ResolveResult:
    """What `resolve` did: rows per `resolve_status`, the copy written, and its exit code."""

    exit_code: int
    counts: Counter[str]
    path: Path
    wanted: Path
    email_column: str
    renamed: str | None
    kept: int  # rows that already had a valid user_id
    stats: PoolStats | None
    # The physical rows still without an id, by reason: their `resolve_status`, or for an
    # `invalid` one that Excel has mangled, `scientific_notation` or `number_rounded`.
    unfilled: dict[str, list[int]] = field(default_factory=dict)
    # The physical rows whose user cell held no valid id and got one from their e-mail address.
    replaced: list[int] = field(default_factory=list)
    duration_s: float = 0.0


@dataclass(frozen=True, slots=True)
class _Todo:
    """A row without a valid id: where it is, and the e-mail address to look it up by."""

    index: int  # in sheet.rows
    email: str  # as written, cleaned; "" when the row has none
    in_user: bool  # the address was in the user cell
    problem: Problem | None  # what is wrong with a value in the user cell that is no address


def resolve_job(
    settings: ResolveSettings, *, notify: Callable[[str], None] = lambda _m: None
) -> ResolveResult:
    """Fill in the missing user_ids of the input from people's e-mail, and write the copy."""
    started = time.time()
    grid = read_grid(settings.input, encoding=settings.encoding, delimiter=settings.delimiter)
    layout = _find_layout(grid, settings)
    check_copy_path(settings.out_path(), source=settings.input, force=settings.force)
    rows = layout.sheet.rows
    header = rows[layout.header]
    email_column = layout.renamed or header[layout.email]
    todo, kept = _rows_to_fill(layout, settings.user_id_type)
    wanted = {t.email.casefold(): t.email for t in todo if t.email}

    resolver: Resolver | None = None
    stats: PoolStats | None = None
    if wanted:  # credentials refused: nothing is looked up, and the stop is in the stats
        resolver = _look_up(settings, list(wanted.values()), notify)
        stats = resolver.stats
    people = resolver.people if resolver else {}

    # New columns go after the widest row, so no cell of a ragged row is overwritten.
    width = [max(map(len, rows[layout.header :]))]

    def new_column(name: str) -> int:
        _set(header, width[0], name)
        width[0] += 1
        return width[0] - 1

    user_col = layout.user_id if layout.user_id is not None else new_column(Field.USER_ID.value)
    email_col = layout.email
    if email_col == user_col and any(t.in_user for t in todo):
        email_col = new_column(RENAMED_EMAIL_COLUMN)  # the addresses move out of the user column
    status_col = layout.status if layout.status is not None else new_column(STATUS_COLUMN)
    if layout.renamed is not None:
        header[layout.email] = RENAMED_EMAIL_COLUMN

    counts: Counter[str] = Counter()
    unfilled: dict[str, list[int]] = {}
    replaced: list[int] = []
    for item in todo:
        cells = rows[item.index]
        person = people.get(item.email.casefold()) if item.email else None
        status = _status(item, person)
        fill = status in FILLED or (status is Status.RESIGNED and settings.include_resigned)
        if item.in_user:
            there = clean_value(_get(cells, email_col))
            if not there:
                _set(cells, email_col, item.email)
            if fill or not there or there.casefold() == item.email.casefold():
                _set(cells, user_col, "")  # the address is kept in the e-mail column
        if fill and person is not None:
            _set(cells, user_col, person.user_id)
            if item.problem is not None:
                replaced.append(item.index + 1)
        else:
            unfilled.setdefault(_reason(status, item), []).append(item.index + 1)
        _set(cells, status_col, status.value)
        counts[status.value] += 1

    width_now = len(header)
    for cells in rows[layout.header + 1 :]:
        if cells and len(cells) < width_now:  # a rectangular copy: every row as wide as the header
            cells.extend([""] * (width_now - len(cells)))
    out = settings.out_path()
    sheets = [layout.sheet]
    if grid.kind == "xlsx" and out.suffix.lower() == ".xlsx":
        sheets = grid.sheets
    path = write_grid(grid, sheets, out)
    unfilled_count = sum(map(len, unfilled.values()))
    return ResolveResult(
        exit_code=exit_code("resolve", {"unfilled": unfilled_count}, stats),
        counts=counts,
        path=path,
        wanted=out,
        email_column=email_column,
        renamed=layout.renamed,
        kept=kept,
        stats=stats,
        unfilled=unfilled,
        replaced=replaced,
        duration_s=time.time() - started,
    )


def _rows_to_fill(layout: Layout, user_id_type: UserIdType) -> tuple[list[_Todo], int]:
    """The rows without a valid id, each with its e-mail address; and how many have an id.

    A value in the user cell is judged by `validate`'s own checks: a row `resolve` leaves alone
    is one `validate` accepts (as far as the id goes).
    """
    rows = layout.sheet.rows
    user_col = layout.user_id
    user_name = rows[layout.header][user_col] if user_col is not None else Field.USER_ID.value
    todo: list[_Todo] = []
    kept = 0
    for index in range(layout.header + 1, len(rows)):
        cells = rows[index]
        if not any(c.strip() for c in cells):
            continue
        if user_col is None:
            given, read_problem = "", None
        else:
            given = clean_value(_get(cells, user_col))
            read_problem = layout.sheet.problems.get((index, user_col))
        problem = user_id_problem(given, user_id_type, user_name) if given else None
        if read_problem is not None and problem is None:
            # A number Excel has rounded reads as a plausible id: `validate` refuses it too.
            problem = Problem(read_problem, user_name, (("value", given),))
        if given and problem is None:
            kept += 1
            continue
        in_user = problem is not None and problem.code == EMAIL_IN_USER_ID
        email = given if in_user else clean_value(_get(cells, layout.email))
        if "@" not in email:
            email = ""
        todo.append(_Todo(index, email, in_user, None if in_user else problem))
    return todo, kept


def _reason(status: Status, item: _Todo) -> str:
    """Why a row is still without an id: its status, or the Excel cause worth naming."""
    if item.problem is not None and item.problem.code in _EXCEL_CAUSES:
        return item.problem.code
    return status.value


def _status(item: _Todo, person: Person | None) -> Status:
    if item.email:
        return person.status if person is not None else Status.PENDING
    return Status.INVALID if item.problem is not None else Status.NO_EMAIL


def _get(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _set(cells: list[str], index: int, value: str) -> None:
    if index >= len(cells):
        cells.extend([""] * (index + 1 - len(cells)))
    cells[index] = value
