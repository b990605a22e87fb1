"""How batchbind reaches Feishu: the one HTTP client setup, and what a failed exchange means.

Every call to Feishu (bindings, status, unbind, lookups, OAuth, the sandbox probe) goes through
an httpx client built from `client_options`, so TLS, proxies, pool size and timeouts are decided
in one place:

- Corporate networks re-sign TLS with their own root certificate, which they install in the
  operating system's store, not in certifi's bundle: `truststore` makes Python verify against
  the OS store (Windows, macOS, Linux alike), so such proxies work without extra settings.
- Proxies come from the environment (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`: `environment_proxies`);
  loopback never goes through one.
- The keep-alive pool holds as many connections as the run sends requests at once; a run's client
  (`async_client`) holds them as `Lanes`, one connection each.

`no_answer` is the one reading of a transport failure (timeout, refused connection, TLS, a
dropped connection): what happened, whether the request may have reached the server, and
whether TLS is to blame. `json_object` is the one reading of a body that should be JSON.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import ipaddress
import json
import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import truststore

#: Failures of the exchange itself (no usable HTTP answer): what `no_answer` reads. Transport
#: errors (timeouts, refused or dropped connections, TLS), and a body that cannot be decoded
#: (`DecodingError`: a broken gzip from a gateway) or endless redirects.
TRANSPORT_ERRORS = (httpx.RequestError,)

#: Failures that prove the request never reached the server (so it cannot have been acted on).
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying context backed by the OS certificate store (built once: it is not cheap)."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def client_options(
    base_url: str, *, connections: int = 4, timeout_s: float = 30.0
) -> dict[str, Any]:
    """The settings of every httpx client (sync or async) that talks to `base_url`.

    `connections` is how many requests the caller sends at once: the pool keeps that many alive
    (HTTP/1.1 keep-alive), so no request waits for a connection or pays for a new handshake.
    """
    host = urlsplit(base_url).hostname or ""
    loopback = is_loopback(host)
    return {
        # Always the shared context: httpx would otherwise load certifi's bundle for every client.
        "verify": tls_context(),
        "trust_env": not loopback,
        "limits": httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        "timeout": httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        "headers": {"User-Agent": "batchbind"},
    }


def async_client(base_url: str, *, connections: int, timeout_s: float = 30.0) -> httpx.AsyncClient:
    """A run's one client: `client_options`, with `connections` keep-alive lanes (see `Lanes`)."""
    options = client_options(base_url, connections=connections, timeout_s=timeout_s)
    verify, limits = options["verify"], options["limits"]
    # Given a transport, httpx stops reading proxies from the environment: mount them here, by the
    # same rules. Proxied requests take httpx's own pooled transport; the direct route the lanes.
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: None
        if proxy is None
        else httpx.AsyncHTTPTransport(proxy=proxy, verify=verify, limits=limits)
        for pattern, proxy in (environment_proxies() if options["trust_env"] else {}).items()
    }
    return httpx.AsyncClient(**options, transport=Lanes(connections, verify=verify), mounts=mounts)


def environment_proxies() -> dict[str, str | None]:
    """The proxies the environment names, as httpx mounts them when it reads them itself.

    `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` (and the Windows and macOS settings that
    `urllib.request.getproxies` reads); `NO_PROXY` entries as curl reads them: `*` turns proxies
    off, `.example.com` excludes the subdomains, `example.com` the domain and its subdomains, and
    addresses and `localhost` exclude themselves.
    """
    found = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            url = found[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for entry in (part.strip() for part in found.get("no", "").split(",")):
        if entry == "*":
            return {}
        if not entry:
            continue
        if "://" in entry:
            mounts[entry] = None
        elif _is_address(entry.split("/")[0]) or entry.lower() == "localhost":
            mounts[f"all://[{entry}]" if ":" in entry else f"all://{entry}"] = None
        else:
            mounts[f"all://*{entry}"] = None
    return mounts


def proxy_for(base_url: str) -> str | None:
    """The proxy a request to `base_url` goes through (as `environment_proxies` mounts them),
    shown without any user name or password it holds; None for a direct connection.

    As httpx picks a mount: a pattern naming the host beats one naming only a scheme, and the
    request's own scheme beats `all`.
    """
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if is_loopback(host):
        return None
    best: tuple[int, int, str | None] | None = None
    for pattern, proxy in environment_proxies().items():
        scheme, _, target = pattern.partition("://")
        if scheme not in ("all", parts.scheme):
            continue
        target = target.strip("[]").lower()
        if target.startswith("*"):
            # "*.example.com": the subdomains; "*example.com": the domain and its subdomains.
            bare = target[1:].lstrip(".")
            subdomain = host.endswith("." + bare)
            matched = subdomain or (not target.startswith("*.") and host == bare)
        else:
            matched = target in ("", host)
        if not matched:
            continue
        rank = (len(target) if target else -1, 1 if scheme != "all" else 0, proxy)
        if best is None or rank[:2] > best[:2]:
            best = rank
    proxy = best[2] if best is not None else None
    if proxy is None:
        return None
    shown = urlsplit(proxy)
    return shown._replace(netloc=shown.netloc.rpartition("@")[2]).geturl()


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class Lanes(httpx.AsyncBaseTransport):
    """`count` keep-alive connections, each in a pool of its own, handed out to one request each.

    httpcore's pool rescans every connection for every request, twice: it polls each idle socket
    to see whether the server closed it and counts the idle ones once per idle connection (so
    quadratic in the pool's size), and a released connection is offered to every queued request
    at once, all but one of which then go round again. With 32 connections httpx spent 2.6 to
    3.2 ms of CPU per request against the sandbox, 0.6 to 1.1 ms in lanes (bench/README.md). A pool of one connection has
    nothing to scan: here a request takes a free lane (or waits, first come first served) and
    gives it back when its answer has been read. Everything else (HTTP/1.1, TLS, timeouts,
    reconnecting after the server closed a connection, the exception types) is httpx's own.
    """

    def __init__(self, count: int, *, verify: ssl.SSLContext) -> None:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._lanes = [httpx.AsyncHTTPTransport(verify=verify, limits=one) for _ in range(count)]
        self._free = list(self._lanes)
        self._waiting: collections.deque[asyncio.Future[httpx.AsyncHTTPTransport]] = (
            collections.deque()
        )

    async def _take(self) -> httpx.AsyncHTTPTransport:
        if self._free:
            return self._free.pop()
        waiter: asyncio.Future[httpx.AsyncHTTPTransport] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled just after a lane was handed over: hand it on, or it is lost for good.
            if waiter.done() and not waiter.cancelled():
                self._give_back(waiter.result())
            raise

    def _give_back(self, lane: httpx.AsyncHTTPTransport) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(lane)
                return
        self._free.append(lane)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lane = await self._take()
        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            self._give_back(lane)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _GiveBack(response.stream, lambda: self._give_back(lane))
        return response

    async def aclose(self) -> None:
        for lane in self._lanes:
            await lane.aclose()


class _GiveBack(httpx.AsyncByteStream):
    """A response body that frees its lane once closed (httpx closes every answer it reads)."""

    def __init__(self, stream: httpx.AsyncByteStream, give_back: Callable[[], None]) -> None:
        self._stream = stream
        self._give_back: Callable[[], None] | None = give_back

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            give_back, self._give_back = self._give_back, None
            if give_back is not None:
                give_back()


@dataclass(frozen=True, slots=True)
class NoAnswer:
    """Why an exchange got no HTTP answer."""

    kind: str  # the exception's name, e.g. "ConnectError", "ReadTimeout", "RemoteProtocolError"
    error: str  # "<kind>: <detail>", e.g. "ConnectError: [Errno 111] Connection refused"
    maybe_sent: bool  # False when the request certainly never reached the server
    tls_error: bool


def _caused_by_tls(exc: BaseException) -> bool:
    """httpx wraps httpcore's error, which wraps the ssl module's: look down the whole chain."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def no_answer(exc: httpx.RequestError) -> NoAnswer:
    """The one reading of a transport failure, for the binding calls and the OAuth calls alike."""
    tls = _caused_by_tls(exc) or "CERTIFICATE_VERIFY_FAILED" in str(exc)
    kind = type(exc).__name__
    detail = str(exc) or "no details"
    return NoAnswer(
        kind=kind,
        error=f"{kind}: {detail}",
        maybe_sent=not isinstance(exc, _NEVER_SENT),
        tls_error=tls,
    )


def json_object(content: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None for anything else (HTML from a gateway, a cut body)."""
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
