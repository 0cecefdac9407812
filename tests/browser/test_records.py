"""The browser stage's record sink on its own (no browser).

Sealing closed files: tests/store/test_sealing_writers.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Awaitable, Callable

from archiver.browser.records import RecordSink, Rendered, now
from archiver.config import Settings
from archiver.store import blobs
from archiver.store.index import Index
from tests.crawl.test_recorder import _setup, _write_all
from tests.helpers import MakeSettings


def _render_pages(
    make_settings: MakeSettings, index_for: Callable[[Settings], Index]
) -> tuple[Settings, Index, RecordSink, Callable[[], Awaitable[None]]]:
    """A crawled run of two pages, and a sink that renders them into 4 KB files."""
    settings, index, recorder, run_id = _setup(make_settings, index_for)

    async def crawl() -> None:
        await _write_all(recorder, 2)
        await recorder.close()

    asyncio.run(crawl())
    originals = [row for row in index.captures_of_run(run_id) if row.is_page]
    sink = RecordSink(settings, settings.sites[0], index, run_id)

    async def render() -> None:
        for n, original in enumerate(originals * 3):
            screenshot = random.Random(n).randbytes(3000)  # every page rotates the file
            page = Rendered(original.url, now(), screenshot, "<html></html>", {"n": n})
            await sink.write(page, original)

    return settings, index, sink, render


def test_every_closed_file_is_recorded_with_its_hash(
    make_settings: MakeSettings, index_for: Callable[[Settings], Index]
) -> None:
    settings, index, sink, render = _render_pages(make_settings, index_for)

    async def main() -> None:
        await render()
        await sink.close()

    asyncio.run(main())
    files = [row for row in index.site_warcs("s") if "-browser-" in row.name]
    assert len(files) > 2
    for row in files:
        path = blobs.store(settings.storage).local_path(row.name)
        assert row.status == "closed"
        assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
