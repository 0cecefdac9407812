"""A hostile web server for crawler reliability tests (stdlib only, plus ``brotli``).

Every route misbehaves in one documented way and is bounded, so no test can
hang forever: slow routes stop at ``HostileServer.stop()``, and the endless
body ends after ``endless_seconds`` or when the client hangs up. Responses
are written as raw bytes, always with ``Connection: close``.

==========================  ===================================================================
Route                       Behaviour
==========================  ===================================================================
``/``                       index page linking to every route below (also ``/private/``)
``/robots.txt``             depends on ``robots=``: ``normal`` disallows ``/private/`` and names
                            the two hostile sitemaps; ``malformed`` is garbage (BOM, NUL, bad
                            UTF-8, rules before any group, missing colons, HTML) around one valid
                            ``User-agent: * / Disallow: /private/`` group; ``huge`` is ~5 MiB:
                            ``Disallow: /private/`` first, filler, and ``Disallow: /leaf/`` only
                            after the first 4 MiB (a parser that caps its input never sees it)
``/slow?seconds=5``         waits ``seconds`` (max 120) before sending the status line
``/drip?bytes=30&interval=1``  sends headers at once, then the body one byte per ``interval`` s
``/endless``                chunked body that never ends (stops after ``endless_seconds`` or when
                            the client disconnects)
``/bomb/gzip``              ``Content-Encoding: gzip``: ~1 MiB on the wire, 1 GiB of zeros decoded
``/bomb/brotli``            ``Content-Encoding: br``: ~190 KiB on the wire, 1 GiB decoded
``/big?mb=32``              a well-formed HTML body of ``mb`` MiB with a true Content-Length
``/flaky/<key>?fail=2``     503 with ``Retry-After: 1`` for the first ``fail`` requests of this
                            path, then 200 (counter per path, per server)
``/ratelimit/<key>?fail=1`` 429 with ``Retry-After: 1`` (``&date=1``: an HTTP-date 2 s ahead) for
                            the first ``fail`` requests of this path, then 200
``/loop/a``, ``/loop/b``    302 to each other forever
``/chain/<n>``              302 to ``/chain/<n-1>``; ``/chain/0`` is a 200 page
``/redirect/private``       302 to ``http://10.0.0.1/`` (must be refused; nothing listens there)
``/redirect/metadata``      302 to ``http://169.254.169.254/latest/meta-data/``
``/reset``                  headers (Content-Length 100000) and 1000 bytes, then a TCP reset
                            (SO_LINGER 0)
``/bad-status``             an invalid status line (``HTTP/1.1 two hundred OK``)
``/truncated``              Content-Length 100000, 1000 bytes sent, then a clean close
``/charset/wrong``          says utf-8 (header and meta) but the body is windows-1252
``/charset/invalid``        says utf-8 but holds invalid UTF-8 (stray, overlong, surrogate bytes)
``/deep?depth=100000``      ``depth`` nested ``<div>`` elements
``/long-line?mb=10``        one line of HTML of ``mb`` MiB, no newline
``/many-links?count=20000`` ``count`` links to ``/leaf/<n>``
``/weird-links``            links with control characters, a 100 kB URL, IDN and punycode hosts,
                            bad ports, javascript:/mailto:/data: schemes, bad escapes
``/calendar/<y>/<m>/``      a month page linking to the previous and next month, forever
``/sitemap-bomb.xml``       a urlset with a billion-laughs entity expansion
``/sitemap-self.xml``       a sitemap index that lists itself (and ``/sitemap-leaf.xml``)
``/sitemap-leaf.xml``       a plain urlset of three ``/leaf/`` pages
``/offsite``                links to other hosts: private, link-local, other ports, public sites
``/private/...``            disallowed by robots.txt; any request here is a crawler bug
``/leaf/...``               a tiny page with no links
==========================  ===================================================================
"""

from __future__ import annotations

import datetime
import email.utils
import socket
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import brotli

from archiver.demo.server import RequestLog, RequestRecord

RobotsMode = Literal["normal", "malformed", "huge"]
GIB = 1 << 30
MIB = 1 << 20

_bombs: dict[str, bytes] = {}
_bombs_lock = threading.Lock()


def gzip_bomb() -> bytes:
    """1 GiB of zeros as one gzip member, about 1 MiB (built once per process).

    A full flush resets the deflate state, so every 1 MiB of zeros compresses
    to the same bytes: compress once, repeat, and add the CRC of the whole.
    """
    with _bombs_lock:
        if "gzip" not in _bombs:
            chunk = bytes(MIB)
            deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
            end = deflate.flush(zlib.Z_FINISH)
            crc = 0
            for _ in range(GIB // MIB):
                crc = zlib.crc32(chunk, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
            trailer = struct.pack("<II", crc, GIB & 0xFFFFFFFF)
            _bombs["gzip"] = header + block * (GIB // MIB) + end + trailer
        return _bombs["gzip"]


def brotli_bomb() -> bytes:
    """1 GiB of zeros as brotli, about 190 KiB (built once per process)."""
    with _bombs_lock:
        if "br" not in _bombs:
            compressor = brotli.Compressor(quality=1)
            chunk = bytes(MIB)
            parts = [compressor.process(chunk) for _ in range(GIB // MIB)]
            parts.append(compressor.finish())
            _bombs["br"] = b"".join(parts)
        return _bombs["br"]


def _html(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1>{body}</body></html>\n"
    ).encode()


INDEX_LINKS = (
    "/slow?seconds=5",
    "/drip?bytes=30",
    "/endless",
    "/bomb/gzip",
    "/bomb/brotli",
    "/big?mb=32",
    "/flaky/index?fail=2",
    "/ratelimit/index?fail=1",
    "/loop/a",
    "/chain/10",
    "/redirect/private",
    "/redirect/metadata",
    "/reset",
    "/bad-status",
    "/truncated",
    "/charset/wrong",
    "/charset/invalid",
    "/deep",
    "/long-line",
    "/many-links",
    "/weird-links",
    "/calendar/2026/11/",
    "/offsite",
    "/private/secret",
    "/leaf/1",
)

_WRONG_CHARSET = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Pressemelding – «Æ, Ø og Å»</title>'
    "</head><body><h1>Pressemelding – «Æ, Ø og Å»</h1>"
    "<p>Statsrådens “nye” tiltak — 5 € per innbygger, café og søknad.</p></body></html>\n"
).encode("cp1252")

_INVALID_UTF8 = (
    b'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Invalid \xff\xfe UTF-8</title>'
    b"</head><body><h1>Invalid UTF-8</h1><p>stray \x80 continuation, truncated \xc3,"
    b" overlong \xc0\xaf slash, surrogate \xed\xa0\x80, beyond U+10FFFF \xf4\x90\x80\x80,"
    b" valid \xc3\xa6\xc3\xb8\xc3\xa5.</p></body></html>\n"
)


def _weird_links() -> bytes:
    hrefs = [
        "/leaf/ctrl\x01\x02\x7fchars",
        "/leaf/tab\there\nnewline",
        "/leaf/" + "a" * 100_000,
        "/leaf/?q=" + "b" * 10_000,
        "/leaf/%zz-bad-escape",
        "/leaf/%00-nul",
        "  /leaf/padded-with-spaces  ",
        "\\leaf\\backslashes",
        "http://bücher.example/",
        "http://xn--bcher-kva.example/",
        "http://пример.испытание/",
        "http://127.0.0.1:99999/",
        "http://[::1/",
        "http:///no-host",
        "//protocol-relative.example/",
        "javascript:alert(1)",
        "mailto:postmottak@example.org",
        "data:text/html,<h1>x</h1>",
        "tel:+4722249090",
        "",
        "#",
    ]
    body = "".join(f'<a href="{href}">link {n}</a>\n' for n, href in enumerate(hrefs))
    return _html("Weird links", body)


def _robots(mode: RobotsMode, base: str) -> bytes:
    if mode == "normal":
        return (
            "User-agent: *\nDisallow: /private/\n\n"
            f"Sitemap: {base}/sitemap-bomb.xml\nSitemap: {base}/sitemap-self.xml\n"
        ).encode()
    if mode == "malformed":
        return (
            b"\xef\xbb\xbfDisallow: /before-any-group/\n"
            b"<html><body>Not a robots file</body></html>\n"
            b"User-agent *\nDisallow /no-colon/\n"
            b"\x00\x01\x02 binary \xff\xfe junk\n"
            b"Crawl-delay: banana\n"
            b"Sitemap: not a url\n" + b"x" * 5000 + b"\n\nUser-agent: *\nDisallow: /private/\n"
        )
    head = b"User-agent: *\nDisallow: /private/\n"
    filler = b"".join(b"Disallow: /junk/%07d/\n" % n for n in range(200_000))
    return head + filler + b"Disallow: /leaf/\n"


def _billion_laughs(base: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE urlset [\n'
        + "\n".join(entities)
        + "\n]>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"<url><loc>{base}/leaf/&lol9;</loc></url>\n</urlset>\n"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.close_connection = True
        self._raw(405, [("Allow", "GET")], b"")
        self._record(405)

    def do_GET(self) -> None:
        start = time.monotonic()
        self.close_connection = True
        self.sent_status = 0
        try:
            self._route()
        except OSError:
            pass  # the client hung up: that is what some routes are for
        finally:
            self._record(self.sent_status, start)

    def _record(self, status: int, start: float | None = None) -> None:
        now = time.monotonic()
        self.server.owner.requests.append(
            RequestRecord(
                self.command, self.path, dict(self.headers.items()), start or now, now, status
            )
        )

    # Writing -------------------------------------------------------------

    def _head(self, status: int, headers: list[tuple[str, str]], reason: str = "") -> None:
        self.sent_status = status
        lines = [f"HTTP/1.1 {status} {reason or self.responses.get(status, ('',))[0]}"]
        lines += [f"{name}: {value}" for name, value in headers]
        lines += ["Connection: close", "", ""]
        self.wfile.write("\r\n".join(lines).encode("latin-1"))

    def _raw(
        self, status: int, headers: list[tuple[str, str]], body: bytes, ctype: str = "text/html"
    ) -> int:
        all_headers = [("Content-Type", ctype), ("Content-Length", str(len(body))), *headers]
        self._head(status, all_headers)
        self.wfile.write(body)
        return status

    def _page(self, title: str, body: str = "") -> int:
        return self._raw(200, [], _html(title, body), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> int:
        return self._raw(302, [("Location", location)], b"")

    # Routes --------------------------------------------------------------

    def _route(self) -> int:
        url = urlsplit(self.path)
        path = url.path
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        owner = self.server.owner
        base = owner.url.rstrip("/")

        def number(name: str, default: float, high: float) -> float:
            try:
                return min(max(float(query.get(name, default)), 0.0), high)
            except ValueError:
                return default

        if path == "/":
            links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in INDEX_LINKS)
            return self._page("Hostile server", f"<ul>{links}</ul>")
        if path == "/robots.txt":
            return self._raw(200, [], _robots(owner.robots, base), "text/plain")
        if path == "/slow":
            if self.server.stopping.wait(number("seconds", 5, 120)):
                return 0
            return self._page("Slow")
        if path == "/drip":
            size = int(number("bytes", 30, 10_000))
            interval = number("interval", 1.0, 10.0)
            self._head(200, [("Content-Type", "text/plain"), ("Content-Length", str(size))])
            for _ in range(size):
                self.wfile.write(b"x")
                if self.server.stopping.wait(interval):
                    break
            return 200
        if path == "/endless":
            self._head(200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
            piece = b"<p>" + b"endless " * 8190 + b"</p>\n"
            frame = b"%x\r\n" % len(piece) + piece + b"\r\n"
            deadline = time.monotonic() + owner.endless_seconds
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                self.wfile.write(frame)
            return 200
        if path == "/bomb/gzip":
            return self._raw(200, [("Content-Encoding", "gzip")], gzip_bomb())
        if path == "/bomb/brotli":
            return self._raw(200, [("Content-Encoding", "br")], brotli_bomb())
        if path == "/big":
            size = int(number("mb", 32, 1024) * MIB)
            self._head(200, [("Content-Type", "text/html"), ("Content-Length", str(size))])
            piece = (b"<p>" + b"big " * 255 + b"</p>\n") * 1024  # 1 MiB
            sent = 0
            while sent < size and not self.server.stopping.is_set():
                part = piece[: size - sent]
                self.wfile.write(part)
                sent += len(part)
            return 200
        if path.startswith(("/flaky/", "/ratelimit/")):
            if owner.count(path) <= int(number("fail", 1 if "ratelimit" in path else 2, 100)):
                if path.startswith("/flaky/"):
                    return self._raw(503, [("Retry-After", "1")], b"Service Unavailable")
                retry = "1"
                if query.get("date"):
                    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
                    retry = email.utils.format_datetime(later, usegmt=True)
                return self._raw(429, [("Retry-After", retry)], b"Too Many Requests")
            return self._page(f"Recovered: {path}")
        if path in ("/loop/a", "/loop/b"):
            return self._redirect("/loop/b" if path.endswith("a") else "/loop/a")
        if path.startswith("/chain/"):
            try:
                left = int(path.removeprefix("/chain/"))
            except ValueError:
                return self._raw(404, [], b"")
            return self._redirect(f"/chain/{left - 1}") if left > 0 else self._page("End of chain")
        if path == "/redirect/private":
            return self._redirect("http://10.0.0.1/")
        if path == "/redirect/metadata":
            return self._redirect("http://169.254.169.254/latest/meta-data/")
        if path == "/reset":
            self._head(200, [("Content-Type", "text/html"), ("Content-Length", "100000")])
            self.wfile.write(b"<p>" + b"x" * 997)
            self._reset()
            return 200
        if path == "/bad-status":
            self.wfile.write(b"HTTP/1.1 two hundred OK\r\nContent-Length: 5\r\n\r\nhello")
            return 0
        if path == "/truncated":
            self._head(200, [("Content-Type", "text/html"), ("Content-Length", "100000")])
            self.wfile.write(b"<p>" + b"x" * 997)
            return 200
        if path == "/charset/wrong":
            return self._raw(200, [], _WRONG_CHARSET, "text/html; charset=utf-8")
        if path == "/charset/invalid":
            return self._raw(200, [], _INVALID_UTF8, "text/html; charset=utf-8")
        if path == "/deep":
            depth = int(number("depth", 100_000, 1_000_000))
            return self._page("Deep", "<div>" * depth + "bottom" + "</div>" * depth)
        if path == "/long-line":
            size = int(number("mb", 10, 100) * MIB)
            line = (
                b"<!DOCTYPE html><html><body><p>" + b"word " * (size // 5) + b"</p></body></html>"
            )
            return self._raw(200, [], line, "text/html; charset=utf-8")
        if path == "/many-links":
            count = int(number("count", 20_000, 1_000_000))
            links = "".join(f'<a href="/leaf/{n}">{n}</a>\n' for n in range(count))
            return self._page("Many links", links)
        if path == "/weird-links":
            return self._raw(200, [], _weird_links(), "text/html; charset=utf-8")
        if path.startswith("/calendar/"):
            return self._calendar(path)
        if path == "/sitemap-bomb.xml":
            return self._raw(200, [], _billion_laughs(base), "application/xml")
        if path == "/sitemap-self.xml":
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"<sitemap><loc>{base}/sitemap-self.xml</loc></sitemap>\n"
                f"<sitemap><loc>{base}/sitemap-leaf.xml</loc></sitemap>\n"
                "</sitemapindex>\n"
            )
            return self._raw(200, [], body.encode(), "application/xml")
        if path == "/sitemap-leaf.xml":
            urls = "".join(f"<url><loc>{base}/leaf/sitemap-{n}</loc></url>\n" for n in range(3))
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
            )
            return self._raw(200, [], body.encode(), "application/xml")
        if path == "/offsite":
            hrefs = (
                "http://10.0.0.1/",
                "http://192.168.1.1/admin",
                "http://169.254.169.254/latest/meta-data/",
                "http://localhost:1/",
                f"http://127.0.0.2:{owner.port}/leaf/other-loopback",
                "https://www.stortinget.no/",
                "https://example.org/",
            )
            links = "".join(f'<a href="{href}">{href}</a>\n' for href in hrefs)
            return self._page("Off-site links", links)
        if path.startswith(("/private/", "/leaf/")):
            return self._page("Private" if path.startswith("/private/") else "Leaf")
        return self._raw(404, [], _html("Not found", ""))

    def _calendar(self, path: str) -> int:
        try:
            year, month = (int(part) for part in path.strip("/").split("/")[1:3])
            datetime.date(year, month, 1)
        except ValueError:
            return self._raw(404, [], _html("Not found", ""))
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        links = "".join(
            f'<a href="/calendar/{y}/{m:02d}/">{label}</a> '
            for label, (y, m) in (("Previous month", previous), ("Next month", following))
        )
        return self._page(f"Calendar {year}-{month:02d}", links)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout turns close() into a TCP RST. The
        # buffered reader holds a reference to the socket, so close it first
        # or the descriptor (and the reset) would wait for finish().
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class HostileServer:
    """The hostile routes on a loopback port, served from daemon threads.

    ``robots`` picks the robots.txt variant (one per server, as robots.txt is
    per host); ``endless_seconds`` bounds ``/endless``. Context manager, with
    ``.url``, ``.host``, ``.port`` and ``.requests`` like ``DemoServer``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        robots: RobotsMode = "normal",
        endless_seconds: float = 60.0,
    ) -> None:
        self.host = host
        self.port = port
        self.robots: RobotsMode = robots
        self.endless_seconds = endless_seconds
        self.requests = RequestLog()
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root URL, e.g. ``http://127.0.0.1:54321/``."""
        return f"http://{self.host}:{self.port}/"

    def count(self, path: str) -> int:
        """Count one more request for ``path`` and return the new total."""
        with self._counts_lock:
            self._counts[path] = self._counts.get(path, 0) + 1
            return self._counts[path]

    def start(self) -> HostileServer:
        """Bind the port and start answering in a background thread."""
        server = _Server((self.host, self.port), _Handler)
        server.owner = self
        server.stopping = threading.Event()
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="hostile", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, wake sleeping routes, and release the port."""
        if self._server is not None:
            self._server.stopping.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
