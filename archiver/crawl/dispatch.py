"""From the frontier to the workers: what is fetched next, by how many at once, until when.

The frontier lives in the index (so memory does not grow with the URLs seen,
and a killed crawl resumes where it stopped). The dispatcher reads queued
entries in batches — sitemaps first, so a page's `<lastmod>` and its being
listed are known before the page is — and hands them to `concurrency` workers
through a small queue. It stops at `max_pages` (the rest is marked skipped),
on a stop request, or when an `ArchiveError` says the archive cannot be
written; what was dispatched but not started stays queued in the index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from loguru import logger

from archiver.crawl.stats import CrawlStats
from archiver.errors import ArchiveError, FetchError
from archiver.store.index import Index, QueuedUrl

BATCH = 200


class Dispatcher:
    """Runs one crawl's frontier through its workers (see the module docstring)."""

    def __init__(
        self,
        index: Index,
        stats: CrawlStats,
        *,
        concurrency: int,
        max_pages: int,
        site: str = "",
    ) -> None:
        self.index = index
        self.stats = stats
        self.concurrency = concurrency
        self.max_pages = max_pages
        self.run_id = 0
        self.pages_dispatched = 0  # pages handed out so far (on resume: those already done)
        self.stopped = False
        self._log = logger.bind(site=site) if site else logger
        self._in_flight = 0
        self._progress = asyncio.Event()
        self._fatal: list[ArchiveError] = []

    def stop(self) -> None:
        """Dispatch nothing more; what is in flight is finished."""
        self.stopped = True

    async def run(
        self,
        process: Callable[[QueuedUrl], Awaitable[None]],
        *,
        flush: Callable[[], None],
        failed: Callable[[QueuedUrl, str], None],
        progress: Callable[[], None] | None = None,
    ) -> None:
        """Dispatch until the frontier is empty or a stop; raise the first fatal error.

        `flush` commits what the workers wrote (their links join the frontier),
        `failed` records a URL that tripped a bug in `process`, and `progress`
        is told each time a URL is done.
        """
        queue: asyncio.Queue[QueuedUrl | None] = asyncio.Queue(maxsize=self.concurrency * 2)
        workers = [
            asyncio.create_task(self._work(queue, process, failed, progress))
            for _ in range(self.concurrency)
        ]
        try:
            await self._dispatch(queue, flush)
        finally:
            # Drop what was dispatched but not started (it stays queued in the index).
            while not queue.empty():
                if queue.get_nowait() is not None:
                    self._in_flight -= 1
            for _ in workers:
                await queue.put(None)
            for result in await asyncio.gather(*workers, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result
            if self._fatal:
                raise self._fatal[0]
            flush()

    async def _work(
        self,
        queue: asyncio.Queue[QueuedUrl | None],
        process: Callable[[QueuedUrl], Awaitable[None]],
        failed: Callable[[QueuedUrl, str], None],
        progress: Callable[[], None] | None,
    ) -> None:
        """One worker: process queued URLs until it is handed None."""
        while (item := await queue.get()) is not None:
            try:
                if not self._fatal:
                    await process(item)
            except FetchError as exc:
                self._log.warning("{}", exc)
            except ArchiveError as exc:
                # The archive cannot be written (disk full, index gone): stop dispatching,
                # but keep taking items so the dispatcher never blocks on a full queue.
                self._fatal.append(exc)
                self.stopped = True
            except Exception as exc:
                # A page that trips a bug is recorded as failed; the crawl goes on.
                self._log.opt(exception=exc).error("{}: internal error", item.url)
                failed(item, f"internal error: {type(exc).__name__}: {exc}")
            finally:
                self._in_flight -= 1
                self._progress.set()
                if progress is not None:
                    progress()

    async def _dispatch(
        self, queue: asyncio.Queue[QueuedUrl | None], flush: Callable[[], None]
    ) -> None:
        last_id = 0
        # Sitemaps first (those robots.txt names too): a page's <lastmod>, and its being
        # listed (never a trap), must be known before the page is dispatched.
        sitemaps_first = True
        while not self.stopped:
            # Links found by captures not yet committed are not in the frontier yet.
            flush()
            batch = self.index.queued(
                self.run_id,
                after_id=last_id,
                limit=BATCH,
                kinds=("sitemap",) if sitemaps_first else None,
            )
            if batch:
                last_id = batch[-1][0]
                await self._hand_out([item for _, item in batch], queue)
            elif self._in_flight:
                self._progress.clear()
                await self._progress.wait()
            elif sitemaps_first:
                sitemaps_first, last_id = False, 0
            else:
                return

    async def _hand_out(
        self, items: list[QueuedUrl], queue: asyncio.Queue[QueuedUrl | None]
    ) -> None:
        """Queue a batch for the workers; pages past `max_pages` are marked skipped instead."""
        skipped: list[str] = []
        for item in items:
            if item.kind == "page":
                if self.pages_dispatched >= self.max_pages:
                    skipped.append(item.canonical_url)
                    continue
                self.pages_dispatched += 1
            self._in_flight += 1
            await queue.put(item)
            if self.stopped:
                break
        if skipped:
            self._cap_reached(skipped)

    def _cap_reached(self, skipped: list[str]) -> None:
        with self.index.begin() as conn:
            for url in skipped:
                self.index.mark(conn, self.run_id, url, "skipped", "max-pages")
        self.stats.skipped += len(skipped)
        for url in skipped:
            self.stats.skip("max-pages", url)
        if "max-pages" not in self.stats.cut_short:
            self.stats.cut_short.append("max-pages")
            self._log.warning(
                "max_pages ({}) reached: the rest of the site is not archived in this crawl",
                self.max_pages,
            )
