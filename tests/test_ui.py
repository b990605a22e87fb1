"""`batchbind ui`: the real server on loopback, driven by a real HTTP client (httpx).

The page's own behaviour in a browser is tested elsewhere (Playwright); here: who may use the
server, and that its jobs are the CLI's (same validation, same journal, same lock, same stop).
"""

from __future__ import annotations

import io
import json
import re
import signal
import socket
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import openpyxl
import pytest
from conftest import (
    ADMIN,
    FAST_LIMITS,
    FAST_RATES,
    SANDBOX_TOKEN,
    MakeSandbox,
    free_port,
    read_results,
    run_cli,
    spawn_cli,
    write_input,
)
from oauth_flow import APP_ID, APP_SECRET

from batchbind.auth.profiles import Profile, ProfileStore
from batchbind.auth.scopes import LOGIN_SCOPES, TRACKER_SCOPES
from batchbind.feishu.client import tenant_host
from batchbind.output import i18n
from batchbind.sandbox import SandboxServer
from batchbind.store.journal import Journal, State
from batchbind.store.lock import journal_lock
from batchbind.store.paths import default_journal
from batchbind.ui import UiServer
from batchbind.ui.session import Pace
from batchbind.ui.targets import SandboxChoice

SAMPLE = Path(__file__).parent.parent / "sample_data" / "bindings.csv"
FAST = Pace(rate_per_second=5000, rate_per_minute=300000)


def _rows(n: int, start: int = 0) -> list[tuple[str, str, str]]:
    return [(ADMIN, f"user{i}@corp.example", f"ou_{i:032x}") for i in range(start, start + n)]


class Page:
    """A visitor who opened the printed link: the cookie, the page token, every body seen."""

    def __init__(self, server: UiServer) -> None:
        self.server = server
        self.bodies: list[bytes] = []
        self.http = httpx.Client(
            base_url=server.base_url,
            timeout=30,
            event_hooks={"response": [self._keep]},
        )
        first = self.http.get(server.link)
        assert first.status_code == 302 and first.headers["location"] == "/"
        page = self.http.get("/")
        assert page.status_code == 200
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert found
        self.csrf = found.group(1)

    def _keep(self, response: httpx.Response) -> None:
        if "text/event-stream" not in response.headers.get("content-type", ""):
            self.bodies.append(response.read())

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.http.post(path, headers=headers, **kwargs)

    def upload(self, path: Path) -> httpx.Response:
        with path.open("rb") as f:
            return self.post("/api/input", files={"file": (path.name, f)})

    def state(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.http.get("/api/state").json()
        return answer

    def wait(self, *states: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snap = self.state()
            if snap["state"] in states:
                return snap
            time.sleep(0.05)
        raise AssertionError(f"still {self.state()}")


@pytest.fixture
def serve(make_sandbox: MakeSandbox) -> Iterator[Any]:
    servers: list[UiServer] = []

    def start(
        sandbox: SandboxServer | None = None, *, pace: Pace = FAST, **kw: Any
    ) -> tuple[UiServer, Page]:
        sandbox = sandbox or make_sandbox({"limits": FAST_LIMITS})
        server = UiServer(sandbox=SandboxChoice(base_url=sandbox.base_url), pace=pace, **kw)
        server.start()
        servers.append(server)
        return server, Page(server)

    yield start
    for server in servers:
        server.stop()


# -- who may use it ----------------------------------------------------------------------------


def test_without_the_secret_every_request_gets_403_and_a_page_saying_to_open_the_link(
    serve: Any,
) -> None:
    server, _page = serve()
    with httpx.Client(base_url=server.base_url) as stranger:
        for path in ("/", "/api/config", "/api/results.xlsx", "/static/app.js"):
            answer = stranger.get(path)
            assert answer.status_code == 403, path
            assert 'id="need-link"' in answer.text
            assert (
                "open the printed link" in answer.text.lower()
                or "Open the printed link" in answer.text
            )
            assert (
                "请打开终端中显示的链接" in answer.text
            )  # both languages: the visitor's is unknown
        wrong = stranger.get("/", params={"token": "guessed"})
        assert wrong.status_code == 403
        assert stranger.post("/api/run", json={}).status_code == 403


def test_the_first_visit_sets_a_strict_http_only_cookie_and_takes_the_secret_out_of_the_url(
    serve: Any,
) -> None:
    server, _page = serve()
    with httpx.Client(base_url=server.base_url) as visitor:
        first = visitor.get(server.link)
        assert first.status_code == 302 and first.headers["location"] == "/"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = visitor.get("/")
        assert page.status_code == 200
        assert server.guard.secret not in page.text  # the page itself never holds the secret
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "script-src 'self';" in page.headers["content-security-policy"]


def test_two_pages_on_two_ports_keep_their_own_cookies(serve: Any) -> None:
    first, _page = serve()
    second, _other = serve()
    with httpx.Client() as browser:  # one browser: its cookies for 127.0.0.1 go to both ports
        for server in (first, second):
            assert browser.get(server.link).status_code == 302
        for server in (first, second):
            assert browser.get(server.base_url + "/api/config").status_code == 200


def test_the_new_link_works_in_a_browser_holding_an_old_pages_cookie(serve: Any) -> None:
    # `batchbind ui` started again on the same port makes a new secret, while the browser still
    # sends the last page's cookie: the printed link must still open the page (it was refused).
    server, _page = serve()
    with httpx.Client(base_url=server.base_url) as browser:
        browser.cookies.set(server.guard.cookie, "the-last-pages-secret")
        first = browser.get(server.link)
        assert first.status_code == 302 and first.headers["location"] == "/"
        assert browser.get("/api/config").status_code == 200
    with httpx.Client(base_url=server.base_url) as stranger:
        stranger.cookies.set(server.guard.cookie, "the-last-pages-secret")
        assert stranger.get("/api/config").status_code == 403


def test_a_foreign_host_is_refused_even_with_the_secret(serve: Any) -> None:
    server, page = serve()
    for host in ("evil.example", f"evil.example:{server.port}", f"127.0.0.1:{server.port + 1}"):
        answer = page.http.get("/", headers={"Host": host})
        assert answer.status_code == 403, host
        assert 'id="need-link"' in answer.text
    assert page.http.get("/", headers={"Host": f"localhost:{server.port}"}).status_code == 200


def test_a_post_without_the_page_token_is_refused(serve: Any, tmp_path: Path) -> None:
    _server, page = serve()
    source = write_input(tmp_path / "in.csv", _rows(2))
    with source.open("rb") as f:
        bare = page.http.post("/api/input", files={"file": ("in.csv", f)})
    assert bare.status_code == 403
    assert "reload" in bare.json()["error"]
    forged = page.http.post("/api/run", json={}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    assert page.upload(source).status_code == 200


def test_an_upload_over_the_limit_is_refused_and_not_kept(serve: Any, tmp_path: Path) -> None:
    server, page = serve(max_upload=2000)
    big = write_input(tmp_path / "big.csv", _rows(100))
    assert big.stat().st_size > 2000
    answer = page.upload(big)
    assert answer.status_code == 413
    assert "BATCHBIND_UI_MAX_UPLOAD_MB" in answer.json()["error"]
    assert not [p for p in server.folder.rglob("*") if p.is_file()]
    assert page.upload(write_input(tmp_path / "small.csv", _rows(3))).status_code == 200


def test_the_private_folder_is_the_owners_only_and_goes_away_with_the_server(
    serve: Any,
) -> None:
    server, page = serve()
    assert page.upload(SAMPLE).status_code == 200
    if sys.platform != "win32":
        for folder in [server.folder, *(p for p in server.folder.rglob("*") if p.is_dir())]:
            assert folder.stat().st_mode & 0o077 == 0, folder
    server.stop()
    assert not server.folder.exists()


def test_the_ceiling_is_the_tighter_of_the_two_budgets() -> None:
    assert Pace(rate_per_second=10, rate_per_minute=1000).ceiling == 600
    assert Pace().ceiling == 1000


def test_the_upload_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from batchbind.ui.server import max_upload_bytes

    assert max_upload_bytes() == 200 * 1024 * 1024
    monkeypatch.setenv("BATCHBIND_UI_MAX_UPLOAD_MB", "1.5")
    assert max_upload_bytes() == int(1.5 * 1024 * 1024)


# -- the CLI's jobs ----------------------------------------------------------------------------


def test_the_check_groups_the_problems_as_validate_json_does(serve: Any, tmp_path: Path) -> None:
    server, page = serve()
    checked = page.upload(SAMPLE)
    assert checked.status_code == 200
    shown = checked.json()
    cli = run_cli("validate", SAMPLE, "--json", "--out", tmp_path / "v.xlsx")
    expected = json.loads(cli.stdout)
    # A hint may name the file in a command to run: the page names it as the user chose it
    # (bindings.csv), never by the server's private copy.
    assert str(server.folder) not in json.dumps(shown)
    named = re.compile(r"\S*bindings(\.resolved)?\.csv")
    for group in expected["causes"]:
        group["hint"] = named.sub(lambda m: Path(m.group(0)).name, group["hint"])
    assert shown["groups"] == expected["causes"]
    assert shown["counts"] == expected["counts"]
    assert shown["rows"] == expected["rows"] == 42
    assert shown["exit_code"] == cli.returncode == 1


def test_a_run_against_the_sandbox_ends_with_the_counts_the_journal_holds(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    _server, page = serve(sandbox)
    source = write_input(tmp_path / "in.csv", [*_rows(30), (ADMIN, "bad", "ou_x")])
    assert page.upload(source).status_code == 200
    started = page.post("/api/run", json={"target": "sandbox"})
    assert started.status_code == 202
    done = page.wait("done", "error")
    assert done["state"] == "done", done
    assert done["exit_code"] == 1  # one invalid row needs a person
    assert done["ceiling"] == 300000 and done["requests"] == 30
    with Journal(
        default_journal("default"), tenant=tenant_host(sandbox.base_url), exclusive=False
    ) as journal:
        states = journal.states()
    bound = sum(1 for s in states.values() if s.state is State.BOUND)
    assert bound == 30 == done["counts"]["bound"]
    assert done["counts"]["invalid"] == 1 and done["counts"]["pending"] == 0
    results = page.http.get("/api/results").json()
    assert results["summary"]["bound"] == 30 and results["total"] == 31
    assert {r["outcome"] for r in results["rows"]} == {"bound", "invalid"}
    only_bound = page.http.get("/api/results", params={"outcome": "bound"}).json()
    assert only_bound["total"] == 30
    download = page.http.get("/api/results.xlsx")
    assert download.status_code == 200
    saved = tmp_path / "downloaded.xlsx"
    saved.write_bytes(download.content)
    rows = read_results(saved)
    assert sum(1 for r in rows if r["outcome"] == "bound") == 30


def test_the_results_file_names_the_users_file_never_the_private_copy(
    serve: Any, tmp_path: Path
) -> None:
    server, page = serve()
    assert page.upload(SAMPLE).status_code == 200  # row 32's hint: "batchbind resolve FILE"
    page.post("/api/run", json={"target": "sandbox"})
    page.wait("done")
    saved = tmp_path / "results.xlsx"
    saved.write_bytes(page.http.get("/api/results.xlsx").content)
    book = openpyxl.load_workbook(saved, read_only=True)
    try:
        text = " ".join(
            str(v) for sheet in book for line in sheet.iter_rows(values_only=True) for v in line
        )
    finally:
        book.close()
    assert "batchbind resolve bindings.csv" in text
    assert str(server.folder) not in text and "batchbind-ui-" not in text
    with Journal(default_journal("default"), tenant="", exclusive=False) as journal:
        assert journal.runs()[0].input == "bindings.csv"  # the newest


def test_stop_midway_ends_stopped_with_every_answer_recorded_and_the_results_written(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 100, "max_ms": 150}})
    _server, page = serve(sandbox, pace=Pace(rate_per_second=5000, concurrency=4))
    source = write_input(tmp_path / "slow.csv", _rows(300))
    assert page.upload(source).status_code == 200
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    deadline = time.monotonic() + 30
    while page.state().get("counts", {}).get("bound", 0) < 8:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert page.post("/api/stop", json={}).status_code == 202
    ended = page.wait("stopped", "done", "error")
    assert ended["state"] == "stopped" and ended["exit_code"] == 130, ended
    assert 0 < ended["counts"]["bound"] < 300 and ended["counts"]["pending"] > 0
    with Journal(
        default_journal("default"), tenant=tenant_host(sandbox.base_url), exclusive=False
    ) as journal:
        states = journal.states()
    assert not [s for s in states.values() if s.state is State.INFLIGHT]  # in flight finished
    assert sum(1 for s in states.values() if s.state is State.BOUND) == ended["counts"]["bound"]
    saved = tmp_path / "stopped.xlsx"
    saved.write_bytes(page.http.get("/api/results.xlsx").content)
    outcomes = [r["outcome"] for r in read_results(saved)]
    assert outcomes.count("bound") == ended["counts"]["bound"]
    assert outcomes.count("pending") == ended["counts"]["pending"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
def test_a_cli_run_holding_the_journal_makes_the_page_busy_and_the_page_makes_the_cli_wait(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 200, "max_ms": 200}})
    _server, page = serve(sandbox, pace=Pace(rate_per_second=5000, concurrency=2))
    source = write_input(tmp_path / "in.csv", _rows(400))
    assert page.upload(source).status_code == 200
    journal = default_journal("default")
    cli = spawn_cli(
        "run", source, "--sandbox", "--base-url", sandbox.base_url, "--concurrency", "2",
        "--out", tmp_path / "cli.xlsx", *FAST_RATES,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (journal.exists() and journal_lock(journal).held_elsewhere()):
            assert cli.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        busy = page.post("/api/run", json={"target": "sandbox"})
        assert busy.status_code == 409
        assert "journal" in busy.json()["error"]
    finally:
        cli.send_signal(signal.SIGINT)
        cli.communicate(timeout=30)
    # The other way round: the page's run holds the journal, the CLI exits 75.
    assert page.post("/api/run", json={"target": "sandbox"}).status_code == 202
    deadline = time.monotonic() + 30
    while page.state().get("requests", 0) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = page.post("/api/run", json={"target": "sandbox"})
    assert second.status_code == 409
    other = run_cli("run", source, "--sandbox", "--base-url", sandbox.base_url)
    assert other.returncode == 75, other.stderr
    page.post("/api/stop", json={})
    page.wait("stopped", "done")


def test_unbind_needs_the_count_it_was_confirmed_with(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    _server, page = serve(sandbox)
    source = write_input(tmp_path / "in.csv", _rows(5))
    assert page.upload(source).status_code == 200
    page.post("/api/run", json={"target": "sandbox"})
    assert page.wait("done")["counts"]["bound"] == 5
    wrong = page.post("/api/unbind", json={"target": "sandbox", "rows": [2, 3], "count": 3})
    assert wrong.status_code == 400
    assert "3 rows" in wrong.json()["error"] and "2 are selected" in wrong.json()["error"]
    assert page.post("/api/unbind", json={"rows": [], "count": 0}).status_code == 400
    assert not [r for r in sandbox.requests() if r["endpoint"] == "delete"]
    right = page.post("/api/unbind", json={"target": "sandbox", "rows": [2, 3], "count": 2})
    assert right.status_code == 202
    done = page.wait("done", "error")
    assert done["exit_code"] == 0, done
    assert len([r for r in sandbox.requests() if r["endpoint"] == "delete"]) == 2
    rows = {r["row"]: r["outcome"] for r in page.http.get("/api/results").json()["rows"]}
    assert rows == {2: "unbound", 3: "unbound", 4: "bound", 5: "bound", 6: "bound"}
    status = page.post("/api/status", json={"target": "sandbox"})
    assert status.status_code == 202
    assert page.wait("done", "error")["state"] == "done"


def test_no_token_or_secret_reaches_the_page_in_a_whole_session(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # A careless proxy copies the Authorization header into every answer's msg and log id.
    sandbox = make_sandbox(
        {
            "limits": FAST_LIMITS,
            "faults": {"echo_authorization": 1.0},
            "tenant": {"missing_users": [_rows(1)[0][2]]},  # a refusal: its msg is kept
        }
    )
    secrets = [SANDBOX_TOKEN, "u-profile-access-7f3a", "ur-profile-refresh-9c2b", "app-secret-51d0"]
    ProfileStore().save(
        Profile(
            name="acme",
            host=sandbox.base_url,  # refused there: the refusal must not echo it either
            access_token=secrets[1],
            refresh_token=secrets[2],
            app_id="cli_acme",
            app_secret=secrets[3],
            user_name="Admin",
        )
    )
    _server, page = serve(sandbox, lang="zh")
    page.http.get("/api/config")
    page.http.get("/api/targets")
    page.http.get("/static/app.js")
    page.http.get("/api/template.xlsx")
    page.upload(write_input(tmp_path / "in.csv", [*_rows(4), (ADMIN, "x", "")]))
    page.post("/api/run", json={"target": "sandbox"})
    page.wait("done")
    with page.http.stream("GET", "/api/events") as events:
        for line in events.iter_lines():
            page.bodies.append(line.encode())
            if line.startswith("data:"):
                break
    page.http.get("/api/results")
    page.http.get("/api/results.xlsx")
    page.post("/api/status", json={"target": "sandbox"})
    page.wait("done")
    page.post("/api/unbind", json={"rows": [2], "count": 1})
    page.wait("done")
    page.post("/api/run", json={"target": "profile:acme"})  # refused or failed: never echoed
    page.wait("done", "error", "idle")
    page.http.get("/api/state")
    assert len(page.bodies) > 15
    assert any(b"Authorization: Bearer ***" in b for b in page.bodies)  # echoed, and scrubbed
    assert any(b.startswith(b"PK") for b in page.bodies)  # the downloads, read unpacked too
    for body in [*page.bodies, *(_unpacked(b) for b in page.bodies if b.startswith(b"PK"))]:
        for secret in secrets:
            assert secret.encode() not in body, secret
    assert any("acme" in b.decode("utf-8", "replace") for b in page.bodies)  # listed, by name


def _unpacked(xlsx: bytes) -> bytes:
    """Every part of a downloaded workbook, unpacked (a secret in it hides in the deflate)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return b"".join(book.read(name) for name in book.namelist())


def test_switching_the_language_says_the_check_and_the_results_again_in_it(
    serve: Any, tmp_path: Path
) -> None:
    _server, page = serve()
    source = write_input(tmp_path / "in.csv", [*_rows(2), (ADMIN, "x@corp.example", "")])
    english = page.upload(source).json()
    assert english["groups"][0]["cause"] == "user_id is empty"
    answer = page.post("/api/lang", json={"lang": "zh"})
    assert answer.status_code == 200
    chinese = answer.json()["check"]
    assert chinese["groups"][0]["cause"] == i18n.text("cause_missing_value", "zh", column="user_id")
    rows = page.http.get("/api/results").json()["rows"]
    assert [r["msg"] for r in rows if r["outcome"] == "invalid"] == [
        i18n.text("problem_missing_value", "zh", column="user_id")
    ]
    assert page.post("/api/lang", json={"lang": "fr"}).status_code == 400
    # After a run too: every row's words, the rows never sent included.
    page.post("/api/lang", json={"lang": "en"})
    page.post("/api/run", json={"target": "sandbox"})
    page.wait("done")
    page.post("/api/lang", json={"lang": "zh"})
    rows = page.http.get("/api/results").json()["rows"]
    assert [r["msg"] for r in rows if r["outcome"] == "invalid"] == [
        i18n.text("problem_missing_value", "zh", column="user_id")
    ]


@pytest.mark.parametrize("tracker", [False, True])
def test_logging_in_from_the_page_stores_a_profile_and_tells_the_page_only_its_name(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch, tracker: bool
) -> None:
    sandbox = make_sandbox()
    monkeypatch.setenv("BATCHBIND_OAUTH_PORT", str(free_port()))
    server = UiServer(login_base_url=sandbox.base_url, sandbox=SandboxChoice(base_url="x"))
    server.start()
    try:
        page = Page(server)
        body = {"profile": "tenant", "app_id": APP_ID, "app_secret": APP_SECRET}
        if tracker:  # the box for the team's tracker, ticked (as the form sends it)
            body["tracker"] = "on"
        assert page.post("/api/login", json=body).status_code == 202
        deadline = time.monotonic() + 20
        while not page.state()["login"]["url"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        asked = parse_qs(urlsplit(page.state()["login"]["url"]).query)["scope"][0].split()
        assert set(LOGIN_SCOPES) <= set(asked)
        # The browser: the sandbox approves at once and redirects to the loopback listener.
        landing = httpx.get(page.state()["login"]["url"], follow_redirects=True)
        assert landing.status_code == 200
        while page.state()["login"]["state"] == "waiting":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        login = page.state()["login"]
        assert login["state"] == "done" and login["message"] == "Logged in as profile tenant."
        stored = ProfileStore().load("tenant")
        assert stored is not None and stored.host == sandbox.base_url
        for scope in TRACKER_SCOPES:  # asked for, and held, only with the box ticked
            assert (scope in asked) is tracker and (scope in stored.scope.split()) is tracker
        targets = page.http.get("/api/targets").json()["targets"]
        assert "profile:tenant" in [t["value"] for t in targets]
        for body in page.bodies:
            for secret in (stored.access_token, stored.refresh_token, APP_SECRET):
                assert secret.encode() not in body
    finally:
        server.stop()


# -- the command -------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
def test_the_command_prints_the_link_serves_it_and_stops_on_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # where the page's private folder goes
    port = free_port()
    process = spawn_cli("ui", "--no-browser", "--port", str(port), "--lang", "zh")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]+", line)
        assert found, line
        assert line.startswith("batchbind 页面已就绪")
        with httpx.Client() as browser:
            assert browser.get(f"http://127.0.0.1:{port}/").status_code == 403
            assert browser.get(found.group(0)).status_code == 302
            page = browser.get(f"http://127.0.0.1:{port}/")
            assert page.status_code == 200 and '<html lang="zh">' in page.text
        (private,) = temp.iterdir()
        assert private.name.startswith("batchbind-ui-")
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert not list(temp.iterdir())  # removed at exit


def test_the_command_says_so_when_its_port_is_taken() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("ui", "--no-browser", "--port", str(port))
    assert result.returncode == 2
    assert f"Port {port} cannot be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_has_help_with_an_example_and_its_exit_codes() -> None:
    shown = run_cli("ui", "--help")
    assert shown.returncode == 0
    assert "batchbind ui --sandbox" in shown.stdout and "Exit codes:" in shown.stdout


def test_stopping_the_server_stops_a_running_job_as_ctrl_c_does(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 100, "max_ms": 100}})
    server, page = serve(sandbox, pace=Pace(rate_per_second=5000, concurrency=2))
    assert page.upload(write_input(tmp_path / "in.csv", _rows(200))).status_code == 200
    page.post("/api/run", json={"target": "sandbox"})
    deadline = time.monotonic() + 30
    while page.state().get("requests", 0) < 4:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    server.stop()
    ended = server.session.snapshot()
    assert ended["state"] == "stopped" and ended["exit_code"] == 130
    with Journal(
        default_journal("default"), tenant=tenant_host(sandbox.base_url), exclusive=False
    ) as journal:
        states = journal.states()
    assert not [s for s in states.values() if s.state is State.INFLIGHT]
    assert sum(1 for s in states.values() if s.state is State.BOUND) == ended["counts"]["bound"]


def test_bad_input_and_steps_out_of_order_get_one_sentence_each(serve: Any, tmp_path: Path) -> None:
    server, page = serve()
    assert page.http.get("/api/results.xlsx").status_code == 404
    early = page.post("/api/run", json={"target": "sandbox"})
    assert early.status_code == 400 and early.json()["error"].startswith("Choose the input first")
    junk = tmp_path / "notes.csv"
    junk.write_bytes(b"just some words\nand more\n")
    refused = page.upload(junk)
    assert refused.status_code == 400
    assert "notes.csv" in refused.json()["error"]  # the file as the user chose it
    assert str(server.folder) not in refused.json()["error"]  # not the server's private copy
    assert "admin_account" in refused.json()["error"]  # which columns it looked for
    nothing = page.post("/api/input", files={"other": ("x.csv", b"a")})
    assert nothing.status_code == 400 and nothing.json()["error"].startswith("Choose a CSV")
    assert page.upload(write_input(tmp_path / "in.csv", _rows(2))).status_code == 200
    unknown = page.post("/api/run", json={"target": "tenant-x"})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "There is no target named tenant-x."
    odd = page.post("/api/run", json={"target": "profile:../../etc"})
    assert odd.status_code == 400 and "profile" in odd.json()["error"].lower()
    nobody = page.post("/api/run", json={"target": "profile:nobody"})
    assert nobody.status_code == 202  # refused in the job: said on the page, nothing sent
    failed = page.wait("error", "done")
    assert failed["state"] == "error" and failed["exit_code"] == 2 and "nobody" in failed["error"]


# -- the page's polish (issue 16): live figures of status and unbind, its words ------------------


def _events(page: Page, kind: str, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The snapshots /api/events pushes while the `kind` job runs, to its end."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    with page.http.stream("GET", "/api/events") as stream:
        for line in stream.iter_lines():
            assert time.monotonic() < deadline, seen[-3:]
            if not line.startswith("data: "):
                continue
            snap = json.loads(line.removeprefix("data: "))
            if snap.get("kind") != kind:
                continue
            seen.append(snap)
            if snap["state"] not in ("running", "stopping"):
                return seen
    raise AssertionError(f"the stream ended early: {seen[-3:]}")


def test_status_and_unbind_show_live_counts_while_they_run(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # Every answer takes 0.2 s and two go at a time: 24 rows take over 2 s, long enough for
    # the event stream (a snapshot every 0.25 s) to show the job halfway.
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 200, "max_ms": 250}})
    _server, page = serve(sandbox, pace=Pace(rate_per_second=5000, concurrency=2))
    assert page.upload(write_input(tmp_path / "in.csv", _rows(24))).status_code == 200
    page.post("/api/run", json={"target": "sandbox"})
    assert page.wait("done")["counts"]["bound"] == 24

    assert page.post("/api/status", json={"target": "sandbox"}).status_code == 202
    seen = _events(page, "status")
    running = [s["counts"]["checked"] for s in seen if s["state"] == "running"]
    assert any(0 < n < 24 for n in running), running  # asked of some rows, not yet of all
    assert running == sorted(running)
    halfway = next(s for s in seen if 0 < s["counts"]["checked"] < 24)
    assert halfway["total"] == 24
    assert halfway["counts"]["pending"] == 24 - halfway["counts"]["checked"]
    assert seen[-1]["state"] == "done" and seen[-1]["counts"]["bound"] == 24

    rows = list(range(2, 14))
    unbind = page.post("/api/unbind", json={"target": "sandbox", "rows": rows, "count": 12})
    assert unbind.status_code == 202
    seen = _events(page, "unbind")
    running = [s["counts"]["unbound"] for s in seen if s["state"] == "running"]
    assert any(0 < n < 12 for n in running), running
    assert running == sorted(running)
    assert seen[-1]["state"] == "done"
    assert seen[-1]["counts"]["unbound"] == 12 and seen[-1]["counts"]["bound"] == 12


def test_the_results_name_their_columns_in_the_pages_language_and_the_binding_columns(
    serve: Any, tmp_path: Path
) -> None:
    _server, page = serve()
    header = ("note", "user_id", "exchange_account", "admin_account")
    rows = [("a", f"ou_{i:032x}", f"u{i}@corp.example", ADMIN) for i in range(3)]
    assert page.upload(write_input(tmp_path / "in.csv", rows, header=header)).status_code == 200
    for lang in ("en", "zh"):
        assert page.post("/api/lang", json={"lang": lang}).status_code == 200
        results = page.http.get("/api/results").json()
        assert results["columns"] == list(header)  # the team's own headers, as they are
        assert results["fields"] == {"user_id": 1, "exchange_account": 2, "admin_account": 3}
        for name in ("row", "outcome", "code", "msg", "hint", "binding_status"):
            head = results["headers"][name]
            assert head["label"] == i18n.text(f"ui_head_{name}", lang)
            # The tooltip names the results file's column and says what it holds, as its
            # Summary sheet does.
            assert name in head["title"]
            assert i18n.text(f"sheet_column_{name}", lang) in head["title"]
    assert results["headers"]["msg"]["label"] == "消息"


def test_a_file_that_is_not_a_spreadsheet_points_to_the_pages_template_links(
    serve: Any, tmp_path: Path
) -> None:
    _server, page = serve()
    for name, lang in (("scan.pdf", "en"), ("letter.docx", "zh"), ("empty.csv", "en")):
        assert page.post("/api/lang", json={"lang": lang}).status_code == 200
        path = tmp_path / name
        path.write_bytes(b"" if name == "empty.csv" else b"%PDF-1.4\n" + bytes(64))
        said = page.upload(path).json()["error"]
        cli = run_cli("validate", path, "--lang", lang)
        assert cli.returncode == 2 and "batchbind template" in cli.stderr
        assert "batchbind template" not in said and name in said
        hint = "file_empty_hint" if name == "empty.csv" else "headers_hint"
        assert i18n.text(f"{hint}_on_page", lang) in said, said


def test_every_sentence_the_page_says_instead_of_a_command_names_the_pages_own_control() -> None:
    from batchbind.ui.session import on_page

    every = i18n.keys()
    swapped = [k for k in every if k.endswith("_on_page")]
    assert len(swapped) >= 9
    controls = ("ui_login", "ui_status", "ui_template")
    for key in swapped:
        base = key.removesuffix("_on_page")
        for lang in i18n.LANGS:
            said, instead = i18n.text(base, lang, option=""), i18n.text(key, lang)
            assert "batchbind" in said  # a terminal command, where the page has a control
            assert "batchbind" not in instead and "--" not in instead, (key, lang)
            # It names the control as the page labels it (step 1's template links are ".xlsx").
            labels = [i18n.text(c, lang).rstrip("：:") for c in controls]
            assert any(label in instead for label in labels) or ".xlsx" in instead, (key, lang)
            assert on_page(f"Row 3. {said}") == f"Row 3. {instead}"
    # A row still syncing, as the results table shows its hint.
    assert "batchbind" not in on_page(i18n.text("syncing_hint", "zh"))
