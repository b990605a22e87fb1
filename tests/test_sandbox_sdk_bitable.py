"""The official SDK (`lark-oapi`) reads the sandbox's Bitable records as it would Feishu's (issue 14).

Its own file because importing the SDK alone takes seconds.
"""

from __future__ import annotations

import json

import lark_oapi as lark  # type: ignore[import-untyped]
from lark_oapi.api.bitable.v1 import (  # type: ignore[import-untyped]
    SearchAppTableRecordRequest,
    SearchAppTableRecordRequestBody,
)

from batchbind.sandbox import SANDBOX_TOKEN, SandboxServer
from batchbind.sandbox.contact import derived_id
from batchbind.sandbox.scenario import scenario_from_dict

APP = "bascnSdkTracker01"
SCENARIO = {
    "bitables": [
        {
            "app_token": APP,
            "name": "Tracker",
            "tables": [
                {
                    "table_id": "tblSdk",
                    "fields": [
                        {"name": "Name", "type": 1},
                        {"name": "Mailbox", "type": 1, "ui_type": "Email"},
                        {"name": "Owner", "type": 11},
                        {"name": "Desk", "type": 2},
                    ],
                    "records": [
                        {
                            "record_id": f"rec{i}",
                            "fields": {
                                "Name": f"P{i}",
                                "Mailbox": f"p{i}@corp.example",
                                "Owner": [f"p{i}@corp.example"],
                                "Desk": i,
                            },
                        }
                        for i in range(1, 4)
                    ],
                }
            ],
        }
    ]
}


def _client(sandbox: SandboxServer) -> tuple[lark.Client, lark.RequestOption]:
    sdk = (
        lark.Client.builder()
        .domain(sandbox.base_url)
        .enable_set_token(True)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )
    return sdk, lark.RequestOption.builder().user_access_token(SANDBOX_TOKEN).build()


def test_the_sdks_raw_request_pages_through_the_records() -> None:
    with SandboxServer(scenario_from_dict(SCENARIO)) as sandbox:
        sdk, option = _client(sandbox)
        seen: list[dict[str, object]] = []
        token = ""
        while True:
            queries = [("page_size", "2"), ("user_id_type", "user_id")]
            if token:
                queries.append(("page_token", token))
            request = (
                lark.BaseRequest.builder()
                .http_method(lark.HttpMethod.POST)
                .uri(f"/open-apis/bitable/v1/apps/{APP}/tables/tblSdk/records/search")
                .token_types({lark.AccessTokenType.USER})
                .queries(queries)
                .body({})
                .build()
            )
            answer = sdk.request(request, option)
            assert answer.success(), answer.msg
            data = json.loads(answer.raw.content)["data"]
            seen += data["items"]
            if not data["has_more"]:
                break
            token = data["page_token"]
        assert [item["record_id"] for item in seen] == ["rec1", "rec2", "rec3"]
        first = seen[0]["fields"]
        assert isinstance(first, dict)
        assert first["Name"] == [{"text": "P1", "type": "text"}]
        assert first["Mailbox"][0]["text"] == "p1@corp.example"
        assert first["Owner"][0]["id"] == derived_id("p1@corp.example", "user_id")
        assert first["Desk"] == 1
        assert data["total"] == 3


def test_the_sdks_typed_search_reads_the_records() -> None:
    with SandboxServer(scenario_from_dict(SCENARIO)) as sandbox:
        sdk, option = _client(sandbox)
        request = (
            SearchAppTableRecordRequest.builder()
            .app_token(APP)
            .table_id("tblSdk")
            .user_id_type("open_id")
            .page_size(500)
            .request_body(SearchAppTableRecordRequestBody.builder().field_names(["Owner"]).build())
            .build()
        )
        answer = sdk.bitable.v1.app_table_record.search(request, option)
        assert answer.success(), answer.msg
        assert answer.data.total == 3 and answer.data.has_more is False
        owners = [item.fields["Owner"][0]["id"] for item in answer.data.items]
        assert owners == [derived_id(f"p{i}@corp.example", "open_id") for i in range(1, 4)]
        assert all(set(item.fields) == {"Owner"} for item in answer.data.items)
        assert answer.get_log_id()
