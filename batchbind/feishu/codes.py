"""The one table that decides what a Feishu answer means.

Every answer (an HTTP status, a body `code`, or no answer at all) maps to one `Kind` and one hint,
whose English and Chinese text is in the message catalogue (`code_<code>_hint` in
`output/i18n.py`). The sender, the reporter and the README all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from batchbind.output import i18n


class Kind(StrEnum):
    OK = "ok"  # code 0: success
    ROW = "row"  # this row is refused; sending it again will not help
    ADMIN = "admin"  # this admin account is unusable: every row of it will be refused the same way
    TRANSIENT = "transient"  # retry with backoff (counts as an attempt)
    THROTTLED = "throttled"  # the app's budget: every worker waits (not an attempt)
    CONTENTION = (
        "contention"  # one resource was busy (190010): retry this row soon (not an attempt)
    )
    TOKEN = "token"  # the access token is missing, invalid or expired: refresh, or stop the run
    RUN_WIDE = "run_wide"  # the whole run cannot go on (permission, tenant, quota): stop


@dataclass(frozen=True, slots=True)
class Meaning:
    kind: Kind
    hint_key: str  # the hint's key in the message catalogue (output/i18n.py); "" for none

    def hint(self, lang: str) -> str:
        return i18n.text(self.hint_key, lang) if self.hint_key else ""


def _m(kind: Kind, hint_key: str) -> Meaning:
    return Meaning(kind, hint_key)


OK = _m(Kind.OK, "")

#: The binding id is not one Feishu could have issued.
BAD_BINDING_ID = 195102
#: No such binding: it never existed, or was removed (unbound, or in the admin console).
BINDING_GONE = 195103
#: The preflight's made-up binding id is refused this way only for a token that may bind.
PREFLIGHT_PASSED = frozenset({BAD_BINDING_ID, BINDING_GONE})

#: A create refused with one of these could not have been bound by an earlier request of the same
#: row whose answer was lost: the user is not in the tenant (195100), the admin account cannot bind
#: (195104, 195105, 195106), or the parameters are invalid (190002; a re-create that Feishu
#: refuses as "already bound" is told apart by the confirming GET, which runs first).
PROVES_NOT_BOUND = frozenset({190002, 195100, 195104, 195105, 195106})

#: Feishu body codes, from the official error tables (see shared/docs/feishu-api.md).
CODES: dict[int, Meaning] = {
    0: OK,
    190002: _m(Kind.ROW, "code_190002_hint"),
    190003: _m(Kind.TRANSIENT, "code_190003_hint"),
    190004: _m(Kind.THROTTLED, "code_190004_hint"),
    190005: _m(Kind.THROTTLED, "code_190005_hint"),
    190006: _m(Kind.RUN_WIDE, "code_190006_hint"),
    190007: _m(Kind.RUN_WIDE, "code_190007_hint"),
    190010: _m(Kind.CONTENTION, "code_190010_hint"),
    195100: _m(Kind.ROW, "code_195100_hint"),
    195101: _m(Kind.RUN_WIDE, "code_195101_hint"),
    195102: _m(Kind.ROW, "code_195102_hint"),
    195103: _m(Kind.ROW, "code_195103_hint"),
    195104: _m(Kind.ADMIN, "code_195104_hint"),
    195105: _m(Kind.ADMIN, "code_195105_hint"),
    195106: _m(Kind.ADMIN, "code_195106_hint"),
    99991400: _m(Kind.THROTTLED, "code_99991400_hint"),
    99991403: _m(Kind.RUN_WIDE, "code_99991403_hint"),
    99991661: _m(Kind.TOKEN, "code_99991661_hint"),
    99991663: _m(Kind.TOKEN, "code_99991663_hint"),
    99991668: _m(Kind.TOKEN, "code_99991668_hint"),
    99991671: _m(Kind.TOKEN, "code_99991671_hint"),
    99991672: _m(Kind.RUN_WIDE, "code_99991672_hint"),
    99991677: _m(Kind.TOKEN, "code_99991677_hint"),
    99991679: _m(Kind.RUN_WIDE, "code_99991679_hint"),
}

#: No usable answer: a dropped connection, a timeout, a body that is not Feishu's JSON.
NO_ANSWER = _m(Kind.TRANSIENT, "code_no_answer_hint")

UNKNOWN_ROW = _m(Kind.ROW, "code_unknown_row_hint")

UNKNOWN_SERVER = _m(Kind.TRANSIENT, "code_unknown_server_hint")

THROTTLED_HTTP = _m(Kind.THROTTLED, "code_throttled_http_hint")

UNAUTHORIZED_HTTP = _m(Kind.TOKEN, "code_unauthorized_http_hint")


def classify(http_status: int | None, code: int | None) -> Meaning:
    """What an answer means. `code` is None when the body was not Feishu's JSON envelope."""
    if code is not None:
        known = CODES.get(code)
        if known is not None:
            return known
        if http_status == 429:
            return THROTTLED_HTTP
        if http_status is not None and http_status >= 500:
            return UNKNOWN_SERVER
        return UNKNOWN_ROW
    if http_status == 429:
        return THROTTLED_HTTP
    if http_status == 401:
        return UNAUTHORIZED_HTTP
    return NO_ANSWER
