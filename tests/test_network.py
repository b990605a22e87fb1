"""The one reading of a failed exchange, and the keep-alive lanes, against real loopback servers.

Each server here is a few lines of asyncio on 127.0.0.1 that answers every request the same way
(or not at all), so the client meets real sockets: a refused connection, a connection dropped
before the answer, a body that cannot be decoded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from batchbind.auth import oauth
from batchbind.auth.oauth import AppCredentials, OAuthError
from batchbind.feishu.client import Answer, FeishuClient
from batchbind.feishu.network import Lanes, async_client, environment_proxies, tls_context
from batchbind.model import Binding

BINDING = Binding("admin@corp.example", "u1@corp.example", "ou_1")
OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"code": 0}'


async def _read_request(reader: asyncio.StreamReader, heads: list[bytes] | None) -> bool:
    """One request off the connection; False at the end of it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return False
    if heads is not None:
        heads.append(head)
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return True


@contextlib.asynccontextmanager
async def serving(
    reply: bytes | None,
    delay_s: float = 0.0,
    connections: list[int] | None = None,
    heads: list[bytes] | None = None,
) -> AsyncIterator[str]:
    """A loopback server sending `reply` to every request (None: drop the connection instead).

    `connections`, when given, gets one item per connection the server accepted; `heads` the
    request line and headers of every request.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        try:
            while await _read_request(reader, heads):
                await asyncio.sleep(delay_s)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_against(reply: bytes | None) -> Answer:
    async def go() -> Answer:
        async with serving(reply) as base_url, FeishuClient(base_url, lambda: "t") as client:
            return await client.create(BINDING)

    return asyncio.run(go())


def test_a_refused_connection_is_an_answer_that_was_never_sent() -> None:
    async def go() -> Answer:
        async with FeishuClient(f"http://127.0.0.1:{closed_port()}", lambda: "t") as client:
            return await client.create(BINDING)

    answer = asyncio.run(go())
    assert answer.error.startswith("ConnectError: ")
    assert answer.code is None and not answer.maybe_sent and not answer.lost
    assert not answer.tls_error


def test_a_connection_dropped_before_the_answer_may_have_been_acted_on() -> None:
    answer = create_against(None)
    assert answer.error.startswith("RemoteProtocolError: ")
    assert answer.lost and not answer.tls_error


def test_a_body_that_cannot_be_decoded_is_a_lost_answer_not_an_exception() -> None:
    garbled = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello"
    answer = create_against(garbled)
    assert answer.error.startswith("DecodingError: ")
    assert answer.lost


def test_a_page_that_is_not_json_is_an_http_answer_without_a_code() -> None:
    page = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 14\r\n\r\n<html>no</html"
    answer = create_against(page)
    assert (answer.http_status, answer.code, answer.error) == (502, None, "")
    assert answer.msg.startswith("HTTP 502, not a Feishu answer: <html>")


def test_the_token_endpoint_unreachable_is_a_retryable_oauth_error_naming_the_failure() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"

    async def go() -> None:
        async with httpx.AsyncClient() as http:
            await oauth.refresh(http, base_url, AppCredentials("cli_x", "secret"), "r-token")

    with pytest.raises(OAuthError) as caught:
        asyncio.run(go())
    assert str(caught.value) == f"no answer from {base_url} (ConnectError)"
    assert caught.value.retryable


def test_the_run_client_shares_one_tls_context_and_sends_directly_through_lanes() -> None:
    client = async_client("http://127.0.0.1:9", connections=8)
    assert isinstance(client._transport, Lanes)  # what the client was built with
    assert not client._trust_env  # loopback: never a proxy
    asyncio.run(client.aclose())
    assert tls_context() is tls_context()


async def _many(send: Callable[[], Awaitable[httpx.Response]], count: int) -> list[int]:
    answers = await asyncio.gather(*(send() for _ in range(count)))
    return [a.status_code for a in answers]


def test_more_requests_than_lanes_wait_their_turn_and_all_get_their_answer() -> None:
    async def go() -> list[int]:
        async with (
            serving(OK, delay_s=0.01) as base_url,
            async_client(base_url, connections=3) as http,
        ):
            return await _many(lambda: http.post(base_url + "/x", content=b"{}"), 20)

    assert asyncio.run(go()) == [200] * 20


def test_a_request_cancelled_while_waiting_for_a_lane_loses_no_lane() -> None:
    async def go() -> list[int]:
        async with (
            serving(OK, delay_s=0.05) as base_url,
            async_client(base_url, connections=2) as http,
        ):
            waiting = [
                asyncio.ensure_future(http.post(base_url + "/x", content=b"{}")) for _ in range(6)
            ]
            await asyncio.sleep(0.02)  # two are in flight, four wait for a lane
            for task in waiting:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
            # Both lanes are free again: a second round is served in full.
            return await _many(lambda: http.post(base_url + "/x", content=b"{}"), 6)

    assert asyncio.run(go()) == [200] * 6


def test_https_goes_through_the_proxy_the_environment_names_and_loopback_never_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heads: list[bytes] = []

    async def go() -> tuple[Answer, Answer]:
        async with serving(None, heads=heads) as proxy, serving(OK) as local:
            monkeypatch.setenv("HTTPS_PROXY", proxy)
            monkeypatch.setenv("HTTP_PROXY", proxy)
            monkeypatch.delenv("NO_PROXY", raising=False)
            async with FeishuClient("https://open.feishu.example", lambda: "t") as remote:
                far = await remote.create(BINDING)
            async with FeishuClient(local, lambda: "t") as client:
                near = await client.create(BINDING)
            return far, near

    far, near = asyncio.run(go())
    assert heads == [heads[0]] and heads[0].startswith(b"CONNECT open.feishu.example:443 ")
    assert far.code is None and far.error  # this proxy hangs up: no answer, and no exception
    assert (near.http_status, near.code) == (200, 0)  # straight to loopback, not via the proxy


@pytest.mark.parametrize(
    "no_proxy",
    ["", "*", "open.feishu.cn", ".feishu.cn", "localhost,127.0.0.1,::1", "10.0.0.0/8, corp"],
)
def test_proxies_from_the_environment_follow_the_rules_httpx_applies_itself(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    from httpx._utils import get_environment_proxies  # the oracle: what httpx does unaided

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    monkeypatch.setenv("ALL_PROXY", "http://other.corp:8080")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert environment_proxies() == get_environment_proxies()


def test_an_oauth_refusal_that_echoes_a_token_is_scrubbed_before_anyone_sees_it() -> None:
    # A careless gateway copies the refresh token it was sent into its error text.
    echoed = "ur-EchoedRefreshTokenWhichMustNeverBeShown0123456789"
    body = ('{"error": "invalid_grant", "error_description": "bad token ' + echoed + '"}').encode()
    reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    async def go() -> None:
        async with serving(reply) as base_url, httpx.AsyncClient() as http:
            await oauth.refresh(http, base_url, AppCredentials("cli_x", "secret"), echoed)

    with pytest.raises(OAuthError) as caught:
        asyncio.run(go())
    assert "bad token" in str(caught.value)
    assert echoed not in str(caught.value)
