"""`archiver.crawl.http11.DirectTransport` under httpx, against a raw server on 127.0.0.1 whose
bytes each test writes: connection reuse and its limits, what a closed or cut connection
becomes, timeouts, the pinned address, and bytes kept exactly as the server sent them."""

from __future__ import annotations

import asyncio
import gzip
import ssl
from collections.abc import Awaitable, Callable

import httpx
import pytest

from archiver.crawl.http11 import DirectTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


async def _request_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def _ok(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Server:
    """Counts connections; each is served by `handler(reader, writer, connection number)`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.heads: list[bytes] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer, self.connections)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()


def _client(addresses: dict[str, list[str]] | None = None, **kw: float) -> httpx.AsyncClient:
    transport = DirectTransport(
        ssl.create_default_context(),
        (addresses or {}).get,
        max_connections=int(kw.pop("max_connections", 4)),
        keepalive_expiry=kw.pop("keepalive_expiry", 5.0),
    )
    return httpx.AsyncClient(transport=transport, timeout=kw.pop("timeout", 5.0))


def test_keep_alive_connection_is_reused_and_raw_bytes_kept() -> None:
    body = gzip.compress(b"<html><h1>Pressemelding</h1></html>")

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head = await _request_head(reader)
            server.heads.append(head)
            writer.write(_ok(body, "Content-Encoding: gzip", "X-Gov-Site: Regjeringen"))
            await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client() as client:
            for path in ("/a", "/b", "/c"):
                async with client.stream("GET", base + path) as response:
                    raw = b"".join([chunk async for chunk in response.aiter_raw()])
                assert raw == body  # still gzip: the WARC keeps what was sent
                assert ("X-Gov-Site", "Regjeringen") in [
                    (k.decode(), v.decode()) for k, v in response.headers.raw
                ]
                assert response.http_version == "HTTP/1.1"
                assert response.reason_phrase == "OK"
        assert server.connections == 1
        assert [h.split(b" ")[1] for h in server.heads] == [b"/a", b"/b", b"/c"]

    asyncio.run(go())


def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request_head(reader)
        writer.write(_ok(b"one answer per connection"))
        await writer.drain()
        # Closes without "Connection: close", as servers do on their keep-alive timeout.

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client() as client:
            first = await client.get(base + "/1")
            await asyncio.sleep(0.05)  # the server's FIN arrives while the connection is idle
            second = await client.get(base + "/2")
            # Closed between the idle check and the request: still answered, on a new one.
            third = await client.get(base + "/3")
        assert [r.text for r in (first, second, third)] == ["one answer per connection"] * 3
        assert server.connections == 3

    asyncio.run(go())


def test_connection_close_and_http_1_0_are_not_reused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request_head(reader)
        if n == 1:
            writer.write(_ok(b"closing", "Connection: close"))
        else:
            # HTTP/1.0, no length: the body runs to the end of the connection.
            writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\nuntil close")
        await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client() as client:
            assert (await client.get(base + "/")).text == "closing"
            response = await client.get(base + "/")
            assert response.text == "until close"
            assert response.http_version == "HTTP/1.0"
        assert server.connections == 2

    asyncio.run(go())


def test_a_body_cut_short_is_a_transport_error_after_the_headers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        await writer.drain()

    async def go() -> None:
        async with Server(handler) as base, _client() as client:
            got = bytearray()
            async with client.stream("GET", base + "/") as response:
                assert response.status_code == 200
                with pytest.raises(httpx.RemoteProtocolError):
                    async for chunk in response.aiter_raw():
                        got += chunk
            assert bytes(got) == b"x" * 1000  # what came is kept for the WARC record

    asyncio.run(go())


def test_no_response_at_all_and_garbage_are_httpx_errors() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request_head(reader)
        if n > 1:
            writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
            await writer.drain()

    async def go() -> None:
        async with Server(handler) as base, _client() as client:
            with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
                await client.get(base + "/")
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(base + "/")

    asyncio.run(go())


def test_timeouts_and_refused_connections() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request_head(reader)
        await asyncio.sleep(5)

    async def go() -> None:
        async with Server(handler) as base, _client(timeout=0.3) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(base + "/slow")
        # The server is gone: nothing listens on its port any more.
        async with _client(timeout=2) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(base + "/")

    asyncio.run(go())


def test_connects_to_the_checked_address_not_to_a_new_lookup() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        server.heads.append(await _request_head(reader))
        writer.write(_ok(b"pinned"))
        await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base:
            port = base.rsplit(":", 1)[1]
            # No DNS knows this name; the transport must use the address it was given.
            async with _client({"nyheter.invalid": ["127.0.0.1"]}) as client:
                response = await client.get(f"http://nyheter.invalid:{port}/sak")
        assert response.text == "pinned"
        assert b"\r\nHost: nyheter.invalid:" in server.heads[0]

    asyncio.run(go())


def test_a_cancelled_read_frees_its_connection_slot_and_drops_the_connection() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head = await _request_head(reader)
            if b"/stall" in head:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                await writer.drain()
                await asyncio.sleep(5)
            writer.write(_ok(b"fine"))
            await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client(max_connections=1) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.3), client.stream("GET", base + "/stall") as r:
                    await r.aread()
            # One connection allowed: the cancelled one gave its slot back, and is not reused
            # (its response was never read to the end).
            async with asyncio.timeout(2):
                assert (await client.get(base + "/next")).text == "fine"
        assert server.connections == 2

    asyncio.run(go())


def test_max_connections_makes_the_next_request_wait() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            await _request_head(reader)
            await release.wait()
            writer.write(_ok(b"ok"))
            await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client(max_connections=1) as client:
            first = asyncio.create_task(client.get(base + "/1"))
            second = asyncio.create_task(client.get(base + "/2"))
            await asyncio.sleep(0.2)
            assert server.connections == 1  # the second request waits for the first's connection
            release.set()
            assert [(await first).text, (await second).text] == ["ok", "ok"]
        assert server.connections == 1

    asyncio.run(go())


def test_idle_connections_to_many_hosts_are_bounded() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            await _request_head(reader)
            writer.write(_ok(b"ok"))
            await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base:
            port = base.rsplit(":", 1)[1]
            hosts = [f"host{i}.invalid" for i in range(6)]
            async with _client({h: ["127.0.0.1"] for h in hosts}, max_connections=2) as client:
                for host in hosts:
                    await client.get(f"http://{host}:{port}/")
                transport = client._transport
                assert isinstance(transport, DirectTransport)
                # Six hosts met, one after another; never more than two connections kept open.
                assert len(transport._open) <= 2
        assert server.connections == 6

    asyncio.run(go())


def test_chunked_bodies_informational_responses_and_head() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head = await _request_head(reader)
            if head.startswith(b"HEAD "):
                # A HEAD answer says how long the body would be, and sends none.
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n")
            else:
                writer.write(
                    b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"7\r\nNyheter\r\n1\r\n \r\n5\r\nfra d\r\n3\r\nep.\r\n0\r\nX-Trailer: 1\r\n\r\n"
                )
            await writer.drain()

    server = Server(handler)

    async def go() -> None:
        async with server as base, _client() as client:
            async with client.stream("GET", base + "/") as response:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            assert response.status_code == 200  # the 103 is passed over
            assert raw == b"Nyheter fra dep."  # chunk framing undone, as httpx does
            headed = await client.head(base + "/")
            assert headed.status_code == 200 and headed.content == b""
            again = await client.get(base + "/")  # the same connection, still in step
            assert again.text == "Nyheter fra dep."
        assert server.connections == 1

    asyncio.run(go())
