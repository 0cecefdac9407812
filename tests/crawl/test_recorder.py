"""The recorder on its own: WARC first, then the index.

Sealing closed files: tests/store/test_sealing_writers.py.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from archiver.config import Settings
from archiver.crawl.fetcher import Fetched
from archiver.crawl.recorder import Recorder
from archiver.crawl.stats import CrawlStats
from archiver.store import blobs, warc
from archiver.store.index import Index, QueuedUrl
from tests.helpers import MakeSettings

SITE = "https://example.org/"


def _fetched(n: int) -> Fetched:
    body = b"<html><body>" + b"page %d " % n * 400 + b"</body></html>"
    exchange = warc.Exchange(
        url=f"{SITE}p{n}",
        method="GET",
        request_headers=[("User-Agent", "test")],
        status=200,
        reason="OK",
        http_version="HTTP/1.1",
        response_headers=[("Content-Type", "text/html")],
        body=body,
        started_at=datetime.now(UTC),
    )
    return Fetched(exchange, 1, 0.01)


def _setup(
    make_settings: MakeSettings, index_for: Callable[[Settings], Index]
) -> tuple[Settings, Index, Recorder, int]:
    settings = make_settings([SITE])
    # Small files: every few records the writer rotates.
    settings = replace(settings, storage=replace(settings.storage, warc_max_bytes=4000))
    index = index_for(settings)
    run_id = index.start_run("s", kind="crawl", pid=1, hostname="here")
    items = [QueuedUrl(f"{SITE}p{n}", f"{SITE}p{n}", 1, "page") for n in range(12)]
    with index.begin() as conn:
        index.enqueue(conn, run_id, items)
    recorder = Recorder(settings, settings.sites[0], index, CrawlStats())
    recorder.open(run_id, {"isPartOf": "s"})
    return settings, index, recorder, run_id


async def _write_all(recorder: Recorder, count: int = 12) -> None:
    for n in range(count):
        item = QueuedUrl(f"{SITE}p{n}", f"{SITE}p{n}", 1, "page")
        await recorder.write(item, _fetched(n), None, [])


def test_every_capture_is_committed_and_every_closed_file_recorded_with_its_hash(
    make_settings: MakeSettings, index_for: Callable[[Settings], Index]
) -> None:
    settings, index, recorder, run_id = _setup(make_settings, index_for)

    async def main() -> None:
        await _write_all(recorder)
        await recorder.close()

    asyncio.run(main())
    files = index.site_warcs("s")
    assert len(files) > 2  # rotated
    for row in files:
        path = blobs.store(settings.storage).local_path(row.name)
        assert row.status == "closed"
        assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row.size == path.stat().st_size
    captures = index.captures_of_run(run_id)
    assert len(captures) == 12 == recorder.stats.pages
    for row in captures:
        record = blobs.read_record(settings.storage, row.warc_file, row.offset)
        assert record.url == row.url
    assert not index.frontier_entries(run_id, "queued")
