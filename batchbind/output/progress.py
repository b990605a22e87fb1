"""Progress on stderr: a tqdm bar on a terminal, nothing at all otherwise.

The sender calls the same methods either way, so the core loop never asks "is the UI on?".
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Protocol

from tqdm import tqdm

from batchbind.output import i18n

#: A rate needs a span worth measuring: over less time, or fewer requests, "92475/min" says
#: more about the clock than about the run.
RATE_MIN_SECONDS = 5.0
RATE_MIN_COUNT = 20


def measured_rate(count: int, seconds: float) -> float | None:
    """`count` per minute over `seconds`, or None when the span is too short to mean anything."""
    if seconds < RATE_MIN_SECONDS or count < RATE_MIN_COUNT:
        return None
    return 60.0 * count / seconds


class Progress(Protocol):
    def advance(self, *, bound: int = 0, failed: int = 0) -> None: ...
    def close(self) -> None: ...


class SilentProgress:
    def advance(self, *, bound: int = 0, failed: int = 0) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress:
    def __init__(
        self,
        total: int,
        *,
        desc: str,
        unit: str = "row",
        labels: tuple[str, str] = ("bound", "failed"),
    ) -> None:
        """`labels`: the words for the rows done and failed, in the user's language."""
        self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
        self._labels = labels
        self._bound = 0
        self._failed = 0

    def advance(self, *, bound: int = 0, failed: int = 0) -> None:
        self._bound += bound
        self._failed += failed
        done, refused = self._labels
        self._bar.set_postfix({done: self._bound, refused: self._failed}, refresh=False)
        self._bar.update(bound + failed)

    def close(self) -> None:
        self._bar.close()


class progress_bar:
    """A bar when stderr is a terminal and output is wanted, else a silent stand-in."""

    def __init__(
        self, total: int, *, desc: str = "progress_binding", lang: str = "en", enabled: bool = True
    ) -> None:
        """`desc`: the catalogue key of the bar's label, said in `lang`."""
        self._progress: Progress
        if enabled and sys.stderr.isatty():
            label, unit = i18n.text(desc, lang), i18n.text("progress_unit", lang)
            labels = (i18n.text("counted_bound", lang), i18n.text("counted_failed", lang))
            self._progress = BarProgress(total, desc=label, unit=unit, labels=labels)
        else:
            self._progress = SilentProgress()

    def __enter__(self) -> Progress:
        return self._progress

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.close()
