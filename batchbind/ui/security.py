"""Who may use the page: the one who holds the printed link, from this machine, on purpose.

Four checks, in this order, on every request (an aiohttp middleware):

- the `Host` header must name the server itself (127.0.0.1:PORT or localhost:PORT): a web page
  elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) is refused;
- what the browser says of where the request comes from (`Sec-Fetch-Site`): a request made by
  another site's page, or by a page on another port of this machine (the same site, so the
  SameSite=Strict cookie goes with it), is refused; only opening the page itself (`/`, or the
  printed link) by a click is served from anywhere. Clients that do not say (curl, scripts)
  are served;
- the secret of the printed link, as the `token` query (the first visit) or the cookie that
  visit set (HttpOnly, SameSite=Strict); the first visit goes on to `/`, so the secret leaves
  the address bar. Without it: 403 and a small page saying to open the printed link;
- a state-changing request (POST) must send back, as `X-CSRF-Token`, a token the page received
  in its `<meta name="csrf-token">`: another site's form cannot.
"""

from __future__ import annotations

import hmac
import html
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from batchbind.output import i18n

__all__ = ["Guard"]

CSRF_HEADER = "X-CSRF-Token"
#: On every answer, refusals too: no other origin may read it or keep a handle on its window.
ORIGIN_HEADERS = {
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
#: What `Sec-Fetch-Site` says of a request the page itself made, or one the user typed or
#: opened from outside a browser; absent: a client that is not a browser.
_OWN_SITES = ("same-origin", "none", "")
#: The first visit from another site: the browser sends no SameSite=Strict cookie along a
#: redirect that began on another site, so the page goes on to `/` by a navigation of its own.
_GO_ON = (
    '<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
    '<meta http-equiv="refresh" content="0;url=/"></head><body><a href="/">batchbind</a>'
    "</body></html>"
)
#: Page tokens kept valid at once (each page load gets its own; old tabs keep working a while).
_KEPT_PAGE_TOKENS = 64

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii"))


class Guard:
    """The page's secret, its page tokens and the hosts it answers to."""

    def __init__(self, port: int, lang: str, secret: str | None = None) -> None:
        self.secret = secret or secrets.token_urlsafe(32)
        self.port = port
        self.lang = lang
        self._page_tokens: deque[str] = deque(maxlen=_KEPT_PAGE_TOKENS)

    @property
    def link(self) -> str:
        """The link to print (and open): the only way in."""
        return f"http://127.0.0.1:{self.port}/?token={self.secret}"

    @property
    def cookie(self) -> str:
        """The cookie's name, one per port: browsers share cookies across a host's ports, and a
        second page (another port) must not overwrite the first one's."""
        return f"batchbind_ui_{self.port}"

    def new_page_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self._page_tokens.append(token)
        return token

    def host_allowed(self, host: str | None) -> bool:
        """Whether `host` names this server (None: not given, as in an origin-form target)."""
        if host is None:
            return True
        return host.lower() in {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def has_secret(self, request: web.Request) -> bool:
        # Either will do: a browser may still send the cookie of an earlier page on this port
        # (another secret) along with the new printed link.
        given = (request.cookies.get(self.cookie, ""), request.query.get("token", ""))
        return any(bool(g) and _same(g, self.secret) for g in given)

    def page_token_ok(self, request: web.Request) -> bool:
        given = request.headers.get(CSRF_HEADER, "")
        return bool(given) and any(_same(given, token) for token in self._page_tokens)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await self._guard(request, handler)
        except web.HTTPException as raised:  # a 404 of a handler
            raised.headers.update(ORIGIN_HEADERS)
            raise
        if not response.prepared:  # the event stream has sent its headers already
            response.headers.update(ORIGIN_HEADERS)
        return response

    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # A request without a Host header is refused ("" is no host of ours).
        host, target = request.headers.get("Host", ""), _authority(request.raw_path)
        if not self.host_allowed(host) or not self.host_allowed(target):
            return refusal("ui_forbidden_host", self.lang)
        if not self.from_here(request):
            if request.path.startswith("/api/"):
                return web.json_response(
                    {"error": i18n.text("ui_cross_site", self.lang)}, status=403
                )
            return refusal("ui_cross_site", self.lang)
        if not self.has_secret(request):
            return refusal("ui_need_link", self.lang)
        if "token" in request.query and request.method == "GET":
            # The first visit: keep the secret in a cookie the page's script cannot read, and
            # take it out of the address bar (and of the browser's history).
            if request.headers.get("Sec-Fetch-Site", "") in _OWN_SITES:
                response = web.Response(status=302, headers={"Location": "/"})
            else:
                response = web.Response(text=_GO_ON, content_type="text/html", charset="utf-8")
                response.headers["Cache-Control"] = "no-store"
            response.set_cookie(
                self.cookie, self.secret, httponly=True, samesite="Strict", path="/", secure=False
            )
            return response
        if request.method not in ("GET", "HEAD") and not self.page_token_ok(request):
            return web.json_response({"error": i18n.text("ui_csrf", self.lang)}, status=403)
        return await handler(request)

    @staticmethod
    def from_here(request: web.Request) -> bool:
        """Whether the browser made this request for the page itself (or no browser did), or
        the user opened the page by a click anywhere (a top-level visit of `/`)."""
        if request.headers.get("Sec-Fetch-Site", "").lower() in _OWN_SITES:
            return True
        return (
            request.method == "GET"
            and request.path == "/"
            and request.headers.get("Sec-Fetch-Mode", "") == "navigate"
            and request.headers.get("Sec-Fetch-Dest", "") == "document"
        )


def _authority(target: str) -> str | None:
    """The host:port of an absolute-form request target ("GET http://host:port/path"), which
    stands for the Host header (RFC 9112 3.2.2); an origin-form target ("/path") names none,
    and then the Host header alone is checked."""
    if target.startswith("/"):
        return None
    return urlsplit(target).netloc


def refusal(key: str, lang: str) -> web.Response:
    """The 403 page: what to do, in the page's language, then in the other one (the visitor
    who has no link may read either)."""
    langs = [lang, *(other for other in i18n.LANGS if other != lang)]
    parts = "".join(
        f'<section lang="{code}"><h1>{html.escape(i18n.text("ui_need_link_title", code))}</h1>'
        f"<p>{html.escape(i18n.text(key, code))}</p></section>"
        for code in langs
    )
    title = html.escape(i18n.text("ui_need_link_title", lang))
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<title>{title}</title></head><body><main id="need-link">{parts}</main></body></html>'
    )
    return web.Response(text=page, status=403, content_type="text/html", charset="utf-8")
