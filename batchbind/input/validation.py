"""Checking every row before anything is sent: each row on its own, then the rows together.

Each row's three fields are cleaned (`batchbind.input.cleaning`) and checked; a row with a problem is
`invalid` and takes no part in the checks across rows. Across rows, exactly the contract's rules:

- an exact duplicate (same three values, e-mails compared case-insensitively) is sent once; the
  later copies are `duplicate` and point at the first;
- one Exchange account on rows that are not exact duplicates is a conflict: every row involved is
  `invalid` (an Exchange mailbox binds to one Feishu user);
- one user with several Exchange accounts is a conflict too (almost always a shifted column),
  unless the caller allows several accounts per user.

An e-mail address in the user column is a problem whose hint is the exact `batchbind resolve`
command that fills in the ids (`resolve_command`): the file as the user named it, and the options
it was read with.

Most values are plain ASCII addresses and ids, already clean: one regular expression per field
recognises those, a C call per value, and only the rows holding another value are cleaned and
checked one by one, by the rules that name each problem. Across rows, only the rows sharing an
Exchange account or a user id with another row are looked at. 100,000 rows take a fraction of a
second.
"""

from __future__ import annotations

import re
import shlex
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from operator import not_
from pathlib import Path

from batchbind.input.cleaning import SCIENTIFIC_NOTATION, clean_value, is_scientific
from batchbind.input.gc_pause import paused_gc
from batchbind.model import (
    Binding,
    Checked,
    CheckedRow,
    Field,
    Outcome,
    Problem,
    Table,
    UserIdType,
)

#: How many other rows a cross-row problem names (the rest are counted).
ROWS_NAMED = 5
#: Problem code for an e-mail address where the user id belongs (`batchbind resolve` fixes it).
EMAIL_IN_USER_ID = "email_in_user_id"
#: The longest value a field may hold (the contract's 1–500 characters).
MAX_LENGTH = 500

# What most values look like: printable ASCII that is already clean (nothing to trim, nothing
# to normalise, no `mailto:`) and passes every check of its field. One C call recognises such a
# value; any other is cleaned and checked in full (`_field_problem`), which names its problem.
# So these patterns may be stricter than the checks, never looser (tests hold them to that): a
# local part or an id without `:` has no `mailto:` to strip, and the length is checked apart
# (`_unrecognised`). Each part stops at a character the next one needs: possessive `++` never
# gives up a match that backtracking could use.
_EMAIL = r"[!-9;-?A-~]++@[!-\-/-?A-~]++(?:\.[!-\-/-?A-~]++)++"
# Anything that might be a number in scientific notation (a looser shape than `is_scientific`)
# goes to the full checks.
_MAYBE_SCIENTIFIC = r"[+-]?+[0-9]++(?:[.,][0-9]++)?+[Ee][+-]?+[0-9]++\Z"
_IDS = {
    UserIdType.OPEN_ID: r"ou_[0-9A-Za-z_-]++",
    UserIdType.UNION_ID: r"on_[0-9A-Za-z_-]++",
    # An id of another type is not a user_id.
    UserIdType.USER_ID: rf"(?!ou_|on_)(?!{_MAYBE_SCIENTIFIC})[!-9;-?A-~]++",
}
_PLAIN: dict[UserIdType, dict[Field, re.Pattern[str]]] = {
    id_type: {
        Field.ADMIN_ACCOUNT: re.compile(_EMAIL),
        Field.EXCHANGE_ACCOUNT: re.compile(_EMAIL),
        Field.USER_ID: re.compile(ids),
    }
    for id_type, ids in _IDS.items()
}
# How many values of a column tell whether it repeats a few values (each then checked once).
_SAMPLE = 64

# open_id `ou_…` and union_id `on_…`: ASCII letters, digits, `_` and `-` after the prefix.
_PREFIXES = {UserIdType.OPEN_ID: "ou_", UserIdType.UNION_ID: "on_"}
_ID_TYPES = {prefix: id_type for id_type, prefix in _PREFIXES.items()}
_ID_CHARS = frozenset(string.ascii_letters + string.digits + "_-")

# Control characters, and format characters such as zero-width spaces that survive trimming
# inside a value: invisible in a spreadsheet, fatal in an address.
_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))


def validate(
    table: Table,
    *,
    user_id_type: UserIdType,
    allow_multiple_per_user: bool = False,
    read_options: Mapping[str, str | None] | None = None,
) -> Checked:
    """Every row's verdict: valid rows with their cleaned values, the others with problems.

    `read_options` are the options the table was read with as the user gave them (`--sheet`,
    `--encoding`, `--delimiter`): the `resolve` command a hint names repeats them.
    """
    with paused_gc():
        checked = _check_rows(table, user_id_type, read_options or {})
        # Only rows sharing an Exchange account or a user id with another row can be a copy or
        # a conflict: the checks across rows look at those alone, in order.
        sharing = _sharing_rows(checked)
        rows = list(map(checked.__getitem__, sharing))
        groups = _mark_duplicates(rows)
    _mark_shared_exchange_accounts(groups, table.columns[table.fields[Field.EXCHANGE_ACCOUNT]])
    if not allow_multiple_per_user:
        _mark_users_with_several_accounts(groups, table.columns[table.fields[Field.USER_ID]])
    checked.rejected.update((i, row) for i, row in zip(sharing, rows, strict=True) if row.outcome)
    return checked


def _check_rows(
    table: Table, user_id_type: UserIdType, read_options: Mapping[str, str | None]
) -> Checked:
    """Every row checked on its own: most at a glance, the rest one by one.

    A value its field's plain shape recognises (`_PLAIN`) is clean and valid as it is; a row
    holding any other value, or a cell read with a problem, is cleaned and checked in full
    (`_check_row`). Rows with a problem go to `rejected`, their three values left blank; the
    others keep their cleaned values.
    """
    columns = [table.column(name) for name in Field]
    doubtful = set(table.cell_problems)
    for name, values in zip(Field, columns, strict=True):
        doubtful.update(_unrecognised(values, _PLAIN[user_id_type][name]))
    admins, exchanges, users = columns
    checked = Checked(table, admins, exchanges, users)
    command: tuple[tuple[str, str], ...] | None = None
    for index in sorted(doubtful):
        cleaned, problems = _check_row(table, index, user_id_type)
        if any(p.code == EMAIL_IN_USER_ID for p in problems):
            if command is None:
                command = _resolve_params(table, user_id_type, read_options)
            problems = [
                Problem(p.code, p.column, p.params + command) if p.code == EMAIL_IN_USER_ID else p
                for p in problems
            ]
        if problems:
            checked.rejected[index] = CheckedRow(table.row(index), None, Outcome.INVALID, problems)
            cleaned = ["", "", ""]
        for values, value in zip(columns, cleaned, strict=True):
            values[index] = value
    return checked


def _unrecognised(values: list[str], plain: re.Pattern[str]) -> set[int]:
    """The indexes of the values `plain` does not match whole, or longer than MAX_LENGTH."""
    count = len(values)
    sample = values[:_SAMPLE]
    if len(set(sample)) * 4 < len(sample):
        # The admin column: one or a few accounts, each looked at once.
        wrong = {value for value in set(values) if not plain.fullmatch(value)}
        found = set(compress(range(count), map(wrong.__contains__, values))) if wrong else set()
    else:
        found = set(compress(range(count), map(not_, map(plain.fullmatch, values))))
    if max(map(len, values), default=0) > MAX_LENGTH:
        found.update(compress(range(count), map(MAX_LENGTH.__lt__, map(len, values))))
    return found


def _check_row(
    table: Table, index: int, user_id_type: UserIdType
) -> tuple[list[str], list[Problem]]:
    """Row `index`'s three values cleaned, and every problem they have, in field order."""
    codes = table.cell_problems.get(index) or {}
    cleaned: list[str] = []
    problems: list[Problem] = []
    for name in Field:
        position = table.fields[name]
        column = table.columns[position]
        value = clean_value(table.data[position][index])
        cleaned.append(value)
        code = codes.get(position)
        if code is not None:
            # A problem found reading the cell (a rounded number, a formula with no value)
            # comes first: the value read is not the one the sheet held.
            problem: Problem | None = Problem(code, column, (("value", value),) if value else ())
        else:
            problem = _field_problem(name, user_id_type, column, value)
        if problem is not None:
            problems.append(problem)
    return cleaned, problems


def resolved_copy(path: Path) -> Path:
    """Where `batchbind resolve` writes its copy of `path` by default: `<name>.resolved.<ext>`
    next to it (its own copy, resolved again, is rewritten in place). The copy is a .xlsx or a
    .csv: a .xls, .xlsm or .ods gets a .xlsx copy, never .xlsx bytes under its own name."""
    suffix = path.suffix if path.suffix.lower() in (".xlsx", ".csv") else ".xlsx"
    stem = path.stem.removesuffix(".resolved")
    return path.with_name(f"{stem}.resolved{suffix}")


def resolve_command(
    source: str, user_id_type: UserIdType, read_options: Mapping[str, str | None]
) -> str:
    """The `batchbind resolve` command for the file `source`, as the user types it."""
    words = ["batchbind", "resolve", source or "FILE"]
    for option, value in read_options.items():
        if value is not None:
            words += [option, value]
    if user_id_type is not UserIdType.OPEN_ID:
        words += ["--user-id-type", user_id_type.value]
    return " ".join(words[:2] + [_shell_word(w) for w in words[2:]])


# What a file name or option may hold and still need no quotes in sh, PowerShell and cmd (a
# comma makes a PowerShell array, `@` and `=` mean something at the start of a word).
_BARE = frozenset("._-/\\:+")


def _shell_word(word: str) -> str:
    """`word` as one shell word: bare when safe, else in double quotes, which sh, PowerShell
    and cmd all read (single quotes mean nothing to cmd)."""
    if word and all(c.isalnum() or c in _BARE for c in word):
        return word
    if any(c in word for c in '"$`!%'):
        return shlex.quote(word)  # rare: sh's single quotes (PowerShell's too, without a ')
    return f'"{word}"'


def _resolve_params(
    table: Table, user_id_type: UserIdType, read_options: Mapping[str, str | None]
) -> tuple[tuple[str, str], ...]:
    """The hint's parameters for an e-mail in the user column: the command and the copy."""
    copy = str(resolved_copy(Path(table.source))) if table.source else "FILE.resolved"
    command = resolve_command(table.source, user_id_type, read_options)
    return (("command", command), ("copy", _shell_word(copy)))


def _sharing_rows(checked: Checked) -> list[int]:
    """The indexes of the valid rows whose Exchange account or user id is on another row.

    Exchange accounts compare case-insensitively, user ids exactly; rejected rows (whose
    values are blank) take no part.
    """
    sharing = _repeated(checked.exchanges, casefold=True)
    sharing |= _repeated(checked.users)
    sharing.difference_update(checked.rejected)
    return sorted(sharing)


def _repeated(values: list[str], *, casefold: bool = False) -> set[int]:
    """The indexes of the values found more than once (blank ones too: the caller drops them).

    A `Counter` counts the values in one pass in C; those counted more than once are a few,
    and a second pass in C finds where they are.
    """
    if casefold:
        values = list(map(str.casefold, values))
    counts = Counter(values)
    if len(counts) == len(values):
        return set()
    several = {value for value, count in counts.items() if count > 1}
    return set(compress(range(len(values)), map(several.__contains__, values)))


def _field_problem(
    name: Field, user_id_type: UserIdType, column: str, value: str
) -> Problem | None:
    """What is wrong with one cleaned value of field `name` (in `column`), if anything."""
    if not value:
        return Problem("missing_value", column)
    if not _printable(value):
        return Problem("control_characters", column, (("value", value),))
    if len(value) > MAX_LENGTH:
        return Problem("too_long", column, (("length", str(len(value))), ("max", str(MAX_LENGTH))))
    if name is Field.USER_ID:
        return _user_id_problem(user_id_type, column, value)
    if not _is_email(value):
        return Problem("invalid_email", column, (("value", value),))
    return None


def user_id_problem(value: str, user_id_type: UserIdType, column: str) -> Problem | None:
    """What is wrong with a cleaned user id of `user_id_type`, if anything (`resolve` asks)."""
    return _field_problem(Field.USER_ID, user_id_type, column, value)


def _user_id_problem(user_id_type: UserIdType, column: str, value: str) -> Problem | None:
    if is_scientific(value):
        # Before any other rule: `1.23457E+17` is not an open_id either, but the cause to fix is
        # in Excel, whatever the id type.
        return Problem(SCIENTIFIC_NOTATION, column, (("value", value),))
    if "@" in value:
        return Problem(EMAIL_IN_USER_ID, column, (("value", value),))
    found = _ID_TYPES.get(value[:3])
    if found is not None and found is not user_id_type and _shaped(value, found):
        return Problem(
            "wrong_id_type",
            column,
            (("value", value), ("found", found.value), ("expected", user_id_type.value)),
        )
    if user_id_type is UserIdType.USER_ID:
        if _has_space(value):
            return Problem("invalid_user_id", column, (("value", value),))
        return None
    if not _shaped(value, user_id_type):
        return Problem(f"invalid_{user_id_type.value}", column, (("value", value),))
    return None


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
