"""Input side at 100,000 rows: read and check a spreadsheet, write the results, side by side.

The input bounds (issue 11: one CSV reader, `csv.reader`), each measured against its baseline in
the same run, on the same file:

- reading and validating a `.csv`: at most 5x a bare `pandas.read_csv` with Python-object text
  (plain pandas, no pyarrow), as Excel writes it and with every value quoted, as some exports
  write it;
- reading and validating an `.xlsx`: at most 2x `pandas.read_excel(engine="calamine")`;
- peak memory (RSS of a child process reading, checking and writing): under 300 MB.

Issue 3's other bounds are checked beside them: reading an `.xlsx` in under half the time of
`pandas.read_excel(engine="openpyxl")`, and writing the results `.xlsx` in at most 1.5x an
unstyled openpyxl write-only dump of the same cells.

Each contender runs once per round, rounds interleaved, best round kept; the heap is collected
before each run, outside the timing, so no run pays for the garbage of the one before.

    python bench/bench_input.py               # 100,000 rows, best of 3 (about 2 minutes)
    python bench/bench_input.py --rows 10000  # quick
"""

from __future__ import annotations

import argparse
import csv
import gc
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from batchbind.input.load import load_table
from batchbind.input.validation import validate
from batchbind.model import RESULT_COLUMNS, Checked, Outcome, ResultRow, RunInfo, UserIdType
from batchbind.output.problems import describe
from batchbind.output.writers import write_results

HEADER = ["admin_account", "exchange_account", "user_id", "display_name", "department"]
MEMORY_LIMIT_MB = 300
CSV_BOUND = 5.0

_SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Smith", "Garcia", "Müller", "Tanaka", "Kim"]
_GIVEN = ["Wei", "Fang", "Min", "Jing", "Anna", "James", "Lucía", "Jürgen", "Yuki", "Ji-ho"]
_CHINESE = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "赵婷", "黄强", "周杰", "吴芳"]
_DEPARTMENTS = ["研发部", "Sales", "Finance", "人力资源部", "IT Operations", "Legal", "市场部"]


def generate_rows(count: int, seed: int = 3) -> list[list[str]]:
    """Rows as a migration team sends them: mostly right, some wrong, some copies."""
    rng = random.Random(seed)
    admins = ["exchange.admin@corp.example.com", "Exchange.Admin2@corp.example.com"]
    rows: list[list[str]] = []
    for i in range(count):
        given, surname = rng.choice(_GIVEN), rng.choice(_SURNAMES)
        local = f"{given}.{surname}{i}".encode("ascii", "ignore").decode().replace("-", "")
        exchange = f"{local}@corp.example.com"
        if rng.random() < 0.5:
            exchange = exchange.lower()
        name = rng.choice(_CHINESE) if rng.random() < 0.5 else f"{given} {surname}"
        department = rng.choice(_DEPARTMENTS)
        if rng.random() < 0.003:
            department = "Sales, East"  # a comma: the CSV quotes this value
        row = [admins[i % 7 == 0], exchange, f"ou_{rng.getrandbits(128):032x}", name, department]
        roll = rng.random()
        if roll < 0.01 and rows:
            row = list(rows[rng.randrange(len(rows))])  # an exact copy of an earlier row
        elif roll < 0.013:
            row[1] = name  # a name in the e-mail column
        elif roll < 0.016:
            row[2] = ""  # no user id yet
        elif roll < 0.018:
            row[2] = exchange  # an e-mail in the user id column
        elif roll < 0.020:
            row[1] = f" {exchange}\u00a0"  # spaces to trim: valid after cleaning
        elif roll < 0.021:
            row[1] = exchange.replace("@", "＠")  # full-width at sign: valid after NFKC
        rows.append(row)
    return rows


def write_inputs(rows: list[list[str]], folder: Path) -> tuple[Path, Path, Path]:
    csv_path, xlsx_path = folder / "bindings.csv", folder / "bindings.xlsx"
    quoted_path = folder / "bindings-quoted.csv"
    # What Excel's "CSV UTF-8" writes: a BOM, CRLF line ends, quotes only where needed.
    with csv_path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(rows)
    # What some HR and directory exports write: every value quoted, LF line ends, no BOM.
    with quoted_path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    workbook = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Bindings")
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return csv_path, xlsx_path, quoted_path


def read_and_check(path: Path) -> tuple[list[str], Checked]:
    table = load_table(path)
    return table.columns, validate(table, user_id_type=UserIdType.OPEN_ID)


def result_rows(checked: Checked) -> list[ResultRow]:
    """What a `validate` run writes: problems in words, valid rows pending."""
    results = []
    for row in checked:
        result = ResultRow(row.source.cells, row.source.row, row.outcome or Outcome.PENDING)
        if row.problems:
            result.code = row.problems[0].code
            result.msg, result.hint = describe(row.problems[0], "en")
        results.append(result)
    return results


def run_info() -> RunInfo:
    return RunInfo("validate", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", 1.0)


def openpyxl_dump(path: Path, columns: list[str], results: list[ResultRow]) -> None:
    """The baseline writer: the same cells, unstyled, in openpyxl's write-only mode."""
    import openpyxl  # type: ignore[import-untyped]

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Results")
    sheet.append([*columns, *RESULT_COLUMNS])
    for row in results:
        sheet.append([*row.cells, *row.result_values()])
    workbook.save(path)


@dataclass
class Contender:
    name: str
    run: Callable[[], object]
    best: float = float("inf")


def best_times(contenders: list[Contender], rounds: int) -> None:
    for _ in range(rounds):
        for contender in contenders:
            gc.collect()
            start = time.perf_counter()
            contender.run()
            contender.best = min(contender.best, time.perf_counter() - start)
            gc.collect()


def peak_memory_mb(path: Path, folder: Path) -> float:
    """Peak RSS of a fresh process that reads, checks and writes the results of `path`."""
    out = folder / f"results-from-{path.suffix[1:]}.xlsx"
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(path), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.strip())


def child(path: Path, out: Path) -> None:
    columns, checked = read_and_check(path)
    write_results(out, columns, result_rows(checked), run_info())
    print(_peak_rss_mb())


def _peak_rss_mb() -> float:
    # VmHWM is this process's own peak. ru_maxrss is not enough on Linux: it keeps the parent's
    # peak across the vfork and exec that start a child, so it would report the parent's memory.
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB (Linux), ~bytes/1024
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kilobytes) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of how many (default 3)")
    parser.add_argument("--folder", type=Path, help="write the files here and keep them")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    import pandas  # type: ignore[import-untyped]  # baselines only: not loaded by the child

    with tempfile.TemporaryDirectory(prefix="bench-input-") as name:
        folder = args.folder or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, xlsx_path, quoted_path = write_inputs(generate_rows(args.rows), folder)
        text_dtype = _text_dtype(pandas, csv_path)
        columns, checked = read_and_check(csv_path)
        results = result_rows(checked)
        bb_csv = Contender("batchbind read+validate .csv", lambda: read_and_check(csv_path))
        pd_csv = Contender("pandas.read_csv", lambda: pandas.read_csv(csv_path))
        bb_quoted = Contender("batchbind, quoted .csv", lambda: read_and_check(quoted_path))
        pd_quoted = Contender("pandas, quoted .csv", lambda: pandas.read_csv(quoted_path))
        bb_xlsx = Contender("batchbind read+validate .xlsx", lambda: read_and_check(xlsx_path))
        calamine = Contender(
            "read_excel calamine", lambda: pandas.read_excel(xlsx_path, engine="calamine")
        )
        pyxl = Contender(
            "read_excel openpyxl", lambda: pandas.read_excel(xlsx_path, engine="openpyxl")
        )
        bb_write = Contender(
            "batchbind write_results .xlsx",
            lambda: write_results(folder / "results.xlsx", columns, results, run_info()),
        )
        dump = Contender(
            "openpyxl write-only dump",
            lambda: openpyxl_dump(folder / "dump.xlsx", columns, results),
        )
        contenders = [bb_csv, pd_csv, bb_quoted, pd_quoted, bb_xlsx, calamine, pyxl, bb_write, dump]
        best_times(contenders, args.rounds)
        memory = {
            suffix: peak_memory_mb(p, folder)
            for suffix, p in (("csv", csv_path), ("xlsx", xlsx_path))
        }
    print(f"{args.rows:,} rows, {len(HEADER)} columns; best of {args.rounds} rounds, interleaved")
    # pandas 3 keeps text in pyarrow when pyarrow is installed: read_csv is then several times
    # faster than with Python objects, and the CSV bound is against a different baseline.
    print(f"pandas {pandas.__version__}, text columns read as {text_dtype}")
    print(f"{'measure':<44}{'batchbind':>11}{'baseline':>11}{'ratio':>8}  {'bound':<9}result")
    verdicts = [
        _line("read+validate .csv vs pandas.read_csv", bb_csv, pd_csv, CSV_BOUND, "<= 5x"),
        _line("  the same, every value quoted", bb_quoted, pd_quoted, CSV_BOUND, "<= 5x"),
        _line("read+validate .xlsx vs read_excel calamine", bb_xlsx, calamine, 2.0, "<= 2x"),
        _line("read+validate .xlsx vs read_excel openpyxl", bb_xlsx, pyxl, 0.5, "< 0.5x"),
        _line("write_results .xlsx vs openpyxl dump", bb_write, dump, 1.5, "<= 1.5x"),
    ]
    for suffix, mb in memory.items():
        ok = mb < MEMORY_LIMIT_MB
        verdicts.append(ok)
        label = f"peak RSS, read+validate+write from .{suffix}"
        print(f"{label:<44}{mb:>8.0f} MB{'':>19}  {f'< {MEMORY_LIMIT_MB} MB':<9}{_verdict(ok)}")
    return 0 if all(verdicts) else 1


def _line(label: str, ours: Contender, base: Contender, bound: float, shown: str) -> bool:
    ratio = ours.best / base.best
    ok = ratio < bound if shown.startswith("<") and not shown.startswith("<=") else ratio <= bound
    print(
        f"{label:<44}{ours.best:>9.3f} s{base.best:>9.3f} s{ratio:>7.2f}x  {shown:<9}{_verdict(ok)}"
    )
    return ok


def _text_dtype(pandas: Any, path: Path) -> str:
    dtype = pandas.read_csv(path, nrows=5)[HEADER[1]].dtype
    storage = getattr(dtype, "storage", None)
    return f"{dtype} ({storage} storage)" if storage else str(dtype)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
