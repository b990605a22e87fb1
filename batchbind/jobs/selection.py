"""Choosing some rows of a results file: by physical row number, or by another sheet's rows.

`--rows 12,15-20` names rows as the user sees them in Excel (the `row` column). `--only FILE`
names rows by content, so a short sheet of "the ones to undo" finds its rows in a long results
file whatever their order.
"""

from __future__ import annotations

from pathlib import Path

from batchbind.errors import InputError
from batchbind.jobs.plan import valid_keys
from batchbind.jobs.run import read_and_check
from batchbind.jobs.settings import ReadSettings

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
            raise InputError(
                f"--rows {spec!r}: {part!r} is not a row number or a range such as 15-20."
            ) from None
        if low < 1 or high > MAX_ROW or low > high:
            raise InputError(
                f"--rows {spec!r}: {part!r} is not a range of row numbers (1 to {MAX_ROW}, "
                "smaller first)."
            )
        rows.update(range(low, high + 1))
    if not rows:
        raise InputError(f"--rows {spec!r} names no rows.", hint="For example: --rows 12,15-20")
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
