"""Closed WARC files sealed off the event loop: hashed, recorded closed, and published.

A `WarcWriter` closes a file on the event loop, in the middle of an append
(`WarcWriter.rotate`). `Sealer.closed` is its `on_close` callback: the file's
SHA-256 (up to `warc_max_bytes` read) and, with an object store, its upload and
read-back run in a worker thread, so the loop goes on meanwhile; the index rows
are written on the loop. `Sealer.drain` waits for every file closed so far;
`raise_failure` raises the first that could not be sealed: its row stays open
(or closed but not stored), and the next run's recovery finishes the job. The
crawler's recorder and the browser stage's record sink seal their files this way.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from loguru import logger

from archiver.errors import ArchiveError
from archiver.store import warc
from archiver.store.blobs import WarcStore, index_name
from archiver.store.index import Index


class Sealer:
    """Seals the WARC files one writer of a site closes (see the module docstring)."""

    def __init__(self, index: Index, store: WarcStore, warc_dir: Path, site: str) -> None:
        self.index = index
        self.store = store
        self.warc_dir = warc_dir
        self.site = site
        self._tasks: set[asyncio.Task[None]] = set()
        self._failed: list[ArchiveError] = []
        self._log = logger.bind(site=site)

    def rel(self, name: str) -> str:
        """The index's name of one of this site's WARC files."""
        return index_name(self.site, name)

    @property
    def busy(self) -> bool:
        """Whether a closed file is still being sealed."""
        return bool(self._tasks)

    def closed(self, name: str, size: int) -> None:
        """The writer closed a file (on the loop, mid-append): seal it in the background."""
        task = asyncio.get_running_loop().create_task(self._seal(name, size))
        self._tasks.add(task)
        task.add_done_callback(self._sealed)

    async def _seal(self, name: str, size: int) -> None:
        path = self.warc_dir / name
        try:
            sha256 = await asyncio.to_thread(warc.file_sha256, path)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read closed WARC file: {exc}") from exc
        self.index.warc_closed(self.rel(name), size, sha256)
        if await asyncio.to_thread(self.store.publish, self.rel(name), sha256):
            self._stored(self.rel(name))

    def _sealed(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, ArchiveError):
            self._failed.append(exc)
        elif exc is not None:
            self._failed.append(ArchiveError(f"sealing a closed WARC file: {exc!r}"))

    def raise_failure(self) -> None:
        """Raise the first failure to seal a closed file, so the run stops on it."""
        if self._failed:
            raise self._failed[0]

    async def drain(self) -> None:
        """Wait until every file closed so far is sealed (or failed: see `raise_failure`)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def publish(self, name: str, sha256: str | None) -> None:
        """Upload a closed file (index name) to a remote store and record it stored, here and
        now (recovery, before the run fetches anything); a no-op with a local store."""
        if self.store.publish(name, sha256):
            self._stored(name)

    def _stored(self, name: str) -> None:
        self.index.warc_stored(name)
        self._log.info("stored {} in {}", name, self.store.url)


__all__ = ["Sealer", "index_name"]
