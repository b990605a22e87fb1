"""Binding rows: the create calls of `batchbind run`, journalled answer by answer.

Every answer is classified by `codes.classify` and written to the journal before the worker moves
on, so the journal always knows the truth, whatever happens next.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from batchbind.feishu.client import Answer, derived_binding_id
from batchbind.feishu.codes import PROVES_NOT_BOUND, Kind
from batchbind.jobs.engine import DONE, NOT_SENT, Final, Pool, Stopped, failed
from batchbind.jobs.plan import Work
from batchbind.output import i18n
from batchbind.store.journal import Journal, State


@dataclass(slots=True)
class _Check:
    """The confirming GET's own attempts (the engine's retry rule counts them)."""

    attempts: int = 0
    retry_since: float | None = None


class BindSender(Pool[Work]):
    """Carries each row to bound or failed, or leaves it pending when the run stops."""

    def __init__(self, *args: Any, journal: Journal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._journal = journal
        # admin account (casefolded) -> (code, message): Feishu said it cannot be used.
        self.dead_admins: dict[str, tuple[str, str]] = {}

    def _record(
        self,
        item: Work,
        state: State,
        answer: Answer | None = None,
        *,
        endpoint: str = "create",
        **fields: Any,
    ) -> None:
        if answer is not None:
            fields.setdefault("code", "" if answer.code is None else str(answer.code))
            fields.setdefault("http_status", answer.http_status)
            fields.setdefault("log_id", answer.log_id)
        self._journal.record(item.key, state=state, endpoint=endpoint, **fields)

    def _bound(self) -> Final:
        self.progress.advance(bound=1)
        return DONE

    def _failed(self, answer: Answer) -> Final:
        self.progress.advance(failed=1)
        return failed(answer)

    def _not_sent(self, item: Work) -> Final | None:
        """A row of an admin account Feishu already refused gets the same answer, unsent."""
        dead = self.dead_admins.get(item.binding.admin_account.casefold())
        if dead is None:
            return None
        code, msg = dead
        self._record(item, State.FAILED, counted=False, code=code, msg=msg, note="not sent")
        self.progress.advance(failed=1)
        return NOT_SENT

    async def carry(self, item: Work) -> None:
        if self._not_sent(item) is not None:
            return
        await self.until_final(
            "create",
            lambda: self.client.create(item.binding),
            functools.partial(self._step, item),
            before=lambda: self._journal.mark_inflight(item.key),
        )

    async def _step(self, item: Work, answer: Answer) -> Final | None:
        """Record one answer: the row's final state for this run, or None to send it again."""
        meaning = answer.meaning
        msg = answer.msg or answer.error
        stop = self.run_wide_stop(answer, meaning)
        if stop is not None:  # nothing more is sent; this row stays pending
            self._record(item, State.PENDING, answer, counted=False, msg=msg, note="run-wide stop")
            self.request_stop(stop)
            raise Stopped
        kind = meaning.kind
        if kind is Kind.OK:
            data = answer.data or {}
            self._record(
                item,
                State.BOUND,
                answer,
                counted=True,
                msg="",
                binding_id=str(data.get("exchange_binding_id", "")),
                binding_status=str(data.get("status", "")),
                ambiguous=False,
            )
            return self._bound()
        if kind in (Kind.THROTTLED, Kind.CONTENTION, Kind.TRANSIENT):
            if kind is Kind.TRANSIENT:
                item.ambiguous = item.ambiguous or answer.lost
            wait = self.retry_wait(item, kind)  # the engine's rule: final, or wait and resend
            if kind is not Kind.TRANSIENT:  # throttled or contention: not an attempt
                self._record(item, State.PENDING, answer, counted=False, msg=msg, note=kind.value)
            else:
                self._record(
                    item,
                    State.PENDING if wait is not None else State.FAILED,
                    answer,
                    counted=True,
                    transient=True,
                    msg=msg,
                    ambiguous=item.ambiguous,
                    note="lost answer" if answer.lost else "transient",
                )
            if wait is None:
                return self._failed(answer)
            await self.pause(wait)
            return self._not_sent(item)  # its admin account may have been refused meanwhile
        if kind in (Kind.ROW, Kind.ADMIN):
            item.attempts += 1
            if item.ambiguous:
                return await self._refused_after_lost_answer(item, answer)
            return self._refused(item, answer)
        raise AssertionError(f"unhandled answer kind {kind}")  # pragma: no cover

    def _refused(self, item: Work, answer: Answer, **fields: Any) -> Final:
        """Feishu's plain refusal: the row failed for good (and so may its admin account)."""
        self._record(
            item, State.FAILED, answer, counted=True, msg=answer.msg or answer.error, **fields
        )
        if answer.meaning.kind is Kind.ADMIN:
            text = i18n.text(
                "admin_account_unusable",
                self.options.lang,
                admin=item.binding.admin_account,
                row=item.row,
                code=answer.code,
            )
            self.dead_admins.setdefault(
                item.binding.admin_account.casefold(), (str(answer.code), text)
            )
        return self._failed(answer)

    async def _confirm(self, binding_id: str) -> Answer:
        """Ask Feishu for a binding; its own transient failures are retried, by the engine's
        rule, within the run (a re-run would have to ask again)."""
        check = _Check()
        while True:
            answer = await self.send("get", lambda: self.client.get(binding_id))
            wait = self.retry_wait(check, answer.meaning.kind)
            if wait is None:
                return answer
            await self.pause(wait)

    async def _refused_after_lost_answer(self, item: Work, refused: Answer) -> Final:
        """Feishu refused a row whose earlier request got no answer: did that request bind it?

        The binding id is derived the way Feishu's documented example id is built (an inference),
        and the row counts as bound only if Feishu's own answer for that id names this row.
        """
        lang = self.options.lang
        binding = item.binding
        guess = derived_binding_id(binding)
        answer = await self._confirm(guess)
        data = answer.data or {}
        if (
            answer.code == 0
            and str(data.get("user_id", "")) == binding.user_id
            and str(data.get("exchange_account", "")).casefold()
            == binding.exchange_account.casefold()
        ):
            self._record(
                item,
                State.BOUND,
                answer,
                endpoint="get",
                counted=False,
                msg=i18n.text("confirmed_after_lost_answer", lang),
                binding_id=str(data.get("exchange_binding_id") or guess),
                binding_status=str(data.get("status", "")),
                ambiguous=False,
            )
            return self._bound()
        if refused.code in PROVES_NOT_BOUND:
            # No earlier request of this row can have bound it: Feishu's answer is the answer.
            return self._refused(item, refused, ambiguous=False)
        msg = i18n.text("unprovable_after_lost_answer", lang, msg=refused.msg, code=refused.code)
        check = i18n.text(
            "unprovable_hint", lang, exchange=binding.exchange_account, user=binding.user_id
        )
        # If the check itself got no usable answer, a re-run may still prove it: transient.
        unsure = answer.meaning.kind in (Kind.TRANSIENT, Kind.THROTTLED, Kind.CONTENTION)
        self._record(
            item, State.FAILED, refused, counted=True, transient=unsure, msg=f"{msg} {check}"
        )
        return self._failed(refused)
