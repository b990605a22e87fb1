"""Ctrl-C and SIGTERM during a job: stop taking rows, and on a second Ctrl-C stop waiting."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

from batchbind.jobs.engine import Pool
from batchbind.output import i18n


def install_signals(
    sender: Pool[Any], lang: str, notify: Callable[[str], None]
) -> Callable[[], None]:
    """SIGINT/SIGTERM stop taking rows; a second SIGINT abandons in-flight requests."""
    loop = asyncio.get_running_loop()
    interrupts = 0

    def on_signal(signum: int) -> None:
        nonlocal interrupts
        if signum == signal.SIGINT:
            interrupts += 1
            if interrupts > 1:
                sender.abandon()
                return
            notify(i18n.text("interrupt_again", lang))
        sender.request_stop(signum=signum)

    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # Windows: fall back to signal.signal
            signal.signal(signum, lambda s, _f: loop.call_soon_threadsafe(on_signal, s))

    def restore() -> None:
        for signum in installed:
            loop.remove_signal_handler(signum)

    return restore
