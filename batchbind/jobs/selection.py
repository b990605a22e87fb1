"""Choosing some rows of a results file: by physical row number, or by another sheet's rows.

`--rows 12,15-20` names rows as the user sees them in Excel (the `row` column). `--only FILE`
names rows by content, so a short sheet of "the ones to undo" finds its rows in a long results
file whatever their order. `choose` picks the bound rows a `Selection` names (for `unbind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from batchbind.errors import InputError
from batchbind.feishu.client import tenant_host
from batchbind.jobs.plan import valid_keys
from batchbind.jobs.run import read_and_check
from batchbind.jobs.settings import ReadSettings
from batchbind.jobs.view import BoundRow, LifecycleSettings, View
from batchbind.store.journal import RowState

#: A range wider than this is a typo (a sheet holds at most 1,048,576 rows).
MAX_ROW = 1_048_576


def parse_rows(spec: str) -> set[int]:
    """`12,15-20` -> {12, 15, 16, 17, 18, 19, 20}; one clear InputError for anything else."""
    rows: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        first, dash, last = part.partition("-")
        try:
            low = int(first)
            high = int(last) if dash else low
        except ValueError:
            raise InputError.of("rows_not_number", spec=repr(spec), part=repr(part)) from None
        if low < 1 or high > MAX_ROW or low > high:
            raise InputError.of("rows_bad_range", spec=repr(spec), part=repr(part), max=MAX_ROW)
        rows.update(range(low, high + 1))
    if not rows:
        raise InputError.of("rows_none", spec=repr(spec))
    return rows


def keys_of(path: Path, settings: ReadSettings, tenant: str) -> set[str]:
    """The journal keys of the valid rows of another sheet (`--only FILE`)."""
    only = ReadSettings(
        input=path,
        user_id_type=settings.user_id_type,
        allow_multiple_per_user=settings.allow_multiple_per_user,
    )
    _, checked = read_and_check(only)
    return set(valid_keys(checked, tenant, settings.user_id_type.value).values())


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """Which rows to undo: all bound rows, some physical rows, or the rows of another sheet."""

    rows: frozenset[int] | None = None
    only: Path | None = None

    def __post_init__(self) -> None:
        if self.rows is not None and self.only is not None:
            raise InputError.of("rows_or_only")


@dataclass(slots=True)
class Choice:
    """The bound rows chosen, and the chosen rows that are not bound (left as they are)."""

    targets: list[BoundRow]
    not_bound: list[int] = field(default_factory=list)  # physical rows


def choose(
    view: View, states: dict[str, RowState], selection: Selection, settings: LifecycleSettings
) -> Choice:
    bound = view.bound(states)
    if selection.rows is not None:
        present = set(view.table.numbers)
        missing = sorted(selection.rows - present)
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise InputError.of("rows_missing", source=view.table.source, rows=shown)
        keys = {view.keys[r] for r in selection.rows if r in view.keys}
        chosen = [b for b in bound if b.key in keys]
        done = {b.key for b in chosen}
        return Choice(chosen, sorted(r for r in selection.rows if view.keys.get(r) not in done))
    if selection.only is not None:
        wanted = keys_of(selection.only, settings, tenant_host(settings.base_url))
        chosen = [b for b in bound if b.key in wanted]
        found = {b.key for b in chosen}
        not_bound = sorted(r for r, k in view.keys.items() if k in wanted and k not in found)
        return Choice(chosen, not_bound)
    return Choice(bound)
