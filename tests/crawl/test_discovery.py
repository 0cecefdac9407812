"""Discovery on its own: what a fetched exchange adds to the frontier, and what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime

from archiver.crawl.discovery import Discovery
from archiver.crawl.stats import CrawlStats
from archiver.crawl.traps import TrapGuard
from archiver.store.index import QueuedUrl
from archiver.store.warc import Exchange
from tests.helpers import MakeSettings

SITE = "https://example.org/"


def _exchange(url: str, status: int, body: bytes, content_type: str, **headers: str) -> Exchange:
    return Exchange(
        url=url,
        method="GET",
        request_headers=[],
        status=status,
        reason="",
        http_version="HTTP/1.1",
        response_headers=[("Content-Type", content_type), *headers.items()],
        body=body,
        started_at=datetime.now(UTC),
    )


def _discovery(make_settings: MakeSettings, **site: object) -> Discovery:
    settings = make_settings([SITE], site=site or None)
    stats = CrawlStats()
    return Discovery(settings, settings.sites[0], stats, TrapGuard(1000, date.today()))


def _page(url: str = SITE, depth: int = 0) -> QueuedUrl:
    return QueuedUrl(url, url, depth, "page")


def test_a_page_yields_its_in_scope_links_and_embeds_once_each(make_settings: MakeSettings) -> None:
    discovery = _discovery(make_settings)
    html = (
        b'<html><body><a href="/a?utm_source=x">A</a><a href="/a">again</a>'
        b'<a href="https://elsewhere.example/b">off site</a><img src="/logo.png">'
        b'<a href="/b#part">B</a></body></html>'
    )
    found = discovery.discover(_page(), _exchange(SITE, 200, html, "text/html"), None)
    by_kind = {(q.kind, q.canonical_url, q.depth) for q in found}
    assert by_kind == {
        ("page", "https://example.org/a", 1),
        ("page", "https://example.org/b", 1),
        ("embed", "https://example.org/logo.png", 1),
    }
    assert discovery.stats.skips == {"scope:other-host": 1}
    again = discovery.discover(_page(), _exchange(SITE, 200, html, "text/html"), None)
    assert again == []  # seen lately: not offered to the frontier twice


def test_links_past_max_depth_are_counted_not_followed(make_settings: MakeSettings) -> None:
    discovery = _discovery(make_settings, max_depth=1)
    html = b'<a href="/deep1">1</a><a href="/deep2">2</a><img src="/i.png">'
    item = _page("https://example.org/level1", depth=1)
    found = discovery.discover(item, _exchange(item.url, 200, html, "text/html"), None)
    assert [(q.kind, q.canonical_url) for q in found] == [("embed", "https://example.org/i.png")]
    assert discovery.stats.skips == {"depth": 2}


def test_a_redirect_yields_its_target_until_the_chain_is_too_long(
    make_settings: MakeSettings,
) -> None:
    discovery = _discovery(make_settings)
    moved = _exchange(SITE + "old", 301, b"", "text/html", Location="/new")
    found = discovery.discover(_page(SITE + "old"), moved, None)
    assert [(q.canonical_url, q.redirects, q.depth) for q in found] == [(SITE + "new", 1, 0)]
    assert discovery.stats.redirects == 1
    limit = make_settings([SITE]).crawl.max_redirects
    long_chain = QueuedUrl(SITE + "x", SITE + "x", 0, "page", redirects=limit)
    assert (
        discovery.discover(
            long_chain, _exchange(SITE + "x", 302, b"", "text/html", Location="/y"), None
        )
        == []
    )


def test_sitemap_pages_are_listed_and_dated(make_settings: MakeSettings) -> None:
    discovery = _discovery(make_settings)
    xml = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://example.org/news/1</loc><lastmod>2026-01-02</lastmod></url>"
        b"<url><loc>https://elsewhere.example/x</loc></url></urlset>"
    )
    item = QueuedUrl(SITE + "sitemap.xml", SITE + "sitemap.xml", 1, "sitemap")
    found = discovery.discover(item, _exchange(item.url, 200, xml, "application/xml"), None)
    assert len(found) == 1
    entry = found[0]
    assert (entry.canonical_url, entry.kind, entry.listed) == (SITE + "news/1", "page", True)
    assert entry.lastmod is not None and entry.lastmod.date() == date(2026, 1, 2)


def test_robots_txt_and_error_pages_yield_nothing(make_settings: MakeSettings) -> None:
    discovery = _discovery(make_settings)
    robots = QueuedUrl(SITE + "robots.txt", SITE + "robots.txt", 0, "robots")
    body = b"Sitemap: https://example.org/s.xml"
    assert discovery.discover(robots, _exchange(robots.url, 200, body, "text/plain"), None) == []
    missing = _exchange(SITE + "gone", 404, b'<a href="/x">x</a>', "text/html")
    assert discovery.discover(_page(SITE + "gone"), missing, None) == []
