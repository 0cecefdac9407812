"""robots.txt as servers really send it (RFC 9309), against a local server.

Compressed bodies are decoded before the rules are read, up to five redirects
are followed, a 4xx allows everything, and a 5xx (or no answer) lets nothing
through for the run.
"""

from __future__ import annotations

import gzip
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from archiver.crawl.crawler import Crawler, CrawlResult
from archiver.crawl.robots import Robots
from archiver.store.index import Index
from tests.store.localsite import load, serving, write_config

# Rule shapes of regjeringen.no's robots.txt (wildcards, query filters, `$` anchors).
RULES = b"""User-agent: *
Disallow: /api/*
Disallow: /*/?sortby
Disallow: /p/1.html$
Disallow: /p/2.html
"""
FORBIDDEN = {"/p/1.html", "/p/2.html"}


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, *headers: str) -> None:
    handler.send_response(status)
    for line in headers:
        name, value = line.split(": ", 1)
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _gzip_rules(handler: BaseHTTPRequestHandler) -> None:
    _send(
        handler,
        200,
        gzip.compress(RULES),
        "Content-Type: text/plain",
        "Content-Encoding: gzip",
    )


def _redirect(target: str):  # type: ignore[no-untyped-def]
    def route(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 301, b"", f"Location: {target}")

    return route


def _status(code: int):  # type: ignore[no-untyped-def]
    def route(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, code, b"no", "Content-Type: text/plain")

    return route


def _crawl(tmp_path: Path, routes: dict) -> tuple[CrawlResult, dict[str, int]]:  # type: ignore[type-arg]
    with serving(pages=6, routes=routes) as site:
        settings = load(write_config(tmp_path, site.url))
        index = Index(settings.storage.index_url)
        try:
            result = Crawler(settings, settings.sites[0], index).run()
        finally:
            index.close()
        return result, dict(site.hits)


def test_gzip_encoded_robots_txt_is_decoded_and_obeyed(tmp_path: Path) -> None:
    result, hits = _crawl(tmp_path, {"/robots.txt": _gzip_rules})
    assert not FORBIDDEN & set(hits)
    assert "/p/3.html" in hits and result.stats.skipped >= 2


def test_five_redirects_are_followed_to_the_rules(tmp_path: Path) -> None:
    routes = {"/robots.txt": _redirect("/r1")}
    for n in range(1, 5):
        routes[f"/r{n}"] = _redirect(f"/r{n + 1}")
    routes["/r5"] = _gzip_rules  # five redirects: robots.txt → r1 → … → r5
    _, hits = _crawl(tmp_path, routes)
    assert hits.get("/r5") == 1
    assert not FORBIDDEN & set(hits)


def test_more_than_five_redirects_count_as_unavailable(tmp_path: Path) -> None:
    routes = {"/robots.txt": _redirect("/r1")}
    for n in range(1, 7):
        routes[f"/r{n}"] = _redirect(f"/r{n + 1}")
    routes["/r7"] = _gzip_rules
    _, hits = _crawl(tmp_path, routes)
    assert "/r6" not in hits and "/r7" not in hits
    assert set(hits) >= FORBIDDEN  # unavailable, like a 4xx: no restrictions


def test_4xx_allows_everything(tmp_path: Path) -> None:
    _, hits = _crawl(tmp_path, {"/robots.txt": _status(404)})
    assert set(hits) >= FORBIDDEN


def test_5xx_disallows_everything_for_the_run(tmp_path: Path) -> None:
    result, hits = _crawl(tmp_path, {"/robots.txt": _status(503)})
    assert set(hits) == {"/robots.txt"}
    assert result.stats.pages == 0 and result.stats.failed >= 1


def test_robots_rules_parse_from_a_compressed_body() -> None:
    robots = Robots.from_response(200, gzip.compress(RULES), content_encoding="gzip")
    assert not robots.allowed("https://www.regjeringen.no/no/aktuelt/?sortby=date", "archiver")
    assert robots.allowed("https://www.regjeringen.no/no/aktuelt/?page=2", "archiver")
    assert not robots.allowed("https://www.regjeringen.no/api/search", "archiver")
