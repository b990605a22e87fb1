"""Who may use the page: the one who holds the printed link, from this machine, on purpose.

Three checks, in this order, on every request (an aiohttp middleware):

- the `Host` header must name the server itself (127.0.0.1:PORT or localhost:PORT): a web page
  elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) is refused;
- the secret of the printed link, as the `token` query (the first visit) or the cookie that
  visit set (HttpOnly, SameSite=Strict); the first visit is redirected to `/`, so the secret
  leaves the address bar. Without it: 403 and a small page saying to open the printed link;
- a state-changing request (POST) must send back, as `X-CSRF-Token`, a token the page received
  in its `<meta name="csrf-token">`: another site's form cannot.
"""

from __future__ import annotations

import hmac
import html
import secrets
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web

from batchbind.output import i18n

__all__ = ["Guard"]

CSRF_HEADER = "X-CSRF-Token"
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
        return (host or "").lower() in {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

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
        if not self.host_allowed(request.headers.get("Host")):
            return refusal("ui_forbidden_host", self.lang)
        if not self.has_secret(request):
            return refusal("ui_need_link", self.lang)
        if "token" in request.query and request.method == "GET":
            # The first visit: keep the secret in a cookie the page's script cannot read, and
            # take it out of the address bar (and of the browser's history).
            response = web.HTTPFound("/")
            response.set_cookie(
                self.cookie, self.secret, httponly=True, samesite="Strict", path="/", secure=False
            )
            raise response
        if request.method not in ("GET", "HEAD") and not self.page_token_ok(request):
            return web.json_response({"error": i18n.text("ui_csrf", self.lang)}, status=403)
        return await handler(request)


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
