"""The journal: content identity, one process at a time, honest errors, report and purge."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    by_exchange,
    creates,
    read_results,
    run_cli,
    spawn_cli,
    write_input,
)

from batchbind.cli import cli
from batchbind.errors import JournalError, JournalLocked
from batchbind.model import Binding
from batchbind.store.journal import SCHEMA_VERSION, Journal, State, row_key


def rows(n: int, prefix: str = "p") -> list[list[str]]:
    return [[ADMIN, f"{prefix}{i:04}@corp.example", f"ou_{prefix}{i:04}"] for i in range(n)]


def run_args(source: Path, base_url: str, journal: Path, *extra: str | Path) -> list[str | Path]:
    return [
        "run", source, "--base-url", base_url, "--token", SANDBOX_TOKEN, "--state", journal,
        *FAST_RATES, *extra,
    ]  # fmt: skip


def test_rows_are_known_by_content_not_by_position_or_file(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    journal = tmp_path / "j.sqlite"
    first = write_input(tmp_path / "first.csv", rows(20))
    assert run_cli(*run_args(first, sandbox.base_url, journal)).returncode == 0
    sent = len(creates(sandbox))

    # Re-sorted, with a new row inserted, renamed, and as .xlsx: only the new row is sent.
    changed = [*reversed(rows(20)), [ADMIN, "new@corp.example", "ou_new"]]
    second = write_input(tmp_path / "renamed.xlsx", changed)
    done = run_cli(*run_args(second, sandbox.base_url, journal, "--out", tmp_path / "r.csv"))
    assert done.returncode == 0, done.stderr
    assert [r["exchange_account"] for r in creates(sandbox)[sent:]] == ["new@corp.example"]
    assert "skipped 20 rows" in done.stdout

    # The previous results file fed back in: nothing is sent at all.
    third = run_cli(*run_args(tmp_path / "r.csv", sandbox.base_url, journal))
    assert third.returncode == 0, third.stderr
    assert len(creates(sandbox)) == sent + 1
    results = read_results(tmp_path / "r.results.csv" if False else tmp_path / "r.csv")
    assert {r["outcome"] for r in results} == {"bound"}
    assert list(results[0])[:4] == ["admin_account", "exchange_account", "user_id", "row"]


def test_a_second_process_on_the_same_journal_exits_75_naming_the_holder(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 300, "max_ms": 300}})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(40))
    first = spawn_cli(*run_args(source, sandbox.base_url, journal, "--concurrency", "2"))
    try:
        deadline = time.monotonic() + 20
        while not creates(sandbox) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_cli(*run_args(source, sandbox.base_url, journal))
        assert second.returncode == 75, second.stderr
        assert f"process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0
    # Once the first is done, the lock is free again.
    assert run_cli(*run_args(source, sandbox.base_url, journal)).returncode == 0


def test_a_lock_left_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import sys, time; from pathlib import Path; from batchbind.store.journal import Journal; "
            f"j = Journal(Path({str(journal)!r}), tenant='t'); print('held', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(JournalLocked):
        Journal(journal, tenant="t")
    holder.kill()
    holder.wait()
    with Journal(journal, tenant="t") as opened:  # taken over safely
        assert opened.states() == {}


def test_a_damaged_or_foreign_or_newer_journal_is_refused_not_reset(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError, match="cannot be read"):
        Journal(damaged, tenant="t")
    assert damaged.read_bytes() == b"this is not a database" * 100

    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    with pytest.raises(JournalError, match="not a batchbind journal"):
        Journal(foreign, tenant="t")

    newer = tmp_path / "newer.sqlite"
    Journal(newer, tenant="t").close()
    with sqlite3.connect(newer) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    with pytest.raises(JournalError, match="newer batchbind"):
        Journal(newer, tenant="t")

    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "x.csv")])
    assert result.exit_code == 2  # (an unreadable input, for contrast: exit 2, one sentence)


def test_the_journal_cli_reports_a_damaged_journal_in_one_sentence(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    journal = tmp_path / "j.sqlite"
    journal.write_bytes(b"garbage" * 500)
    source = write_input(tmp_path / "in.csv", rows(3))
    done = run_cli(*run_args(source, sandbox.base_url, journal))
    assert done.returncode == 2
    assert "cannot be read" in done.stderr and "Traceback" not in done.stderr
    assert creates(sandbox) == []


def test_every_attempt_is_kept_for_audit_without_secrets(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "faults": {"rules": [{"exchange_account": "p0001@corp.example", "fault": "error_500"}]},
        }
    )
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(3))
    assert run_cli(*run_args(source, sandbox.base_url, journal)).returncode == 0
    key = row_key(
        sandbox.base_url.split("//")[1], "open_id", Binding(ADMIN, "p0001@corp.example", "ou_p0001")
    )
    with sqlite3.connect(journal) as db:
        attempts = db.execute(
            "SELECT endpoint, http_status, code, log_id, os_user, tenant FROM attempts "
            "WHERE key = ? ORDER BY id",
            (key,),
        ).fetchall()
    assert [(a[0], a[1], a[2]) for a in attempts] == [
        ("create", 500, "190003"),
        ("create", 200, "0"),
    ]
    assert all(a[3] and a[4] and a[5] == sandbox.base_url.split("//")[1] for a in attempts)
    assert SANDBOX_TOKEN.encode() not in journal.read_bytes()


def test_report_renders_the_last_run_again_from_the_journal(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tenant": {"missing_users": ["ou_p0002"]}})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", [*rows(4), ["bad", "x", "y"]])
    out = tmp_path / "results.csv"
    assert run_cli(*run_args(source, sandbox.base_url, journal, "--out", out)).returncode == 1
    original = read_results(out)
    out.unlink()  # the results file is lost (or was never written: a crash)

    done = run_cli("report", "--state", journal)
    assert done.returncode == 0, done.stderr
    assert read_results(out) == original  # written again where the run wrote it

    listing = run_cli("journal", "--state", journal)
    assert listing.returncode == 0
    # Under column headings (issue 13): the exit code is in its own column.
    heading, row = listing.stdout.splitlines()[1:3]
    assert heading.split()[:5] == ["run", "started", "(UTC)", "ended", "(UTC)"]
    assert row.split()[:5] == ["1", *row.split()[1:3], "run", "1"] and "in.csv" in row


def test_purge_forgets_old_runs_but_still_knows_what_is_bound(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(5))
    assert run_cli(*run_args(source, sandbox.base_url, journal)).returncode == 0
    done = run_cli("journal", "--state", journal, "purge", "--older-than", "0", "--yes")
    assert done.returncode == 0, done.stderr
    assert "purged 1 run and 5 attempts" in done.stdout  # "1 run", not "1 runs" (issue 13)
    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT count(*) FROM run_rows").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM attempts").fetchone() == (0,)
    sent = len(creates(sandbox))
    assert run_cli(*run_args(source, sandbox.base_url, journal)).returncode == 0
    assert len(creates(sandbox)) == sent  # still nothing sent twice
    refused = run_cli("journal", "--state", journal, "purge", "--older-than", "0")
    assert refused.returncode == 2  # no terminal to confirm, no --yes


def test_states_follow_the_answers(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite", tenant="Host:1")
    binding = Binding("A@x.com", "B@x.com", "ou_1")
    key = row_key("host:1", "open_id", binding)
    assert key == row_key("HOST:1", "open_id", Binding("a@X.com", "b@x.COM", "ou_1"))
    journal.add_pending([(key, "open_id", binding)])
    journal.mark_inflight(key)
    assert journal.states()[key].state is State.INFLIGHT
    journal.record(key, state=State.BOUND, endpoint="create", counted=True, code="0",
                   binding_id="id=", binding_status="doing")  # fmt: skip
    known = journal.states()[key]
    assert (known.state, known.binding_id, known.attempts) == (State.BOUND, "id=", 1)
    assert journal.bound_exchange_accounts() == {"b@x.com": key}
    journal.close()
    assert by_exchange([]) == {}


def test_a_permanent_failure_is_resent_only_when_fixed_or_with_retry_failed(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "tenant": {"missing_users": ["ou_p0001"]}})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(3))
    out = tmp_path / "out.csv"
    assert run_cli(*run_args(source, sandbox.base_url, journal, "--out", out)).returncode == 1
    assert len(creates(sandbox, "p0001@corp.example")) == 1

    again = run_cli(*run_args(source, sandbox.base_url, journal, "--out", out))
    assert again.returncode == 1  # still needs a person
    assert len(creates(sandbox, "p0001@corp.example")) == 1  # not resent
    failed = by_exchange(read_results(out))["p0001@corp.example"]
    assert failed["outcome"] == "failed" and failed["code"] == "195100"
    assert "--retry-failed" in failed["hint"]
    assert "failed permanently 1" in again.stdout

    retried = run_cli(*run_args(source, sandbox.base_url, journal, "--retry-failed"))
    assert retried.returncode == 1
    assert len(creates(sandbox, "p0001@corp.example")) == 2  # sent again on request

    fixed = write_input(tmp_path / "fixed.csv", [*rows(3)[:1], [ADMIN, "p0001@corp.example", "ou_right"], *rows(3)[2:]])  # fmt: skip
    done = run_cli(*run_args(fixed, sandbox.base_url, journal, "--out", out))
    assert done.returncode == 0, done.stdout  # a changed row is a new row: sent, and bound
    assert by_exchange(read_results(out))["p0001@corp.example"]["outcome"] == "bound"


def test_an_exchange_account_the_journal_knows_is_bound_to_someone_else_is_a_conflict(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    journal = tmp_path / "j.sqlite"
    assert run_cli(*run_args(write_input(tmp_path / "a.csv", rows(2)), sandbox.base_url, journal)).returncode == 0  # fmt: skip
    sent = len(creates(sandbox))
    other = write_input(tmp_path / "b.csv", [[ADMIN, "p0000@corp.example", "ou_someone_else"]])
    out = tmp_path / "b.results.csv"
    done = run_cli(*run_args(other, sandbox.base_url, journal, "--out", out))
    assert done.returncode == 1
    assert len(creates(sandbox)) == sent  # nothing sent
    (row,) = read_results(out)
    assert row["outcome"] == "invalid" and row["code"] == "bound_to_another_user"
    assert "ou_p0000" in row["msg"] and "unbind" in row["hint"]


# -- seams (issue 12): one lock per journal file, owner-only files, honest refusals --------------


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges on Windows")
@pytest.mark.parametrize("other_path", ["symlink", "hardlink"])
def test_any_path_to_one_journal_meets_the_same_lock(
    make_sandbox: MakeSandbox, tmp_path: Path, other_path: str
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 300, "max_ms": 300}})
    journal = tmp_path / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(40))
    Journal(journal, tenant="t").close()  # the journal exists: a link can point at it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    alias = elsewhere / "alias.sqlite"
    if other_path == "symlink":
        alias.symlink_to(journal)
    else:
        os.link(journal, alias)
    first = spawn_cli(*run_args(source, sandbox.base_url, journal, "--concurrency", "2"))
    try:
        deadline = time.monotonic() + 20
        while not creates(sandbox) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_cli(*run_args(source, sandbox.base_url, alias))
        assert second.returncode == 75, second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0
    assert len(creates(sandbox)) == 40  # no row was sent twice


def test_a_process_holding_a_journal_cannot_take_it_twice_in_process(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    alias = tmp_path / "alias.sqlite"
    with Journal(journal, tenant="t") as held:
        os.link(journal, alias)
        with pytest.raises(JournalLocked):
            Journal(alias, tenant="t")
        held.add_pending([("k", "open_id", Binding("a@x.com", "b@x.com", "ou_1"))])
        assert list(held.states()) == ["k"]  # the refused second open did not disturb the first
    Journal(alias, tenant="t").close()  # free again once closed


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_journals_and_their_folders_are_owner_only(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    source = write_input(tmp_path / "in.csv", rows(3))
    old = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless told otherwise
    try:
        done = run_cli(
            "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
            "--state", tmp_path / "new" / "deeper" / "j.sqlite", *FAST_RATES,
        )  # fmt: skip
        default = run_cli(
            "run", source, "--base-url", sandbox.base_url, "--token", SANDBOX_TOKEN,
            "--out", tmp_path / "r2.xlsx", *FAST_RATES,
        )  # fmt: skip
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert default.returncode == 0, default.stderr
    data = Path(os.environ["BATCHBIND_DATA_DIR"])
    journals = [tmp_path / "new" / "deeper", data / "journals"]
    for folder in journals:
        assert mode_of(folder) == 0o700, folder
        assert any(p.suffix == ".sqlite" for p in folder.iterdir())
        for path in folder.iterdir():
            assert mode_of(path) & 0o077 == 0, f"{path} is {oct(mode_of(path))}"
    assert mode_of(tmp_path / "new") == 0o700
    assert mode_of(data) == 0o700
    # The write-ahead files exist while a journal is open: owner-only too.
    old = os.umask(0o022)
    try:
        with Journal(tmp_path / "open" / "j.sqlite", tenant="t") as held:
            held.add_pending([("k", "open_id", Binding("a@x.com", "b@x.com", "ou_1"))])
            names = {p.name: mode_of(p) for p in (tmp_path / "open").iterdir()}
    finally:
        os.umask(old)
    assert {"j.sqlite", "j.sqlite-wal", "j.sqlite-shm"} <= set(names)
    assert all(mode & 0o077 == 0 for mode in names.values()), names


def test_a_journal_folder_that_is_a_file_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    # Tests run as root, which writes anywhere: a regular file where a folder should be is
    # unwritable for everyone.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    source = write_input(tmp_path / "in.csv", rows(2))
    for state in (blocker / "j.sqlite", blocker / "deeper" / "j.sqlite"):
        done = run_cli("run", source, "--base-url", "http://127.0.0.1:9", "--state", state,
                       env={"FEISHU_USER_ACCESS_TOKEN": SANDBOX_TOKEN})  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("Error: ") and "Traceback" not in done.stderr
        assert "cannot be created" in done.stderr and "damaged" not in done.stderr
        assert str(blocker) in done.stderr
    folder = tmp_path / "a-folder.sqlite"
    folder.mkdir()
    done = run_cli("report", "--state", folder)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "damaged" not in done.stderr


def read_only(folder: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`batchbind ARGS` with `folder` read-only to it, even as root.

    Permission bits do not stop root (who runs these tests in CI), so a root run gets a private
    mount namespace in which `folder` is bind-mounted read-only: writes fail with EROFS, as on a
    read-only share. Anyone else gets the permission bits.
    """
    command = [sys.executable, "-m", "batchbind", *map(str, args)]
    if os.geteuid() != 0:
        for path in folder.iterdir():
            path.chmod(0o400)
        folder.chmod(0o500)
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False)
        finally:
            folder.chmod(0o700)
    if shutil.which("unshare") is None:
        pytest.skip("root without unshare(1): no way to make a folder read-only")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "-", folder, "true"], check=False)
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not allowed here")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "-", folder, *command],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and mounts")
def test_a_read_only_journal_is_one_sentence_and_exit_2_not_damaged(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    folder = tmp_path / "ro"
    folder.mkdir()
    journal = folder / "j.sqlite"
    source = write_input(tmp_path / "in.csv", rows(3))
    assert run_cli(*run_args(source, sandbox.base_url, journal, "--out", tmp_path / "r.csv")).returncode == 0  # fmt: skip
    sent = len(creates(sandbox))

    done = read_only(folder, *run_args(source, sandbox.base_url, journal, "--out", tmp_path / "r.csv"))  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "damaged" not in done.stderr
    assert "read-only" in done.stderr and str(journal) in done.stderr
    assert len(creates(sandbox)) == sent

    fresh = read_only(folder, *run_args(source, sandbox.base_url, folder / "new.sqlite"))
    assert fresh.returncode == 2, fresh.stderr
    assert "Traceback" not in fresh.stderr and "damaged" not in fresh.stderr
    assert len(creates(sandbox)) == sent

    # Reading a read-only journal needs no writing: `report` and `journal` still work.
    shown = read_only(folder, "journal", "--state", journal)
    assert shown.returncode == 0, shown.stderr
    again = read_only(folder, "report", "--state", journal, "--out", tmp_path / "again.csv")
    assert again.returncode == 0, again.stderr
    assert read_results(tmp_path / "again.csv") == read_results(tmp_path / "r.csv")


def test_a_journal_of_the_first_schema_gains_the_notifications_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    Journal(path, tenant="t").close()
    with sqlite3.connect(path) as db:  # as version 1 left it
        db.execute("DROP TABLE notifications")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()

    with Journal(path, tenant="t") as journal:
        journal.record_notification(None, target="x", delivered=False, why="test")
        assert journal.notifications()[0]["why"] == "test"
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    db.close()
    assert int(version[0]) == SCHEMA_VERSION == 2


def test_purge_of_a_journal_that_does_not_exist_says_so_and_creates_nothing(
    tmp_path: Path,
) -> None:
    # A typo in --state used to create an empty journal there and report "purged 0 runs".
    journal = tmp_path / "typo.sqlite"
    done = run_cli("journal", "--state", journal, "purge", "--older-than", "0", "--yes")
    assert done.returncode == 2, done.stderr
    assert "There is no journal at" in done.stderr and "Traceback" not in done.stderr
    assert not journal.exists()
    assert list(tmp_path.iterdir()) == []
