"""The SQLite journal: the truth about every row, written as it changes.

A row is identified by its content (tenant host, user id type, admin account, Exchange account,
user id), never by its position in a file, so a re-sorted sheet, a renamed file or the previous
results file fed back in all find the same rows. The results spreadsheet is rendered from here, so
a crash between an answer and a spreadsheet write loses nothing. No token or secret is stored.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from batchbind.errors import JournalError
from batchbind.model import Binding
from batchbind.store.lock import ProcessLock, journal_lock
from batchbind.store.paths import private_folder

#: 1: rows, attempts, runs, run_rows. 2: notifications (the bot messages sent after a run).
SCHEMA_VERSION = 2

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    key TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    user_id_type TEXT NOT NULL,
    admin_account TEXT NOT NULL,
    exchange_account TEXT NOT NULL,
    exchange_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT NOT NULL,
    transient INTEGER NOT NULL DEFAULT 0,
    ambiguous INTEGER NOT NULL DEFAULT 0,
    code TEXT NOT NULL DEFAULT '',
    msg TEXT NOT NULL DEFAULT '',
    binding_id TEXT NOT NULL DEFAULT '',
    binding_status TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    log_id TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rows_by_exchange ON rows (tenant, exchange_key);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    run_id INTEGER,
    at TEXT NOT NULL,
    os_user TEXT NOT NULL,
    tenant TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    http_status INTEGER,
    code TEXT NOT NULL DEFAULT '',
    log_id TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (key);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    command TEXT NOT NULL,
    input TEXT NOT NULL DEFAULT '',
    tenant TEXT NOT NULL DEFAULT '',
    os_user TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    settings TEXT NOT NULL DEFAULT '{}',
    counts TEXT NOT NULL DEFAULT '{}',
    exit_code INTEGER,
    columns TEXT NOT NULL DEFAULT '[]',
    results TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE IF NOT EXISTS run_rows (
    run_id INTEGER PRIMARY KEY,
    data BLOB NOT NULL  -- zlib-compressed JSON: [[row, key, disposition, cells, fixed], ...]
);
"""

#: What each schema version adds to the one before, applied in order by `_migrate`. Only ever
#: additions, so a journal of any older version keeps every row it holds.
_MIGRATIONS: dict[int, str] = {
    2: """
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    at TEXT NOT NULL,
    os_user TEXT NOT NULL,
    target TEXT NOT NULL,  -- masked: the webhook's host and the start of its id, or chat:<id>
    delivered INTEGER NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    why TEXT NOT NULL DEFAULT '',
    tries INTEGER NOT NULL DEFAULT 0
);
""",
}


def _stored_version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a journal of schema `version` (1 for a new one) up to `SCHEMA_VERSION`."""
    for step in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
        db.executescript(_MIGRATIONS[step])
    db.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )


class State(StrEnum):
    PENDING = "pending"  # known, not sent yet (or sent and certainly not received)
    INFLIGHT = "inflight"  # a request left; its answer is not recorded yet
    BOUND = "bound"
    FAILED = "failed"
    UNBOUND = "unbound"


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # the extended result code
    return None if code is None else int(code) & 0xFF


def _take_lock(path: Path) -> ProcessLock:
    """Create the journal's folder (owner-only) and take its lock; one sentence if impossible."""
    try:
        private_folder(path.parent)
    except OSError as exc:
        folder = Path(exc.filename) if exc.filename else path.parent
        raise JournalError.of(
            "journal_folder_unwritable", folder=folder, error=exc.strerror or exc
        ) from None
    lock = journal_lock(path)
    try:
        lock.acquire()
    except IsADirectoryError:
        raise JournalError.of("journal_is_folder", path=path) from None
    except OSError as exc:
        if path.exists():
            raise JournalError.of(
                "journal_read_only", path=path, error=exc.strerror or exc
            ) from None
        raise JournalError.of(
            "journal_folder_unwritable", folder=path.parent, error=exc.strerror or exc
        ) from None
    return lock


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name on some containers and services
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def row_key(tenant: str, user_id_type: str, binding: Binding) -> str:
    """A row's journal key: its content (e-mails case-insensitive), never its position."""
    return key_of(
        tenant, user_id_type, binding.admin_account, binding.exchange_account, binding.user_id
    )


def key_of(tenant: str, user_id_type: str, admin: str, exchange: str, user_id: str) -> str:
    """`row_key` from the three values (see `Binding.identity`)."""
    raw = "\x1f".join(
        (tenant.lower(), user_id_type, admin.casefold(), exchange.casefold(), user_id)
    )
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(slots=True)
class RowState:
    key: str
    state: State
    transient: bool
    ambiguous: bool
    code: str
    msg: str
    binding_id: str
    binding_status: str
    attempts: int
    http_status: int | None
    log_id: str
    updated_at: str
    exchange_key: str
    user_id: str
    admin_account: str


@dataclass(slots=True)
class RunRecord:
    id: int
    command: str
    input: str
    tenant: str
    os_user: str
    started_at: str
    ended_at: str | None
    exit_code: int | None
    counts: dict[str, int]
    settings: dict[str, str]
    columns: list[str]
    results: str
    lang: str


_RUN_COLUMNS = (
    "id, command, input, tenant, os_user, started_at, ended_at, exit_code, counts, settings, "
    "columns, results, lang"
)


def _run_record(r: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        id=int(r[0]),
        command=str(r[1]),
        input=str(r[2]),
        tenant=str(r[3]),
        os_user=str(r[4]),
        started_at=str(r[5]),
        ended_at=None if r[6] is None else str(r[6]),
        exit_code=None if r[7] is None else int(r[7]),
        counts=json.loads(r[8] or "{}"),
        settings=json.loads(r[9] or "{}"),
        columns=json.loads(r[10] or "[]"),
        results=str(r[11]),
        lang=str(r[12]),
    )


_ROW_COLUMNS = (
    "key, state, transient, ambiguous, code, msg, binding_id, binding_status, attempts, "
    "http_status, log_id, updated_at, exchange_key, user_id, admin_account"
)


def _row_state(r: tuple[object, ...]) -> RowState:
    return RowState(
        key=str(r[0]),
        state=State(str(r[1])),
        transient=bool(r[2]),
        ambiguous=bool(r[3]),
        code=str(r[4]),
        msg=str(r[5]),
        binding_id=str(r[6]),
        binding_status=str(r[7]),
        attempts=int(r[8]),  # type: ignore[call-overload]
        http_status=None if r[9] is None else int(r[9]),  # type: ignore[call-overload]
        log_id=str(r[10]),
        updated_at=str(r[11]),
        exchange_key=str(r[12]),
        user_id=str(r[13]),
        admin_account=str(r[14]),
    )


class Journal:
    """One SQLite file, held by one process at a time (see `ProcessLock`)."""

    def __init__(self, path: Path, *, tenant: str, exclusive: bool = True) -> None:
        """Open (or create) the journal. `exclusive` holds the one-process lock; without it the
        journal is only read (an existing journal, e.g. for `report` while a run goes on)."""
        self.path = path
        self.tenant = tenant.lower()
        self.run_id: int | None = None
        self._user = os_user()
        self._lock: ProcessLock | None = None
        if exclusive:
            self._lock = _take_lock(path)
        elif not path.is_file():
            raise JournalError.of("journal_missing", path=path)
        try:
            self._db = self._open() if exclusive else self._open_to_read()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()
            if not mode or str(mode[0]).lower() != "wal":
                # Network drives often cannot share WAL memory; a rollback journal is slower but safe.
                log.warning(
                    "The journal %s cannot use write-ahead logging here (a network drive?); "
                    "using a slower rollback journal. A local --state is faster.",
                    self.path,
                )
                db.execute("PRAGMA journal_mode=DELETE")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=5000")
            existed = self._check_kind(db)
            db.executescript(_SCHEMA)
            _migrate(db, _stored_version(db) if existed else 1)
            return db
        except BaseException as exc:
            if db is not None:
                db.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._refusal(exc) from None
            raise

    def _open_to_read(self) -> sqlite3.Connection:
        """Open without writing anything, so a read-only journal can still be shown.

        A WAL journal needs its `-shm` file to be read; in a folder where none is left (the last
        writer removed it) and none can be made, SQLite can only read the file as immutable.
        No writer is at work then (it would have made the `-shm`); one starting while this reads
        is not seen, which is what a read-only share allows anyway.
        """
        uri = self.path.resolve().as_uri()
        db = None
        try:
            try:
                db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
                db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError as exc:
                if _primary_code(exc) != sqlite3.SQLITE_CANTOPEN:
                    raise
                if db is not None:
                    db.close()
                db = sqlite3.connect(
                    f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False
                )
            db.execute("PRAGMA busy_timeout=5000")
            if not self._check_kind(db):
                raise JournalError.of("journal_missing", path=self.path)
            return db
        except BaseException as exc:
            if db is not None:
                db.close()
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._refusal(exc) from None
            raise

    def _check_kind(self, db: sqlite3.Connection) -> bool:
        """Refuse a database that is not a journal, or a newer one; False if it is still empty."""
        found = db.execute("SELECT name FROM sqlite_master WHERE name='meta'").fetchone()
        others = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if not found and others:
            raise JournalError.of("journal_foreign", path=self.path)
        if found:
            version = _stored_version(db)
            if version > SCHEMA_VERSION:
                raise JournalError.of("journal_newer", path=self.path, version=version)
        return bool(found)

    def _refusal(self, exc: sqlite3.DatabaseError) -> JournalError:
        """What an SQLite error means for the user: only a file SQLite cannot make sense of is
        "damaged"; a file or folder it may not write is said to be so."""
        code = _primary_code(exc)
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
            return JournalError.of("journal_read_only", path=self.path, error=exc)
        if code == sqlite3.SQLITE_CANTOPEN:
            return JournalError.of("journal_folder_unwritable", folder=self.path.parent, error=exc)
        return JournalError.of("journal_unreadable", path=self.path, error=exc)

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- runs -------------------------------------------------------------------------------

    def start_run(self, command: str, *, input_name: str, settings: dict[str, str]) -> int:
        cur = self._db.execute(
            "INSERT INTO runs (command, input, tenant, os_user, pid, started_at, settings) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                command,
                input_name,
                self.tenant,
                self._user,
                os.getpid(),
                now_iso(),
                json.dumps(settings, sort_keys=True),
            ),
        )
        self.run_id = int(cur.lastrowid or 0)
        return self.run_id

    def end_run(self, *, counts: dict[str, int], exit_code: int) -> None:
        if self.run_id is None:
            return
        self._db.execute(
            "UPDATE runs SET ended_at = ?, counts = ?, exit_code = ? WHERE id = ?",
            (now_iso(), json.dumps(counts, sort_keys=True), exit_code, self.run_id),
        )

    #: one input row as a run saw it: (physical row, key, disposition, cells, fixed result)
    RunRow = tuple[int, str | None, str, list[str], dict[str, str] | None]

    def save_run_rows(
        self, columns: list[str], rows: Iterable[RunRow], *, results: str, lang: str
    ) -> None:
        """Keep the run's input rows, so `batchbind report` can render its results again.

        One compressed document per run: 100,000 rows are saved in a fraction of a second, before
        the first request leaves.
        """
        if self.run_id is None:
            raise RuntimeError("save_run_rows needs a started run")
        document = json.dumps(list(rows), ensure_ascii=False, separators=(",", ":"))
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET columns = ?, results = ?, lang = ? WHERE id = ?",
                (json.dumps(columns, ensure_ascii=False), results, lang, self.run_id),
            )
            db.execute(
                "INSERT OR REPLACE INTO run_rows (run_id, data) VALUES (?, ?)",
                (self.run_id, zlib.compress(document.encode("utf-8"), 1)),
            )

    def load_run_rows(self, run_id: int) -> tuple[RunRecord, list[RunRow]]:
        record = self.run(run_id)
        found = self._db.execute("SELECT data FROM run_rows WHERE run_id = ?", (run_id,)).fetchone()
        if found is None:
            return record, []
        stored = json.loads(zlib.decompress(found[0]).decode("utf-8"))
        rows: list[Journal.RunRow] = [(r, k, d, c, f) for r, k, d, c, f in stored]
        return record, rows

    def run(self, run_id: int) -> RunRecord:
        r = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        if r is None:
            raise JournalError.of("journal_no_run", path=self.path, run=run_id)
        return _run_record(r)

    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        cur = self._db.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_run_record(r) for r in cur]

    def last_run_id(self, command: str = "run") -> int | None:
        r = self._db.execute(
            "SELECT id FROM runs WHERE command = ? AND EXISTS "
            "(SELECT 1 FROM run_rows WHERE run_id = runs.id) ORDER BY id DESC LIMIT 1",
            (command,),
        ).fetchone()
        return None if r is None else int(r[0])

    def purge(self, *, before: str) -> tuple[int, int]:
        """Forget finished runs started up to `before` (ISO 8601): their saved rows and audit
        attempts. What is bound stays known (the rows table), so re-runs still never resend a
        bound row. Returns (runs removed, attempts removed).
        """
        with self._transaction() as db:
            ids = [
                int(r[0])
                for r in db.execute(
                    "SELECT id FROM runs WHERE started_at <= ? AND ended_at IS NOT NULL", (before,)
                )
            ]
            attempts = 0
            for run_id in ids:
                db.execute("DELETE FROM run_rows WHERE run_id = ?", (run_id,))
                attempts += db.execute("DELETE FROM attempts WHERE run_id = ?", (run_id,)).rowcount
                db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
            attempts += db.execute(
                "DELETE FROM attempts WHERE at <= ? AND (run_id IS NULL OR run_id NOT IN "
                "(SELECT id FROM runs))",
                (before,),
            ).rowcount
            db.execute(
                "DELETE FROM notifications WHERE at <= ? AND (run_id IS NULL OR run_id NOT IN "
                "(SELECT id FROM runs))",
                (before,),
            )
        self._db.execute("VACUUM")  # personal data must really leave the file
        return len(ids), attempts

    # -- notifications ----------------------------------------------------------------------

    def record_notification(
        self,
        run_id: int | None,
        *,
        target: str,
        delivered: bool,
        code: str = "",
        why: str = "",
        tries: int = 0,
    ) -> None:
        """Keep one bot message's fate for audit: where to (masked: never a whole webhook URL or
        a secret), whether it arrived, and if not, Feishu's code and why."""
        self._db.execute(
            "INSERT INTO notifications (run_id, at, os_user, target, delivered, code, why, tries) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, now_iso(), self._user, target, int(delivered), code, why, tries),
        )

    def notifications(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """The messages recorded (for one run, or all), oldest first."""
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
        cur = self._db.execute(
            "SELECT run_id, at, os_user, target, delivered, code, why, tries FROM notifications "
            f"{where} ORDER BY id",
            args,
        )
        names = ("run_id", "at", "os_user", "target", "delivered", "code", "why", "tries")
        return [dict(zip(names, r, strict=True)) for r in cur]

    # -- rows -------------------------------------------------------------------------------

    def states(self) -> dict[str, RowState]:
        """Every row of this tenant, by key."""
        cur = self._db.execute(f"SELECT {_ROW_COLUMNS} FROM rows WHERE tenant = ?", (self.tenant,))
        return {r[0]: _row_state(r) for r in cur}

    def states_for(self, keys: Iterable[str]) -> dict[str, RowState]:
        """The rows with these keys (a few hundred at a time), by key."""
        wanted = list(keys)
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        cur = self._db.execute(f"SELECT {_ROW_COLUMNS} FROM rows WHERE key IN ({marks})", wanted)
        return {r[0]: _row_state(r) for r in cur}

    def plan_view(self) -> dict[str, tuple[str, bool, bool, int]]:
        """What planning needs, cheaply: key -> (state, transient, ambiguous, attempts)."""
        cur = self._db.execute(
            "SELECT key, state, transient, ambiguous, attempts FROM rows WHERE tenant = ?",
            (self.tenant,),
        )
        return {k: (s, bool(t), bool(a), n) for k, s, t, a, n in cur}

    def get(self, key: str) -> RowState | None:
        r = self._db.execute(f"SELECT {_ROW_COLUMNS} FROM rows WHERE key = ?", (key,)).fetchone()
        return None if r is None else _row_state(r)

    def add_pending(self, items: Iterable[tuple[str, str, Binding]]) -> None:
        """Record rows about to be sent (key, user_id_type, binding); known rows keep their state."""
        stamp = now_iso()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO rows (key, tenant, user_id_type, admin_account, "
                "exchange_account, exchange_key, user_id, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (
                    (
                        key,
                        self.tenant,
                        uid_type,
                        b.admin_account,
                        b.exchange_account,
                        b.exchange_account.casefold(),
                        b.user_id,
                        stamp,
                    )
                    for key, uid_type, b in items
                ),
            )

    def mark_inflight(self, key: str) -> None:
        """Written before the request leaves: a crash now means "maybe sent"."""
        self._db.execute(
            "UPDATE rows SET state = 'inflight', updated_at = ? WHERE key = ?", (now_iso(), key)
        )

    def mark_ambiguous(self, keys: Iterable[str]) -> None:
        """An earlier request for these rows may have reached Feishu without an answer."""
        with self._transaction() as db:
            db.executemany("UPDATE rows SET ambiguous = 1 WHERE key = ?", ((k,) for k in keys))

    def set_binding_status(self, key: str, status: str) -> bool:
        """A bound row's sync status as Feishu just said (`status`); True if it changed.

        A status query is a read, not an attempt: no audit row, and `updated_at` moves only
        when the status really changed.
        """
        cur = self._db.execute(
            "UPDATE rows SET binding_status = ?, updated_at = ? "
            "WHERE key = ? AND state = 'bound' AND binding_status != ?",
            (status, now_iso(), key, status),
        )
        return cur.rowcount > 0

    def record(
        self,
        key: str,
        *,
        state: State,
        endpoint: str,
        counted: bool,
        transient: bool = False,
        code: str = "",
        msg: str = "",
        http_status: int | None = None,
        log_id: str = "",
        binding_id: str | None = None,
        binding_status: str | None = None,
        ambiguous: bool | None = None,
        note: str = "",
    ) -> None:
        """Record an answer (or its absence) for a row, and keep the attempt for audit."""
        stamp = now_iso()
        sets = [
            "state = ?",
            "transient = ?",
            "code = ?",
            "msg = ?",
            "http_status = ?",
            "log_id = ?",
            "updated_at = ?",
            "attempts = attempts + ?",
        ]
        args: list[object] = [
            state.value,
            int(transient),
            code,
            msg,
            http_status,
            log_id,
            stamp,
            int(counted),
        ]
        if binding_id is not None:
            sets.append("binding_id = ?")
            args.append(binding_id)
        if binding_status is not None:
            sets.append("binding_status = ?")
            args.append(binding_status)
        if ambiguous is not None:
            sets.append("ambiguous = ?")
            args.append(int(ambiguous))
        with self._transaction() as db:
            db.execute(f"UPDATE rows SET {', '.join(sets)} WHERE key = ?", (*args, key))
            db.execute(
                "INSERT INTO attempts (key, run_id, at, os_user, tenant, endpoint, http_status, "
                "code, log_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    self.run_id,
                    stamp,
                    self._user,
                    self.tenant,
                    endpoint,
                    http_status,
                    code,
                    log_id,
                    note,
                ),
            )

    def bound_exchange_accounts(self) -> dict[str, str]:
        """exchange account (casefolded) -> key of the row the journal knows is bound to it."""
        cur = self._db.execute(
            "SELECT exchange_key, key FROM rows WHERE tenant = ? AND state = 'bound'",
            (self.tenant,),
        )
        return {str(e): str(k) for e, k in cur}
