"""The dispatcher on its own, over a real frontier in SQLite: order, caps, stops, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from archiver.crawl.dispatch import Dispatcher
from archiver.crawl.stats import CrawlStats
from archiver.errors import ArchiveError
from archiver.store.index import Index, QueuedUrl
from tests.helpers import MakeSettings

Process = Callable[[QueuedUrl], Awaitable[None]]


def _frontier(index: Index, items: list[QueuedUrl]) -> int:
    run_id = index.start_run("s", kind="crawl", pid=1, hostname="here")
    with index.begin() as conn:
        index.enqueue(conn, run_id, items)
    return run_id


def _page(n: int, depth: int = 1) -> QueuedUrl:
    url = f"https://example.org/p{n}"
    return QueuedUrl(url, url, depth, "page")


def _run(index: Index, run_id: int, process: Process, **kw: int) -> tuple[Dispatcher, list[str]]:
    stats = CrawlStats()
    dispatcher = Dispatcher(
        index, stats, concurrency=kw.get("concurrency", 4), max_pages=kw.get("max_pages", 100)
    )
    dispatcher.run_id = run_id
    failures: list[str] = []

    def done() -> None:
        with index.begin() as conn:  # what a worker's capture would commit
            index.mark_done(conn, run_id, list(handled))

    handled: list[str] = []

    async def tracked(item: QueuedUrl) -> None:
        handled.append(item.canonical_url)
        await process(item)

    asyncio.run(
        dispatcher.run(
            tracked, flush=done, failed=lambda item, why: failures.append(f"{item.url} {why}")
        )
    )
    return dispatcher, failures


@pytest.fixture
def index(make_settings: MakeSettings, index_for: Callable[..., Index]) -> Index:
    return index_for(make_settings(["https://example.org/"]))


def test_sitemaps_go_out_before_pages_and_links_found_meanwhile_are_followed(
    index: Index,
) -> None:
    sitemap = QueuedUrl(
        "https://example.org/sitemap.xml", "https://example.org/sitemap.xml", 1, "sitemap"
    )
    run_id = _frontier(index, [_page(1), _page(2), sitemap])
    order: list[str] = []

    async def process(item: QueuedUrl) -> None:
        order.append(item.url)
        if item.url.endswith("p1"):  # a page yields a link, committed by the next flush
            with index.begin() as conn:
                index.enqueue(conn, run_id, [_page(3, 2)])

    _run(index, run_id, process)
    assert order[0] == sitemap.url
    assert sorted(order[1:]) == [_page(n).url for n in (1, 2, 3)]


def test_pages_past_max_pages_are_marked_skipped_and_the_crawl_is_cut_short(
    index: Index,
) -> None:
    run_id = _frontier(index, [_page(n) for n in range(10)])
    seen: list[str] = []

    async def process(item: QueuedUrl) -> None:
        seen.append(item.url)

    dispatcher, _ = _run(index, run_id, process, max_pages=4)
    assert len(seen) == 4
    skipped = index.frontier_entries(run_id, "skipped")
    assert len(skipped) == 6
    assert {row.reason for row in skipped} == {"max-pages"}
    assert dispatcher.stats.cut_short == ["max-pages"]
    assert dispatcher.stats.skips == {"max-pages": 6}


def test_an_archive_error_stops_dispatching_and_is_raised(index: Index) -> None:
    run_id = _frontier(index, [_page(n) for n in range(50)])
    seen: list[str] = []

    async def process(item: QueuedUrl) -> None:
        seen.append(item.url)
        if len(seen) == 3:
            raise ArchiveError("disk full")
        await asyncio.sleep(0)

    with pytest.raises(ArchiveError, match="disk full"):
        _run(index, run_id, process, concurrency=2)
    assert len(seen) < 10  # nothing new started once the archive failed
    assert len(index.frontier_entries(run_id, "queued")) >= 40  # left for the next crawl


def test_a_bug_on_one_url_marks_it_failed_and_the_crawl_goes_on(index: Index) -> None:
    run_id = _frontier(index, [_page(n) for n in range(5)])
    seen: list[str] = []

    async def process(item: QueuedUrl) -> None:
        seen.append(item.url)
        if item.url.endswith("p2"):
            raise KeyError("oops")

    _, failures = _run(index, run_id, process)
    assert len(seen) == 5
    assert failures == ["https://example.org/p2 internal error: KeyError: 'oops'"]


def test_a_stop_request_lets_urls_in_flight_finish_and_keeps_the_rest_queued(
    index: Index,
) -> None:
    run_id = _frontier(index, [_page(n) for n in range(30)])
    finished: list[str] = []
    holder: list[Dispatcher] = []

    async def process(item: QueuedUrl) -> None:
        if not finished:
            holder[0].stop()
        await asyncio.sleep(0)
        finished.append(item.url)

    stats = CrawlStats()
    dispatcher = Dispatcher(index, stats, concurrency=2, max_pages=100)
    dispatcher.run_id = run_id
    holder.append(dispatcher)
    started: list[str] = []

    async def tracked(item: QueuedUrl) -> None:
        started.append(item.url)
        await process(item)

    asyncio.run(dispatcher.run(tracked, flush=lambda: None, failed=lambda item, why: None))
    assert dispatcher.stopped
    assert finished == started  # every URL started was finished
    assert len(started) <= 4
