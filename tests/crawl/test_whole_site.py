"""A whole site of numeric-id pages, a real calendar trap and a sitemap with lastmod.

Crawled three times, as cron would on successive nights: first, unchanged, and after 1 %
of the pages changed. The site is tests/servers/wholesite.py (the benchmark's, smaller).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from archiver import config
from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult
from archiver.store.index import Index, captures, frontier
from tests.helpers import assert_valid_warcs
from tests.servers.wholesite import WholeSite, WholeSiteServer, content_path

PAGES = 2_000


@dataclass
class Nights:
    site: WholeSite
    url: str
    settings: Settings
    index: Index
    first: CrawlResult
    first_requests: int
    unchanged: CrawlResult
    unchanged_requests: int
    changed: list[int]
    after_change: CrawlResult
    after_change_requests: int


def _settings(root: Path, url: str, **crawl: Any) -> Settings:
    return config.parse(
        {
            "storage": {"root": str(root)},
            "crawl": {"delay": 0, "per_host": 8, "retries": 0, **crawl},
            "sites": [
                {"name": "whole", "seeds": [url + "/"], "max_pages": 100_000, "max_depth": 100}
            ],
        }
    )


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    site = WholeSite(PAGES)
    with WholeSiteServer(site) as server:
        settings = _settings(tmp_path_factory.mktemp("whole"), server.url)
        index = Index(settings.storage.index_url)

        def night() -> tuple[CrawlResult, int]:
            before = site.requests
            result = Crawler(settings, settings.sites[0], index).run()
            return result, site.requests - before

        first, first_requests = night()
        unchanged, unchanged_requests = night()
        changed = site.change(0.01)
        after_change, after_change_requests = night()
        yield Nights(
            site,
            server.url,
            settings,
            index,
            first,
            first_requests,
            unchanged,
            unchanged_requests,
            changed,
            after_change,
            after_change_requests,
        )
        index.close()


def _rows(index: Index, table: sa.Table, run_id: int) -> list[Any]:
    with index.read() as conn:
        return list(conn.execute(sa.select(table).where(table.c.run_id == run_id)).all())


def test_every_page_of_a_numeric_id_site_is_archived(nights: Nights) -> None:
    archived = {c.url for c in _rows(nights.index, captures, nights.first.run_id) if c.is_page}
    missing = [n for n in range(PAGES) if nights.url + content_path(n) not in archived]
    assert missing == []
    assert nights.first.status == "completed"
    assert nights.first.stats.cut_short == []
    assert "trap:max-per-pattern" not in nights.first.stats.skips
    assert_valid_warcs(nights.settings.storage.root)


def test_the_calendar_trap_is_bounded_by_what_it_does(nights: Nights) -> None:
    months = [
        c.url
        for c in _rows(nights.index, captures, nights.first.run_id)
        if "/events/" in c.url and c.status == 200
    ]
    # Two years of events and a year ahead are real; the walk into empty decades is not.
    assert 24 <= len(months) <= 60
    skips = nights.first.stats.skips
    assert skips.get("trap:calendar", 0) >= 1
    assert skips.get("trap:near-duplicate", 0) >= 1
    assert not any("/events/19" in u for u in months)


def test_the_summary_names_every_skip_reason_with_counts_and_examples(nights: Nights) -> None:
    stats = nights.first.stats
    for reason in ("robots", "scope:other-host", "trap:calendar", "trap:near-duplicate"):
        assert stats.skips.get(reason, 0) >= 1, reason
    line = stats.skipped_by_reason()
    assert f"robots 1, e.g. {nights.url}/private/drafts" in line
    assert "scope:other-host 1, e.g. https://www.example.org/elsewhere" in line
    assert line.startswith(f"{sum(stats.skips.values())} skipped (")


def test_an_unchanged_recrawl_asks_for_at_most_a_fifth_of_the_requests(nights: Nights) -> None:
    assert nights.unchanged_requests <= 0.20 * nights.first_requests
    stats = nights.unchanged.stats
    # Every page is accounted for: fetched (conditionally) or kept from its last capture.
    assert stats.pages + stats.kept >= PAGES
    kept = [r for r in _rows(nights.index, frontier, nights.unchanged.run_id) if r.status == "kept"]
    assert len(kept) == stats.kept >= 0.75 * PAGES


def test_after_one_percent_changed_every_changed_page_is_fetched(nights: Nights) -> None:
    assert nights.after_change_requests <= 0.21 * nights.first_requests
    fetched = {
        c.url: c.record_type
        for c in _rows(nights.index, captures, nights.after_change.run_id)
        if c.is_page
    }
    for n in nights.changed:
        assert fetched.get(nights.url + content_path(n)) == "response", n


def test_kept_pages_are_checked_from_their_last_capture(nights: Nights) -> None:
    kept = nights.index.kept_captures("whole", nights.after_change.run_id)
    assert len(kept) == nights.after_change.stats.kept
    # The last capture of each: from an earlier run, never a changed page.
    assert all(c.run_id < nights.after_change.run_id for c in kept)
    changed = {nights.url + content_path(n) for n in nights.changed}
    assert not changed & {c.url for c in kept}


def test_a_full_recrawl_is_one_flag_away(nights: Nights) -> None:
    before = nights.site.requests
    result = Crawler(nights.settings, nights.settings.sites[0], nights.index, full=True).run()
    assert result.stats.kept == 0
    assert nights.site.requests - before >= PAGES


def test_the_calendar_walk_stops_at_the_same_month_every_night(nights: Nights) -> None:
    def months(result: CrawlResult) -> set[str]:
        return {
            r.canonical_url
            for r in _rows(nights.index, frontier, result.run_id)
            if "/events/" in r.canonical_url and r.status in ("done", "kept")
        }

    first = months(nights.first)
    # Kept months teach the trap guard as fetched ones do: no creeping back a year a night.
    assert len(months(nights.after_change)) <= len(first) + 2
