"""What a government network puts between the crawler and a site, on 127.0.0.1.

- ``Site``: a small site over HTTP or HTTPS (certificate from a test CA), optionally
  behind basic auth, with a robots.txt that disallows everything (as staging hosts
  do) and ``/away`` redirecting to another host. It records every request's headers.
- ``ConnectProxy``: a forwarding proxy that answers CONNECT (HTTPS) and absolute-form
  GET (HTTP) requests, and records the request lines and headers it saw.

Both serve from daemon threads and stop on leaving the ``with`` block.
"""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

PAGE = """<!doctype html><html lang="en"><head><title>{title}</title></head>
<body><main><h1>{title}</h1><p>Published 1 January 2026.</p>{links}</main></body></html>
"""


class _SiteHandler(BaseHTTPRequestHandler):
    server: _SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `Site.requests`."""

    def do_GET(self) -> None:
        site = self.server.site
        with site.lock:
            site.requests.append((self.path, dict(self.headers.items())))
        if site.login is not None:
            expected = "Basic " + base64.b64encode(site.login.encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._send(401, b"login required", "text/plain", [("WWW-Authenticate", "Basic")])
                return
        if self.path == "/robots.txt":
            body = b"User-agent: *\nDisallow: /\n" if site.disallow_all else b"User-agent: *\n"
            self._send(200, body, "text/plain")
        elif self.path == "/away" and site.away:
            self._send(302, b"", "text/plain", [("Location", site.away)])
        elif self.path in ("/", "/news", "/landing"):
            links = "".join(f'<a href="{href}">{href}</a> ' for href in site.links)
            body = PAGE.format(title=f"Page {self.path}", links=links).encode()
            self._send(200, body, "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(
        self, status: int, body: bytes, kind: str, extra: list[tuple[str, str]] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


class Site:
    """A site on `host`; HTTPS when `tls` (an ssl server context) is given."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        tls: ssl.SSLContext | None = None,
        login: str | None = None,
        disallow_all: bool = False,
        away: str = "",
        links: tuple[str, ...] = ("/news",),
    ) -> None:
        self.host = host
        self.tls = tls
        self.login = login  # "user:password" for basic auth
        self.disallow_all = disallow_all
        self.away = away
        self.links = links
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self._server = _SiteServer((host, 0), _SiteHandler)
        self._server.site = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The root URL."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/"

    def __enter__(self) -> Site:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        text = head.decode("latin-1")
        with self.server.proxy.lock:
            self.server.proxy.seen.append(text)
        method, target, _ = text.split("\r\n", 1)[0].split(" ", 2)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            parts = urlsplit(target)
            upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            lines = text.split("\r\n")
            lines[0] = f"{method} {path} HTTP/1.1"
            upstream.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n")
        if rest:
            upstream.sendall(rest)
        self._pipe(self.request, upstream)

    @staticmethod
    def _pipe(client: socket.socket, upstream: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([client, upstream], [], [], 10)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: ConnectProxy


class ConnectProxy:
    """A forwarding proxy on 127.0.0.1; `seen` holds the request heads it received."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.lock = threading.Lock()
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.proxy = self
        self.port = int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The proxy URL, as crawl.proxy or HTTPS_PROXY take it."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ConnectProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
