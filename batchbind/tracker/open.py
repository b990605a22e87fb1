"""Opening a tracker from its link: a Sheet, a Bitable table, or the one behind a Wiki page.

Bitable and Wiki live in `batchbind.tracker.bitable` and `batchbind.tracker.wiki`; they are
imported when a link needs them, so a Sheet works whatever else is installed.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from batchbind.errors import InputError
from batchbind.model import UserIdType
from batchbind.tracker.base import Tracker
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import Kind, TrackerLink
from batchbind.tracker.sheets import SheetTracker

__all__ = ["open_tracker"]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(f"batchbind.tracker.{name}")
    except ModuleNotFoundError:
        raise InputError.of("tracker_kind_not_yet", kind=name) from None


async def open_tracker(
    link: TrackerLink,
    calls: DocCalls,
    *,
    user_id_type: UserIdType = UserIdType.OPEN_ID,
) -> Tracker:
    """The tracker the link names (a Wiki page is resolved to the Sheet or Bitable behind it)."""
    if link.kind == Kind.WIKI:
        link = await _module("wiki").resolve(link, calls)
        if link.kind == Kind.WIKI:  # a Wiki page holding neither
            raise InputError.of("tracker_link_unknown", link=str(link))
    if link.kind == Kind.SHEET:
        return SheetTracker(link, calls)
    bitable = _module("bitable")
    return cast(Tracker, bitable.BitableTracker(link, calls, user_id_type=user_id_type))
