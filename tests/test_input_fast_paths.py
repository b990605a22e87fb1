"""The fast paths of reading and checking agree with the careful ones, value for value.

Reading a CSV file splits its lines itself where a line holds no quote, and validation checks
the three fields a whole column at a time. `csv.reader` and the row-by-row checks stay the
judges: on arbitrary input, the fast paths give exactly their rows, numbers and problems.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchbind.errors import InputError
from batchbind.input import columnar
from batchbind.input.bulk import paused_gc
from batchbind.input.csvfile import _column_table, _parse, _polars_columns, _split
from batchbind.input.headers import Rows, assemble, match_header
from batchbind.input.load import load_table
from batchbind.input.validation import validate
from batchbind.model import Field, SourceRow, Table, UserIdType

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES = st.sampled_from(["python", "polars"])


@contextlib.contextmanager
def engine(name: str) -> Iterator[None]:
    """Large-table paths (polars) for every table, or for none."""
    saved = columnar.TEXT_FROM, columnar.COLUMNAR_FROM
    columnar.TEXT_FROM = columnar.COLUMNAR_FROM = 0 if name == "polars" else 10**12
    try:
        yield
    finally:
        columnar.TEXT_FROM, columnar.COLUMNAR_FROM = saved


def column_table(text: str, delimiter: str) -> Table | None:
    polars = len(text) >= columnar.TEXT_FROM
    header = match_header(1, HEAD)
    return _column_table(text, text.encode(), delimiter, header, "in.csv", polars=polars)


# Everything that matters to a CSV reader, and a few things that matter to `str.splitlines`.
csv_chars = st.sampled_from([*'ab,;\t" é中', "\r", "\n", "\x0c", "\u2028"])
cells = st.text(csv_chars, max_size=8)


def records(rows: Rows) -> list[tuple[int, list[str]]]:
    # A blank line is [] for csv and [""] for str.split: both are the same blank row.
    return [(n, c or [""]) for n, c in zip(rows.numbers, rows.cells, strict=True)]


def parsed(text: str, delimiter: str) -> Rows | None:
    try:
        return _parse(text, delimiter, "in.csv")
    except InputError:
        return None


@SETTINGS
@given(text=st.text(csv_chars, max_size=300), delimiter=st.sampled_from([",", ";", "\t"]))
def test_split_agrees_with_csv_on_any_text(text: str, delimiter: str) -> None:
    fast, careful = _split(text, delimiter), parsed(text, delimiter)
    if careful is None:  # csv refuses the file: so must the fast path, to keep csv's message
        assert fast is None
    elif fast is not None:
        assert records(fast) == records(careful)
    if '"' not in text and not any(c in text for c in "\x0c\u2028"):
        assert fast is not None  # no quote, no odd line break: always the fast path


@SETTINGS
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=40),
    ending=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_split_agrees_with_csv_on_written_files(
    rows: list[list[str]], ending: str, delimiter: str
) -> None:
    # Mostly plain lines with a few quoted values, some spanning lines: the mixed path.
    plain = [[c.replace('"', "") for c in row] if i % 9 else row for i, row in enumerate(rows)]
    stream = io.StringIO(newline="")
    csv.writer(stream, delimiter=delimiter, lineterminator=ending).writerows(plain)
    text = stream.getvalue()
    fast, careful = _split(text, delimiter), parsed(text, delimiter)
    assert careful is not None
    if fast is not None:
        assert records(fast) == records(careful)


@pytest.mark.parametrize("inside", ["\r\n", "\n", "\r"])
def test_split_reads_quoted_lines_in_a_long_file(inside: str) -> None:
    # Excel ends records with CRLF and a line break inside a cell with LF alone.
    rows = [[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}"] for i in range(40)]
    rows[5][1] = f"two{inside}lines"
    rows[20][0] = "with, comma"
    stream = io.StringIO(newline="")
    csv.writer(stream).writerows(rows)
    text = stream.getvalue()
    fast = _split(text, ",")
    assert records(fast or _parse(text, ",", "in.csv")) == records(_parse(text, ",", "in.csv"))
    assert (fast.cells if fast else []) == (rows if inside == "\r\n" else [])
    if fast:
        assert fast.numbers == list(range(1, 41))  # a record spanning two lines is one row


@pytest.mark.parametrize("space", [" ", "\t", "\u00a0", "\u3000", "\x1f", "\u2009"])
def test_rows_of_spaces_are_blank_rows(tmp_path: Path, space: str) -> None:
    lines = ["admin_account,exchange_account,user_id", "a@b.c,x@y.z,ou_1", f"{space},,{space}"]
    path = tmp_path / "in.csv"
    path.write_text("\r\n".join([*lines, "a@b.c,x2@y.z,ou_2"]), encoding="utf-8")
    assert [row.row for row in load_table(path).rows] == [2, 4]


HEAD = ["admin_account", "exchange_account", "user_id", "note"]


def by_rows(text: str, delimiter: str) -> Table | None:
    """The careful path: every record by `csv.reader`, then `assemble` (None: csv refuses it)."""
    try:
        rows = _parse(text, delimiter, "in.csv")
    except InputError:
        return None
    body = Rows(rows.numbers[1:], rows.cells[1:])
    return assemble(match_header(1, HEAD), body, source="in.csv", sheet=None, unescape=False)


def same_table(fast: Table, careful: Table) -> None:
    assert (fast.columns, fast.fields) == (careful.columns, careful.fields)
    assert [(r.row, r.cells) for r in fast.rows] == [(r.row, r.cells) for r in careful.rows]


@SETTINGS
@given(
    body=st.text(csv_chars, max_size=300),
    ending=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    name=ENGINES,
)
def test_column_path_agrees_with_csv_on_any_text(
    body: str, ending: str, delimiter: str, name: str
) -> None:
    text = delimiter.join(HEAD) + ending + body
    with engine(name):
        fast = column_table(text, delimiter)
    if fast is not None:
        careful = by_rows(text, delimiter)
        assert careful is not None  # csv refuses the file: so must the fast path
        same_table(fast, careful)


@SETTINGS
@given(
    rows=st.lists(st.lists(cells, min_size=4, max_size=4), min_size=1, max_size=40),
    quoted=st.booleans(),
    ending=st.sampled_from(["\r\n", "\n"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    name=ENGINES,
    every=st.booleans(),
)
def test_column_path_reads_written_files(
    rows: list[list[str]], quoted: bool, ending: str, delimiter: str, name: str, every: bool
) -> None:
    # What spreadsheet programs write: every row as wide as the header, values quoted where
    # they hold the delimiter, a quote or a line break (kept in one row in nine).
    rows = [["x", *row[1:]] for row in rows]  # no blank rows: the fast path leaves those out
    keep = [row if quoted and i % 9 == 0 else [c.replace('"', "") for c in row] for i, row in
            enumerate(rows)]  # fmt: skip
    stream = io.StringIO(newline="")
    quoting = csv.QUOTE_ALL if every else csv.QUOTE_MINIMAL  # some exporters quote every value
    writer = csv.writer(stream, delimiter=delimiter, lineterminator=ending, quoting=quoting)
    writer.writerows([HEAD, *keep])
    text = stream.getvalue()
    with engine(name):
        fast = column_table(text, delimiter)
    careful = by_rows(text, delimiter)
    assert careful is not None
    if not any(
        char in value for row in keep for value in row for char in f'"\r\n\x0c\u2028{delimiter}'
    ) and (name == "polars" or not every):
        assert fast is not None  # plain rows of the header's width: always the column path
    if fast is not None:
        same_table(fast, careful)


@pytest.mark.parametrize("name", ["python", "polars"])
def test_column_path_reads_quoted_values_in_a_long_file(name: str) -> None:
    rows = [[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}", "note"] for i in range(40)]
    rows[5][3] = "two\r\nlines"  # a lone LF inside would make csv read it all: mixed endings
    rows[20][3] = "Sales, East"
    rows[21][3] = 'say "hi"'
    stream = io.StringIO(newline="")
    csv.writer(stream).writerows([HEAD, *rows])
    text = stream.getvalue()
    with engine(name):
        fast = column_table(text, ",")
    assert fast is not None
    careful = by_rows(text, ",")
    assert careful is not None
    same_table(fast, careful)
    assert fast.numbers == list(range(2, 42))  # a record spanning two lines is one row
    assert fast.data[3][20:22] == ["Sales, East", 'say "hi"']


def written(rows: list[list[str]], ending: str = "\r\n") -> str:
    stream = io.StringIO(newline="")
    csv.writer(stream, lineterminator=ending).writerows([HEAD, *rows])
    return stream.getvalue()


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_polars_reads_plain_and_quoted_lines(ending: str) -> None:
    rows = [[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}", "备注"] for i in range(40)]
    rows[20][3] = "Sales, East"
    rows[21][3] = 'say "hi"'
    rows[22][1] = ""
    text = written(rows, ending)
    columns = [list(column) for column in zip(*rows, strict=True)]
    read = _polars_columns(text.encode(), ",", 1, len(HEAD))
    assert read is not None
    assert [column.to_list() for column in read] == columns


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda t: t.replace("\r\n", "\r"), "bare CR line endings"),
        (lambda t: t.replace("note3", '"two\r\nlines"'), "a value over two lines"),
        (lambda t: t.replace("a5@b.c,x5@y.z,ou_5,note5", " ,,,"), "a blank row"),
        (lambda t: t.replace("a5@b.c,x5@y.z,ou_5,note5\r\n", "\r\n"), "an empty line"),
        (lambda t: t.replace("note7", "note7,more"), "a row wider than the header"),
        (lambda t: t.replace("note8", 'no"te8'), "a quote inside a value"),
        (lambda t: t.replace("note9", '"note"9'), "text after a closing quote"),
        (lambda t: t.replace("\r\na0@", "\r\n\ufeffa0@"), "a byte-order mark on the first row"),
    ],
)
def test_polars_leaves_unusual_files_to_python(change: Callable[[str], str], why: str) -> None:
    text = change(written([[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}", f"note{i}"] for i in range(12)]))
    assert _polars_columns(text.encode(), ",", 1, len(HEAD)) is None, why
    with engine("polars"):
        fast = column_table(text, ",")
    careful = by_rows(text, ",")
    if fast is not None:  # the Python path read it: still what csv reads
        assert careful is not None
        same_table(fast, careful)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_polars_reads_large_files_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    rows = [[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}", f"王{i}"] for i in range(3000)]
    rows[7][3] = "Sales, East"
    text = "Bindings for March\r\n" + written(rows)  # a title line above the header
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    with engine("polars"):
        table = load_table(path)
    assert table.polars is not None  # polars read it
    assert table.numbers == list(range(3, 3003))
    assert [list(column) for column in zip(*table.data, strict=True)] == rows


def test_polars_falls_back_when_the_bytes_are_not_utf8_far_down(tmp_path: Path) -> None:
    # The top is ASCII (it decodes as UTF-8); a GBK name far below is not UTF-8: polars refuses
    # it, and the whole file is decoded as usual (GB18030) and read by Python.
    rows = [[f"a{i}@b.c", f"x{i}@y.z", f"ou_{i}", "note"] for i in range(5000)]
    rows[4000][3] = "王伟"
    path = tmp_path / "gbk.csv"
    path.write_bytes(written(rows).encode("gbk"))
    with engine("polars"):
        table = load_table(path)
    assert table.polars is None
    assert table.data[3][4000] == "王伟"
    assert len(table.numbers) == 5000


# Values near every rule of the fast path: spaces, case, mailto:, full-width, line breaks,
# the length limit, ids of every type.
near_values = st.sampled_from(
    ["a@b.c", "A@B.C", " a@b.c", "a@b.c\u00a0", "mailto:a@b.c", "MailTo:a@b.c", "ａ@b.c",
     "a@b", "a@.b", "a@b.c.", "a@b..c", "a b@c.d", "a@b.c\nd@e.f", "\n", "", "a\x00@b.c",
     "x" * 496 + "@b.c", "x" * 497 + "@b.c", "ou_1", "on_1", "ou_", "ou_a b", "ou_1\n", "u1",
     "mailto:u1", "a@b.c@d.e", "\u200ba@b.c", "ou_" + "1" * 497, "ou_" + "1" * 498,
     "Straße@b.c", "STRASSE@b.c", "strasse@b.c", "OU_1", "MAILTO:a@b.c"]
)  # fmt: skip
admins = st.sampled_from(["a@b.c", "admin@corp.example", "A@b.C"])
VALID_IDS = {UserIdType.OPEN_ID: "ou_1", UserIdType.UNION_ID: "on_1", UserIdType.USER_ID: "u1"}


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(admins, st.integers(0, 3), near_values, st.integers(0, 3)), max_size=90
    ),
    id_type=st.sampled_from(list(UserIdType)),
    allow=st.booleans(),
)
def test_column_checks_agree_with_row_checks(
    changes: list[tuple[str, int, str, int]], id_type: UserIdType, allow: bool
) -> None:
    # Valid rows with at most one value changed (field 3 changes none), a few repeated.
    rows = []
    for admin, field, value, copy in changes:
        row = [admin, f"x{len(rows) // (copy + 1)}@y.z", VALID_IDS[id_type]]
        if field < 3:
            row[field] = value
        rows.append(row)

    # A problem recorded for the extra column sends every row through the row-by-row checks.
    def table(marked: bool) -> Table:
        source = [
            SourceRow(n, [*cells, "note"], {3: "number_rounded"} if marked else {})
            for n, cells in enumerate(rows, start=2)
        ]
        fields = {Field.ADMIN_ACCOUNT: 0, Field.EXCHANGE_ACCOUNT: 1, Field.USER_ID: 2}
        return Table.of_rows(["a", "e", "u", "x"], fields, source)

    def judged(marked: bool, name: str) -> list[tuple[object, ...]]:
        with engine(name):
            checked = validate(table(marked), user_id_type=id_type, allow_multiple_per_user=allow)
        return [(c.outcome, c.binding, c.problems, c.duplicate_of) for c in checked]

    careful = judged(True, "python")
    assert judged(False, "python") == careful
    assert judged(False, "polars") == careful


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(admins, st.integers(0, 3), near_values, st.integers(0, 3)), max_size=60
    ),
    id_type=st.sampled_from(list(UserIdType)),
    ending=st.sampled_from(["\r\n", "\n"]),
)
def test_files_read_and_checked_by_polars_agree_with_python(
    changes: list[tuple[str, int, str, int]], id_type: UserIdType, ending: str
) -> None:
    # A whole file through load_table and validate: polars' columns from reading are the ones
    # checked, with the cleaned values patched in for the checks across rows.
    rows = []
    for admin, field, value, copy in changes:
        row = [admin, f"x{len(rows) // (copy + 1)}@y.z", VALID_IDS[id_type], "note"]
        if field < 3:
            row[field] = value
        rows.append(row)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.csv"
        path.write_text(written(rows, ending), encoding="utf-8", newline="")

        def judged(name: str) -> list[tuple[object, ...]]:
            with engine(name):
                try:
                    table = load_table(path)
                except InputError as exc:
                    return [str(exc)]
                checked = validate(table, user_id_type=id_type)
            return [(c.source, c.outcome, c.binding, c.problems) for c in checked]

        assert judged("polars") == judged("python")


def test_paused_gc_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
