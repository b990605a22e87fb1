"""The official SDK (`lark-oapi`) pointed at the sandbox works as against Feishu.

Its own file because importing the SDK alone takes seconds.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import lark_oapi as lark  # type: ignore[import-untyped]
from lark_oapi.api.calendar.v4 import (  # type: ignore[import-untyped]
    CreateExchangeBindingRequest,
    DeleteExchangeBindingRequest,
    ExchangeBinding,
    GetExchangeBindingRequest,
)

from batchbind.sandbox import SANDBOX_TOKEN, SandboxServer, Scenario, binding_id_for
from batchbind.sandbox.scenario import Sync

ADMIN = "admin@corp.example"
AWKWARD = "a~xy?@corp.example"  # its binding id holds "/", "+" and "="


def test_create_get_delete_through_the_official_sdk() -> None:
    with SandboxServer(Scenario(sync=Sync(seconds=0))) as sandbox:
        sdk = (
            lark.Client.builder()
            .domain(sandbox.base_url)
            .enable_set_token(True)
            .log_level(lark.LogLevel.ERROR)
            .build()
        )
        option = lark.RequestOption.builder().user_access_token(SANDBOX_TOKEN).build()
        binding = (
            ExchangeBinding.builder()
            .admin_account(ADMIN)
            .exchange_account(AWKWARD)
            .user_id("ou_sdk")
            .build()
        )
        create = (
            CreateExchangeBindingRequest.builder().user_id_type("open_id").request_body(binding)
        )
        created = sdk.calendar.v4.exchange_binding.create(create.build(), option)
        assert created.success(), created.msg
        binding_id = created.data.exchange_binding_id
        assert binding_id == binding_id_for(ADMIN, AWKWARD)
        assert {"/", "+", "="} <= set(binding_id)
        assert created.get_log_id()

        get = GetExchangeBindingRequest.builder().exchange_binding_id(binding_id)
        got = sdk.calendar.v4.exchange_binding.get(get.user_id_type("open_id").build(), option)
        assert got.success(), got.msg
        assert (got.data.exchange_account, got.data.status) == (AWKWARD, "done")

        delete = DeleteExchangeBindingRequest.builder().exchange_binding_id(binding_id).build()
        deleted = sdk.calendar.v4.exchange_binding.delete(delete, option)
        assert deleted.success(), deleted.msg
        assert sandbox.bindings() == []

        gone = sdk.calendar.v4.exchange_binding.get(get.build(), option)
        assert gone.code == 195103
        error = json.loads(gone.raw.content)["error"]
        assert gone.get_log_id() == error["log_id"]
        paths = [r["binding_id"] for r in sandbox.requests()[1:]]
        assert paths == [binding_id] * 3  # decoded exactly once from the SDK's encoded path
        assert quote(binding_id, safe="") != binding_id
