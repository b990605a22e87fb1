"""The page's HTTP server: aiohttp on 127.0.0.1, the routes of the JSON API, the static page.

`UiServer` runs it in a background thread with its own event loop (tests, and the CLI, which
waits for Ctrl-C in the main thread). Every request passes `security.Guard` first. Handlers are
thin: they read the request, call the `Session` (the library's jobs), and answer JSON; a
`BatchbindError` becomes one sentence in the page's language, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from batchbind.errors import BatchbindError, InputError, JournalLocked
from batchbind.output import i18n
from batchbind.output.summary import OUTCOME_COLOURS
from batchbind.output.template import write_template
from batchbind.store.paths import private_folder
from batchbind.ui.security import ORIGIN_HEADERS, Guard
from batchbind.ui.session import Busy, Pace, Session
from batchbind.ui.targets import SANDBOX, Login, SandboxChoice, list_targets

__all__ = ["DEFAULT_MAX_UPLOAD_MB", "UiServer", "max_upload_bytes"]

DEFAULT_MAX_UPLOAD_MB = 200
#: How often the event stream looks for news, and how long it stays quiet before a keep-alive.
_TICK_S = 0.25
_KEEPALIVE_S = 15.0
#: The longest header line (a `Cookie` with many cookies) read; browsers send up to 256 KB.
_MAX_HEADER = 256 * 1024
#: Rows a results answer holds at most (the .xlsx download has them all).
_MAX_ROWS = 5000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: On every answer: only the page's own scripts and styles run, no other site may frame it.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def max_upload_bytes() -> int:
    """`BATCHBIND_UI_MAX_UPLOAD_MB` (megabytes), else 200 MB."""
    value = os.environ.get("BATCHBIND_UI_MAX_UPLOAD_MB", "").strip()
    try:
        megabytes = float(value) if value else DEFAULT_MAX_UPLOAD_MB
    except ValueError:
        megabytes = DEFAULT_MAX_UPLOAD_MB
    return int(max(megabytes, 0.001) * 1024 * 1024)


def _static(name: str) -> str:
    return resources.files("batchbind.ui").joinpath("static", name).read_text(encoding="utf-8")


def messages() -> dict[str, dict[str, str]]:
    """The page's own words, in both languages: the `ui_` keys and the outcome names."""
    every = i18n.keys()
    keys = [k for k in every if k.startswith(("ui_", "counted_"))]
    return {lang: {k: i18n.template(k, lang) for k in keys} for lang in i18n.LANGS}


def outcome_css() -> str:
    """The outcome colours of the results spreadsheet, as the page's CSS classes."""
    return "".join(
        f".outcome-{o.value} {{ background: {fill}; color: {text}; }}\n"
        for o, (fill, text) in OUTCOME_COLOURS.items()
    )


class Api:
    """The routes: each reads the request, asks the session, answers JSON."""

    def __init__(
        self,
        session: Session,
        guard: Guard,
        login: Login,
        limit: int,
        login_base_url: str | None = None,
    ) -> None:
        self.session = session
        self.guard = guard
        self.login = login
        self.limit = limit
        self.login_base_url = login_base_url

    @property
    def lang(self) -> str:
        return self.session.lang

    def error(self, status: int, key: str, **params: object) -> web.Response:
        return web.json_response({"error": i18n.text(key, self.lang, **params)}, status=status)

    @web.middleware
    async def errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """A refusal as the page shows it: one sentence (and its hint) in the page's language."""
        try:
            response = await handler(request)
            if not response.prepared:  # the event stream has sent its headers already
                response.headers.update(_HEADERS)
            return response
        except Busy:
            return self.error(409, "ui_busy")
        except JournalLocked as exc:
            return web.json_response({"error": self.session.said(exc)}, status=409)
        except BatchbindError as exc:
            return web.json_response({"error": self.session.said(exc)}, status=400)
        except (ValueError, KeyError, TypeError):
            return self.error(400, "ui_bad_request")

    # -- the page ----------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        page = _static("index.html")
        page = page.replace("{{csrf}}", self.guard.new_page_token()).replace("{{lang}}", self.lang)
        return web.Response(
            text=page,
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    async def asset(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "outcomes.css":
            return web.Response(text=outcome_css(), content_type="text/css", charset="utf-8")
        types = {"app.js": "text/javascript", "style.css": "text/css"}
        if name not in types:
            raise web.HTTPNotFound()
        return web.Response(text=_static(name), content_type=types[name], charset="utf-8")

    async def no_icon(self, request: web.Request) -> web.Response:
        """No icon (and no 404 in the browser's console for the one it asks for)."""
        return web.Response(status=204)

    async def config(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "lang": self.lang,
                "messages": messages(),
                "colours": {o.value: list(c) for o, c in OUTCOME_COLOURS.items()},
                "targets": self._targets(),
                "target": self.session.target,
                "max_upload_mb": round(self.limit / 1024 / 1024),
            }
        )

    def _targets(self) -> list[dict[str, str]]:
        return [{"value": t.value, "label": t.label} for t in list_targets(self.lang)]

    async def targets(self, request: web.Request) -> web.Response:
        return web.json_response({"targets": self._targets(), "target": self.session.target})

    async def set_lang(self, request: web.Request) -> web.Response:
        lang = (await _json_object(request)).get("lang")
        if lang not in i18n.LANGS:
            return self.error(400, "ui_bad_request")
        self.guard.lang = lang
        checked = await asyncio.to_thread(self.session.set_lang, lang)
        return web.json_response({"lang": lang, "check": checked})

    # -- step 1 and 2 ------------------------------------------------------------------------

    async def template(self, request: web.Request) -> web.FileResponse:
        suffix = request.match_info["suffix"]
        if suffix not in ("xlsx", "csv"):
            raise web.HTTPNotFound()
        folder = private_folder(self.session.folder / "templates")
        path = folder / f"bindings.{suffix}"
        path.unlink(missing_ok=True)
        await asyncio.to_thread(write_template, path, lang=self.lang)
        return _download(path, f"bindings-template.{suffix}")

    async def input(self, request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            body = await _json_object(request)
            link = str(body.get("link") or "").strip()
            if not link:
                return self.error(400, "ui_no_link")
            # Reading a tracker is a call: with the token of the target the page has chosen.
            target = str(body.get("target") or self.session.target or SANDBOX)
            checked = await asyncio.to_thread(self.session.check_link, link, target)
            return web.json_response(checked)
        if request.content_length is not None and request.content_length > self.limit + 65536:
            return self._too_large()
        if request.content_type != "multipart/form-data":
            return self.error(400, "ui_no_file")
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                return self.error(400, "ui_no_file")
            if isinstance(part, BodyPartReader) and part.name == "file" and part.filename:
                break
        path = self.session.save_upload(part.filename)
        size = 0
        with path.open("wb") as f:
            while chunk := await part.read_chunk(1 << 16):
                size += len(chunk)
                if size > self.limit:
                    f.close()
                    path.unlink(missing_ok=True)
                    return self._too_large()
                f.write(chunk)
        checked = await asyncio.to_thread(self.session.check, path)
        return web.json_response(checked)

    def _too_large(self) -> web.Response:
        return self.error(413, "ui_too_large", limit=round(self.limit / 1024 / 1024, 3))

    # -- step 3 ------------------------------------------------------------------------------

    async def start_login(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        self.login.start(
            profile=str(body.get("profile") or ""),
            app_id=str(body.get("app_id") or ""),
            app_secret=str(body.get("app_secret") or ""),
            domain=str(body.get("domain") or "feishu"),
            lang=self.lang,
            base_url=self.login_base_url,
            tracker=body.get("tracker") in (True, "on", "true"),
        )
        return web.json_response({"login": "waiting"}, status=202)

    # -- step 4 and 5 ------------------------------------------------------------------------

    async def _target(self, request: web.Request) -> tuple[dict[str, Any], str]:
        body = await _json_object(request) if request.can_read_body else {}
        return body, str(body.get("target") or self.session.target or SANDBOX)

    async def run(self, request: web.Request) -> web.Response:
        _, target = await self._target(request)
        self.session.run(target)
        return web.json_response(self.session.snapshot(), status=202)

    async def stop(self, request: web.Request) -> web.Response:
        self.session.stop()
        return web.json_response(self.session.snapshot(), status=202)

    async def status(self, request: web.Request) -> web.Response:
        _, target = await self._target(request)
        self.session.status(target)
        return web.json_response(self.session.snapshot(), status=202)

    async def unbind(self, request: web.Request) -> web.Response:
        body, target = await self._target(request)
        rows = [int(r) for r in body["rows"]]
        self.session.unbind(target, rows, int(body["count"]))
        return web.json_response(self.session.snapshot(), status=202)

    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(self._snapshot())

    def _snapshot(self) -> dict[str, Any]:
        return {**self.session.snapshot(), "login": self.login.snapshot()}

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the job's state and figures, each time they change."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                **ORIGIN_HEADERS,
            }
        )
        await response.prepare(request)
        last, quiet = "", 0.0
        try:
            while True:
                data = json.dumps(self._snapshot(), ensure_ascii=False)
                if data != last:
                    await response.write(f"data: {data}\n\n".encode())
                    last, quiet = data, 0.0
                elif quiet >= _KEEPALIVE_S:
                    await response.write(b": keep-alive\n\n")
                    quiet = 0.0
                await asyncio.sleep(_TICK_S)
                quiet += _TICK_S
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def results(self, request: web.Request) -> web.Response:
        outcome = request.query.get("outcome") or None
        if outcome == "all":
            outcome = None
        limit = min(int(request.query.get("limit") or _MAX_ROWS), _MAX_ROWS)
        return web.json_response(self.session.results(outcome, limit))

    async def download(self, request: web.Request) -> web.StreamResponse:
        path = self.session.results_path
        if path is None or not path.exists():
            return self.error(404, "ui_no_results")
        return _download(path, path.name)


async def _json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object (`ValueError`: a 400 sentence)."""
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("a JSON object was expected")
    return body


def _download(path: Path, name: str) -> web.FileResponse:
    # RFC 6266: the name as typed in filename* (UTF-8), an ASCII stand-in in filename for the
    # browsers that read only that (a header is Latin-1: raw UTF-8 there is mojibake in some).
    ascii_name = "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)
    return web.FileResponse(
        path,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            "Cache-Control": "no-store",
        },
    )


def make_app(api: Api) -> web.Application:
    app = web.Application(
        middlewares=[api.guard.middleware, api.errors],
        client_max_size=api.limit + 65536,
    )
    app.add_routes(
        [
            web.get("/", api.index),
            web.get("/static/{name}", api.asset),
            web.get("/favicon.ico", api.no_icon),
            web.get("/api/config", api.config),
            web.get("/api/targets", api.targets),
            web.post("/api/lang", api.set_lang),
            web.get("/api/template.{suffix}", api.template),
            web.post("/api/input", api.input),
            web.post("/api/login", api.start_login),
            web.post("/api/run", api.run),
            web.post("/api/stop", api.stop),
            web.post("/api/status", api.status),
            web.post("/api/unbind", api.unbind),
            web.get("/api/state", api.state),
            web.get("/api/events", api.events),
            web.get("/api/results", api.results),
            web.get("/api/results.xlsx", api.download),
        ]
    )
    return app


class UiServer:
    """The page's server in a background thread with its own event loop; a context manager.

    `port` 0 picks a free one. The private folder (uploads, results) is removed by `stop`.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        lang: str = "en",
        profile: str = "default",
        target: str = SANDBOX,
        sandbox: SandboxChoice | None = None,
        pace: Pace | None = None,
        max_upload: int | None = None,
        login_base_url: str | None = None,
    ) -> None:
        """`login_base_url`: log in at this origin instead of the chosen domain's (the sandbox's
        OAuth endpoints in tests)."""
        self._wanted_port = port
        self._login_base_url = login_base_url
        self.folder = Path(tempfile.mkdtemp(prefix="batchbind-ui-"))  # 0700: this user only
        self.session = Session(
            self.folder, lang=lang, profile=profile, sandbox=sandbox, pace=pace, target=target
        )
        self.limit = max_upload_bytes() if max_upload is None else max_upload
        self.guard = Guard(port, lang)
        self.port = port
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def link(self) -> str:
        return self.guard.link

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen; `InputError` when the port cannot be used."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            api = Api(self.session, self.guard, Login(), self.limit, self._login_base_url)
            runner = web.AppRunner(
                make_app(api),
                access_log=None,
                shutdown_timeout=1.0,
                # Browsers send every cookie of 127.0.0.1 to every port: other local tools' may
                # pass aiohttp's 8 KB for one header line, and lock the page's owner out.
                max_field_size=_MAX_HEADER,
                max_line_size=_MAX_HEADER,
            )
            await runner.setup()
            try:
                site = web.TCPSite(runner, "127.0.0.1", self._wanted_port)
                try:
                    await site.start()
                except OSError as exc:
                    failure.append(
                        InputError.of(
                            "ui_port_taken", port=self._wanted_port, error=exc.strerror or exc
                        )
                    )
                    return
                self.port = self.guard.port = runner.addresses[0][1]
                ready.set()
                await self._stop.wait()
            finally:
                await runner.cleanup()

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
            finally:
                ready.set()

        self._thread = threading.Thread(target=run, name="batchbind-ui", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._cleanup()
            raise failure[0]

    def stop(self) -> None:
        """Stop a running job as Ctrl-C does (its answers are recorded), then the server."""
        self.session.stop()
        self.session.wait()
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is not None and loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
            thread.join()
        self._thread = None
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> UiServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
