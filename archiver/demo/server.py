"""Serve the demo site on loopback: ``DemoServer`` in a thread, or ``python -m`` in the foreground.

The server records every request (method, path, headers, start and end
times, status) so tests can check politeness: how many requests were in
flight at once, the delay between them, and that robots-disallowed paths
were never asked for. It answers conditional requests with 304 when the
ETag or Last-Modified still matches, and never logs to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import email.utils
import functools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from archiver.demo.site import Response, not_found, render


@dataclass(frozen=True)
class RequestRecord:
    """One request the server answered; times are ``time.monotonic()`` seconds."""

    method: str
    path: str
    headers: dict[str, str]
    start: float
    end: float
    status: int


class RequestLog:
    """A thread-safe, append-only list of ``RequestRecord``."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        """Add one record."""
        with self._lock:
            self._records.append(record)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float = 2.0) -> list[RequestRecord]:
        """The records once there are at least ``count`` (or when ``timeout`` runs out).

        A server thread may log a request a moment after the client has its
        response (always so for responses cut short on purpose).
        """
        with self._lock:
            self._lock.wait_for(lambda: len(self._records) >= count, timeout)
            return list(self._records)

    def snapshot(self) -> list[RequestRecord]:
        """A copy of the records so far, in the order the responses finished."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget every record (between the phases of a test)."""
        with self._lock:
            self._records.clear()

    def paths(self) -> list[str]:
        """The path (with query) of every request so far."""
        return [record.path for record in self.snapshot()]

    def max_in_flight(self) -> int:
        """The largest number of requests that were being answered at the same moment."""
        events = sorted(
            [(r.start, 1) for r in self.snapshot()] + [(r.end, -1) for r in self.snapshot()],
            key=lambda event: (event[0], event[1]),
        )
        current = peak = 0
        for _, step in events:
            current += step
            peak = max(peak, current)
        return peak

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> RequestRecord:
        with self._lock:
            return self._records[index]


@functools.lru_cache(maxsize=512)
def _render(path: str, phase: int, today: datetime.date, base_url: str) -> Response:
    return render(path, phase, today, base_url=base_url) or not_found(path)


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in candidates or etag.removeprefix("W/") in candidates


def _not_modified(response: Response, request_headers: Any) -> bool:
    etag = response.headers.get("ETag")
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        # RFC 9110: with If-None-Match present, If-Modified-Since is ignored.
        return etag is not None and _etag_matches(if_none_match, etag)
    last_modified = response.headers.get("Last-Modified")
    since = request_headers.get("If-Modified-Since")
    if last_modified is None or since is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(last_modified) <= (
            email.utils.parsedate_to_datetime(since)
        )
    except (TypeError, ValueError):
        return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "regjeringen-demo/1.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY a
        # keep-alive client waits for the delayed ACK (~40 ms) on every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        start = time.monotonic()
        owner = self.server.owner
        response = _render(self.path, owner.phase, owner.today, owner.url.rstrip("/"))
        status, body = response.status, response.body
        if status == 200 and _not_modified(response, self.headers):
            status, body = 304, b""
        if owner.latency:
            time.sleep(owner.latency)
        try:
            self.send_response(status)
            for name, value in response.headers.items():
                if status == 304 and name not in ("ETag", "Last-Modified"):
                    continue
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
        except OSError:
            self.close_connection = True
            return
        finally:
            # Logged before the body goes out, so a client holding the whole
            # response always finds its request in the log; on loopback the
            # body write itself takes microseconds.
            record = RequestRecord(
                self.command, self.path, dict(self.headers.items()), start, time.monotonic(), status
            )
            owner.requests.append(record)
        try:
            if not head:
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo command print what matters themselves."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: DemoServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-response is not an error worth printing."""


class DemoServer:
    """The demo site on a loopback port, served from a daemon thread.

    ``port=0`` picks a free port; ``.url`` then tells which. ``phase`` selects
    the site's content (see ``archiver.demo.expected``), ``today`` the day the
    site's relative dates count from, and ``latency`` adds seconds of delay to
    every response. Use it as a context manager or call ``start``/``stop``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        phase: int = 1,
        today: datetime.date | None = None,
        latency: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self.phase = phase
        self.today = today or datetime.date.today()
        self.latency = latency
        self.requests = RequestLog()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The site's root URL, e.g. ``http://127.0.0.1:54321/``."""
        return f"http://{self.host}:{self.port}/"

    def set_phase(self, phase: int) -> None:
        """Serve ``phase`` of the site from the next request on."""
        self.phase = phase

    def start(self) -> DemoServer:
        """Bind the port and start answering in a background thread."""
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="demo-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the demo site in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="Serve the archiver demo site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--phase", type=int, default=1, choices=(1, 2))
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = DemoServer(args.host, args.port, args.phase, args.today, args.latency).start()
    print(f"Serving the demo site (phase {server.phase}) at {server.url} - Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
