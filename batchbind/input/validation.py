"""Checking every row before anything is sent: each row on its own, then the rows together.

Each row's three fields are cleaned (`batchbind.input.cleaning`) and checked; a row with a problem is
`invalid` and takes no part in the checks across rows. Across rows, exactly the contract's rules:

- an exact duplicate (same three values, e-mails compared case-insensitively) is sent once; the
  later copies are `duplicate` and point at the first;
- one Exchange account on rows that are not exact duplicates is a conflict: every row involved is
  `invalid` (an Exchange mailbox binds to one Feishu user);
- one user with several Exchange accounts is a conflict too (almost always a shifted column),
  unless the caller allows several accounts per user.

Most rows are clean: `batchbind.input.quickcheck` finds them a whole column at a time, and only the
rest go through the checks here, one by one, which name each problem. Across rows, only the rows
sharing an Exchange account or a user id with another row are looked at. 100,000 rows take a
fraction of a second.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable, Sequence
from itertools import compress
from operator import ne
from typing import Any

from batchbind.input import columnar
from batchbind.input.bulk import paused_gc
from batchbind.input.cleaning import clean_value
from batchbind.input.quickcheck import EMAIL, MAX_LENGTH, USER_IDS
from batchbind.model import (
    Binding,
    Checked,
    CheckedRow,
    Field,
    Outcome,
    Problem,
    SourceRow,
    Table,
    UserIdType,
)

#: How many other rows a cross-row problem names (the rest are counted).
ROWS_NAMED = 5

# open_id `ou_…` and union_id `on_…`: ASCII letters, digits, `_` and `-` after the prefix.
_PREFIXES = {UserIdType.OPEN_ID: "ou_", UserIdType.UNION_ID: "on_"}
_ID_TYPES = {prefix: id_type for id_type, prefix in _PREFIXES.items()}
_ID_CHARS = frozenset(string.ascii_letters + string.digits + "_-")

# Control characters, and format characters such as zero-width spaces that survive trimming
# inside a value: invisible in a spreadsheet, fatal in an address.
_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


def validate(
    table: Table, *, user_id_type: UserIdType, allow_multiple_per_user: bool = False
) -> Checked:
    """Every row's verdict: valid rows with their cleaned values, the others with problems."""
    checker = _RowChecker(table, user_id_type)
    with paused_gc():
        checked, in_polars = _check_rows(table, checker)
        # Only rows sharing an Exchange account or a user id with another row can be a copy or
        # a conflict: the checks across rows look at those alone, in order.
        sharing = _sharing_rows(checked, in_polars)
        rows = list(map(checked.__getitem__, sharing))
        groups = _mark_duplicates(rows)
    _mark_shared_exchange_accounts(groups, table.columns[table.fields[Field.EXCHANGE_ACCOUNT]])
    if not allow_multiple_per_user:
        _mark_users_with_several_accounts(groups, table.columns[table.fields[Field.USER_ID]])
    checked.rejected.update((i, row) for i, row in zip(sharing, rows, strict=True) if row.outcome)
    return checked


def _check_rows(table: Table, checker: _RowChecker) -> tuple[Checked, tuple[Any, Any] | None]:
    """Every row checked on its own: a column at a time, then one by one where in doubt.

    Most values are clean and valid as they are (`batchbind.input.quickcheck` finds them a column at
    a time); the rest are cleaned and checked one by one, and their rows either take the cleaned
    values or are rejected with the problems found. When polars read the table, also returns
    its Exchange account and user id columns with the same changes, for the checks across rows.
    """
    admins = table.column(Field.ADMIN_ACCOUNT)
    exchanges = table.column(Field.EXCHANGE_ACCOUNT)
    users = table.column(Field.USER_ID)
    read = table.polars

    def in_polars(name: Field) -> Any:
        return read[table.fields[name]] if read else None

    doubtful = set(table.cell_problems)
    doubtful.update(EMAIL.misfits(admins, in_polars(Field.ADMIN_ACCOUNT)))
    doubtful.update(EMAIL.misfits(exchanges, in_polars(Field.EXCHANGE_ACCOUNT)))
    doubtful.update(USER_IDS[checker.user_id_type].misfits(users, in_polars(Field.USER_ID)))
    checked = Checked(table, admins, exchanges, users)
    changed = sorted(doubtful)
    for index in changed:
        row = checker.check(table.row(index))
        binding = row.binding
        if binding is None:
            checked.rejected[index] = row
            admins[index] = exchanges[index] = users[index] = ""
        else:
            admins[index] = binding.admin_account
            exchanges[index] = binding.exchange_account
            users[index] = binding.user_id
    if not read:
        return checked, None
    return checked, (
        columnar.patched(
            in_polars(Field.EXCHANGE_ACCOUNT), changed, [exchanges[i] for i in changed]
        ),
        columnar.patched(in_polars(Field.USER_ID), changed, [users[i] for i in changed]),
    )


def _sharing_rows(checked: Checked, in_polars: tuple[Any, Any] | None) -> list[int]:
    """The indexes of the valid rows whose Exchange account or user id is on another row.

    Exchange accounts compare case-insensitively, user ids exactly; rejected rows (whose
    values are blank) take no part. `in_polars`: the same two columns in polars, if at hand.
    """
    exchanges, users = in_polars or (None, None)
    sharing = _repeated(checked.exchanges, casefold=True, series=exchanges)
    sharing |= _repeated(checked.users, series=users)
    sharing.difference_update(checked.rejected)
    return sorted(sharing)


def _repeated(values: list[str], *, casefold: bool = False, series: Any = None) -> set[int]:
    """The indexes of the values found more than once (blank ones too: the caller drops them).

    A dict keeps each value's last index, in one pass in C; the values whose last index is not
    their own are the repeated ones (a few), and their last indexes complete the set.
    """
    if series is not None or columnar.wanted(values):
        return columnar.repeated(values, casefold=casefold, series=series)
    if casefold:
        values = list(map(str.casefold, values))
    count = len(values)
    last = dict(zip(values, range(count), strict=True))
    if len(last) == count:
        return set()
    earlier = set(compress(range(count), map(ne, map(last.__getitem__, values), range(count))))
    earlier.update(last[values[index]] for index in list(earlier))
    return earlier


class _RowChecker:
    """The checks that need one row only."""

    def __init__(self, table: Table, user_id_type: UserIdType) -> None:
        self.user_id_type = user_id_type
        self.columns = {f: (table.fields[f], table.columns[table.fields[f]]) for f in Field}
        self.admin = table.fields[Field.ADMIN_ACCOUNT]
        self.exchange = table.fields[Field.EXCHANGE_ACCOUNT]
        self.user = table.fields[Field.USER_ID]

    def check(self, source: SourceRow) -> CheckedRow:
        """The full checks, which name each problem (the rows the fast path is unsure of)."""
        cells = source.cells
        admin = clean_value(cells[self.admin])
        exchange = clean_value(cells[self.exchange])
        user_id = clean_value(cells[self.user])
        values = {
            Field.ADMIN_ACCOUNT: admin,
            Field.EXCHANGE_ACCOUNT: exchange,
            Field.USER_ID: user_id,
        }
        problems: list[Problem] = []
        for name, value in values.items():
            index, column = self.columns[name]
            problem = _cell_problem(source, index, column, value) or self._field_problem(
                name, column, value
            )
            if problem is not None:
                problems.append(problem)
        if problems:
            return CheckedRow(source, None, Outcome.INVALID, problems)
        return CheckedRow(source, Binding(admin, exchange, user_id))

    def _field_problem(self, name: Field, column: str, value: str) -> Problem | None:
        if not value:
            return Problem("missing_value", column)
        if not _printable(value):
            return Problem("control_characters", column, (("value", value),))
        if len(value) > MAX_LENGTH:
            return Problem(
                "too_long", column, (("length", str(len(value))), ("max", str(MAX_LENGTH)))
            )
        if name is Field.USER_ID:
            return self._user_id_problem(column, value)
        if not _is_email(value):
            return Problem("invalid_email", column, (("value", value),))
        return None

    def _user_id_problem(self, column: str, value: str) -> Problem | None:
        if "@" in value:
            return Problem("email_in_user_id", column, (("value", value),))
        found = _ID_TYPES.get(value[:3])
        if found is not None and found is not self.user_id_type and self._shaped(value, found):
            return Problem(
                "wrong_id_type",
                column,
                (("value", value), ("found", found.value), ("expected", self.user_id_type.value)),
            )
        if self.user_id_type is UserIdType.USER_ID:
            if _has_space(value):
                return Problem("invalid_user_id", column, (("value", value),))
            return None
        if not self._shaped(value, self.user_id_type):
            return Problem(f"invalid_{self.user_id_type.value}", column, (("value", value),))
        return None

    @staticmethod
    def _shaped(value: str, id_type: UserIdType) -> bool:
        prefix = _PREFIXES[id_type]
        return value.startswith(prefix) and len(value) > 3 and _ID_CHARS.issuperset(value[3:])


def _printable(value: str) -> bool:
    if value.isascii():
        return value.isprintable()
    return not any(unicodedata.category(c) in _INVISIBLE for c in value)


def _has_space(value: str) -> bool:
    return " " in value or (not value.isascii() and any(c.isspace() for c in value))


def _is_email(value: str) -> bool:
    """Pragmatic, not RFC 5322: one @, a local part, a dotted domain, no spaces.

    Exchange and Feishu decide the rest; this catches shifted columns and typing slips.
    """
    local, _, domain = value.partition("@")
    return (
        bool(local)
        and "." in domain
        and "@" not in domain
        and not domain.startswith(".")
        and not domain.endswith(".")
        and ".." not in domain
        and not _has_space(value)
    )


def _cell_problem(source: SourceRow, index: int, column: str, value: str) -> Problem | None:
    """A problem found while reading the cell (a rounded number, a formula with no value)."""
    code = source.cell_problems.get(index) if source.cell_problems else None
    if code is None:
        return None
    return Problem(code, column, (("value", value),) if value else ())


def _mark_duplicates(checked: list[CheckedRow]) -> _Groups:
    """Mark later exact copies `duplicate`; group the distinct valid rows for the conflicts."""
    first: dict[tuple[str, str, str], CheckedRow] = {}
    groups = _Groups()
    for row in checked:
        if row.binding is None:
            continue
        key = row.binding.identity()
        original = first.setdefault(key, row)
        if original is not row:
            row.outcome = Outcome.DUPLICATE
            row.duplicate_of = original.source.row
            row.problems.append(
                Problem("duplicate_row", params=(("row", str(original.source.row)),))
            )
            continue
        _, exchange, user_id = key
        group = groups.by_exchange.get(exchange)
        if group is None:
            groups.by_exchange[exchange] = [row]
        else:
            group.append(row)
        group = groups.by_user.get(user_id)
        if group is None:
            groups.by_user[user_id] = [row]
        else:
            group.append(row)
    return groups


class _Groups:
    """The distinct valid rows by Exchange account (case-folded) and by user id."""

    def __init__(self) -> None:
        self.by_exchange: dict[str, list[CheckedRow]] = {}
        self.by_user: dict[str, list[CheckedRow]] = {}


def _mark_shared_exchange_accounts(groups: _Groups, column: str) -> None:
    for group in groups.by_exchange.values():
        if len(group) > 1:
            _conflict(group, "duplicate_exchange_account", column, lambda b: b.exchange_account)


def _mark_users_with_several_accounts(groups: _Groups, column: str) -> None:
    for group in groups.by_user.values():
        if len(group) < 2:
            continue
        accounts = {row.binding.exchange_account.casefold() for row in group if row.binding}
        if len(accounts) > 1:
            _conflict(group, "user_has_several_accounts", column, lambda b: b.user_id)


def _conflict(
    group: Sequence[CheckedRow],
    code: str,
    column: str,
    shown: Callable[[Binding], str],
) -> None:
    """Every row of the group is invalid; each names (some of) the others."""
    # Only the first few rows are named, so a column filled with one value stays O(n).
    head = [row.source.row for row in group[: ROWS_NAMED + 1]]
    for row in group:
        assert row.binding is not None
        others = [r for r in head if r != row.source.row][:ROWS_NAMED]
        more = len(group) - 1 - len(others)
        row.outcome = Outcome.INVALID
        row.problems.append(
            Problem(
                code,
                column,
                (
                    ("value", shown(row.binding)),
                    ("rows", ", ".join(map(str, others))),
                    ("more", str(more)),
                ),
            )
        )
