"""A hostile web: each misbehaving route is recorded, bounded, and never fatal to the crawl."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from archiver.store.index import Index, captures, frontier
from tests.helpers import MakeSettings, assert_valid_warcs, crawl
from tests.servers.hostile import HostileServer


def _outcomes(index: Index, run_id: int) -> dict[str, tuple[str, str | None]]:
    with index.read() as conn:
        rows = conn.execute(
            sa.select(frontier.c.url, frontier.c.status, frontier.c.reason).where(
                frontier.c.run_id == run_id
            )
        ).all()
    return {url: (status, reason) for url, status, reason in rows}


def _captures(index: Index, run_id: int) -> list[Any]:
    with index.read() as conn:
        return list(conn.execute(sa.select(captures).where(captures.c.run_id == run_id)).all())


def test_misbehaving_routes_are_recorded_and_the_crawl_completes(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    seeds = [
        url + "slow?seconds=5",
        url + "flaky/a?fail=2",
        url + "loop/a",
        url + "big?mb=3",
        url + "charset/wrong",
        url + "redirect/private",
        url + "private/secret",
        url + "offsite",
        url + "leaf/ok",
    ]
    settings = make_settings(seeds, timeout=2, max_bytes=1_000_000, retries=2, max_retry_after=5)
    index = index_for(settings)
    result = crawl(settings, index)
    assert result.status == "completed"
    outcomes = _outcomes(index, result.run_id)
    by_path = {u.removeprefix(url.rstrip("/")): v for u, v in outcomes.items()}

    # Slow: headers never came within the time cap; recorded as failed after retries.
    status, reason = by_path["/slow?seconds=5"]
    assert status == "failed" and reason is not None and "timed out" in reason
    # 503, 503, then 200: Retry-After honoured, and the 200 archived.
    assert by_path["/flaky/a?fail=2"] == ("done", None)
    flaky = [c for c in _captures(index, result.run_id) if "/flaky/a" in c.url]
    assert [c.status for c in flaky] == [200]
    flaky_requests = [
        r for r in hostile_server.requests.wait_for(1) if r.path.startswith("/flaky/a")
    ]
    assert len(flaky_requests) == 3
    # A redirect loop ends: each hop captured once.
    loop = [c for c in _captures(index, result.run_id) if "/loop/" in c.url]
    assert sorted(c.url.rsplit("/", 1)[1] for c in loop) == ["a", "b"]
    assert all(c.status == 302 for c in loop)
    # Oversized body: cut at max_bytes and marked so in the WARC.
    (big,) = [c for c in _captures(index, result.run_id) if "/big" in c.url]
    assert big.truncated == "length"
    # robots.txt: never requested.
    assert not [r for r in hostile_server.requests.snapshot() if r.path.startswith("/private/")]
    assert by_path["/private/secret"] == ("skipped", "robots")
    # A redirect to another host (here a private address) is archived but not followed,
    # and links out of scope are not queued.
    assert by_path["/redirect/private"] == ("done", None)
    assert all(u.startswith(url) for u in outcomes)
    # Wrong charset: archived as sent.
    assert by_path["/charset/wrong"] == ("done", None)
    assert_valid_warcs(settings.storage.root)


def test_calendar_trap_is_bounded(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    # No backstop help: the calendar is recognised by what it does (near-identical months).
    settings = make_settings([hostile_server.url + "calendar/2026/11/"], site={"max_depth": 50})
    index = index_for(settings)
    result = crawl(settings, index)
    assert result.status == "completed"
    months = [c for c in _captures(index, result.run_id) if "/calendar/" in c.url]
    assert 0 < len(months) <= 40
    reasons = {reason for _, reason in _outcomes(index, result.run_id).values()}
    assert reasons & {"trap:calendar", "trap:near-duplicate"}
    assert (
        result.stats.skips.get("trap:near-duplicate", 0)
        + result.stats.skips.get("trap:calendar", 0)
        >= 1
    )
    assert not result.stats.cut_short


def test_max_depth_bounds_link_chains(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    settings = make_settings([hostile_server.url + "calendar/2026/11/"], site={"max_depth": 3})
    index = index_for(settings)
    result = crawl(settings, index)
    months = {c.url for c in _captures(index, result.run_id) if "/calendar/" in c.url}
    # Depth 0 plus three hops in each direction.
    assert len(months) == 7


def test_sitemap_index_listing_itself_terminates(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    settings = make_settings(
        [hostile_server.url + "leaf/start"],
        site={"sitemaps": [hostile_server.url + "sitemap-self.xml"], "max_depth": 1},
    )
    index = index_for(settings)
    result = crawl(settings, index)
    assert result.status == "completed"
    urls = [c.url for c in _captures(index, result.run_id)]
    assert urls.count(hostile_server.url + "sitemap-self.xml") == 1
    assert sum("/leaf/" in u for u in urls) >= 3


def test_redirect_into_private_address_space_is_refused_even_in_scope(
    hostile_server: HostileServer, make_settings: MakeSettings, index_for: Any
) -> None:
    url = hostile_server.url
    settings = make_settings(
        [url + "redirect/private", url + "redirect/metadata"],
        site={"include": [r"^http://127\.0\.0\.1", r"^http://10\.", r"^http://169\.254\."]},
        timeout=2,
    )
    index = index_for(settings)
    result = crawl(settings, index)
    outcomes = _outcomes(index, result.run_id)
    refused = {u: v for u, v in outcomes.items() if not u.startswith(url)}
    assert set(refused) == {"http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/"}
    for status, reason in refused.values():
        assert status == "failed"
        assert reason is not None and "non-public address" in reason
