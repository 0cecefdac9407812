"""The browser stage's record sink on its own (no browser): closed files sealed off the loop."""

from __future__ import annotations

import asyncio
import hashlib
import random
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from archiver.browser.records import RecordSink, Rendered, now
from archiver.config import Settings
from archiver.errors import ArchiveError
from archiver.store import blobs, warc
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


def test_a_closed_file_is_hashed_while_the_event_loop_goes_on(
    make_settings: MakeSettings,
    index_for: Callable[[Settings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, index, sink, render = _render_pages(make_settings, index_for)
    real = warc.file_sha256
    loop_ran = threading.Event()
    answered: list[bool] = []

    def hash_once_the_loop_has_run(path: Path) -> str:
        # On the event loop this would wait in vain: nothing else could run to set it.
        answered.append(loop_ran.wait(timeout=10))
        return real(path)

    monkeypatch.setattr(warc, "file_sha256", hash_once_the_loop_has_run)

    async def main() -> None:
        await render()
        while sink.sealer.busy:
            loop_ran.set()
            await asyncio.sleep(0.01)
        await sink.close()

    asyncio.run(main())
    assert answered and all(answered)
    assert {row.status for row in index.site_warcs("s")} == {"closed"}


def test_a_file_that_cannot_be_sealed_fails_the_stage(
    make_settings: MakeSettings,
    index_for: Callable[[Settings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, index, sink, render = _render_pages(make_settings, index_for)

    def unreadable(path: Path) -> str:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(warc, "file_sha256", unreadable)
    failures: list[ArchiveError] = []

    async def main() -> None:
        try:
            await render()
        except ArchiveError as exc:
            failures.append(exc)
        try:
            await sink.close()
        except ArchiveError as exc:
            failures.append(exc)

    asyncio.run(main())
    assert failures and all("cannot read closed WARC file" in str(exc) for exc in failures)
    assert "open" in {row.status for row in index.site_warcs("s") if "-browser-" in row.name}
