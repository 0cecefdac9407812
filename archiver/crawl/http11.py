"""Direct HTTP/1.1 for the crawler: h11 over asyncio streams, one request per connection at a time.

The transport behind every direct (unproxied) request of a crawl. httpx's own
pool (httpcore) is correct but costs its request several turns of the event
loop before the first byte leaves: an event to hand the connection over, a
lock per connection and another for the HTTP/1.1 state, a checkpoint on every
read and write — each a wait behind whatever page the loop is processing.
A politeness slot is held through all of them. Here a request takes an idle
connection from a list (or opens one), writes, and waits only for the
server's bytes; the parsing is the same h11 state machine httpcore uses, and
errors are httpx's, so the fetcher sees no difference (`tests/unit/test_http11.py`).

Connections go to the addresses the fetcher checked for the host (see
`transport`: no second DNS lookup between the check and the connect), are
kept alive per origin while the server allows it and for `keepalive_expiry`
seconds, and a request that finds its kept-alive connection closed by the
server before any response byte is sent again once on a new connection, as
browsers and urllib3 do.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import h11
import httpx

READ_SIZE = 64 * 1024
# Largest response head accepted (status line and headers), as httpcore has it.
MAX_HEAD = 100 * 1024
Origin = tuple[str, str, int]
# Sent again on a new connection when a kept-alive one turns out closed.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class _Stale(Exception):
    """A kept-alive connection the server had closed: no byte of a response came."""


class _Connection:
    """One TCP (or TLS) connection and its h11 state."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self.idle_since = 0.0

    def usable(self, now: float, expiry: float) -> bool:
        """Idle, not expired, and not closed (or written to) by the server meanwhile."""
        return (
            now - self.idle_since < expiry
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        """Close without waiting (the transport flushes what it can)."""
        self.writer.close()

    async def send(self, request: httpx.Request, timeout: float | None) -> None:
        """Write the request line, headers and body."""
        target = request.url.raw_path
        event = h11.Request(method=request.method, target=target, headers=request.headers.raw)
        self.writer.write(self.h11.send(event) or b"")
        async for chunk in request.stream:  # type: ignore[union-attr]
            if chunk:
                self.writer.write(self.h11.send(h11.Data(data=chunk)) or b"")
        self.writer.write(self.h11.send(h11.EndOfMessage()) or b"")
        async with asyncio.timeout(timeout):
            await self.writer.drain()

    async def next_event(self, timeout: float | None) -> Any:
        """The next h11 event of the response, reading from the socket as needed."""
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            async with asyncio.timeout(timeout):
                data = await self.reader.read(READ_SIZE)
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise _Stale
            self.h11.receive_data(data)

    async def head(self, timeout: float | None) -> h11.Response:
        """The response's status line and headers (informational responses skipped)."""
        while True:
            event = await self.next_event(timeout)
            if isinstance(event, h11.Response):
                return event

    def reusable(self) -> bool:
        """Both sides finished a keep-alive exchange: ready for the next request."""
        return self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeouts


@asynccontextmanager
async def _as_httpx(request: httpx.Request, phase: str) -> AsyncIterator[None]:
    """Turn socket, TLS, h11 and timeout errors into the httpx errors callers handle."""
    try:
        yield
    except TimeoutError as exc:
        kinds: dict[str, type[httpx.TimeoutException]] = {
            "connect": httpx.ConnectTimeout,
            "write": httpx.WriteTimeout,
            "read": httpx.ReadTimeout,
        }
        raise kinds[phase](f"timed out ({phase})", request=request) from exc
    except (h11.RemoteProtocolError, h11.LocalProtocolError) as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (OSError, EOFError) as exc:
        errors: dict[str, type[httpx.TransportError]] = {
            "connect": httpx.ConnectError,
            "write": httpx.WriteError,
            "read": httpx.ReadError,
        }
        raise errors[phase](str(exc) or type(exc).__name__, request=request) from exc


class _Body(httpx.AsyncByteStream):
    """A response body read from its connection; the connection goes back to the pool at close."""

    def __init__(
        self, transport: DirectTransport, origin: Origin, conn: _Connection, request: httpx.Request
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._conn: _Connection | None = conn
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        timeout = _timeouts(self._request).get("read")
        while True:
            # A connection closed mid-body is h11's RemoteProtocolError (never `_Stale`,
            # which is raised only before the response's first byte).
            async with _as_httpx(self._request, "read"):
                event = await conn.next_event(timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport._release(self._origin, conn)


class DirectTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 to each origin over kept-alive connections (see the module docstring).

    `addresses(host)` gives the addresses to connect to for a host name (None:
    the name itself); `max_connections` bounds the open connections in all.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        addresses: Callable[[str], list[str] | None],
        *,
        max_connections: int,
        keepalive_expiry: float = 5.0,
    ) -> None:
        self._ssl_context = ssl_context
        self._addresses = addresses
        self._expiry = keepalive_expiry
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._max = max_connections
        self._slots = asyncio.Semaphore(max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and return its response, its body still to be read."""
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = _timeouts(request)
        await self._slots.acquire()
        try:
            conn = self._take_idle(origin)
            try:
                if conn is not None:
                    try:
                        return await self._exchange(origin, conn, request, timeouts)
                    except _Stale:
                        if request.method not in IDEMPOTENT:
                            raise
                    # The server had closed the kept-alive connection: once more, anew.
                    self._discard(conn)
                    conn = None
                self._prune()
                conn = await self._connect(origin, request, timeouts.get("connect"))
                return await self._exchange(origin, conn, request, timeouts)
            except _Stale:
                if conn is not None:
                    self._discard(conn)
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from None
            except BaseException:
                if conn is not None:
                    self._discard(conn)
                raise
        except BaseException:
            self._slots.release()
            raise

    async def _exchange(
        self,
        origin: Origin,
        conn: _Connection,
        request: httpx.Request,
        timeouts: dict[str, float | None],
    ) -> httpx.Response:
        async with _as_httpx(request, "write"):
            await conn.send(request, timeouts.get("write"))
        async with _as_httpx(request, "read"):
            head = await conn.head(timeouts.get("read"))
        return httpx.Response(
            status_code=head.status_code,
            headers=list(head.headers.raw_items()),
            stream=_Body(self, origin, conn, request),
            extensions={
                "http_version": b"HTTP/" + head.http_version,
                "reason_phrase": head.reason,
            },
        )

    def _take_idle(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            if conn.usable(now, self._expiry):
                return conn
            self._discard(conn)
        return None

    async def _connect(
        self, origin: Origin, request: httpx.Request, timeout: float | None
    ) -> _Connection:
        scheme, host, port = origin
        tls = self._ssl_context if scheme == "https" else None
        error: BaseException | None = None
        for address in self._addresses(host) or [host]:
            try:
                async with _as_httpx(request, "connect"), asyncio.timeout(timeout):
                    reader, writer = await asyncio.open_connection(
                        address,
                        port,
                        ssl=tls,
                        server_hostname=host if tls is not None else None,
                        limit=READ_SIZE,
                    )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                error = exc
                continue
            conn = _Connection(reader, writer)
            self._open.add(conn)
            return conn
        assert error is not None
        raise error

    def _prune(self) -> None:
        """Before a new connection: close expired idle ones, and the oldest idle ones while
        more than `max_connections` are open (a crawl meets many hosts)."""
        now = time.monotonic()
        idle = sorted(
            (conn.idle_since, id(conn), origin, conn)
            for origin, conns in self._idle.items()
            for conn in conns
        )
        excess = len(self._open) + 1 - self._max
        for since, _, origin, conn in idle:
            if excess <= 0 and now - since < self._expiry:
                break
            self._idle[origin].remove(conn)
            self._discard(conn)
            excess -= 1
        for origin in [o for o, conns in self._idle.items() if not conns]:
            del self._idle[origin]

    def _release(self, origin: Origin, conn: _Connection) -> None:
        """A response is closed: keep its connection for the next request, or close it."""
        self._slots.release()
        if conn.reusable() and conn in self._open:
            conn.h11.start_next_cycle()
            conn.idle_since = time.monotonic()
            self._idle.setdefault(origin, []).append(conn)
        else:
            self._discard(conn)

    def _discard(self, conn: _Connection) -> None:
        self._open.discard(conn)
        conn.close()

    async def aclose(self) -> None:
        """Close every connection, idle or not."""
        for conn in list(self._open):
            self._discard(conn)
        self._idle.clear()
