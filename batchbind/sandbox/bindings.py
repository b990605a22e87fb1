"""The three binding endpoints (create, status, unbind) and the tenant rules behind them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from batchbind.sandbox.chaos import Dice
from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import Scenario
from batchbind.sandbox.state import BindingStore, StoredBinding, binding_id_for, parse_binding_id

PATH = "/open-apis/calendar/v4/exchange_bindings"

USER_ID_PREFIXES = {"open_id": "ou_", "union_id": "on_", "user_id": ""}
MAX_LENGTH = 500
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _folded(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(v.casefold() for v in values)


def _is_email(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None


class BindingEndpoints:
    """Handlers for `calendar/v4/exchange_bindings`, over one `BindingStore`."""

    def __init__(
        self, scenario: Scenario, store: BindingStore, dice: Dice, now: Callable[[], float]
    ) -> None:
        self._scenario = scenario
        self._store = store
        self._dice = dice
        self._now = now
        tenant = scenario.tenant
        self._admins = _folded(tenant.admin_accounts)
        self._unknown_admins = _folded(tenant.unknown_admin_accounts) or frozenset()
        self._foreign_admins = _folded(tenant.foreign_admin_accounts) or frozenset()
        self._broken_admins = _folded(tenant.broken_admin_accounts) or frozenset()
        self._users = None if tenant.users is None else frozenset(tenant.users)
        self._missing_users = frozenset(tenant.missing_users)
        self._err_accounts = _folded(scenario.sync.err_accounts) or frozenset()

    def routes(self) -> list[Route]:
        by_id = PATH + "/{exchange_binding_id}"
        return [
            Route("POST", PATH, "create", self.create, self.describe_create),
            Route("GET", by_id, "get", self.get, self.describe_by_id),
            Route("DELETE", by_id, "delete", self.delete, self.describe_by_id),
        ]

    # -- describing requests for the log (runs before limits and faults) ----------------------

    def describe_create(self, call: Call) -> None:
        body = call.json_object() or {}
        record = call.record
        for name in ("admin_account", "exchange_account", "user_id"):
            value = body.get(name)
            setattr(record, name, value if isinstance(value, str) else None)

    def describe_by_id(self, call: Call) -> None:
        record = call.record
        record.binding_id = call.params["exchange_binding_id"]
        pair = parse_binding_id(record.binding_id)
        if pair is not None:
            record.admin_account, record.exchange_account = pair
        stored = self._store.by_id(record.binding_id)
        if stored is not None:
            record.user_id = stored.user_id

    # -- the endpoints -------------------------------------------------------------------------

    def create(self, call: Call) -> Answer:
        id_type = call.query.get("user_id_type", "open_id")
        if id_type not in USER_ID_PREFIXES:
            return failure(400, 190002, f"invalid user_id_type: {id_type}")
        body = call.json_object()
        if body is None:
            return failure(400, 190002, "the request body must be a JSON object")
        fields: dict[str, str] = {}
        for name in ("admin_account", "exchange_account", "user_id"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                return failure(400, 190002, f"{name} is required")
            if len(value) > MAX_LENGTH:
                return failure(400, 190002, f"{name} is longer than {MAX_LENGTH} characters")
            fields[name] = value
        admin, exchange, user = (
            fields["admin_account"],
            fields["exchange_account"],
            fields["user_id"],
        )
        if not _is_email(exchange):
            return failure(400, 190002, "exchange_account is not an e-mail address")
        prefix = USER_ID_PREFIXES[id_type]
        if not user.startswith(prefix) or len(user) == len(prefix):
            return failure(400, 190002, f"user_id is not a valid {id_type}")
        refused = self._check_tenant(admin, user)
        if refused is not None:
            return refused

        existing = self._store.by_exchange(exchange)
        if existing is not None:
            answer = self._answer_existing(existing, admin, user)
            if answer.code == 0:
                call.record.binding_id = existing.exchange_binding_id
            return answer
        folded = exchange.casefold()
        err = folded in self._err_accounts or (
            self._dice.roll("err", folded) < self._scenario.sync.err_rate
        )
        binding = StoredBinding(
            exchange_binding_id=binding_id_for(admin, exchange),
            admin_account=admin,
            exchange_account=exchange,
            user_id=user,
            created_at=self._now(),
            final="err" if err else "done",
        )
        self._store.add(binding)
        call.record.binding_id = binding.exchange_binding_id
        # A fresh binding always starts syncing, even when the scenario syncs instantly.
        return success(binding.data("doing"))

    def get(self, call: Call) -> Answer:
        found = self._find(call)
        if isinstance(found, Answer):
            return found
        return success(found.data(found.status(self._now(), self._scenario.sync.seconds)))

    def delete(self, call: Call) -> Answer:
        found = self._find(call)
        if isinstance(found, Answer):
            return found
        self._store.remove(found)
        return success({})

    # -- rules -----------------------------------------------------------------------------------

    def _check_tenant(self, admin: str, user: str) -> Answer | None:
        folded = admin.casefold()
        if folded in self._unknown_admins:
            return failure(404, 195106, "admin account not found")
        if folded in self._foreign_admins:
            return failure(403, 195104, "current tenant does not match the admin account's tenant")
        if folded in self._broken_admins:
            return failure(403, 195105, "admin account binding failed, re-bind it in the console")
        if (self._admins is not None and folded not in self._admins) or not _is_email(admin):
            return failure(404, 195106, "admin account not found")
        if user in self._missing_users or (self._users is not None and user not in self._users):
            return failure(404, 195100, "user has left or is not in the tenant")
        return None

    def _answer_existing(self, existing: StoredBinding, admin: str, user: str) -> Answer:
        same = existing.admin_account.casefold() == admin.casefold() and existing.user_id == user
        if not same:
            conflict = self._scenario.conflict
            return failure(conflict.http, conflict.code, conflict.msg)
        recreate = self._scenario.recreate
        if recreate.answer == "error":
            return failure(recreate.http, recreate.code, recreate.msg)
        status = existing.status(self._now(), self._scenario.sync.seconds)
        return success(existing.data(status))

    def _find(self, call: Call) -> StoredBinding | Answer:
        id_type = call.query.get("user_id_type", "open_id")
        if id_type not in USER_ID_PREFIXES:
            return failure(400, 190002, f"invalid user_id_type: {id_type}")
        binding_id = call.params["exchange_binding_id"]
        if parse_binding_id(binding_id) is None:
            return failure(400, 195102, "exchange_binding_id invalid")
        found = self._store.by_id(binding_id)
        if found is None:
            return failure(404, 195103, "exchange account binding not found")
        return found
