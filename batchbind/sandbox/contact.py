"""The app-level token and the user lookup by e-mail, answered from the scenario's `[directory]`.

`POST /open-apis/auth/v3/tenant_access_token/internal` trades the app's ID and secret for a tenant
token (a flat answer, no `data` envelope, as Feishu's auth endpoints answer);
`POST /open-apis/contact/v3/users/batch_get_id` takes that token and up to 50 e-mails, and answers
one entry per e-mail: with a `user_id` and a `status` when the person is found, without one when
not (or when they have left and `include_resigned` is false).

Feishu documents neither the codes for a wrong app secret nor a lookup over 50 e-mails; the
sandbox answers 10014 / 10003 and 99992402, the codes Feishu's auth and field-validation errors
use elsewhere. batchbind does not depend on these exact codes.
"""

from __future__ import annotations

import hashlib
import itertools

from batchbind.sandbox.protocol import Answer, Call, Route, failure, success
from batchbind.sandbox.scenario import Person, Scenario

TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"
LOOKUP_PATH = "/open-apis/contact/v3/users/batch_get_id"
MAX_EMAILS = 50
TOKEN_LIFETIME_S = 7200
ID_PREFIXES = {"open_id": "ou_", "union_id": "on_", "user_id": "u"}


def derived_id(email: str, id_type: str) -> str:
    """A stable id for a person nobody listed: the same e-mail always gets the same id."""
    digest = hashlib.sha256(email.casefold().encode()).hexdigest()[:16]
    return ID_PREFIXES[id_type] + digest


class ContactEndpoints:
    """Handlers for the tenant token and the e-mail lookup, over the scenario's directory."""

    def __init__(self, scenario: Scenario) -> None:
        self._directory = scenario.directory
        self._people = {p.email.casefold(): p for p in scenario.directory.people}
        self._missing = frozenset(e.casefold() for e in scenario.directory.missing)
        self._issued: set[str] = set()
        self._serial = itertools.count(1)

    def routes(self) -> list[Route]:
        return [
            Route("POST", TOKEN_PATH, "tenant_token", self.tenant_token, auth=None),
            Route("POST", LOOKUP_PATH, "lookup", self.batch_get_id, auth="tenant"),
        ]

    def tenant_token(self, call: Call) -> Answer:
        body = call.json_object() or {}
        app_id, secret = body.get("app_id"), body.get("app_secret")
        if not isinstance(app_id, str) or not isinstance(secret, str) or not app_id or not secret:
            return failure(400, 10003, "app_id and app_secret are required")
        if app_id != self._directory.app_id:
            return failure(400, 10003, "invalid app_id")
        if secret != self._directory.app_secret:
            return failure(400, 10014, "app secret invalid")
        token = f"t-sandbox-{next(self._serial)}"
        self._issued.add(token)
        return Answer(
            200,
            {"code": 0, "msg": "ok", "tenant_access_token": token, "expire": TOKEN_LIFETIME_S},
        )

    def authorize(self, header: str) -> Answer | None:
        """The refusal for an `Authorization` header that holds no tenant token we issued."""
        scheme, _, token = header.strip().partition(" ")
        if not token.strip():
            return failure(400, 99991661, "Missing access token for authorization.")
        if scheme.lower() != "bearer" or token.strip() not in self._issued:
            return failure(400, 99991663, "Invalid access token for authorization.")
        return None

    def batch_get_id(self, call: Call) -> Answer:
        id_type = call.query.get("user_id_type", "open_id")
        if id_type not in ID_PREFIXES:
            return failure(400, 99992402, f"invalid user_id_type: {id_type}")
        body = call.json_object() or {}
        emails = body.get("emails", [])
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            return failure(400, 99992402, "emails must be a list of strings")
        if len(emails) > MAX_EMAILS:
            return failure(400, 99992402, f"emails: at most {MAX_EMAILS} per request")
        include_resigned = body.get("include_resigned") is True
        return success({"user_list": [self._entry(e, id_type, include_resigned) for e in emails]})

    def _entry(self, email: str, id_type: str, include_resigned: bool) -> dict[str, object]:
        folded = email.casefold()
        person = self._people.get(folded)
        if folded in self._missing or (person is None and not self._directory.everyone):
            return {"email": email}
        person = person or Person(email=email)
        resigned = person.status == "resigned"
        if resigned and not include_resigned:
            return {"email": email}
        given = {"open_id": person.open_id, "union_id": person.union_id, "user_id": person.user_id}
        return {
            "user_id": given[id_type] or derived_id(person.email, id_type),
            "email": email,
            "status": {
                "is_frozen": person.status == "frozen",
                "is_resigned": resigned,
                "is_activated": not resigned,
                "is_exited": resigned,
                "is_unjoin": False,
            },
        }
