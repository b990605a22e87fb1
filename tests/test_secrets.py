"""The access token, the refresh token and the app secret never appear anywhere but the profile.

Every command runs with known secrets, `-v` and `--log-file` where it has them; everything
written (stdout, stderr, the log, results files, the journal, every other file batchbind left
behind) is searched for them, and for anything shaped like a token the sandbox issues (refreshes
mint new ones mid-run; `resolve` gets tenant tokens from the app's ID and secret). One run is made
to crash with a secret in its exception, so a traceback in `-v` output is searched too.
"""

from __future__ import annotations

import json
import logging
import os
import re
import zipfile
from pathlib import Path

import pytest
from conftest import ADMIN, FAST_LIMITS, FAST_RATES, MakeSandbox, write_input
from oauth_flow import APP_ID, bb, grant, profile_path

from batchbind.store.journal import Journal

APP_SECRET = "AppS3cret-that-must-never-leak"
#: Every token shape the sandbox issues: access (`u-`) and refresh (`ur-`) tokens of 32 URL-safe
#: characters (which may end in `-`, so no `\b`), tenant tokens, authorization codes.
TOKEN_SHAPE = re.compile(
    r"(?<![\w-])(?:ur?-[A-Za-z0-9_-]{32}(?![\w-])|t-sandbox-\d+|sbx-code-[A-Za-z0-9_-]{16})"
)
COMMANDS = (
    "run", "validate", "status", "unbind", "resolve", "report", "journal", "journal purge",
    "template", "auth", "auth login", "auth import", "auth status", "auth logout", "doctor",
)  # fmt: skip


def test_the_token_shape_finds_every_token_the_sandbox_issues() -> None:
    for token in ("u-" + "a" * 31 + "-", "ur-" + "-" * 32, "t-sandbox-12", "sbx-code-" + "b" * 16):
        assert TOKEN_SHAPE.findall(f'"{token}"') == [token], token
        assert TOKEN_SHAPE.findall(f"Bearer {token}\n") == [token], token


def every_file(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def readable_text(path: Path) -> str:
    """A file's bytes as text; an .xlsx is unzipped so its cells are searched too."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_no_secret_is_written_anywhere_but_the_profile(
    make_sandbox: MakeSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "sync": {"seconds": 0},
            "directory": {"app_secret": APP_SECRET},
            "oauth": {"app_secret": APP_SECRET, "access_calls": 4},
            "tenant": {"missing_users": ["ou_left"]},
            "faults": {"rules": [{"exchange_account": "p1@corp.example", "fault": "error_500"}]},
        }
    )
    first = grant(sandbox, app_secret=APP_SECRET)
    secrets = {first["access_token"], first["refresh_token"], APP_SECRET}
    rows = [(ADMIN, f"p{i}@corp.example", f"ou_p{i}") for i in range(9)]
    rows += [(ADMIN, "left@corp.example", "ou_left"), (ADMIN, "bad", "ou_bad")]
    source = write_input(tmp_path / "in.csv", rows)
    log = tmp_path / "debug.log"
    common = ("-v", "--log-file", log)
    env = {"FEISHU_APP_SECRET": APP_SECRET}
    said: list[str] = []

    def say(
        *args: str | Path, stdin: str | None = None, code: int | None = 0, logged: bool = True
    ) -> None:
        extra = common if logged and "--help" not in args else ()
        result = bb(*args, *extra, stdin=stdin, env=env)
        said.append(result.output)
        assert "Traceback" not in result.output or "-v" in extra, result.output
        if code is not None:
            assert result.exit_code == code, result.output

    say("auth", "import", "--base-url", sandbox.base_url, "--app-id", APP_ID,
        stdin=json.dumps(first))  # fmt: skip
    say("auth", "status")
    say("auth", "status", "--json")
    say("validate", source, "--out", tmp_path / "checked.xlsx", code=1)
    # The profile's token runs out every 4 calls: the run renews it several times.
    say("run", source, "--state", tmp_path / "j.sqlite", "--out", tmp_path / "r.xlsx",
        "--concurrency", "2", *FAST_RATES, code=1)  # fmt: skip
    say("run", source, "--state", tmp_path / "j.sqlite", "--out", tmp_path / "r.csv",
        "--retry-failed", *FAST_RATES, code=1)  # fmt: skip
    say("doctor", source, code=None)  # the token's expiry and renewal, never the token
    say("doctor", source, "--json", code=None)
    stored = json.loads(profile_path().read_text())
    secrets |= {stored["access_token"], stored["refresh_token"], stored["app_secret"]}
    assert stored["app_secret"] == APP_SECRET and stored["access_token"] != first["access_token"]
    # A spent token on the command line: refused, cannot be renewed, the run stops.
    say("run", source, "--base-url", sandbox.base_url, "--token", first["access_token"],
        "--state", tmp_path / "k.sqlite", "--out", tmp_path / "k.csv", code=3)  # fmt: skip
    # The rest of the binding lifecycle, on the profile's renewed tokens.
    journal = ("--state", tmp_path / "j.sqlite")
    say("status", tmp_path / "r.xlsx", *journal, *FAST_RATES, code=None)
    say("unbind", tmp_path / "r.csv", *journal, "--rows", "2", "--yes", "--reason", "sweep",
        *FAST_RATES)  # fmt: skip
    say("report", *journal, "--out", tmp_path / "again.xlsx")
    say("journal", *journal, logged=False)
    say("journal", *journal, "--json", logged=False)
    say("journal", *journal, "purge", "--older-than", "9999", "--yes", logged=False)
    say("template", tmp_path / "template.xlsx", logged=False)
    # resolve: tenant tokens from the app's ID and secret (FEISHU_APP_ID / FEISHU_APP_SECRET).
    people = write_input(tmp_path / "people.csv", [("a@corp.example",)], header=("email",))
    say("resolve", people, "--base-url", sandbox.base_url, "--app-id", APP_ID, code=None)
    assert any(r["endpoint"] == "lookup" for r in sandbox.requests())  # a tenant token was used
    # An internal error whose text holds the current token: the traceback of -v is scrubbed too.
    live = json.loads(profile_path().read_text())["access_token"]

    def crash(self: Journal, **_: object) -> None:
        raise RuntimeError(f"broke while holding Bearer {live}")

    with monkeypatch.context() as patched:
        patched.setattr(Journal, "end_run", crash)
        say("run", source, *journal, "--out", tmp_path / "crash.csv", *FAST_RATES, code=70)
    assert "RuntimeError: broke while holding Bearer ***" in log.read_text()
    for command in COMMANDS:
        say(*command.split(), "--help")
    say("auth", "logout")
    secrets.add(live)

    assert "DEBUG batchbind" in log.read_text()  # -v really was on
    data, config = Path(os.environ["BATCHBIND_DATA_DIR"]), Path(os.environ["BATCHBIND_CONFIG_DIR"])
    files = every_file(tmp_path, data, config)
    assert any(p.name.startswith("j.sqlite") for p in files)  # the journal is searched
    texts = {f"output {n}": text for n, text in enumerate(said)}
    texts |= {str(p): readable_text(p) for p in files}
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
        assert not TOKEN_SHAPE.findall(text), f"a token leaked into {where}"


def test_with_v_and_a_log_file_httpcore_traces_nothing_and_its_records_are_redacted(
    tmp_path: Path,
) -> None:
    from batchbind.auth import redact
    from batchbind.cli.common import setup_logging

    setup_logging(verbose=True, quiet=False, log_file=tmp_path / "log.txt")
    try:
        httpcore = logging.getLogger("httpcore")
        assert not httpcore.isEnabledFor(logging.DEBUG)  # ~10 trace lines a request otherwise
        assert any(isinstance(f, redact.RedactingFilter) for f in httpcore.filters)
    finally:
        for handler in logging.getLogger("batchbind").handlers:
            handler.close()
        logging.getLogger("batchbind").handlers.clear()
