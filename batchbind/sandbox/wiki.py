"""Wiki pages in the sandbox: `GET /open-apis/wiki/v2/spaces/get_node?token=<node_token>` (issue 14).

A team often keeps its tracker on a Wiki page; the link is then `/wiki/<node_token>`, and the
node names the document behind it (`obj_type`: `sheet`, `bitable`, `docx`, ...; `obj_token`).
The documented answers: 131005 for a node that does not exist, 131006 for one the caller may
not read.
"""

from __future__ import annotations

from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import Scenario, WikiNode

__all__ = ["WikiEndpoints"]

GET_NODE = "/open-apis/wiki/v2/spaces/get_node"
NODE_NOT_FOUND = 131005
NO_PERMISSION = 131006
SPACE_ID = "7000000000000000001"


class WikiEndpoints:
    """The one Wiki endpoint batchbind calls, over the scenario's `[[wiki]]` pages."""

    def __init__(self, scenario: Scenario) -> None:
        self._nodes: dict[str, WikiNode] = {n.node_token: n for n in scenario.wiki}

    def routes(self) -> list[Route]:
        return [Route("GET", GET_NODE, "wiki.get_node", self.get_node)]

    def get_node(self, call: Call) -> Answer:
        token = call.query.get("token", "")
        if not token:
            return failure(400, 99992402, "token is required")
        node = self._nodes.get(token)
        if node is None:
            return failure(400, NODE_NOT_FOUND, "not found")
        if node.access.get(call.record.token or "", node.default_access) == "none":
            return failure(403, NO_PERMISSION, "permission denied")
        return success(
            {
                "node": {
                    "space_id": SPACE_ID,
                    "node_token": node.node_token,
                    "obj_token": node.obj_token,
                    "obj_type": node.obj_type,
                    "parent_node_token": "",
                    "node_type": "origin",
                    "origin_node_token": node.node_token,
                    "origin_space_id": SPACE_ID,
                    "has_child": False,
                    "title": node.title,
                    "obj_create_time": "1700000000",
                    "obj_edit_time": "1700000000",
                    "node_create_time": "1700000000",
                    "creator": "ou_sandbox_admin",
                    "owner": "ou_sandbox_admin",
                }
            }
        )
