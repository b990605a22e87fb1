"""Property tests: whatever arrives, the reader gives rows or one clear InputError, never a crash.

Files are real (written to a temporary folder per example); hypothesis chooses their bytes,
encodings, delimiters and cell values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchbind.errors import InputError
from batchbind.input.load import load_table
from batchbind.input.validation import validate
from batchbind.model import Field, Outcome, SourceRow, Table, UserIdType
from batchbind.output.cells import xlsx_safe

HEADER = ["admin_account", "exchange_account", "user_id", "note"]
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def folder() -> Iterator[Path]:
    # One folder per example (pytest's tmp_path is shared by all the examples of a test).
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


#: The refusal of a header with no rows of data under it (nothing to check or send).
NO_DATA = "no_data_rows"


def read_and_check(path: Path, refused: list[str] | None = None) -> Table | None:
    """The only allowed outcomes: a table whose rows all validate, or one InputError (whose
    catalogue key is appended to `refused`, when given)."""
    try:
        table = load_table(path)
    except InputError as exc:
        assert exc.message and "Traceback" not in exc.message
        if refused is not None:
            refused.append(exc.key or "")
        return None
    for id_type in UserIdType:
        checked = validate(table, user_id_type=id_type)
        assert [c.source for c in checked] == table.rows
    assert all(len(row.cells) == len(table.columns) for row in table.rows)
    assert set(table.fields) == set(Field)
    return table


text_cells = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))


@SETTINGS
@given(data=st.binary(max_size=3000), name=st.sampled_from(["in.csv", "in.txt", "in.xlsx"]))
def test_arbitrary_bytes(data: bytes, name: str) -> None:
    with folder() as tmp:
        path = tmp / name
        path.write_bytes(data)
        read_and_check(path)


@SETTINGS
@given(
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"PK\x03\x04"]),
    data=st.binary(max_size=2000),
)
def test_arbitrary_bytes_after_a_real_header(prefix: bytes, data: bytes) -> None:
    header = "admin_account,exchange_account,user_id\r\n"
    encoded = header.encode("utf-16-le") if prefix == b"\xff\xfe" else header.encode()
    with folder() as tmp:
        path = tmp / "in.csv"
        path.write_bytes(prefix + encoded + data)
        read_and_check(path)


@SETTINGS
@given(members=st.dictionaries(st.sampled_from(
    ["xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
     "xl/worksheets/sheet1.xml", "mimetype", "Index/x.iwa"]), st.binary(max_size=300)))  # fmt: skip
def test_arbitrary_zip_files(members: dict[str, bytes]) -> None:
    with folder() as tmp:
        path = tmp / "in.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            for member, content in members.items():
                archive.writestr(member, content)
        read_and_check(path)


@SETTINGS
@given(
    rows=st.lists(st.lists(text_cells, min_size=4, max_size=4), max_size=15),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_csv_cells_read_back_exactly(rows: list[list[str]], encoding: str, delimiter: str) -> None:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    with folder() as tmp:
        path = tmp / "in.csv"
        path.write_bytes(stream.getvalue().encode(encoding))
        refused: list[str] = []
        table = read_and_check(path, refused)
    expected = [(n, cells) for n, cells in enumerate(rows, start=2) if "".join(cells).strip()]
    if not expected:  # a header alone is refused, never "all 0 rows are valid"
        assert (table, refused) == (None, [NO_DATA])
        return
    assert table is not None
    assert [(r.row, r.cells) for r in table.rows] == expected


@SETTINGS
@given(rows=st.lists(st.lists(text_cells, min_size=3, max_size=3), max_size=10))
def test_gb18030_csv_never_crashes(rows: list[list[str]]) -> None:
    stream = io.StringIO(newline="")
    csv.writer(stream).writerows([HEADER[:3], *rows])
    with folder() as tmp:
        path = tmp / "in.csv"
        path.write_bytes(stream.getvalue().encode("gb18030"))
        read_and_check(path)


excel_values = st.one_of(
    text_cells.map(lambda s: xlsx_safe(s)[0]),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.none(),
)


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(excel_values, min_size=4, max_size=4), max_size=8))
def test_xlsx_cells(rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "="
    with folder() as tmp:
        path = tmp / "in.xlsx"
        book.save(path)
        refused: list[str] = []
        table = read_and_check(path, refused)
    if table is None:  # only when no row holds anything: a header alone is refused
        assert refused == [NO_DATA]
        assert all(v is None or (isinstance(v, str) and not v.strip()) for r in rows for v in r)
        return
    by_row = {row.row: row.cells for row in table.rows}
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values):
            # Text comes back as written (XML itself turns a CR into a line feed).
            if isinstance(value, str) and value.strip() and "\r" not in value:
                assert by_row[r][c] == value
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
                assert by_row[r][c] == str(value)


small = st.sampled_from(["a@x.com", "A@X.com", "b@x.com", "bad", "", " c@x.com"])
ids = st.sampled_from(["ou_1", "ou_2", "on_1", "u1", "", "a@x.com"])


@SETTINGS
@given(
    rows=st.lists(st.tuples(small, small, ids), max_size=30),
    id_type=st.sampled_from(list(UserIdType)),
    allow=st.booleans(),
)
def test_validation_invariants(
    rows: list[tuple[str, str, str]], id_type: UserIdType, allow: bool
) -> None:
    stream = io.StringIO(newline="")
    csv.writer(stream).writerows([HEADER[:3], *rows])
    with folder() as tmp:
        path = tmp / "in.csv"
        path.write_text(stream.getvalue(), encoding="utf-8")
        refused: list[str] = []
        table = read_and_check(path, refused)
    if not any("".join(row).strip() for row in rows):  # a header alone is refused
        assert (table, refused) == (None, [NO_DATA])
        return
    assert table is not None
    checked = validate(table, user_id_type=id_type, allow_multiple_per_user=allow)
    valid = [c for c in checked if c.is_valid]
    by_row = {c.source.row: c for c in checked}
    for c in checked:
        assert (c.outcome is None) == (not c.problems)
        assert (c.outcome is None) is c.is_valid
        if c.outcome is Outcome.DUPLICATE:
            assert c.duplicate_of is not None and c.duplicate_of < c.source.row
            original = by_row[c.duplicate_of]
            assert original.binding and c.binding
            assert original.binding.identity() == c.binding.identity()
    identities = [c.binding.identity() for c in valid if c.binding]
    assert len(identities) == len(set(identities))
    exchanges = [i[1] for i in identities]
    assert len(exchanges) == len(set(exchanges))  # one mailbox, one user
    if not allow:
        users = [i[2] for i in identities]
        assert len(users) == len(set(users))


odd_text = st.text(st.sampled_from("ab.@_- \tou_n\u00a0\uff20é1"), max_size=12)
near_misses = st.sampled_from(
    ["a@b.c", "A@B.c", "a@b..c", "a b@c.d", "a@b", ".a@b.c", "a@.b", "a@b.c.", "ａ@b.c", "a\t@b.c",
     "ou_1", "on_1", "ou_", "x1", "ou_a b", "ou_é", "x 1", "on_-", "ou_a.b", "a" * 499 + "@b.c"]
)  # fmt: skip
VALID_ROW = ("a@b.c", "x@y.z", "ou_1")


@SETTINGS
@given(
    changes=st.lists(st.tuples(st.integers(0, 2), st.one_of(near_misses, odd_text)), max_size=20),
    id_type=st.sampled_from(list(UserIdType)),
)
def test_quick_and_full_checks_agree(changes: list[tuple[int, str]], id_type: UserIdType) -> None:
    # A problem recorded for an extra column is ignored by validation but sends every row
    # through the full checks: both routes must judge every row alike.
    rows = []
    for field, value in changes:
        row = list(VALID_ROW)
        row[field] = value
        rows.append(row)

    def table(marked: bool) -> Table:
        source = [
            SourceRow(n, [*cells, ""], {3: "number_rounded"} if marked else {})
            for n, cells in enumerate(rows, start=2)
        ]
        fields = {Field.ADMIN_ACCOUNT: 0, Field.EXCHANGE_ACCOUNT: 1, Field.USER_ID: 2}
        return Table.of_rows(["a", "e", "u", "x"], fields, source)

    def judged(marked: bool) -> list[tuple[object, ...]]:
        checked = validate(table(marked), user_id_type=id_type)
        return [(c.outcome, c.binding, c.problems, c.duplicate_of) for c in checked]

    assert judged(False) == judged(True)


# Values near every rule of the plain shapes (the patterns that pass most values at a glance):
# spaces, case, mailto:, full-width, line breaks, the length limit, ids of every type.
near_values = st.sampled_from(
    ["a@b.c", "A@B.C", " a@b.c", "a@b.c\u00a0", "mailto:a@b.c", "MailTo:a@b.c", "ａ@b.c",
     "a@b", "a@.b", "a@b.c.", "a@b..c", "a b@c.d", "a@b.c\nd@e.f", "\n", "", "a\x00@b.c",
     "x" * 496 + "@b.c", "x" * 497 + "@b.c", "ou_1", "on_1", "ou_", "ou_a b", "ou_1\n", "u1",
     "mailto:u1", "a@b.c@d.e", "\u200ba@b.c", "ou_" + "1" * 497, "ou_" + "1" * 498,
     "Straße@b.c", "STRASSE@b.c", "strasse@b.c", "OU_1", "MAILTO:a@b.c",
     "1.23457E+17", "1,2E-05", "12E4", "1E5", "１.２３Ｅ+17", "1.2E+5 "]
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
def test_plain_shapes_never_pass_what_the_full_checks_refuse(
    changes: list[tuple[str, int, str, int]], id_type: UserIdType, allow: bool
) -> None:
    # Valid rows with at most one value changed (field 3 changes none), a few repeated, some
    # admin columns of one or a few values (looked at once each).
    rows = []
    for admin, field, value, copy in changes:
        row = [admin, f"x{len(rows) // (copy + 1)}@y.z", VALID_IDS[id_type]]
        if field < 3:
            row[field] = value
        rows.append(row)

    # A problem recorded for the extra column sends every row through the full checks.
    def table(marked: bool) -> Table:
        source = [
            SourceRow(n, [*cells, "note"], {3: "number_rounded"} if marked else {})
            for n, cells in enumerate(rows, start=2)
        ]
        fields = {Field.ADMIN_ACCOUNT: 0, Field.EXCHANGE_ACCOUNT: 1, Field.USER_ID: 2}
        return Table.of_rows(["a", "e", "u", "x"], fields, source)

    def judged(marked: bool) -> list[tuple[object, ...]]:
        checked = validate(table(marked), user_id_type=id_type, allow_multiple_per_user=allow)
        return [(c.outcome, c.binding, c.problems, c.duplicate_of) for c in checked]

    assert judged(False) == judged(True)
