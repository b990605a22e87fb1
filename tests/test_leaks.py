"""Seams that leaked secrets (issue 12, items 6, 7 and 9), each shown with the real CLI.

`--sandbox` sends only the sandbox's own token; text a server (or a proxy) echoes back is
scrubbed of the token before the journal, the results, the log or the screen see it; a base URL
with a user name or password in it is refused before anything is stored.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    read_results,
    run_cli,
    write_input,
)
from oauth_flow import bb

from batchbind.feishu.client import Reply, _parse
from batchbind.sandbox import SandboxServer
from batchbind.sandbox.owner import owner_key
from batchbind.sandbox.scenario import scenario_from_dict

ROWS = [(ADMIN, f"user{i}@corp.example", f"ou_user{i}") for i in range(6)]
#: A token the sandbox accepts too: were it sent, the run would still succeed, so only the
#: request log can tell which token arrived.
ENV_TOKEN = "u-from-the-environment-QQQQQQQQQQQQQQQQ"


@pytest.fixture
def background_sandbox(tmp_path: Path) -> Iterator[tuple[SandboxServer, Path]]:
    """A sandbox where `--sandbox-scenario FILE` looks for one (this test's port, same scenario).

    In-process, so the test reads its request log; `ensure_sandbox` finds it by its port, the
    proof that it holds this user's key and its scenario's digest, and uses it instead of
    starting one.
    """
    scenario = {"limits": FAST_LIMITS, "tokens": {ENV_TOKEN: "super_admin"}}
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    server = SandboxServer(
        scenario_from_dict(scenario),
        port=int(os.environ["BATCHBIND_SANDBOX_PORT"]),
        state_file=tmp_path / "sandbox-state.json",
        owner_key=owner_key(),
    )
    server.start()
    try:
        yield server, path
    finally:
        server.stop()


# -- item 6: --sandbox sends only the sandbox's own token ----------------------------------------


def test_sandbox_never_receives_the_environments_token(
    background_sandbox: tuple[SandboxServer, Path], tmp_path: Path
) -> None:
    sandbox, scenario = background_sandbox
    source = write_input(tmp_path / "in.csv", ROWS)
    done = run_cli(
        "run", source, "--sandbox-scenario", scenario, "--state", tmp_path / "j.sqlite",
        *FAST_RATES, env={"FEISHU_USER_ACCESS_TOKEN": ENV_TOKEN},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = {r["token"] for r in sandbox.requests()}
    assert seen == {SANDBOX_TOKEN}, seen
    assert len([r for r in sandbox.requests() if r["endpoint"] == "create"]) == len(ROWS)


def test_sandbox_never_receives_a_stored_profile(
    background_sandbox: tuple[SandboxServer, Path], tmp_path: Path
) -> None:
    sandbox, scenario = background_sandbox
    stored = bb("auth", "import", "--base-url", sandbox.base_url, "--no-check", stdin=ENV_TOKEN)
    assert stored.exit_code == 0, stored.output
    source = write_input(tmp_path / "in.csv", ROWS)
    done = run_cli(
        "status", source, "--sandbox-scenario", scenario, "--state", tmp_path / "j.sqlite"
    )
    assert done.returncode in (0, 1), done.stderr
    assert {r["token"] for r in sandbox.requests()} <= {SANDBOX_TOKEN}


def test_sandbox_refuses_a_token_given_on_the_command_line(
    background_sandbox: tuple[SandboxServer, Path], tmp_path: Path
) -> None:
    sandbox, scenario = background_sandbox
    source = write_input(tmp_path / "in.csv", ROWS)
    done = run_cli(
        "run", source, "--sandbox-scenario", scenario, "--token", ENV_TOKEN,
        "--state", tmp_path / "j.sqlite", *FAST_RATES,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Error: ") and "--sandbox" in done.stderr
    assert ENV_TOKEN not in done.stderr and "QQQQ" not in done.stderr
    assert sandbox.requests() == []
    assert not (tmp_path / "j.sqlite").exists()


# -- item 9: a base URL with a user name or password is refused before anything is stored -------


@pytest.mark.parametrize(
    "userinfo", ["admin:Pa55word-secret@", "Pa55word-secret@", ":Pa55word-secret@"]
)
def test_a_base_url_with_credentials_is_refused_and_never_stored(
    make_sandbox: MakeSandbox, tmp_path: Path, userinfo: str
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    url = sandbox.base_url.replace("http://", f"http://{userinfo}")
    source = write_input(tmp_path / "in.csv", ROWS)
    journal = tmp_path / "j.sqlite"
    env = {"FEISHU_USER_ACCESS_TOKEN": SANDBOX_TOKEN}
    for args in (
        ("run", source, "--base-url", url, "--state", journal, *FAST_RATES),
        ("status", source, "--base-url", url, "--state", journal),
        ("auth", "import", "--base-url", url, "--no-check"),
    ):
        done = run_cli(*args, env=env)
        # `auth` exits 1 for every refusal (as for a bad token); the binding commands exit 2.
        assert done.returncode == (1 if args[0] == "auth" else 2), (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
        assert "Pa55word" not in done.stderr + done.stdout
        assert "user name or password" in done.stderr
    assert not journal.exists()
    assert sandbox.requests() == []
    data, config = (Path(os.environ[n]) for n in ("BATCHBIND_DATA_DIR", "BATCHBIND_CONFIG_DIR"))
    for folder in (data, config):
        for path in folder.rglob("*") if folder.exists() else ():
            assert not path.is_file() or b"Pa55word" not in path.read_bytes(), path


# -- item 7: what a server or proxy echoes back is scrubbed before it is written anywhere --------

#: Shaped like a real user token (the sandbox accepts it as the super administrator's).
ECHOED_TOKEN = "u-" + "Q" * 12 + "echoed" + "Z" * 14


def every_byte_written(*paths: Path) -> dict[str, bytes]:
    found = {}
    for path in paths:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            found[str(file)] = file.read_bytes()
    return found


def test_an_echoed_authorization_header_never_reaches_the_journal_results_or_screen(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    missing = [f"ou_user{i}" for i in (1, 4)]
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "sync": {"seconds": 0},
            "tokens": {ECHOED_TOKEN: "super_admin"},
            "tenant": {"missing_users": missing},
            "faults": {"echo_authorization": 1.0, "endpoints": ["create", "get", "delete"]},
        }
    )
    source = write_input(tmp_path / "in.csv", ROWS)
    journal = tmp_path / "j.sqlite"
    env = {"FEISHU_USER_ACCESS_TOKEN": ECHOED_TOKEN}
    common = ("--base-url", sandbox.base_url, "--state", journal, "-v")
    outputs = []
    for args in (
        ("run", source, *common, *FAST_RATES, "--log-file", tmp_path / "run.log"),
        ("run", source, *common, *FAST_RATES, "--out", tmp_path / "again.csv"),
        ("status", source, *common, "--out", tmp_path / "status.xlsx"),
        ("report", "--state", journal, "--out", tmp_path / "report.csv"),
    ):
        done = run_cli(*args, env=env)
        assert done.returncode in (0, 1), (args, done.stderr)
        outputs.append(done.stdout + done.stderr)
    echoed = [r for r in sandbox.requests() if r["fault"] == "echo_authorization"]
    assert len(echoed) >= len(ROWS)  # the proxy really echoed, on create and on get

    rows = read_results(tmp_path / "in.results.xlsx")
    assert {r["outcome"] for r in rows} == {"bound", "failed"}
    assert all(r["log_id"] for r in rows)  # the log id is kept, only the token is cut out
    files = every_byte_written(tmp_path, Path(os.environ["BATCHBIND_DATA_DIR"]))
    files["output"] = "\n".join(outputs).encode()
    with sqlite3.connect(journal) as db:  # the WAL may hold rows the main file does not yet
        files["journal rows"] = repr(db.execute("SELECT * FROM rows").fetchall()).encode()
        files["journal attempts"] = repr(db.execute("SELECT * FROM attempts").fetchall()).encode()
    for where, data in files.items():
        if where.endswith(".xlsx"):
            with zipfile.ZipFile(where) as book:
                data = b"".join(book.read(n) for n in book.namelist())
        assert ECHOED_TOKEN.encode() not in data, f"the token leaked into {where}"
        assert b"QQQQQQ" not in data and b"ZZZZZZ" not in data, f"part of it leaked into {where}"


def test_server_text_loses_tokens_nobody_registered() -> None:
    # A token minted elsewhere (a refresh, another tool) is not registered, but its shape gives
    # it away; the ids of an answer's data are left alone.
    stranger = "u-" + "x" * 20 + "-"
    body = {
        "code": 99991668,
        "msg": f"invalid token {stranger} (Authorization: Bearer abc.def)",
        "data": {"user_id": "ou_3f2a", "exchange_binding_id": "YWRtaW4gdXNlcg=="},
    }
    reply = Reply(400, {"x-tt-logid": f"2024X Bearer {stranger}"}, json.dumps(body).encode())
    answer = _parse(reply)
    assert stranger not in answer.msg + answer.log_id and "abc.def" not in answer.msg
    assert answer.msg.startswith("invalid token ***") and answer.log_id.startswith("2024X ")
    assert answer.data == body["data"]
    page = _parse(Reply(502, {}, f"<html>Bearer {stranger}</html>".encode()))
    assert stranger not in page.msg and "HTTP 502" in page.msg
