"""Both writers of WARC files, the crawl's recorder and the browser stage's record sink,
seal what they close through one `Sealer`: hashed off the event loop, and a file that
cannot be read back fails the writer and stays open for recovery."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from archiver.config import Settings
from archiver.errors import ArchiveError
from archiver.store import warc
from archiver.store.index import Index
from archiver.store.sealing import Sealer
from tests.browser.test_records import _render_pages
from tests.crawl.test_recorder import _setup, _write_all
from tests.helpers import MakeSettings


@dataclass
class Writer:
    """A writer under test: what it writes, how it closes, and which files are its own."""

    sealer: Sealer
    write: Callable[[], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    owns: Callable[[str], bool]


def _recorder(make_settings: MakeSettings, index_for: Callable[[Settings], Index]) -> Writer:
    _, _, recorder, _ = _setup(make_settings, index_for)
    return Writer(recorder.sealer, lambda: _write_all(recorder), recorder.close, lambda _: True)


def _browser_sink(make_settings: MakeSettings, index_for: Callable[[Settings], Index]) -> Writer:
    _, _, sink, render = _render_pages(make_settings, index_for)
    return Writer(sink.sealer, render, sink.close, lambda name: "-browser-" in name)


WRITERS = pytest.mark.parametrize(
    "make_writer", [_recorder, _browser_sink], ids=["crawl", "browser"]
)


@WRITERS
def test_a_closed_file_is_hashed_while_the_event_loop_goes_on(
    make_writer: Callable[..., Writer],
    make_settings: MakeSettings,
    index_for: Callable[[Settings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = make_writer(make_settings, index_for)
    real = warc.file_sha256
    loop_ran = threading.Event()
    answered: list[bool] = []

    def hash_once_the_loop_has_run(path: Path) -> str:
        # On the event loop this would wait in vain: nothing else could run to set it.
        answered.append(loop_ran.wait(timeout=10))
        return real(path)

    monkeypatch.setattr(warc, "file_sha256", hash_once_the_loop_has_run)

    async def main() -> None:
        await writer.write()
        while writer.sealer.busy:
            loop_ran.set()
            await asyncio.sleep(0.01)
        await writer.close()

    asyncio.run(main())
    assert answered and all(answered)
    assert {row.status for row in writer.sealer.index.site_warcs("s")} == {"closed"}


@WRITERS
def test_a_closed_file_that_cannot_be_sealed_fails_the_writer(
    make_writer: Callable[..., Writer],
    make_settings: MakeSettings,
    index_for: Callable[[Settings], Index],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = make_writer(make_settings, index_for)

    def unreadable(path: Path) -> str:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(warc, "file_sha256", unreadable)
    failures: list[ArchiveError] = []

    async def main() -> None:
        try:  # the writes stop at the first failure they see, if they see it
            await writer.write()
        except ArchiveError as exc:
            failures.append(exc)
        try:  # closing always reports it
            await writer.close()
        except ArchiveError as exc:
            failures.append(exc)

    asyncio.run(main())
    assert failures
    assert all("cannot read closed WARC file" in str(exc) for exc in failures)
    # Left for recovery: the rows stay open at their committed length.
    rows = writer.sealer.index.site_warcs("s")
    assert "open" in {row.status for row in rows if writer.owns(row.name)}
