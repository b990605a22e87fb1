"""The one harness every job's send phase runs in: run, status, unbind and resolve alike.

`run_pool` opens the client, makes the check before the first request (the preflight, or the
app's tenant token for `resolve`), shows progress, handles Ctrl-C and SIGTERM, and runs the job's
pool (`jobs.engine`). A refused check ends the job with nothing sent and the stop in its stats.
The job plugs in only its pool (what sending one item and recording its answer means) and, when
it needs more than one pass over its items, the work to do with it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from batchbind.errors import RunStopped
from batchbind.feishu.client import FeishuClient
from batchbind.feishu.pacing import Pacers
from batchbind.feishu.preflight import preflight
from batchbind.jobs.control import RunControl
from batchbind.jobs.engine import Pool, PoolStats
from batchbind.output import i18n
from batchbind.output.progress import Progress, SilentProgress

#: The check before the first request: notes to show, or `RunStopped` (nothing is sent).
Start = Callable[[FeishuClient, Pacers, str], Awaitable[list[str]]]


def run_pool(
    pool: Pool[Any],
    client: Callable[[], FeishuClient],
    work: Callable[[], Awaitable[object]],
    *,
    start: Start = preflight,
    progress: Callable[[], AbstractContextManager[Progress]] | None = None,
    notify: Callable[[str], None] = lambda _m: None,
    control: RunControl | None = None,
    total: int = 0,
) -> PoolStats:
    """Open `client`, check, then do `work` (usually `pool.run(items)`); the pool's stats.

    `control` (from another thread) stops the pool as Ctrl-C does and counts its `total` items.
    """
    lang = pool.options.lang

    async def drive() -> None:
        async with client() as opened:
            pool.client = opened
            for note in await start(opened, pool.pacers, lang):
                notify(note)
            shown = progress() if progress is not None else nullcontext(SilentProgress())
            with shown as bar:
                pool.progress = bar if control is None else control.attach(pool, total, bar)
                restore = install_signals(pool, lang, notify)
                try:
                    await work()
                finally:
                    restore()
                    if control is not None:
                        control.detach()

    try:
        asyncio.run(drive())
    except RunStopped as exc:  # the check refused: nothing was sent
        if pool.stats.stopped is None:
            pool.stats.stopped = exc
    return pool.stats


def install_signals(
    sender: Pool[Any], lang: str, notify: Callable[[str], None]
) -> Callable[[], None]:
    """SIGINT/SIGTERM stop taking rows; a second SIGINT abandons in-flight requests.

    Only in the main thread, where signals arrive: a job run in a worker thread (`batchbind ui`)
    is stopped through its `RunControl` instead.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
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
