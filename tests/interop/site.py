"""A small site on 127.0.0.1 that serves what real servers send and records what it was asked.

- validators on every page and image (ETag, Last-Modified) and 304s to conditional
  requests, so a second crawl meets them;
- links that name the same page with tracking parameters, with a space, with
  percent-escapes and with a query; a lazy image in `img[data-src]` and a `srcset`;
- robots.txt gzip-encoded (Content-Encoding: gzip) with regjeringen.no's rule
  shapes (wildcards, `$` anchors);
- a link to another port on the same host (another origin: out of scope).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
LAST_MODIFIED = "Tue, 03 Mar 2026 10:00:00 GMT"
# The rule shapes of https://www.regjeringen.no/robots.txt: wildcard paths, query
# filters matched through `/*/?`, and `$`-anchored file types.
ROBOTS = """User-agent: *
Disallow: /api/*
Disallow: /*/?pageRef
Disallow: /*/?sortby
Disallow: /en/historical-archive/*
Disallow: /no/historisk-arkiv/*
Disallow: /*.pdf$
Disallow: /search/
"""
DISALLOWED = (
    "/en/historical-archive/old.html",
    "/no/historisk-arkiv/gammel.html",
    "/no/aktuelt/?sortby=date",
    "/no/aktuelt/?pageRef=3",
    "/doc/report.pdf",
    "/search/?q=tax",
)


def _page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


class InteropSite:
    """The site; `requests` lists every request line's target, in order."""

    def __init__(self, other_origin: str = "") -> None:
        self.requests: list[str] = []
        self.other_origin = other_origin
        links = "".join(
            f'<li><a href="{href}">{href}</a></li>'
            for href in (
                "/news.html?utm_source=listing&utm_medium=email",
                "/news.html?fbclid=abc",
                "/a%20b.html",
                "/a b.html",
                "/caf%C3%A9.html",
                "/search.html?q=tax%20rules&page=2",
                "/lazy.html",
                "/no/aktuelt/",
                *DISALLOWED,
                *([f"{other_origin}/other.html"] if other_origin else []),
            )
        )
        self.pages: dict[str, bytes] = {
            "/": _page("Front page", f"<img src='/img/front.png' alt=''><ul>{links}</ul>"),
            "/news.html": _page("News", "<img src='/img/news.png' alt=''><a href='/'>home</a>"),
            "/a%20b.html": _page("A page with a space", "<img src='/img/space.png' alt=''>"),
            "/caf%C3%A9.html": _page("Café", "<img src='/img/cafe.png' alt=''>"),
            "/search.html?q=tax%20rules&page=2": _page(
                "Search results", "<img src='/img/search.png' alt=''>"
            ),
            "/lazy.html": _page(
                "Lazy images",
                "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' data-src='/img/lazy.png'"
                " alt=''><img src='/img/s1.png' srcset='/img/s1.png 1x, /img/s2.png 2x' alt=''>",
            ),
            "/no/aktuelt/": _page("Aktuelt", "<img src='/img/aktuelt.png' alt=''>"),
        }
        for path in DISALLOWED:
            self.pages[path] = _page("Disallowed", "")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path == "/robots.txt":
                    body = gzip.compress(ROBOTS.encode())
                    self._send(200, body, "text/plain", [("Content-Encoding", "gzip")])
                    return
                path = self.path
                if path.split("?", 1)[0] == "/news.html":
                    path = "/news.html"
                if path.startswith("/img/"):
                    body, ctype = PNG + path.encode(), "image/png"
                elif path in site.pages:
                    body, ctype = site.pages[path], "text/html; charset=utf-8"
                else:
                    self._send(404, b"not found", "text/plain", [])
                    return
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                validators = [("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
                if (
                    self.headers.get("If-None-Match") == etag
                    or self.headers.get("If-Modified-Since") == LAST_MODIFIED
                ):
                    self.send_response(304)
                    for name, value in [*validators, ("Cache-Control", "max-age=60")]:
                        self.send_header(name, value)
                    self.end_headers()
                    return
                self._send(200, body, ctype, validators)

            def _send(
                self, status: int, body: bytes, ctype: str, extra: list[tuple[str, str]]
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> InteropSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
