"""Where a job writes its results file, and whether it may: checked before anything is sent.

A results file replaces an existing file only when that file is batchbind's own results (its
result columns are in the header), or with `--force`; a job never writes over the sheet it reads
(`status` and `unbind` update a results file in place, which is their contract). Whether the
folder takes a new file is tried before the first request, so a run never binds every row and
then finds out it cannot say so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import python_calamine

from batchbind.errors import InputError, OutputError
from batchbind.input.bounds import check_workbook
from batchbind.input.cleaning import cell_text
from batchbind.input.csvfile import DELIMITERS, read_text, records
from batchbind.input.headers import HEADER_SCAN_ROWS, match_header
from batchbind.output.writers import SUFFIXES


def check_results_path(
    path: Path, *, source: Path | None, force: bool = False, in_place: bool = False
) -> None:
    """Refuse (OutputError, exit 2) a results path that cannot or must not be written.

    `source` is the sheet the job reads: never written over, even with `force`, unless
    `in_place` (status, unbind) and it is a results file.
    """
    if path.suffix.lower() not in SUFFIXES:
        raise InputError.of("results_suffix", name=path.name)
    _check_out(path, source, force, in_place, is_results_file, "out_not_results")


def check_copy_path(path: Path, *, source: Path, force: bool = False) -> None:
    """The same rule for `resolve`'s filled-in copy: it replaces only an earlier copy of its own
    (a `resolve_status` column), which may be the input itself (resolved further, in place)."""
    _check_out(path, source, force, True, is_resolved_copy, "out_not_resolved")


def is_resolved_copy(path: Path) -> bool:
    """Whether `path` is a copy `resolve` wrote (its `resolve_status` column is in the header)."""
    return any(
        any(cell.replace("_", "").replace(" ", "").casefold() == "resolvestatus" for cell in cells)
        for cells in _top_rows(path)
    )


def _check_out(
    path: Path,
    source: Path | None,
    force: bool,
    in_place: bool,
    ours: Callable[[Path], bool],
    refusal: str,
) -> None:
    if source is not None and _same_file(path, source):
        if not (in_place and ours(path)):
            raise OutputError.of("out_is_input", path=path)
        return  # our own file updated in place: its folder was writable when it was made
    if path.is_dir():
        raise OutputError.of("out_is_folder", path=path)
    _try_folder(path)
    if path.exists() and not force and not ours(path):
        raise OutputError.of(refusal, path=path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def _try_folder(path: Path) -> None:
    """Create and remove a file next to `path`, as the atomic write will (a real answer, also
    for root, ACLs and read-only mounts, where permission bits say little)."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError.of("out_no_folder", folder=folder)
    probe = folder / f".{path.name}.{secrets.token_hex(4)}.probe"
    try:
        with open(probe, "xb"):
            pass
    except OSError as exc:
        raise OutputError.of("cannot_write_in", folder=folder, error=exc.strerror or exc) from exc
    probe.unlink(missing_ok=True)


def is_results_file(path: Path) -> bool:
    """Whether `path` holds batchbind's own results (its result columns are in the header)."""
    return any(match_header(0, cells).results_file for cells in _top_rows(path))


def _top_rows(path: Path) -> Iterator[list[str]]:
    """The top rows of every sheet, read as `load_table` reads them (nothing when it cannot)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            check_workbook(str(path), path.name)  # as careful as reading input: no bombs
        except InputError:
            return  # not readable as a results file, so not one
        try:
            with python_calamine.CalamineWorkbook.from_path(path) as book:
                sheets = [
                    book.get_sheet_by_name(name).to_python(
                        skip_empty_area=False, nrows=HEADER_SCAN_ROWS
                    )
                    for name in book.sheet_names
                ]
        except Exception:  # calamine reports unreadable files with several exception types
            return
        for values in sheets:
            for cells in values:
                yield [cell_text(v)[0] for v in cells]
        return
    try:
        text = read_text(path, None)
    except InputError:
        return  # not a file batchbind could read: reading it says what is wrong
    for delimiter in DELIMITERS:
        try:
            yield from records(text, delimiter, path.name, limit=HEADER_SCAN_ROWS)
        except InputError:  # quotes that only pair up under another delimiter
            continue
