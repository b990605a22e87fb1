"""The sandbox's bindings: ids, sync status, and the state file that outlives a restart.

Bindings are indexed by Exchange account (casefolded), because Feishu lets one Exchange account be
bound once; and by id, for the status and unbind calls.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from batchbind.output.i18n import Phrase
from batchbind.sandbox.scenario import ScenarioError
from batchbind.store.paths import write_private

STATE_FORMAT = "batchbind-sandbox-state"
STATE_VERSION = 1

Final = Literal["done", "err"]
_STAGES = ("doing", "cal_done", "timespan_done")


def binding_id_for(admin_account: str, exchange_account: str) -> str:
    """The binding id: base64 of "admin exchange", like the official docs' example id."""
    return base64.b64encode(f"{admin_account} {exchange_account}".encode()).decode("ascii")


def parse_binding_id(binding_id: str) -> tuple[str, str] | None:
    """The (admin, exchange) pair inside an id, or None when Feishu would call it invalid."""
    try:
        text = base64.b64decode(binding_id.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        return None
    admin, sep, exchange = text.partition(" ")
    if not sep or not admin or not exchange or " " in exchange:
        return None
    return admin, exchange


@dataclass(frozen=True, slots=True)
class StoredBinding:
    exchange_binding_id: str
    admin_account: str
    exchange_account: str
    user_id: str
    created_at: float  # wall-clock time, so the status keeps moving across a restart
    final: Final  # decided at creation: where the sync will end

    def status(self, now: float, sync_seconds: float) -> str:
        """The sync status, computed lazily from the age of the binding."""
        elapsed = now - self.created_at
        if sync_seconds <= 0 or elapsed >= sync_seconds:
            return self.final
        return _STAGES[max(0, int(len(_STAGES) * elapsed / sync_seconds))]

    def data(self, status: str) -> dict[str, str]:
        """The `data` object of the create and status answers."""
        return {
            "admin_account": self.admin_account,
            "exchange_account": self.exchange_account,
            "user_id": self.user_id,
            "status": status,
            "exchange_binding_id": self.exchange_binding_id,
        }


_FIELDS = tuple(f.name for f in fields(StoredBinding))


class BindingStore:
    """The bindings in memory, optionally mirrored to a JSON state file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._by_exchange: dict[str, StoredBinding] = {}
        self._by_id: dict[str, StoredBinding] = {}
        self.dirty = False
        if path is not None and path.exists():
            for binding in _read_state(path):
                self._index(binding)

    def __len__(self) -> int:
        return len(self._by_id)

    def by_exchange(self, exchange_account: str) -> StoredBinding | None:
        return self._by_exchange.get(exchange_account.casefold())

    def by_id(self, binding_id: str) -> StoredBinding | None:
        return self._by_id.get(binding_id)

    def add(self, binding: StoredBinding) -> None:
        self._index(binding)
        self.dirty = True

    def remove(self, binding: StoredBinding) -> None:
        del self._by_id[binding.exchange_binding_id]
        del self._by_exchange[binding.exchange_account.casefold()]
        self.dirty = True

    def snapshot(self) -> list[StoredBinding]:
        """A copy safe to serialise elsewhere (the bindings themselves are immutable)."""
        return list(self._by_id.values())

    def _index(self, binding: StoredBinding) -> None:
        self._by_id[binding.exchange_binding_id] = binding
        self._by_exchange[binding.exchange_account.casefold()] = binding


def write_state(path: Path, bindings: list[StoredBinding]) -> None:
    """Write the state file atomically: a reader sees the old file or the new one, never half."""
    document = {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "bindings": [{name: getattr(b, name) for name in _FIELDS} for b in bindings],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Owner-only, like the journal: the bindings name real people when a team rehearses.
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    write_private(path, data)


def _read_state(path: Path) -> list[StoredBinding]:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != STATE_FORMAT or document.get("version") != STATE_VERSION:
            error = Phrase("sandbox_state_version")
            raise ScenarioError.of("sandbox_state_unreadable", path=path, error=error)
        return [_binding(item) for item in document["bindings"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError.of("sandbox_state_unreadable", path=path, error=exc) from exc


def _binding(item: dict[str, Any]) -> StoredBinding:
    binding = StoredBinding(
        exchange_binding_id=str(item["exchange_binding_id"]),
        admin_account=str(item["admin_account"]),
        exchange_account=str(item["exchange_account"]),
        user_id=str(item["user_id"]),
        created_at=float(item["created_at"]),
        final="err" if item["final"] == "err" else "done",
    )
    return binding
