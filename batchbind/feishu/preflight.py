"""The check before the first row: is the token good for this tenant, without side effects?"""

from __future__ import annotations

from batchbind.errors import RunStopped
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.codes import PREFLIGHT_PASSED, Kind
from batchbind.feishu.pacing import Pacers
from batchbind.feishu.retry import ONE_CHECK, Retrying, unanswered
from batchbind.output import i18n

PREFLIGHT_ID = "batchbind-preflight-check"
PREFLIGHT_RENEWALS = 3


async def preflight(
    client: FeishuClient, pacers: Pacers, lang: str, *, retrying: Retrying | None = None
) -> list[str]:
    """Check the token against the tenant without side effects, before the first row.

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
            stop = i18n.text("stop_token", lang, code=answer.code, msg=answer.msg)
            raise RunStopped(f"{stop} {failure.message}", hint=failure.hint) from None
        carried = tokens.current()
        answer = await _preflight_answer(client, pacers, retrying)
    host = client.base_url
    if answer.tls_error:
        raise RunStopped(
            i18n.text("stop_tls", lang, host=host, error=answer.error),
            hint=i18n.text("stop_tls_hint", lang),
        )
    if answer.code is None and not answer.maybe_sent:
        raise RunStopped(
            i18n.text("stop_unreachable", lang, host=host, error=answer.error),
            hint=i18n.text("stop_unreachable_hint", lang),
        )
    if answer.code in PREFLIGHT_PASSED:
        return []
    meaning = answer.meaning
    if meaning.kind in (Kind.TOKEN, Kind.RUN_WIDE):
        key = "stop_token" if meaning.kind is Kind.TOKEN else "stop_run_wide"
        raise RunStopped(
            i18n.text(key, lang, code=answer.code, msg=answer.msg),
            hint=meaning.hint(lang) + " " + i18n.text("rerun_hint", lang),
        )
    code = answer.code if answer.code is not None else f"HTTP {answer.http_status}"
    return [i18n.text("preflight_unknown", lang, code=code, msg=answer.msg or answer.error)]


async def _preflight_answer(client: FeishuClient, pacers: Pacers, retrying: Retrying) -> Answer:
    async def ask() -> Answer:
        await pacers["get"].acquire()
        return await client.get(PREFLIGHT_ID)

    return await retrying.call(ask, unanswered)
