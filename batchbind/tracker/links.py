"""A tracker link as people copy it from the browser, told apart from a file path.

    https://<tenant>.feishu.cn/sheets/<spreadsheet_token>?sheet=<sheet_id>
    https://<tenant>.feishu.cn/base/<app_token>?table=<table_id>&view=<view_id>
    https://<tenant>.feishu.cn/wiki/<node_token>            (a Sheet or Bitable behind a Wiki page)

The same on larksuite.com, or on a tenant's own domain. The host only identifies the document:
API calls go to `--base-url` / `--domain` like every other call, so a link is never a way to
send the token somewhere else. Anything else after `https://` (a Docs page, a folder) is one
sentence saying which links batchbind reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

from batchbind.errors import InputError

__all__ = ["Kind", "TrackerLink", "is_link", "parse_link"]


class Kind(StrEnum):
    SHEET = "sheet"
    BITABLE = "bitable"
    WIKI = "wiki"


_KINDS = {"sheets": Kind.SHEET, "base": Kind.BITABLE, "wiki": Kind.WIKI}
# Document tokens are letters and digits (`shtcnmBA...`, `bascn...`, `wikcn...`, newer ones too).
_TOKEN = re.compile(r"[A-Za-z0-9]{4,100}")
_PART = re.compile(r"[A-Za-z0-9_-]{1,100}")


@dataclass(frozen=True, slots=True)
class TrackerLink:
    """A Sheet, Bitable table or Wiki page, as its link names it."""

    kind: Kind
    token: str  # the spreadsheet token, the Bitable's app token, or the Wiki node token
    host: str = ""  # the link's host (never where API calls go)
    sheet_id: str | None = None  # `?sheet=`: a Sheet's tab
    table_id: str | None = None  # `?table=`: a Bitable's table
    view_id: str | None = None  # `&view=`: the view whose rows, in its order

    def __str__(self) -> str:
        """The link again, with only what batchbind reads of it (for messages and the journal)."""
        path = {Kind.SHEET: "sheets", Kind.BITABLE: "base", Kind.WIKI: "wiki"}[self.kind]
        query = [
            f"{name}={value}"
            for name, value in (
                ("sheet", self.sheet_id),
                ("table", self.table_id),
                ("view", self.view_id),
            )
            if value
        ]
        tail = f"?{'&'.join(query)}" if query else ""
        return f"https://{self.host}/{path}/{self.token}{tail}"


def is_link(text: str) -> bool:
    """Whether an INPUT is a link rather than a file path."""
    return re.match(r"(?i)https?://", text.strip()) is not None


def parse_link(text: str) -> TrackerLink:
    """The tracker a link names, or the InputError saying which links batchbind reads."""
    parts = urlsplit(text.strip())
    segments = [s for s in parts.path.split("/") if s]
    host = (parts.hostname or "").lower()
    # /sheets/<token>, /base/<token>, /wiki/<token>; a few tenants' links carry a prefix
    # (`/wiki/space/...` is a space, not a page: refused below).
    found = next(
        ((i, _KINDS[s]) for i, s in enumerate(segments) if s in _KINDS and i + 1 < len(segments)),
        None,
    )
    if not host or found is None:
        raise InputError.of("tracker_link_unknown", link=_shown(text))
    index, kind = found
    token = segments[index + 1]
    if not _TOKEN.fullmatch(token) or (kind == Kind.WIKI and token == "space"):
        raise InputError.of("tracker_link_unknown", link=_shown(text))
    query = parse_qs(parts.query)

    def part(name: str) -> str | None:
        values = query.get(name)
        if not values or not values[0]:
            return None
        if not _PART.fullmatch(values[0]):
            raise InputError.of("tracker_link_part", link=_shown(text), part=name)
        return values[0]

    return TrackerLink(
        kind,
        token,
        host=host,
        sheet_id=part("sheet"),
        table_id=part("table"),
        view_id=part("view"),
    )


def _shown(text: str) -> str:
    """A link as a message may repeat it: no query string (it may carry anything), 200 characters."""
    parts = urlsplit(text.strip())
    shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    return shown[:200]
