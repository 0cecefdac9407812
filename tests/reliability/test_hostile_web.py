"""A hostile server on 127.0.0.1: for each case the crawl goes on, records what happened,
and loses nothing already archived.

Complements tests/crawl/test_crawl_hostile.py (slow headers, 503 then 200, redirect
loop, oversized body, robots, calendar trap, private redirects). Every crawl here is
bounded by a small `timeout` and few `retries`; after each one the site verifies and
every WARC file passes warcio's checker.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from archiver.check.archive import ArchiveChecker
from archiver.config import Settings
from archiver.crawl.crawler import CrawlResult
from archiver.crawl.links import MAX_LINKS
from archiver.store.index import Index, captures, frontier
from archiver.store.verify import verify_site
from tests.helpers import MakeSettings, assert_valid_warcs, crawl
from tests.servers.hostile import HostileServer

BOUNDED = {"timeout": 2, "retries": 0, "max_retry_after": 5}


def _outcomes(index: Index, run_id: int, base: str) -> dict[str, tuple[str, str | None]]:
    with index.read() as conn:
        rows = conn.execute(
            sa.select(frontier.c.url, frontier.c.status, frontier.c.reason).where(
                frontier.c.run_id == run_id
            )
        ).all()
    return {url.removeprefix(base.rstrip("/")): (status, reason) for url, status, reason in rows}


def _captures(index: Index, run_id: int, base: str) -> dict[str, Any]:
    with index.read() as conn:
        rows = conn.execute(sa.select(captures).where(captures.c.run_id == run_id)).all()
    return {row.url.removeprefix(base.rstrip("/")): row for row in rows}


def _crawl_and_verify(settings: Settings, index: Index, *, warcio: bool = True) -> CrawlResult:
    result = crawl(settings, index)
    assert result.status == "completed"
    verified = verify_site(settings.storage.root, index, "s")
    assert verified.ok, verified.problems
    if warcio:
        assert_valid_warcs(settings.storage.root)
    return result


def test_slow_and_endless_bodies_are_archived_truncated(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings(
        [url + "drip?bytes=30&interval=1", url + "endless", url + "leaf/ok"],
        max_bytes=200_000,
        **BOUNDED,
    )
    index = index_for(settings)
    started = time.monotonic()
    result = _crawl_and_verify(settings, index)
    assert time.monotonic() - started < 20
    got = _captures(index, result.run_id, url)
    drip = got["/drip?bytes=30&interval=1"]
    assert drip.status == 200 and drip.truncated == "time"
    assert got["/endless"].truncated in ("time", "length")
    assert got["/leaf/ok"].truncated is None


@pytest.mark.parametrize("kind", ["gzip", "brotli"])
def test_compression_bombs_are_archived_raw_and_never_expanded(
    kind: str, hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    max_bytes = 2_000_000
    settings = make_settings([url + f"bomb/{kind}"], max_bytes=max_bytes, **BOUNDED)
    index = index_for(settings)
    started = time.monotonic()
    # warcio's checker cannot read any `Content-Encoding: br` record with brotli 1.2
    # (it sets `Decompressor.unused_data`, which the extension type does not allow), so
    # for brotli the WARC is checked by verify_site alone.
    result = _crawl_and_verify(settings, index, warcio=kind == "gzip")
    # 1 GiB decoded would take far longer than this (and the memory with it).
    assert time.monotonic() - started < 15
    bomb = _captures(index, result.run_id, url)[f"/bomb/{kind}"]
    assert bomb.status == 200 and bomb.length <= max_bytes + 10_000
    check = ArchiveChecker(settings, index).check_run(settings.sites[0], result.run_id)
    assert check.errors == [] or all("too large" in e or "exceeds" in e for e in check.errors)


def test_redirect_chain_stops_at_max_redirects(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings([url + "chain/10"], max_redirects=3, **BOUNDED)
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    hops = sorted(p for p in _captures(index, result.run_id, url) if p.startswith("/chain/"))
    # The seed plus three followed redirects; /chain/6 is never requested.
    assert hops == ["/chain/10", "/chain/7", "/chain/8", "/chain/9"]
    assert not [r for r in hostile_server.requests.snapshot() if r.path == "/chain/6"]


def test_broken_connections_and_bad_status_are_recorded(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings(
        [url + "reset", url + "truncated", url + "bad-status", url + "leaf/ok"], **BOUNDED
    )
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    got = _captures(index, result.run_id, url)
    outcomes = _outcomes(index, result.run_id, url)
    for path in ("/reset", "/truncated"):
        if path in got:
            assert got[path].truncated == "disconnect"
        else:
            status, reason = outcomes[path]
            assert status == "failed" and reason
    status, reason = outcomes["/bad-status"]
    assert status == "failed" and reason
    assert "/bad-status" not in got
    assert outcomes["/leaf/ok"] == ("done", None)


@pytest.mark.parametrize("date", [False, True])
def test_rate_limit_is_honoured_then_archived(
    date: bool, hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    path = f"/ratelimit/r{int(date)}?fail=1" + ("&date=1" if date else "")
    settings = make_settings([url + path.lstrip("/")], timeout=2, retries=1, max_retry_after=5)
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    hits = [r for r in hostile_server.requests.snapshot() if r.path.startswith(path.split("?")[0])]
    assert len(hits) == 2
    # Retry-After was waited for, not ignored.
    assert hits[1].start - hits[0].start >= 0.9
    (capture,) = [c for p, c in _captures(index, result.run_id, url).items() if "/ratelimit/" in p]
    assert capture.status == 200


def test_pathological_html_is_archived_and_checked(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    routes = ["charset/invalid", "deep?depth=100000", "long-line?mb=10", "weird-links"]
    settings = make_settings(
        [url + r for r in routes], site={"max_depth": 0}, max_bytes=20_000_000, **BOUNDED
    )
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    got = _captures(index, result.run_id, url)
    for route in routes:
        assert got["/" + route].status == 200, route
        assert got["/" + route].truncated is None, route
    check = ArchiveChecker(settings, index).check_run(settings.sites[0], result.run_id)
    assert check.errors == []
    assert check.pages >= len(routes)


def test_weird_links_fetch_nothing_out_of_scope(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings([url + "weird-links"], site={"max_depth": 1}, **BOUNDED)
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    outcomes = _outcomes(index, result.run_id, url)
    # Only this host is ever queued: no IDN, punycode, bad-port or protocol-relative hosts.
    assert all(u.startswith("/") for u in outcomes), [u for u in outcomes if u[:1] != "/"]
    # The 100 kB URL (and the 10 kB query) are refused, never queued or requested.
    assert all(len(u) <= settings.sites[0].crawl.max_url_length for u in outcomes)
    assert all(len(r.path) < 2048 for r in hostile_server.requests.snapshot())
    assert not any("aaaaaaaaaa" in u for u in outcomes)
    check = ArchiveChecker(settings, index).check_run(settings.sites[0], result.run_id)
    assert check.errors == []


def test_many_links_are_capped(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings(
        [url + "many-links?count=20000"], site={"max_pages": 20}, per_host=8, **BOUNDED
    )
    index = index_for(settings)
    result = _crawl_and_verify(settings, index)
    outcomes = _outcomes(index, result.run_id, url)
    leaves = [u for u in outcomes if u.removeprefix("/leaf/").isdigit()]
    # Queued up to the per-page link cap, fetched up to max_pages.
    assert 0 < len(leaves) <= MAX_LINKS
    assert result.stats.pages <= 20
    check = ArchiveChecker(settings, index).check_run(settings.sites[0], result.run_id)
    assert check.errors == []


@pytest.mark.parametrize("robots", ["malformed", "huge"])
def test_bad_robots_txt_still_disallows_private(
    robots: str, make_settings: MakeSettings, index_for: Any
) -> None:
    with HostileServer(robots=robots) as server:  # type: ignore[arg-type]
        url = server.url
        settings = make_settings(
            [url + "private/secret", url + "leaf/1", url + "leaf/2"], **BOUNDED
        )
        index = index_for(settings)
        result = _crawl_and_verify(settings, index)
        outcomes = _outcomes(index, result.run_id, url)
        assert outcomes["/private/secret"] == ("skipped", "robots")
        assert not [r for r in server.requests.snapshot() if r.path.startswith("/private/")]
        # The huge file's `Disallow: /leaf/` comes after the first 4 MiB; robots.py parses
        # only the first 500 KiB (as RFC 9309 allows), so /leaf/ stays allowed.
        assert outcomes["/leaf/1"] == ("done", None)
        assert outcomes["/leaf/2"] == ("done", None)


def test_sitemap_bomb_entities_are_never_expanded(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings(
        [url + "leaf/start"], site={"sitemaps": [url + "sitemap-bomb.xml"]}, **BOUNDED
    )
    index = index_for(settings)
    started = time.monotonic()
    result = _crawl_and_verify(settings, index)
    assert time.monotonic() - started < 15
    got = _captures(index, result.run_id, url)
    assert got["/sitemap-bomb.xml"].status == 200
    # Nothing expanded into a URL: an entity reference never becomes a queued page.
    outcomes = _outcomes(index, result.run_id, url)
    assert all("lol" not in u.lower() for u in outcomes)
