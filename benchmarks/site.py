"""A synthetic government-style site for benchmarks, served on 127.0.0.1.

Usage: python benchmarks/site.py [--pages N] [--latency S] [--size BYTES] [--port P]

Every page is generated from its number (so the site is the same on every
run): varied paragraphs of text drawn from a fixed pool, ~20 links to other
pages, a navigation bar and a few images. Each response is delayed by
`--latency` seconds in its own thread (ThreadingHTTPServer: one thread per
connection, so any number of concurrent connections are served). ETag and
If-None-Match → 304 are supported, robots.txt allows everything. The server
prints its base URL on stdout once it is listening.

Every response body and its ETag are built before the server listens (up to
`PREBUILD_BYTES` of pages; a larger site builds each page per request), so a
request costs the server the latency and the HTTP handling, not the page's
generation: a production server does not share the crawler's cores, and here
the two do. The bytes served are the same either way.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = (  # noqa: SIM905 (a paragraph of words reads better than a list literal)
    "ministry government public service citizens report policy budget health "
    "education transport climate energy security defence justice culture "
    "agriculture fisheries trade industry labour welfare housing municipality "
    "county regulation consultation hearing proposal white paper statement "
    "minister secretary state agency directorate inspectorate council board "
    "annual strategy programme funding grant allocation development research "
    "innovation digital infrastructure emergency preparedness cooperation "
    "international agreement treaty sustainable growth employment pension"
).split()


def _paragraphs(count: int = 400) -> list[str]:
    rng = random.Random(42)
    out = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


PARAGRAPHS = _paragraphs()
IMAGES = [random.Random(i).randbytes(3000 + 500 * i) for i in range(6)]
# Sites up to this many bytes of pages are built once, before the server listens.
PREBUILD_BYTES = 256 * 1024 * 1024


def page(n: int, pages: int, size: int) -> bytes:
    """Page `n` of a site of `pages` pages, about `size` bytes of HTML."""
    rng = random.Random(n)
    links = sorted({rng.randrange(pages) for _ in range(20)} | {(n + 1) % pages})
    nav = "".join(f'<li><a href="/section/{s}/">Section {s}</a></li>' for s in range(8))
    related = "".join(
        f'<li><a href="/news/{t}.html">{" ".join(rng.sample(WORDS, 5))}</a></li>' for t in links
    )
    images = "".join(
        f'<figure><img src="/img/{rng.randrange(len(IMAGES))}.jpg" alt="photo">'
        f"<figcaption>Photo: {rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
        "</figcaption></figure>"
        for _ in range(3)
    )
    head = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>News item {n} - Government.example</title>"
        f"<meta name='description' content='{PARAGRAPHS[n % len(PARAGRAPHS)][:150]}'>"
        f"<link rel='stylesheet' href='/static/site.css'></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article>"
        f"<h1>News item {n}</h1><p class='date'>Published 1{n % 9} March 2024</p>{images}"
    )
    tail = f"</article><aside><h2>Related</h2><ul>{related}</ul></aside></main></body></html>"
    body: list[str] = []
    room = size - len(head) - len(tail)
    while room > 0:
        text = f"<p>{PARAGRAPHS[rng.randrange(len(PARAGRAPHS))]}</p>"
        body.append(text)
        room -= len(text)
    return (head + "".join(body) + tail).encode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.md5(body).hexdigest() + '"'


def make_handler(pages: int, latency: float, size: int) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving the synthetic site."""

    index = "".join(f'<li><a href="/news/{i}.html">item {i}</a></li>' for i in range(0, pages, 97))
    home = (
        f"<!DOCTYPE html><html><head><title>Home</title></head><body><ul>{index}</ul></body></html>"
    ).encode()
    css = b"body{font-family:sans-serif} figure{margin:0}"
    html = "text/html; charset=utf-8"
    # Path → (body, content type, ETag) of every fixed response; the news pages too when the
    # site is small enough to hold (see PREBUILD_BYTES).
    fixed: dict[str, tuple[bytes, str, str]] = {
        "/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain", ""),
        "/": (home, html, ""),
        "/index.html": (home, html, ""),
        "/static/site.css": (css, "text/css", ""),
    }
    for number, image in enumerate(IMAGES):
        fixed[f"/img/{number}.jpg"] = (image, "image/jpeg", "")
    if pages * size <= PREBUILD_BYTES:
        for number in range(pages):
            fixed[f"/news/{number}.html"] = (page(number, pages, size), html, "")
    fixed = {path: (body, ctype, _etag(body)) for path, (body, ctype, _) in fixed.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY, as production servers set it: http.server sends the headers and
        # the body in two writes, and with Nagle on, the body waits for the client's
        # delayed ACK of the headers (~40 ms on Linux), which capped every crawler here.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str, etag: str | None = None) -> None:
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status != 304:
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _response(self, path: str) -> tuple[bytes, str, str] | None:
            found = fixed.get(path)
            if found is not None:
                return found
            if path.startswith("/section/"):
                return fixed["/"]
            if path.startswith("/news/") and path.endswith(".html"):
                number = path[6:-5]
                if number.isdigit() and int(number) < pages:
                    body = page(int(number), pages, size)
                    return body, html, _etag(body)
            if path.startswith("/img/") and path.endswith(".jpg"):
                number = path[5:-4]
                if number.isdigit() and int(number) < len(IMAGES):
                    return fixed[f"/img/{int(number)}.jpg"]
            return None

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            found = self._response(self.path.split("?", 1)[0])
            if found is None:
                self._send(404, b"not found", "text/plain")
                return
            body, ctype, etag = found
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", ctype, etag)
                return
            self._send(200, body, ctype, etag)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Read by the constructor's listen(): set on the instance afterwards (as this file
    # did), it left the backlog at 5, and of eight connections opened at once one or two
    # lost their SYN and connected a second later (TCP's retransmission timeout).
    request_queue_size = 128


def serve(pages: int, latency: float, size: int, port: int = 0) -> ThreadingHTTPServer:
    """A server for the site (not yet serving: call serve_forever)."""
    return _Server(("127.0.0.1", port), make_handler(pages, latency, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--size", type=int, default=40_000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(args.pages, args.latency, args.size, args.port)
    host, port = server.server_address[:2]
    print(f"http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
