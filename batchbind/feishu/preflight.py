"""The check before the first row: is the token good for this tenant, without side effects?

`check_token` asks and says what it learnt (`doctor` shows it as checks); `preflight` is the same
question before a job's first request, turned into a `RunStopped` when the answer concerns every
row.
"""

from __future__ import annotations

from dataclasses import dataclass

from batchbind.auth.scopes import MISSING_SCOPE, missing_scope_stop
from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.codes import PREFLIGHT_PASSED, Kind
from batchbind.feishu.pacing import Pacers
from batchbind.feishu.retry import ONE_CHECK, Retrying, unanswered
from batchbind.output import i18n

PREFLIGHT_ID = "batchbind-preflight-check"
PREFLIGHT_RENEWALS = 3


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """Feishu's answer to the made-up status query, and why renewing the token failed (if so)."""

    answer: Answer
    refresh_failure: RunStopped | None = None

    @property
    def passed(self) -> bool:
        """The token may bind: a valid super administrator's token, with the status scope."""
        return self.answer.code in PREFLIGHT_PASSED


async def check_token(
    client: FeishuClient, pacers: Pacers, *, retrying: Retrying | None = None
) -> TokenCheck:
    """Ask Feishu about a made-up binding id, renewing the token first when it is due.

    A status query for a made-up id is refused like a create for a bad token or a
    non-administrator, and answered 195102/195103 for a valid super-administrator token.
    An expired token is renewed (when it can be) before the check gives up; a few times, since
    another process sharing the profile may spend a renewed token before this one uses it.
    """
    retrying = retrying or Retrying(ONE_CHECK)
    tokens = client.tokens
    await tokens.ensure_fresh()
    carried = tokens.current()
    answer = await _preflight_answer(client, pacers, retrying)
    made = tokens.refreshes
    for _ in range(4 * PREFLIGHT_RENEWALS):  # adopting another process's token is not counted
        if answer.meaning.kind is not Kind.TOKEN or tokens.refreshes - made >= PREFLIGHT_RENEWALS:
            break
        try:
            await tokens.refresh(carried)
        except RunStopped as failure:
            return TokenCheck(answer, failure)
        carried = tokens.current()
        answer = await _preflight_answer(client, pacers, retrying)
    return TokenCheck(answer)


async def preflight(
    client: FeishuClient, pacers: Pacers, lang: str, *, retrying: Retrying | None = None
) -> list[str]:
    """Check the token against the tenant without side effects, before the first row: notes to
    show, or `RunStopped` when the answer concerns every row (nothing is sent then)."""
    checked = await check_token(client, pacers, retrying=retrying)
    answer = checked.answer
    if checked.refresh_failure is not None:
        failure = checked.refresh_failure
        stop = i18n.text("stop_token", lang, code=answer.code, msg=answer.msg)
        raise RunStopped(f"{stop} {failure.message}", hint=failure.hint)
    refused = answer_stop(answer, client, lang)
    if refused is not None:
        raise refused
    if checked.passed:
        return []
    code = answer.code if answer.code is not None else f"HTTP {answer.http_status}"
    return [i18n.text("preflight_unknown", lang, code=code, msg=answer.msg or answer.error)]


def answer_stop(answer: Answer, client: FeishuClient, lang: str) -> RunStopped | None:
    """The stop the preflight's answer calls for, if it concerns every row."""
    host = client.base_url
    if answer.tls_error:
        return RunStopped(
            i18n.text("stop_tls", lang, host=host, error=answer.error),
            hint=i18n.text("stop_tls_hint", lang),
        )
    if answer.code is None and not answer.maybe_sent:
        return RunStopped(
            i18n.text("stop_unreachable", lang, host=host, error=answer.error),
            hint=i18n.text("stop_unreachable_hint", lang),
        )
    if answer.code in MISSING_SCOPE:
        return missing_scope_stop(
            code=answer.code,
            msg=answer.msg,
            named=answer.scopes,
            endpoint="get",
            lang=lang,
            profile=client.tokens.profile_name,
        )
    meaning = answer.meaning
    if meaning.kind in (Kind.TOKEN, Kind.RUN_WIDE):
        key = "stop_token" if meaning.kind is Kind.TOKEN else "stop_run_wide"
        return RunStopped(
            i18n.text(key, lang, code=answer.code, msg=answer.msg),
            hint=meaning.hint(lang) + " " + i18n.text("rerun_hint", lang),
        )
    return None


async def _preflight_answer(client: FeishuClient, pacers: Pacers, retrying: Retrying) -> Answer:
    async def ask() -> Answer:
        await pacers["get"].acquire()
        return await client.get(PREFLIGHT_ID)

    return await retrying.call(ask, unanswered)
