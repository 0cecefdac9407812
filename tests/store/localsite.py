"""A small generated site on 127.0.0.1 for crawl tests: linked pages, images, ETags and 304s."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import archiver.config as config_module
from archiver.config import Settings

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

Route = Callable[[BaseHTTPRequestHandler], None]


def page(n: int, pages: int, links: int = 4) -> bytes:
    """Page n: a title, some text, links to `links` other pages and one image."""
    targets = sorted({(n * 7 + k * 3 + 1) % pages for k in range(links)})
    anchors = "".join(f'<li><a href="/p/{t}.html">page {t}</a></li>' for t in targets)
    text = " ".join(f"Sentence {i} of page {n} about public services." for i in range(20))
    return (
        f"<!doctype html><html><head><title>Page {n}</title></head><body>"
        f"<h1>Page {n}</h1><p>{text}</p><img src='/img/{n % 3}.png' alt='x'>"
        f"<ul>{anchors}</ul></body></html>"
    ).encode()


class LocalSite:
    """A threaded HTTP server over `pages` generated pages; `routes` add or override paths."""

    def __init__(self, pages: int = 20, routes: dict[str, Route] | None = None) -> None:
        self.pages = pages
        self.routes = routes or {}
        self.hits: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                route = site.routes.get(self.path.split("?", 1)[0])
                if route is not None:
                    route(self)
                    return
                body, ctype = site.body(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def body(self, path: str) -> tuple[bytes | None, str]:
        if path in ("/", "/index.html"):
            return page(0, self.pages), "text/html; charset=utf-8"
        if path.startswith("/p/") and path.endswith(".html"):
            number = path[3:-5]
            if number.isdigit() and int(number) < self.pages:
                return page(int(number), self.pages), "text/html; charset=utf-8"
        if path.startswith("/img/"):
            return PNG, "image/png"
        return None, ""

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(pages: int = 20, routes: dict[str, Route] | None = None) -> Iterator[LocalSite]:
    """Serve a LocalSite for the duration of a `with` block."""
    with LocalSite(pages, routes) as site:
        yield site


def write_config(tmp: Path, seed: str, **crawl: Any) -> Path:
    """An archiver.toml for one site 'local' at `seed`, archive under `tmp/snapshots`."""
    settings = {"delay": 0, "timeout": 5, "retries": 0, "max_per_pattern": 100_000, **crawl}
    lines = ["[storage]", 'root = "snapshots"', "", "[crawl]"]
    for key, value in settings.items():
        lines.append(f"{key} = {_toml(value)}")
    lines += [
        "",
        "[[sites]]",
        'name = "local"',
        f"seeds = [{_toml(seed)}]",
        "max_pages = 10000",
        "max_depth = 20",
    ]
    path = tmp / "archiver.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def load(path: Path) -> Settings:
    """Settings from a config file written by `write_config`."""
    return config_module.load(path)
