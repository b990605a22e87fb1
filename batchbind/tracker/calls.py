"""The document endpoints' calls (Sheets, Bitable, Wiki): paced, retried, refusals in one sentence.

Each endpoint has its own documented budget (`BUDGETS`) and its own pacer, as the binding calls
do: a 20,000-row Sheet is read and written within the document's limits, never faster. A
throttled answer (HTTP 429, 99991400, the Sheets' 90217 / 1310217) makes every caller of that
endpoint wait as long as the server says, and is not an attempt; a Bitable write conflict
(1254291) and an answer that never arrived are retried with backoff; a token that expired is
refreshed once, as for bindings.

What cannot go on raises: a `RunStopped` naming the scopes and the login command for a call
refused for a missing scope (99991672 / 99991679), as for bindings; `TrackerDenied` (an `InputError`, exit 2) when the document refuses the
caller, naming what to do (share the document with the administrator, or add the app to it);
`TrackerCallFailed` (an `InputError` too) for anything else, with the code, Feishu's message and
the log id. Nothing has been sent when a read fails, so exit 2 is right; a write-back catches both
and says so without changing the run's exit code.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from batchbind.auth.scopes import MISSING_SCOPE, missing_scope_stop
from batchbind.errors import InputError
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.codes import Kind as CodeKind
from batchbind.feishu.pacing import Budget, Clock, Pacer, Sleep
from batchbind.feishu.retry import Backoff, Retrying
from batchbind.output.i18n import Phrase

__all__ = [
    "BUDGETS",
    "DENIED_CODES",
    "THROTTLED_CODES",
    "DocCalls",
    "TrackerCallFailed",
    "TrackerDenied",
]

#: The documented budget of each document endpoint (shared/docs/feishu-api.md, section 7).
BUDGETS: dict[str, Budget] = {
    "sheets.query": Budget(per_second=5, per_minute=100),  # 100/min
    "sheets.meta": Budget(per_second=5, per_minute=100),  # the title: not documented, as query
    "sheets.read": Budget(per_second=100, per_minute=6000),  # 100/s
    "sheets.write": Budget(per_second=100, per_minute=6000),  # 100/s per app and tenant
    "bitable.search": Budget(per_second=20, per_minute=1200),  # 20/s
    "bitable.write": Budget(per_second=50, per_minute=3000),  # 50/s
    "bitable.fields": Budget(per_second=20, per_minute=1200),  # not documented: as search
    "bitable.meta": Budget(per_second=20, per_minute=1200),  # not documented: as search
    "wiki.node": Budget(per_second=5, per_minute=100),  # 100/min
}

#: Codes that mean "slow down" on the document endpoints (the Sheets' own, and Bitable's
#: TooManyRequest 1254290, beside the gateway's).
THROTTLED_CODES = frozenset({99991400, 90217, 1310217, 1254290})
#: A Bitable write conflict: one write at a time per base; wait and send again.
WRITE_CONFLICT = 1254291
#: The Sheets' "Retry Later" (90235, and 1310235 on the v3 endpoints): wait and send again.
RETRY_LATER = frozenset({90235, 1310235})
#: Codes that mean the caller may not open or edit the document (HTTP 403 means it too): the
#: Sheets' PermissionFail (90213, and 1310213 on the v3 endpoints), the gateway's Forbidden
#: (91403), Bitable's permission refusals (1254302 role, 1254304 advanced permissions) and the
#: Wiki's (131006).
DENIED_CODES = frozenset({90213, 1310213, 91403, 1254302, 1254304, 131006})

#: How long a call may keep waiting out throttling before it gives up (a document that stays
#: throttled for minutes is another client's run: say so rather than wait forever).
MAX_THROTTLED_S = 600.0
_RETRIES = Backoff(attempts=6, timeout_s=120.0, wait_initial_s=0.5, wait_max_s=20.0)


class TrackerDenied(InputError):
    """The document refuses the caller: share it with the administrator, or add the app."""


class TrackerCallFailed(InputError):
    """A document call failed for another reason (code, message, log id in the sentence)."""


class DocCalls:
    """The calls of one job to the document endpoints, over the job's one Feishu client.

    `document` names the document in messages (its link or title). `requests` counts the
    requests sent per endpoint, for the job's figures.
    """

    def __init__(
        self,
        client: FeishuClient,
        document: str,
        *,
        lang: str = "en",
        budgets: dict[str, Budget] | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        retrying: Retrying | None = None,
    ) -> None:
        self.client = client
        self.document = document
        self.lang = lang
        self._budgets = {**BUDGETS, **(budgets or {})}
        self._clock = clock
        self._sleep = sleep
        self._pacers: dict[str, Pacer] = {}
        self._retrying = retrying or Retrying(_RETRIES, clock=clock, sleep=sleep)
        self.requests: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()

    def pacer(self, endpoint: str) -> Pacer:
        pacer = self._pacers.get(endpoint)
        if pacer is None:
            budget = self._budgets[endpoint]
            pacer = self._pacers[endpoint] = Pacer(budget, clock=self._clock, sleep=self._sleep)
        return pacer

    async def call(
        self,
        endpoint: str,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        not_found: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """One call's `data` (an empty dict when it has none); raises when it cannot succeed.

        `endpoint` is a key of `BUDGETS`; `not_found` are the codes that mean the document (or
        its tab, table, view) does not exist, said as such.
        """
        pacer = self.pacer(endpoint)
        started = self._clock()
        attempt = 0
        refreshed = False
        while True:
            await pacer.acquire()
            self.requests[endpoint] += 1
            answer = await self.client.call(method, path, params=params, body=body)
            if answer.code == 0:
                return answer.data or {}
            meaning = answer.meaning
            if answer.code in THROTTLED_CODES or meaning.kind == CodeKind.THROTTLED:
                self.throttled[endpoint] += 1
                pacer.throttled(reset_after=answer.reset_after, limit=answer.limit)
                if self._clock() - started > MAX_THROTTLED_S:
                    raise self._failed(answer)
                continue
            if meaning.kind == CodeKind.TOKEN and not refreshed:
                refreshed = True
                await self.client.tokens.refresh(self.client.tokens.current())
                continue
            if answer.code in MISSING_SCOPE:
                # As for bindings (issue 17): the stop names the scopes and the command.
                raise missing_scope_stop(
                    code=answer.code,
                    msg=answer.msg,
                    named=answer.scopes,
                    endpoint=endpoint,
                    lang=self.lang,
                    profile=self.client.tokens.profile_name,
                )
            if _denied(answer):
                raise TrackerDenied.of("tracker_denied", document=self.document, code=_code(answer))
            if answer.code in not_found:
                raise TrackerCallFailed.of(
                    "tracker_not_found", document=self.document, code=_code(answer)
                )
            retryable = (
                answer.code == WRITE_CONFLICT or answer.code in RETRY_LATER
            ) or meaning.kind in (
                CodeKind.TRANSIENT,
                CodeKind.CONTENTION,
            )
            if not retryable:
                raise self._failed(answer)
            attempt += 1
            wait = self._retrying.next_wait(
                attempt, elapsed=self._clock() - started, asked=answer.reset_after
            )
            if wait is None:
                raise self._failed(answer)
            await self._retrying.wait(wait)

    def _failed(self, answer: Answer) -> TrackerCallFailed:
        said = answer.msg or answer.error or "-"
        return TrackerCallFailed.of(
            "tracker_call_failed",
            document=self.document,
            code=_code(answer),
            msg=said,
            log_id=answer.log_id or "-",
        )


def _denied(answer: Answer) -> bool:
    return answer.code in DENIED_CODES or answer.http_status == 403


def _code(answer: Answer) -> str | Phrase:
    if answer.code is not None:
        return str(answer.code)
    if answer.http_status is not None:
        return f"HTTP {answer.http_status}"
    return Phrase("tracker_no_answer")
