"""Input that is not a plain file on disk, or far larger than it looks (issue 12, items 18, 19).

A pipe or a FIFO is read once (today it was read twice, and the second read found nothing or
waited forever); a small `.xlsx` that expands to hundreds of MB, declares or holds more rows
than Excel allows, or puts a cell so far out that the reader would allocate the whole rectangle,
is refused in one sentence (exit 2) before the reader loads it, and quickly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import ADMIN, run_cli, write_input

ROWS = [(ADMIN, f"user{i}@corp.example", f"ou_user{i}") for i in range(5)]


def feed_fifo(path: Path, data: bytes) -> threading.Thread:
    """A FIFO at `path` that one writer fills with `data` (then closes)."""
    os.mkfifo(path)

    def write() -> None:
        with path.open("wb") as f:
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_fifo_is_read_once(tmp_path: Path, suffix: str) -> None:
    data = write_input(tmp_path / f"plain{suffix}", ROWS).read_bytes()
    fifo = tmp_path / f"fifo{suffix}"
    writer = feed_fifo(fifo, data)
    done = run_cli("validate", fifo, "--out", tmp_path / "checked.csv", timeout=30)
    writer.join(5)
    assert done.returncode == 0, done.stderr
    assert "5" in done.stdout + done.stderr
    assert len((tmp_path / "checked.csv").read_text(encoding="utf-8-sig").splitlines()) == 6


def test_process_substitution_is_read_once(tmp_path: Path) -> None:
    source = write_input(tmp_path / "plain.csv", ROWS)
    out = tmp_path / "checked.csv"
    command = f'"{sys.executable}" -m batchbind validate <(cat "{source}") --out "{out}"'
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "no rows" not in done.stderr
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 6


# -- item 19: workbooks far larger than they look --------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
    'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    'workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/'
    'sheet1.xml"/></Relationships>'
)


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEAD = (
    '<row r="1">'
    + cell("A1", "admin_account")
    + cell("B1", "exchange_account")
    + cell("C1", "user_id")
    + '</row><row r="2">'
    + cell("A2", ADMIN)
    + cell("B2", "b@corp.example")
    + cell("C2", "ou_b")
    + "</row>"
).encode()


def workbook(path: Path, chunks: Iterable[bytes], dimension: str = "A1:C2") -> Path:
    """A minimal .xlsx whose one sheet holds the header, one row, then `chunks` of XML."""
    # The fastest compression: the bomb below must be built in well under the test's 5 s.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{dimension}"/>'.encode()
                + b"<sheetData>"
                + HEAD
            )
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def assert_refused_quickly(path: Path, *words: str) -> None:
    started = time.monotonic()
    for command in (("validate", path), ("resolve", path, "--app-id", "x")):
        done = run_cli(*command, timeout=30, env={"FEISHU_APP_SECRET": "s"})
        assert done.returncode == 2, (command, done.returncode, done.stderr[-2000:])
        assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
        assert "MemoryError" not in done.stderr and "panic" not in done.stderr
        for word in words:
            assert word in done.stderr, done.stderr
    assert time.monotonic() - started < 10  # both commands together


def test_a_small_workbook_that_expands_to_hundreds_of_mb_is_refused(tmp_path: Path) -> None:
    row = b"<row>" + cell("", "a" * 1000).replace(' r=""', "").encode() + b"</row>"
    chunk = row * 1000  # 1 MB
    started = time.monotonic()
    path = workbook(tmp_path / "bomb.xlsx", (chunk for _ in range(530)))  # 554 MB unpacked
    assert path.stat().st_size < 6_000_000 and time.monotonic() - started < 5
    assert_refused_quickly(path, "bomb.xlsx", "MB")


def test_a_workbook_of_a_hundred_million_empty_shared_strings_is_refused(tmp_path: Path) -> None:
    # Under the unpacked limit, yet the reader would hold every string: 510 MB of `<si/>` made
    # it take 2.5 GB of memory and 12 s before saying the sheet has no rows.
    path = workbook(tmp_path / "strings.xlsx", [])
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    # The reader loads xl/sharedStrings.xml by its name, whether or not a relationship names it.
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as book,
        book.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings,
    ):
        strings.write(b'<sst xmlns="' + main + b'">')
        chunk = b"<si/>" * 200_000  # 1 MB
        for _ in range(90):  # 18 million strings
            strings.write(chunk)
        strings.write(b"</sst>")
    assert path.stat().st_size < 1_000_000
    assert_refused_quickly(path, "strings.xlsx", "16,777,216")


def test_a_sheet_with_more_rows_than_excel_allows_is_refused(tmp_path: Path) -> None:
    row = b"<row><c><v>1</v></c><c><v>2</v></c></row>"
    path = workbook(tmp_path / "rows.xlsx", (row * 100_000 for _ in range(12)))
    assert_refused_quickly(path, "rows.xlsx", "1,048,576")


def test_a_sheet_that_declares_two_million_rows_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "dimension.xlsx", [], dimension="A1:C2000000")
    assert_refused_quickly(path, "dimension.xlsx", "1,048,576")


def test_a_cell_far_out_is_refused_before_the_reader_allocates_its_rectangle(
    tmp_path: Path,
) -> None:
    # One cell at Excel's last row and column: the reader would make a rectangle of 17 billion
    # cells (today: the process aborts).
    far = b'<row r="1048576">' + cell("XFD1048576", "x").encode() + b"</row>"
    path = workbook(tmp_path / "far.xlsx", [far])
    assert_refused_quickly(path, "far.xlsx")


def test_a_workbook_bomb_named_as_out_is_refused_not_read_whole(tmp_path: Path) -> None:
    # `--out` names an existing file: batchbind reads its top to know whether it is its own
    # results file. That look must be as careful as reading input (today: the process aborts).
    far = b'<row r="1048576">' + cell("XFD1048576", "x").encode() + b"</row>"
    bomb = workbook(tmp_path / "far.xlsx", [far])
    source = write_input(tmp_path / "in.csv", [(ADMIN, "a@corp.example", "ou_a")])
    done = run_cli("validate", source, "--out", bomb, timeout=30)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
    assert "far.xlsx" in done.stderr
    assert bomb.stat().st_size < 100_000  # left as it was: not a results file, no --force
