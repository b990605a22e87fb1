"""A Wiki page holding the team's tracker: resolved to the Sheet or Bitable behind it.

`GET /open-apis/wiki/v2/spaces/get_node?token=<node_token>` names the document behind the page
(`obj_type`, `obj_token`). The Wiki link's `?sheet=`, `?table=` and `view=` are kept: they name a
tab or table of that document. A page holding anything else (a Docs page, a mind map, a file) is
one sentence naming what it holds. A Bitable page without `?table=` is read from its first
table, which `BitableTracker` names when it reads it.
"""

from __future__ import annotations

from dataclasses import replace

from batchbind.errors import InputError
from batchbind.output.i18n import Phrase
from batchbind.tracker.calls import DocCalls
from batchbind.tracker.links import Kind, TrackerLink

__all__ = ["resolve"]

GET_NODE = "/open-apis/wiki/v2/spaces/get_node"
#: The Wiki's "node not found".
NODE_NOT_FOUND = frozenset({131005})
_KINDS = {"sheet": Kind.SHEET, "bitable": Kind.BITABLE}
#: What a Wiki page may hold besides a tracker, as the sentence names it.
_OTHER = {
    "doc": "wiki_holds_doc",
    "docx": "wiki_holds_doc",
    "mindnote": "wiki_holds_mindnote",
    "file": "wiki_holds_file",
    "slides": "wiki_holds_slides",
}


async def resolve(link: TrackerLink, calls: DocCalls) -> TrackerLink:
    """The Sheet or Bitable behind a Wiki page (a link of another kind is returned as is)."""
    if link.kind != Kind.WIKI:
        return link
    data = await calls.call(
        "wiki.node", "GET", GET_NODE, params={"token": link.token}, not_found=NODE_NOT_FOUND
    )
    node = data.get("node") or {}
    obj_type = str(node.get("obj_type") or "")
    obj_token = str(node.get("obj_token") or "")
    kind = _KINDS.get(obj_type)
    if kind is None or not obj_token:
        what = Phrase(_OTHER.get(obj_type, "wiki_holds_other"), {"type": obj_type or "?"})
        raise InputError.of("wiki_not_tracker", link=str(link), what=what)
    return replace(link, kind=kind, token=obj_token)
