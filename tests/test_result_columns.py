"""Input columns that share a name with a result column (issue 12, smaller): never twice.

An ordinary sheet may have its own `row`, `outcome` or `code` column. The results keep it,
renamed `<name> [input]`, so every header appears once; reading those results back recognises
the result columns (and replaces them) and keeps the renamed input columns as they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADMIN, read_results, run_cli, write_input

from batchbind.input.load import load_table
from batchbind.model import RESULT_COLUMNS

HEADER = ("admin_account", "exchange_account", "user_id", "row", "Outcome", "code", "note")
ROWS = [
    (ADMIN, "ann@corp.example", "ou_ann", "7", "pending", "A-1", "first"),
    (ADMIN, "bob@corp.example", "ou_bob", "9", "done", "B-2", "second"),
]
RENAMED = ["row [input]", "Outcome [input]", "code [input]"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_input_columns_named_like_result_columns_appear_once(tmp_path: Path, suffix: str) -> None:
    source = write_input(tmp_path / "in.csv", ROWS, header=HEADER)
    out = tmp_path / f"checked{suffix}"
    done = run_cli("validate", source, "--out", out)
    assert done.returncode == 0, done.stderr
    rows = read_results(out)
    header = list(rows[0])
    assert header == [*HEADER[:3], *RENAMED, "note", *RESULT_COLUMNS]
    assert len(header) == len(set(header))
    assert [(r["row [input]"], r["code [input]"], r["row"]) for r in rows] == [
        ("7", "A-1", "2"),
        ("9", "B-2", "3"),
    ]

    # Read back: the result columns are recognised and dropped, the input's kept as renamed.
    table = load_table(out)
    assert table.columns == [*HEADER[:3], *RENAMED, "note"]
    assert list(table.all_cells()) == [list(r) for r in ROWS]
    again = tmp_path / f"again{suffix}"
    assert run_cli("validate", out, "--out", again).returncode == 0
    assert list(read_results(again)[0]) == header  # stable: renamed once, not again
