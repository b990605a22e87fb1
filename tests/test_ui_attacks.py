"""`batchbind ui` attacked over HTTP: a hostile page on this machine, a hostile input file, two
tabs racing. The real server on loopback, the in-process sandbox, a real HTTP client (httpx).

What only a real browser can show (scripts that must not run, what another page may read) is in
tests/test_ui_browser_attacks.py.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import test_ui
from conftest import ADMIN, FAST_LIMITS, MakeSandbox, free_port, write_input
from oauth_flow import APP_ID, APP_SECRET
from test_ui import Page, _rows

from batchbind.output import i18n
from batchbind.sandbox import SandboxServer
from batchbind.ui import UiServer
from batchbind.ui.session import Pace
from batchbind.ui.targets import SandboxChoice

SAMPLE = Path(__file__).parent.parent / "sample_data" / "bindings.csv"


serve = test_ui.serve  # the page server fixture, shared


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _checked_name(page: Page, lang: str = "en") -> str:
    """The name of the page's input, as the server holds it (a language switch says it again)."""
    answer = page.post("/api/lang", json={"lang": lang})
    assert answer.status_code == 200, answer.text
    name: str = answer.json()["check"]["name"]
    return name


def _created(sandbox: SandboxServer) -> Counter[str]:
    """How many times each Exchange account was sent to be bound."""
    return Counter(
        str(r.get("exchange_account") or r.get("path"))
        for r in sandbox.requests()
        if r["endpoint"] == "create"
    )


# -- 2. another page on this machine -------------------------------------------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_request_from_another_site_or_port_is_refused_in_the_pages_language(
    serve: Any, site: str
) -> None:
    # Another port of 127.0.0.1 is the same site: the browser sends the SameSite=Strict cookie
    # with its requests. What the browser says of where a request comes from is refused then.
    _server, page = serve(lang="zh")
    sent = {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"}
    refused_with = i18n.text("ui_cross_site", "zh")
    for path in ("/api/config", "/api/results", "/api/state", "/api/results.xlsx", "/api/events"):
        answer = page.http.get(path, headers=sent)
        assert answer.status_code == 403, path
        assert answer.json()["error"] == refused_with, path
    asset = page.http.get("/static/app.js", headers=sent)
    assert asset.status_code == 403 and refused_with in asset.text
    form = page.post("/api/run", json={}, headers={**sent, "Sec-Fetch-Mode": "navigate"})
    assert form.status_code == 403 and form.json()["error"] == refused_with
    # The page itself, and clients that say nothing of it (curl, scripts), are served.
    for own in ({"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"}, {}):
        assert page.http.get("/api/config", headers=own).status_code == 200, own


def test_the_printed_link_opens_the_page_when_clicked_on_another_site(serve: Any) -> None:
    # A link clicked in a web chat or a wiki is a cross-site navigation: the browser then sends
    # no SameSite=Strict cookie on the redirect that follows, so the page must get its cookie
    # and go to "/" by a navigation of its own (it was refused: "Open the printed link").
    server, _page = serve()
    navigate = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    with httpx.Client(base_url=server.base_url) as browser:
        first = browser.get(server.link, headers={**navigate, "Sec-Fetch-Site": "cross-site"})
        assert first.status_code == 200, first.text
        assert "SameSite=Strict" in first.headers["set-cookie"]
        assert '<meta http-equiv="refresh" content="0;url=/">' in first.text
        assert server.guard.secret not in first.text
        assert first.headers["Referrer-Policy"] == "no-referrer"
        own = browser.get("/", headers={**navigate, "Sec-Fetch-Site": "same-origin"})
        assert own.status_code == 200 and 'name="csrf-token"' in own.text
        # A plain visit of "/" from another site opens the page too (it is only a navigation).
        again = browser.get("/", headers={**navigate, "Sec-Fetch-Site": "cross-site"})
        assert again.status_code == 200


def test_every_answer_says_only_this_origin_may_read_or_open_it(serve: Any) -> None:
    server, page = serve()
    answers = [page.http.get(p) for p in ("/", "/api/config", "/static/app.js")]
    with httpx.Client(base_url=server.base_url) as stranger:
        answers.append(stranger.get("/api/config"))  # the refusal too
    for answer in answers:
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin", answer.url
        assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin", answer.url
        assert answer.headers["X-Content-Type-Options"] == "nosniff", answer.url


# -- 3. the guard ---------------------------------------------------------------------------------


def test_the_host_must_be_this_servers_own_loopback_name_and_port(serve: Any) -> None:
    server, page = serve()
    port = server.port
    for host in (
        f"127.0.0.1.evil.test:{port}",
        f"localhost.evil.test:{port}",
        f"[::1]:{port}",
        "127.0.0.1",
        f"127.0.0.1:{port + 1}",
        f"127.0.0.1:{port}.",
        f"127.0.0.1:{port}@evil.test",
        "",
    ):
        answer = page.http.get("/api/config", headers={"Host": host})
        assert answer.status_code == 403, host
        assert 'id="need-link"' in answer.text, host
    for host in (f"LOCALHOST:{port}", f"127.0.0.1:{port}"):
        assert page.http.get("/api/config", headers={"Host": host}).status_code == 200, host
    # An absolute-form request target names the host instead of the Host header (a proxy's
    # form; no browser sends it to a server): it must name this server too. No Host at all.
    secret = f"Cookie: {server.guard.cookie}={server.guard.secret}"
    for target, host in (
        (f"http://evil.test:{port}/api/config", f"127.0.0.1:{port}"),
        (f"http://127.0.0.1:{port}/api/config", f"evil.test:{port}"),
        ("/api/config", None),
    ):
        head = f"GET {target} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host else "")
        refused = _raw(port, f"{head}{secret}\r\nConnection: close\r\n\r\n")
        assert refused in (400, 403), target  # aiohttp itself refuses HTTP/1.1 without a Host
    own = f"GET http://127.0.0.1:{port}/api/config HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    assert _raw(port, f"{own}{secret}\r\nConnection: close\r\n\r\n") == 200


def _raw(port: int, request: str) -> int:
    """The status of a request sent as written (httpx always sends a Host and an origin-form)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_another_ports_cookie_an_odd_cookie_and_a_long_one_are_not_the_secret(
    serve: Any,
) -> None:
    first, _page = serve()
    second, _other = serve()
    with httpx.Client(base_url=first.base_url) as stranger:
        # The secret of the page on the other port, under either port's cookie name.
        stranger.cookies.set(second.guard.cookie, second.guard.secret)
        assert stranger.get("/api/config").status_code == 403
        stranger.cookies.set(first.guard.cookie, second.guard.secret)
        assert stranger.get("/api/config").status_code == 403
        for odd in ("é" * 40, first.guard.secret + "x", first.guard.secret[:-1], "%00"):
            answer = stranger.get(
                "/api/config", headers={"Cookie": f"{first.guard.cookie}={odd}".encode()}
            )
            assert answer.status_code == 403, odd
    # Many cookies for 127.0.0.1 (other local tools set theirs: a browser sends them all to
    # every port) must not lock the holder of the link out.
    with httpx.Client(base_url=first.base_url) as browser:
        assert browser.get(first.link).status_code == 302
        crowd = "; ".join(f"tool{i}={'v' * 200}" for i in range(60))
        own = f"{first.guard.cookie}={first.guard.secret}"
        answer = browser.get("/api/config", headers={"Cookie": f"{crowd}; {own}"})
        assert answer.status_code == 200, answer.text[:200]


# -- 4. hostile uploads -----------------------------------------------------------------------------


def _bomb(unpacked_mb: int) -> bytes:
    """A .xlsx of a few KB whose shared strings unpack to `unpacked_mb` MB."""
    book = io.BytesIO()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
            '<c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row></sheetData>'
            "</worksheet>",
        )
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(f'<sst xmlns="{main}"><si><t>admin_account</t></si>'.encode())
            f.write(b"<si><t>exchange_account</t></si><si><t>user_id</t></si>")
            unit = b"<si><t>a</t></si>" * 4096
            for _ in range(unpacked_mb * 1024 * 1024 // len(unit)):
                f.write(unit)
            f.write(b"</sst>")
    return book.getvalue()


def test_hostile_file_names_stay_in_the_private_folder_and_keep_their_kind(
    serve: Any, tmp_path: Path
) -> None:
    server, page = serve()
    data = SAMPLE.read_bytes()
    outside = {p for p in tmp_path.parent.rglob("*") if p.is_file()}
    names = {
        "../../../../tmp/escape.csv": "escape.csv",
        "..\\..\\windows\\escape.csv": "escape.csv",
        "a\x00b.csv": None,
        "x" * 300 + ".csv": None,
        "CON": None,
        "aux.csv": None,
        "...": "input",
        "<img src=x onerror=alert(1)>.csv": None,
    }
    for given, expected in names.items():
        answer = page.post("/api/input", files={"file": (given, data)})
        assert answer.status_code == 200, (given, answer.text)
        name = answer.json()["name"]
        if expected is not None:
            assert name == expected, given
        assert "/" not in name and "\\" not in name and "\x00" not in name
        assert "<" not in name and ">" not in name
        assert len(name) <= 120, given
        if given.endswith(".csv"):
            assert name.endswith(".csv"), (given, name)  # the kind survives the cut
        # Windows would open the console or a device, not a file, for these names.
        assert name.split(".")[0].upper() not in {"CON", "AUX", "PRN", "NUL"}, given
    for path in _files(server.folder):
        assert path.resolve().is_relative_to(server.folder.resolve())
    assert {p for p in tmp_path.parent.rglob("*") if p.is_file()} == outside


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hostile_files_get_one_sentence_and_the_previous_input_is_kept(
    serve: Any, tmp_path: Path, lang: str
) -> None:
    server, page = serve(lang=lang, max_upload=4 * 1024 * 1024)
    kept = write_input(tmp_path / "kept.csv", _rows(3))
    assert page.upload(kept).status_code == 200
    started = time.monotonic()
    hostile: dict[str, tuple[bytes, str]] = {
        # 1 GB of shared strings in ~2.5 MB: refused before the reader unpacks it.
        "bomb.xlsx": (_bomb(1000), "512 MB"),
        "random.xlsx": (bytes(range(256)) * 40, "random.xlsx"),
        "page.csv": (b"<html><script>alert(1)</script></html>\n", "page.csv"),
        "over.csv": (b"a" * (4 * 1024 * 1024 + 1), "BATCHBIND_UI_MAX_UPLOAD_MB"),
    }
    for name, (data, said) in hostile.items():
        answer = page.post("/api/input", files={"file": (name, data)})
        assert 400 <= answer.status_code < 500, (name, answer.status_code)
        sentence = answer.json()["error"]
        assert said in sentence, (name, sentence)
        assert "Traceback" not in sentence and str(server.folder) not in sentence
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in sentence), sentence
    assert time.monotonic() - started < 30
    # Thousands of form fields and no file; a multipart that is not one; not a form at all.
    fields = {f"f{i}": "v" for i in range(5000)}
    for answer in (
        page.post("/api/input", data=fields),
        page.post("/api/input", files={"other": ("x.csv", b"a")}),
        page.post(
            "/api/input",
            content=b"garbage",
            headers={"Content-Type": "multipart/form-data; boundary=XX"},
        ),
        page.post("/api/input", content=b"just text", headers={"Content-Type": "text/plain"}),
    ):
        assert answer.status_code == 400, answer.text[:200]
        assert answer.json()["error"] in (
            i18n.text("ui_no_file", lang),
            i18n.text("ui_bad_request", lang),
        )
    assert _checked_name(page, lang) == "kept.csv"  # the last good input is still the input
    assert page.http.get("/api/results").json()["total"] == 3


def test_a_gbk_csv_is_read_as_the_cli_reads_it(serve: Any, tmp_path: Path) -> None:
    _server, page = serve()
    text = f"admin_account,exchange_account,user_id,部门\n{ADMIN},zhang@corp.example,ou_{1:032x},销售部\n"
    answer = page.post("/api/input", files={"file": ("gbk.csv", text.encode("gbk"))})
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == 1
    assert "销售部" in page.http.get("/api/results").json()["rows"][0]["cells"]


@pytest.mark.parametrize(
    "body", [b"[1, 2]", b"null", b'"lang"', b"3", b"{not json"], ids=lambda b: b.decode()
)
def test_a_json_body_that_is_not_an_object_gets_one_sentence(serve: Any, body: bytes) -> None:
    _server, page = serve()
    for path in ("/api/lang", "/api/input", "/api/run", "/api/status", "/api/unbind", "/api/login"):
        answer = page.post(path, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.text[:200])
        assert answer.json()["error"] == i18n.text("ui_bad_request", "en"), path


# -- 5. two tabs racing -------------------------------------------------------------------------------


def test_two_runs_at_once_make_one_job_and_send_each_row_once(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS, "latency": {"min_ms": 5, "max_ms": 20}})
    _server, page = serve(sandbox)
    assert page.upload(write_input(tmp_path / "in.csv", _rows(30))).status_code == 200
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def tab() -> None:
        with httpx.Client(base_url=page.server.base_url, cookies=page.http.cookies) as http:
            barrier.wait()
            answer = http.post("/api/run", json={}, headers={"X-CSRF-Token": page.csrf})
            codes.append(answer.status_code)

    tabs = [threading.Thread(target=tab) for _ in range(6)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join()
    assert sorted(codes) == [202] + [409] * 5, codes
    assert page.wait("done", "error")["state"] == "done"
    sent = _created(sandbox)
    assert len(sent) == 30 and set(sent.values()) == {1}, sent


def test_an_upload_checked_while_a_run_starts_does_not_change_the_runs_input(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    # The check of a large file takes a while; a run started meanwhile (another tab) runs the
    # input the page showed, and the check that ends after it is refused (the input stays).
    rows = _rows(20)
    held = {"exchange_account": rows[0][1], "fault": "hold_after_store"}  # the run lasts
    sandbox = make_sandbox({"limits": FAST_LIMITS, "faults": {"rules": [held]}})
    server, page = serve(sandbox)
    small = write_input(tmp_path / "small.csv", rows)
    assert page.upload(small).status_code == 200
    large = write_input(tmp_path / "large.csv", _rows(60_000, start=1000))
    size = large.stat().st_size
    answers: list[httpx.Response] = []
    upload = threading.Thread(target=lambda: answers.append(page.upload(large)))
    upload.start()
    deadline = time.monotonic() + 60
    while not [
        p for p in _files(server.folder) if p.name == "large.csv" and p.stat().st_size == size
    ]:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    with httpx.Client(base_url=server.base_url, cookies=page.http.cookies) as other_tab:
        run = other_tab.post("/api/run", json={}, headers={"X-CSRF-Token": page.csrf})
    assert run.status_code == 202, run.text
    upload.join()
    assert page.state()["state"] == "running"
    assert answers[0].status_code == 409, answers[0].text[:200]
    assert answers[0].json()["error"] == i18n.text("ui_busy", "en")
    while not sandbox.release():
        time.sleep(0.05)
    done = page.wait("done", "error")
    assert done["state"] == "done" and done["counts"]["bound"] == 20, done
    sent = _created(sandbox)
    assert len(sent) == 20 and set(sent.values()) == {1}
    assert _checked_name(page) == "small.csv"
    assert page.http.get("/api/results").json()["total"] == 20


def test_while_a_run_runs_uploads_unbind_and_status_wait_and_stop_twice_then_run_again(
    serve: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox({"limits": FAST_LIMITS})
    _server, page = serve(sandbox, pace=Pace(rate_per_second=10, rate_per_minute=600))
    assert page.upload(write_input(tmp_path / "first.csv", _rows(40))).status_code == 200
    assert page.post("/api/run", json={}).status_code == 202
    other = write_input(tmp_path / "other.csv", _rows(5, start=500))
    assert page.upload(other).status_code == 409
    assert page.post("/api/unbind", json={"rows": [2], "count": 1}).status_code == 409
    assert page.post("/api/status", json={}).status_code == 409
    assert page.post("/api/run", json={}).status_code == 409
    switched = page.post("/api/lang", json={"lang": "zh"})
    assert switched.status_code == 200 and switched.json()["check"]["name"] == "first.csv"
    assert page.post("/api/stop", json={}).status_code == 202
    assert page.post("/api/stop", json={}).status_code == 202
    stopped = page.wait("stopped", "done", "error")
    assert stopped["state"] == "stopped", stopped
    assert page.post("/api/stop", json={}).status_code == 202  # nothing to stop: no harm
    assert page.post("/api/run", json={}).status_code == 202
    done = page.wait("done", "error", timeout=90)
    assert done["state"] == "done" and done["counts"]["bound"] == 40, done
    sent = _created(sandbox)
    assert len(sent) == 40 and set(sent.values()) == {1}, sent


# -- 6. secrets -------------------------------------------------------------------------------------


def test_a_refused_login_never_shows_the_app_secret(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox()
    monkeypatch.setenv("BATCHBIND_OAUTH_PORT", str(free_port()))
    wrong = "app-secret-not-this-one-8e1f"
    server = UiServer(login_base_url=sandbox.base_url, sandbox=SandboxChoice(base_url="x"))
    server.start()
    try:
        page = Page(server)
        started = page.post(
            "/api/login", json={"profile": "tenant", "app_id": APP_ID, "app_secret": wrong}
        )
        assert started.status_code == 202
        deadline = time.monotonic() + 30
        while not page.state()["login"]["url"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        httpx.get(page.state()["login"]["url"], follow_redirects=True)
        while page.state()["login"]["state"] == "waiting":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        login = page.state()["login"]
        assert login["state"] == "error" and login["message"], login
        assert page.http.get("/api/targets").status_code == 200
        for body in page.bodies:
            assert wrong.encode() not in body and APP_SECRET.encode() not in body
    finally:
        server.stop()


def test_a_download_of_a_file_named_in_chinese_keeps_its_name(serve: Any) -> None:
    # RFC 6266: a name beyond ASCII goes in filename* (UTF-8); filename= is an ASCII fallback
    # for the browsers that read only that one.
    _server, page = serve()
    answer = page.post("/api/input", files={"file": ("绑定 清单.csv", SAMPLE.read_bytes())})
    assert answer.status_code == 200
    got = page.http.get("/api/results.xlsx")
    assert got.status_code == 200
    disposition = got.headers["content-disposition"]
    assert disposition.isascii(), disposition
    assert "filename*=UTF-8''%E7%BB%91%E5%AE%9A%20%E6%B8%85%E5%8D%95.results.xlsx" in disposition
    assert 'filename="__ __.results.xlsx"' in disposition
