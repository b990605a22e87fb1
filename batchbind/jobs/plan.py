"""Which valid rows to send on this run, by the contract's re-run rules.

- never seen, pending, in flight (a killed run), or failed transiently: send (again);
- bound: never sent again;
- failed permanently: only with `--retry-failed` (a changed row is a new row, so it is sent);
- unbound: only with `--rebind` (a nightly run must not undo a rollback);
- an Exchange account the journal knows is bound to another user: a conflict, not sent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from batchbind.model import Binding, Checked
from batchbind.store.journal import Journal, RowState, State, key_of


class Disposition(StrEnum):
    NEW = "new"
    RESEND_PENDING = "pending"
    RESEND_INFLIGHT = "in flight when a run stopped"
    RESEND_TRANSIENT = "failed transiently"
    RETRY_FAILED = "failed, --retry-failed"
    REBIND = "unbound, --rebind"
    SKIP_BOUND = "bound"
    SKIP_FAILED = "failed permanently"
    SKIP_UNBOUND = "unbound"
    CONFLICT = "bound to another user"


SENDING = {
    Disposition.NEW,
    Disposition.RESEND_PENDING,
    Disposition.RESEND_INFLIGHT,
    Disposition.RESEND_TRANSIENT,
    Disposition.RETRY_FAILED,
    Disposition.REBIND,
}


@dataclass(slots=True)
class Work:
    """One row to send: its journal key, what to send, and what the journal knew."""

    key: str
    binding: Binding
    row: int  # the physical row of its first occurrence, for messages
    ambiguous: bool = False  # an earlier request may have reached Feishu unanswered
    attempts: int = 0  # transient failures, this run and earlier ones
    retry_since: float | None = None  # its first transient failure this run


@dataclass(slots=True)
class Plan:
    keys: dict[int, str] = field(default_factory=dict)  # physical row -> key (valid rows)
    dispositions: dict[int, Disposition] = field(default_factory=dict)  # physical row ->
    conflicts: dict[int, RowState] = field(default_factory=dict)  # physical row -> bound row
    work: list[Work] = field(default_factory=list)

    def counts(self, *, sending: bool) -> Counter[Disposition]:
        return Counter(
            d
            for d in self.dispositions.values()
            if (d in SENDING) == sending and d is not Disposition.NEW
        )


def _disposition(
    known: tuple[str, bool, bool, int] | None, *, retry_failed: bool, rebind: bool
) -> Disposition:
    if known is None:
        return Disposition.NEW
    state, transient = known[0], known[1]  # plain strings: this runs for every row
    if state == State.BOUND:
        return Disposition.SKIP_BOUND
    if state == State.PENDING:
        return Disposition.RESEND_PENDING
    if state == State.INFLIGHT:
        return Disposition.RESEND_INFLIGHT
    if state == State.UNBOUND:
        return Disposition.REBIND if rebind else Disposition.SKIP_UNBOUND
    if transient:
        return Disposition.RESEND_TRANSIENT
    return Disposition.RETRY_FAILED if retry_failed else Disposition.SKIP_FAILED


def make_plan(
    checked: Checked,
    journal: Journal,
    *,
    user_id_type: str,
    retry_failed: bool = False,
    rebind: bool = False,
) -> Plan:
    """Decide every valid row's fate and record the rows to send as pending in the journal."""
    plan = Plan(keys=valid_keys(checked, journal.tenant, user_id_type))
    known_rows = journal.plan_view()
    bound_to = journal.bound_exchange_accounts()
    numbers, exchanges = checked.table.numbers, checked.exchanges
    for index in checked.valid():
        row = numbers[index]
        key = plan.keys[row]
        known = known_rows.get(key)
        holder = bound_to.get(exchanges[index].casefold()) if bound_to else None
        if holder is not None and holder != key:
            holder_state = journal.get(holder)
            if holder_state is not None:
                plan.dispositions[row] = Disposition.CONFLICT
                plan.conflicts[row] = holder_state
                continue
        disposition = _disposition(known, retry_failed=retry_failed, rebind=rebind)
        plan.dispositions[row] = disposition
        if disposition in SENDING:
            ambiguous = known is not None and (known[2] or known[0] == State.INFLIGHT.value)
            plan.work.append(
                Work(
                    key=key,
                    binding=checked.binding(index),
                    row=row,
                    ambiguous=ambiguous,
                    attempts=known[3] if known else 0,
                )
            )
    journal.add_pending((w.key, user_id_type, w.binding) for w in plan.work)
    journal.mark_ambiguous(w.key for w in plan.work if w.ambiguous)
    return plan


def valid_keys(checked: Checked, tenant: str, user_id_type: str) -> dict[int, str]:
    """The journal key of every valid row, by physical row."""
    numbers, admins, exchanges, users = (
        checked.table.numbers,
        checked.admins,
        checked.exchanges,
        checked.users,
    )
    return {
        numbers[i]: key_of(tenant, user_id_type, admins[i], exchanges[i], users[i])
        for i in checked.valid()
    }
