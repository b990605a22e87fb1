"""`auth login`'s way back from the browser: a loopback listener, or the URL pasted by hand.

Feishu redirects the browser to the registered redirect URL with `code` and `state`. On the
machine running batchbind, a tiny HTTP server on 127.0.0.1 (fixed port: Feishu accepts only
redirect URLs registered in the app) receives it. When the browser runs on another machine (an SSH
session), that redirect fails to load, and the user copies the URL from the address bar and pastes
it here: whichever arrives first wins.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import parse_qs, urlsplit

from batchbind.errors import LoginFailed as LoginFailed
from batchbind.output import i18n  # re-exported for callers

CALLBACK_PATH = "/callback"
DEFAULT_PORT = 18731

_PAGE = (
    "<!doctype html><html lang='{lang}'><meta charset='utf-8'><title>batchbind</title>"
    "<body style='font-family:sans-serif'><h2>{title}</h2><p>{text}</p></body>"
)


@dataclass(frozen=True, slots=True)
class Redirect:
    code: str
    state: str


def redirect_uri(port: int) -> str:
    return f"http://127.0.0.1:{port}{CALLBACK_PATH}"


def parse_redirect(text: str) -> Redirect:
    """The code and state from a redirected URL (or its query string) as pasted by a person."""
    text = text.strip()
    query = urlsplit(text).query if "?" in text else text
    params = {k: v[0] for k, v in parse_qs(query).items() if v}
    if "error" in params:
        detail = params.get("error_description") or params["error"]
        raise LoginFailed.of("login_refused", detail=detail)
    code = params.get("code", "")
    if not code:
        raise LoginFailed.of("login_no_code")
    return Redirect(code=code, state=params.get("state", ""))


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)
            return
        try:
            result: Redirect | LoginFailed = parse_redirect(parts.query)
            title, text = (
                i18n.text(k, self.server.lang) for k in ("login_page_ok", "login_page_close")
            )
        except LoginFailed as exc:
            result = exc
            title = i18n.text("login_page_failed", self.server.lang)
            text = " ".join(filter(None, exc.render(self.server.lang)))
        # The text may quote what the redirect carried (error_description): escaped, never markup.
        body = _PAGE.format(
            lang="zh-CN" if self.server.lang == "zh" else "en",
            title=html.escape(title),
            text=html.escape(text),
        ).encode("utf-8")
        self.send_response(200 if isinstance(result, Redirect) else 400)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.results.put(result)

    def log_message(self, format: str, *args: object) -> None:
        return None  # the query holds the code: never print it


class _Server(http.server.HTTPServer):
    def __init__(self, port: int, results: queue.Queue[Redirect | LoginFailed], lang: str) -> None:
        self.results = results
        self.lang = lang
        super().__init__(("127.0.0.1", port), _Handler)


@contextlib.contextmanager
def listening(port: int, lang: str = "en") -> Iterator[queue.Queue[Redirect | LoginFailed]]:
    """Serve the callback on 127.0.0.1:port in a thread; yields the queue redirects arrive on.

    The page the browser lands on speaks `lang`."""
    results: queue.Queue[Redirect | LoginFailed] = queue.Queue()
    try:
        server = _Server(port, results, lang)
    except OSError as exc:
        raise LoginFailed.of("login_port_busy", port=port, error=exc.strerror) from None
    thread = threading.Thread(target=server.serve_forever, name="batchbind-login", daemon=True)
    thread.start()
    try:
        yield results
    finally:
        server.shutdown()
        server.server_close()


def read_pasted(stream: IO[str], results: queue.Queue[Redirect | LoginFailed]) -> None:
    """Feed pasted lines to `results` (in a daemon thread: a line may never come)."""

    def pump() -> None:
        for line in stream:
            if line.strip():
                try:
                    results.put(parse_redirect(line))
                except LoginFailed as exc:
                    results.put(exc)
                return

    threading.Thread(target=pump, name="batchbind-paste", daemon=True).start()


def wait_for_redirect(
    results: queue.Queue[Redirect | LoginFailed], *, state: str, timeout_s: float
) -> Redirect:
    try:
        result = results.get(timeout=timeout_s)
    except queue.Empty:
        raise LoginFailed.of("login_timeout", seconds=timeout_s) from None
    if isinstance(result, LoginFailed):
        raise result
    if result.state != state:
        raise LoginFailed.of("login_state_mismatch")
    return result
