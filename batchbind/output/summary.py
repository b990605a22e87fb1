"""The `Summary` sheet of an `.xlsx` results file: the page a project manager reads first.

From the top: where the whole job stands (every row of the file, as the journal knows it now,
with a chart beside it), what this run did (a re-run that sent nothing says so, instead of
presenting "0 requests" as the headline), the run's times in UTC and in the local time zone,
what every code and every result column means in the reader's language, and the settings.

The sheet is laid out as lines of cells first and written second, so that its column widths
and the chart's place are computed from what the tables really hold: the chart never covers a
table, nor text that runs on into empty cells.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from batchbind.feishu.codes import CODES
from batchbind.model import RESULT_COLUMNS, JobFigures, Outcome, ResultRow, RunInfo
from batchbind.output import i18n
from batchbind.output.cells import xlsx_safe

__all__ = [
    "ONE_LINE_POINTS",
    "OUTCOME_COLOURS",
    "RowTally",
    "display_width",
    "local_time",
    "print_setup",
    "row_height",
    "write_summary_sheet",
]

SHEET = "Summary"

#: Light fill and dark text per outcome (Excel's "Good"/"Bad" palette and kin).
OUTCOME_COLOURS: dict[Outcome, tuple[str, str]] = {
    Outcome.BOUND: ("#C6EFCE", "#006100"),
    Outcome.FAILED: ("#FFC7CE", "#9C0006"),
    Outcome.INVALID: ("#FCD5B4", "#974706"),
    Outcome.DUPLICATE: ("#E7E6E6", "#3A3838"),
    Outcome.PENDING: ("#DDEBF7", "#1F4E79"),
    Outcome.UNBOUND: ("#E4DFEC", "#5B2C6F"),
}

#: Stronger colours for the chart, where the light fills would be too pale.
_CHART_COLOURS: dict[Outcome, str] = {
    Outcome.BOUND: "#70AD47",
    Outcome.FAILED: "#E0474C",
    Outcome.INVALID: "#ED7D31",
    Outcome.DUPLICATE: "#A5A5A5",
    Outcome.PENDING: "#5B9BD5",
    Outcome.UNBOUND: "#8064A2",
}

#: Column C holds sentences; it wraps at this width (characters).
_TEXT_WIDTH = 64
#: Excel's width of a column nobody sized.
_DEFAULT_WIDTH = 8.43
#: The chart's size in pixels (xlsxwriter's default) and how far it keeps from the tables.
_CHART_PX = (480, 288)
_CHART_GAP_CHARS = 2
#: A sentence in C is indented, so that it does not touch the count right-aligned beside it.
_INDENT_CHARS = 1.5


@dataclass(slots=True)
class RowTally:
    """Counts per outcome and per code, gathered while rows stream past."""

    outcomes: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    hints: dict[str, str] = field(default_factory=dict)  # first hint seen per code
    msgs: dict[str, str] = field(default_factory=dict)  # first message seen per code

    def add(self, row: ResultRow) -> None:
        self.outcomes[row.outcome.value] += 1
        if row.code:
            self.codes[row.code] += 1
            if row.code not in self.hints:
                self.hints[row.code] = row.hint
                self.msgs[row.code] = row.msg


def display_width(value: str) -> int:
    """How many columns a text takes: East Asian wide characters take two in Excel's fonts."""
    if value.isascii():
        return len(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


#: Points per line of 11-point text as Excel fits a row to it (LibreOffice sets lines a little
#: tighter), and with CJK glyphs, whose fonts stand taller.
_LINE_POINTS = 15.0
_CJK_LINE_POINTS = 17.0
#: The most a row of one line is given (`row_height`): a taller row holds wrapped lines.
ONE_LINE_POINTS = _CJK_LINE_POINTS


def wrapped_lines(value: str, width: float) -> int:
    """How many lines `value` takes in a wrapping cell `width` characters wide.

    Breaks between words, and anywhere in CJK text or in a word longer than the line, the way
    Excel and LibreOffice do. Widths are those of Calibri (and its metric twin Carlito) in units
    of a digit, rounded up: a row is better a little tall than cut short.
    """
    room = max(width - 1.5, 1.0)  # the cell's own padding
    lines = 0
    for paragraph in value.split("\n"):
        lines += 1
        used = 0.0
        for word in _words(paragraph):
            size = _text_width(word)
            if used and used + size > room:
                lines += 1
                used = 0.0
                size = _text_width(word.lstrip(" "))
            while size > room:  # a word longer than the line is broken where the line ends
                lines += 1
                size -= room
            used += size
    return lines


#: Calibri's advance widths in digits (a digit is 0.507 em), grouped and rounded up.
_NARROW = frozenset(" !'(),./:;I[]`fijlrt|")
_WIDE_LATIN = frozenset("%@MWmw")  # 1.4 to 1.8 digits


def _text_width(text: str) -> float:
    width = 0.0
    for ch in text:
        if ch in _NARROW:
            width += 0.55
        elif ch in _WIDE_LATIN:
            width += 1.8
        elif ch.isascii():
            width += 1.25 if ch.isupper() else 0.95
        else:
            width += 1.9 if unicodedata.east_asian_width(ch) in "WF" else 1.0
    return width


def _words(text: str) -> list[str]:
    """`text` cut where a line may break: before a space, and around every wide character."""
    words: list[str] = []
    current = ""
    for ch in text:
        wide = not ch.isascii() and unicodedata.east_asian_width(ch) in "WF"
        if ch == " " or wide:
            if current:
                words.append(current)
            current = ch
            if wide:
                words.append(current)
                current = ""
        else:
            current += ch
    if current:
        words.append(current)
    return words


@functools.lru_cache(maxsize=4096)
def _cached_lines(value: str, width: float) -> int:
    # A results file repeats the same few messages and hints on thousands of rows.
    return wrapped_lines(value, width)


def row_height(values: list[tuple[str, float]]) -> float | None:
    """The height (points) a row needs for these (text, column width) wrapping cells, or None
    when one line does.

    Set explicitly because LibreOffice (and Excel on some files) opens a written file with every
    row one line tall, so wrapped text would overlap the next row.
    """
    lines, tall = 1, False
    for value, width in values:
        if not value.isascii():
            tall = True  # a CJK line stands taller: even one line needs more than the default
        elif display_width(value) * 1.8 + 1.5 <= width and "\n" not in value:
            continue  # fits whatever the characters: no need to measure
        lines = max(lines, _cached_lines(value, width))
    if lines == 1 and not tall:
        return None
    return lines * (_CJK_LINE_POINTS if tall else _LINE_POINTS)


def local_time(iso_utc: str) -> str:
    """`2026-11-26T15:05:00Z` as this computer's clock shows it: `2026-11-26 23:05 +08:00`.

    "" when the text is not a time with a zone (an unfinished run has no end).
    """
    try:
        moment = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    local = moment.astimezone()  # the local zone, as TZ (or Windows' setting) says
    offset = local.strftime("%z")  # +0800; Python 3.11 has no %:z
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:5]}"


def print_setup(sheet: Any, *, title_row: bool) -> None:
    """Landscape, every column on one page wide (as many pages down as it takes), page numbers;
    with `title_row`, the header row is printed again on every page."""
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C&P / &N")
    if title_row:
        sheet.repeat_rows(0)


# -- the sheet as lines of cells ---------------------------------------------------------------

# Styles: "title", "head" (a table's header), "bold", "text" (a sentence: wraps in column C),
# "" (plain), or an outcome's value (its colours).


@dataclass(frozen=True, slots=True)
class _Cell:
    value: str | int | float
    style: str = ""


_Line = tuple[_Cell | None, ...]  # columns A, B, C


@dataclass(slots=True)
class _Layout:
    lines: list[_Line] = field(default_factory=list)
    chart_row: int = 0  # the chart's top: the header of the job's table
    first_outcome: int = 0
    last_outcome: int = 0

    def add(self, *cells: _Cell | str | int | float | None) -> None:
        self.lines.append(
            tuple(c if c is None or isinstance(c, _Cell) else _Cell(c) for c in cells)
        )

    def head(self, *names: str) -> None:
        self.add(*(_Cell(n, "head") if n else _Cell("", "head") for n in names))

    def text(self, label: str, count: int | str | None, sentence: str = "") -> None:
        self.add(label, count, _Cell(sentence, "text") if sentence else None)

    def gap(self) -> None:
        self.lines.append(())


def _layout(tally: RowTally, info: RunInfo, lang: str, job: JobFigures | None) -> _Layout:
    def label(name: str, **params: object) -> str:
        return i18n.text(f"sheet_{name}", lang, **params)

    out = _Layout()
    out.add(_Cell(label("title"), "title"))
    out.add(label("command"), info.command)
    outcomes = tally.outcomes
    if job is not None:
        out.add(_Cell(label("status"), "bold"), _Cell(_status(outcomes, job, lang), "bold"))
    out.gap()

    out.chart_row = len(out.lines)
    out.head(label("standing"), label("rows"), label("meaning"))
    out.first_outcome = len(out.lines)
    for outcome in Outcome:
        meaning = i18n.text(f"outcome_{outcome.value}", lang)
        if job is not None and outcome is Outcome.BOUND:
            now = job.sent.get(Outcome.BOUND.value, 0)
            meaning = label(
                "bound_split", meaning=meaning, earlier=outcomes["bound"] - now, now=now
            )
        if job is not None and outcome is Outcome.FAILED and outcomes["failed"]:
            later = job.retry_later
            person = outcomes["failed"] - later
            meaning = label("failed_split", meaning=meaning, person=person, later=later)
        out.add(
            _Cell(outcome.value, outcome.value),
            outcomes[outcome.value],
            _Cell(meaning, "text"),
        )
    out.last_outcome = len(out.lines) - 1
    out.add(_Cell(label("total"), "bold"), _Cell(sum(outcomes.values()), "bold"))
    out.gap()

    if job is not None:
        sent = job.sent
        out.head(label("this_run"), label("rows"), label("meaning"))
        out.text(label("to_send"), sum(sent.values()), label("to_send_meaning"))
        out.text(label("now_bound"), sent.get(Outcome.BOUND.value, 0))
        out.text(label("now_failed"), sent.get(Outcome.FAILED.value, 0))
        if sent.get(Outcome.PENDING.value, 0):
            out.text(
                label("now_pending"), sent[Outcome.PENDING.value], label("now_pending_meaning")
            )
        out.text(label("skip_bound"), job.bound_earlier, label("skip_bound_meaning"))
        out.text(label("skip_failed"), job.failed_earlier, label("skip_failed_meaning"))
        if job.unbound_earlier:
            out.text(label("skip_unbound"), job.unbound_earlier, label("skip_unbound_meaning"))
        out.gap()

    out.head(label("run"), label("value"))
    for fact, value in _run_facts(info, lang):
        out.add(fact, value)
    out.gap()

    out.head(label("codes"), label("rows"), label("code_meaning"))
    if not tally.codes:
        out.add(label("none"))
    for code, count in tally.codes.most_common():
        out.text(code, count, _code_meaning(code, tally, lang))
    out.gap()

    out.head(label("columns"), "", label("meaning"))
    out.text(label("column_input"), None, label("column_input_meaning"))
    for name in RESULT_COLUMNS:
        out.text(name, None, label(f"column_{name}"))
    out.gap()

    out.head(label("settings"), label("value"))
    for key, value in info.settings.items():
        out.add(key, value)
    return out


def _status(outcomes: Counter[str], job: JobFigures, lang: str) -> str:
    """One sentence: is the job done, does it need a person, or should it simply run again?"""
    to_send = outcomes[Outcome.PENDING.value] + job.retry_later
    if to_send:
        return i18n.text("sheet_status_again", lang, rows=to_send)
    need_person = outcomes[Outcome.FAILED.value] - job.retry_later + outcomes["invalid"]
    if need_person:
        return i18n.text("sheet_status_person", lang, rows=need_person)
    return i18n.text("sheet_status_done", lang)


def _run_facts(info: RunInfo, lang: str) -> list[tuple[str, str | int | float]]:
    def label(name: str) -> str:
        return i18n.text(f"sheet_{name}", lang)

    facts: list[tuple[str, str | int | float]] = [
        (label("started"), info.started_at),
        (label("started_local"), local_time(info.started_at)),
        (label("ended"), info.ended_at),
        (label("ended_local"), local_time(info.ended_at)),
        (label("duration"), _duration(info.duration_s)),
        (label("requests"), info.requests_sent),
        (label("throttled"), info.throttled),
    ]
    if info.achieved_per_minute:  # a rate of nothing sent, or over too short a span, is no rate
        facts.append((label("rate"), round(info.achieved_per_minute, 1)))
    facts.append((label("journal"), info.journal or label("none")))
    return facts


def _code_meaning(code: str, tally: RowTally, lang: str) -> str:
    """What a code means, from the one code table for Feishu's codes, else as the rows say."""
    if code == "0":
        return i18n.text("sheet_code_0", lang)
    if code.isdigit() and int(code) in CODES:
        hint = CODES[int(code)].hint(lang)
        if hint:
            return hint
    return tally.hints.get(code) or tally.msgs.get(code, "")


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d} ({seconds:.1f} s)"


# -- measuring and writing ---------------------------------------------------------------------


def _widths(lines: list[_Line]) -> list[float]:
    """A fits every label; B every count (its longer values run on into an empty C); C wraps."""
    labels, counts = [24], [8]
    for line in lines:
        # A line with something in B is a table's line: its label must fit in A (the title and
        # a lone "(none)" may run on). B holds counts where C holds a sentence.
        if len(line) > 1 and line[0] is not None:
            labels.append(display_width(str(line[0].value)))
        if len(line) > 1 and line[1] is not None and (len(line) > 2 or line[1].style == "head"):
            counts.append(display_width(str(line[1].value)))
    return [min(max(labels) + 2, 60), min(max(counts) + 2, 30), _TEXT_WIDTH]


def _reach(lines: list[_Line], widths: list[float]) -> float:
    """How far right (in characters) the text of these lines shows, running on included."""
    reach = 0.0
    for line in lines:
        start = 0.0
        for col, cell in enumerate(line):
            if cell is not None:
                shown = widths[col]
                if cell.style != "text" and isinstance(cell.value, str):
                    shown = max(shown, display_width(cell.value) + 1)  # runs on into empty cells
                reach = max(reach, start + shown)
            start += widths[col]
    return reach


def _chart_column(reach: float, widths: list[float]) -> int:
    """The first column that starts clear of `reach`, with a small gap."""
    col, start = 0, 0.0
    while start < reach + _CHART_GAP_CHARS:
        start += widths[col] if col < len(widths) else _DEFAULT_WIDTH
        col += 1
    return col


def write_summary_sheet(
    workbook: Any, tally: RowTally, info: RunInfo, lang: str, job: JobFigures | None
) -> None:
    layout = _layout(tally, info, lang, job)
    lines = layout.lines
    widths = _widths(lines)
    sheet = workbook.add_worksheet(SHEET)
    base = {"valign": "top"}
    formats = {
        "": workbook.add_format(base),
        "text": workbook.add_format({**base, "text_wrap": True, "indent": 1}),
        "bold": workbook.add_format({**base, "bold": True}),
        "head": workbook.add_format({**base, "bold": True, "bottom": 1, "bg_color": "#E7E6E6"}),
        "title": workbook.add_format({**base, "bold": True, "font_size": 14}),
    }
    for outcome, (fill, font) in OUTCOME_COLOURS.items():
        formats[outcome.value] = workbook.add_format({**base, "bg_color": fill, "font_color": font})
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width, formats["text"] if col == 2 else None)

    for r, line in enumerate(lines):
        sentences = [
            (str(cell.value), widths[c] - _INDENT_CHARS)
            for c, cell in enumerate(line)
            if cell is not None and cell.style == "text"
        ]
        height = row_height(sentences)
        if height is not None:
            sheet.set_row(r, height)
        for c, cell in enumerate(line):
            if cell is None:
                continue
            fmt = formats[cell.style]
            if isinstance(cell.value, str):
                if cell.value or cell.style == "head":
                    sheet.write_string(r, c, xlsx_safe(cell.value)[0], fmt)
            else:
                sheet.write_number(r, c, cell.value, fmt)

    # Beside the job's table and everything below it (rows may grow taller as text wraps, and
    # the chart with them): clear of every cell and of text running on from one.
    column = _chart_column(_reach(lines[layout.chart_row :], widths), widths)
    _add_outcome_chart(workbook, sheet, layout, column, i18n.text("sheet_chart", lang))
    print_setup(sheet, title_row=False)


def _add_outcome_chart(workbook: Any, sheet: Any, layout: _Layout, column: int, name: str) -> None:
    # A column chart rather than a pie: outcomes with no rows are simply absent, where a pie
    # would stack their zero labels on top of each other.
    chart = workbook.add_chart({"type": "column"})
    first, last = layout.first_outcome, layout.last_outcome
    chart.add_series(
        {
            "name": name,
            "categories": [SHEET, first, 0, last, 0],
            "values": [SHEET, first, 1, last, 1],
            "points": [{"fill": {"color": _CHART_COLOURS[outcome]}} for outcome in Outcome],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": name})
    chart.set_legend({"none": True})
    chart.set_size({"width": _CHART_PX[0], "height": _CHART_PX[1]})
    sheet.insert_chart(layout.chart_row, column, chart)
