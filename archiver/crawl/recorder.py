"""Exchanges into WARC files, then into the index: the crawl's group commit and publishing.

Each fetched URL is written to the WARC file first; then its capture row, its
frontier status and the links it yielded are committed in one transaction,
together with those of the other captures written since the last commit (a
group commit, see `Recorder.flush`). A closed WARC file is hashed and, with an
object store, uploaded and read back in a worker thread, so the event loop
goes on fetching meanwhile (`store.sealing`; `Recorder.close` waits for them).

Crash safety: a file is renamed from `.open` only after its last captures are
committed, and its SHA-256 is recorded after that; a crash in between leaves
its `warc_files` row open with `committed` at the file's end, and recovery on
resume (`store/recovery.py`) hashes, closes and publishes it then.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from loguru import logger

from archiver.config import Settings, SiteSettings
from archiver.crawl.fetcher import Fetched
from archiver.crawl.stats import CrawlStats
from archiver.errors import ArchiveError
from archiver.store import blobs, warc
from archiver.store.captures import exchange_row
from archiver.store.index import KEPT, Index, QueuedUrl
from archiver.store.recovery import recover_open_files
from archiver.store.rows import Capture
from archiver.store.sealing import Sealer

# Group commit: captures written to WARC are committed to the index together, at most
# this many at a time or this many seconds after the first of them. A crash loses at
# most one group: recovery cuts their records from the `.open` file, and their URLs,
# still queued in the frontier, are fetched again when the crawl resumes. A commit blocks
# the event loop: larger groups made requests already scheduled by the cluster-wide
# politeness limiter go out late (and so closer together than `delay`).
GROUP_SIZE = 8
GROUP_SECONDS = 0.25
# Kept pages cost no request: their frontier updates are committed in larger groups.
KEPT_GROUP = 200


@dataclass(frozen=True)
class _Pending:
    """A capture in the WARC file whose index rows are not committed yet."""

    item: QueuedUrl
    values: dict[str, Any]
    committed: int  # the WARC file's length once this capture is committed
    written: warc.Written
    discovered: list[QueuedUrl]


class Recorder:
    """Writes one run's exchanges to WARC and commits them to the index in groups."""

    def __init__(self, settings: Settings, site: SiteSettings, index: Index, stats: CrawlStats):
        self.settings = settings
        self.site = site
        self.index = index
        self.stats = stats
        self.store = blobs.store(settings.storage)
        self.warc_dir = self.store.spool_dir(site.name)
        self.run_id = 0
        self._writer: warc.WarcWriter | None = None
        self._pending: list[_Pending] = []
        self._pending_since = 0.0
        self._kept: list[tuple[QueuedUrl, str, list[QueuedUrl]]] = []
        self.sealer = Sealer(index, self.store, self.warc_dir, site.name)
        self._log = logger.bind(site=site.name)

    def rel(self, name: str) -> str:
        """The index's name of one of this site's WARC files."""
        return self.sealer.rel(name)

    def recover(self, run_ids: list[int]) -> None:
        """Close `.open` WARC files of dead runs at their last committed record.

        Runs before the crawl fetches anything, so nothing waits on it.
        """
        recover_open_files(
            self.index,
            self.settings.storage.root,
            self.warc_dir,
            self.index.open_warcs(run_ids),
            locate=self.store.local_path,
            on_closed=self.sealer.publish,
        )
        if self.store.remote and self.warc_dir.exists():
            # Closed here but not yet verified in the store when the last holder died.
            for spooled in sorted(self.warc_dir.glob(f"*{warc.WARC_SUFFIX}")):
                entry = self.index.warc_file(self.rel(spooled.name))
                if entry is not None and entry.status == "closed":
                    self.sealer.publish(entry.name, entry.sha256)

    def open(self, run_id: int, info: dict[str, str]) -> None:
        """Start writing this run's WARC files (the first opens with the first record)."""
        self.run_id = run_id
        writer = warc.WarcWriter(
            self.warc_dir,
            prefix=f"{self.settings.storage.warc_prefix}-{self.site.name}",
            max_bytes=self.settings.storage.warc_max_bytes,
            info=info,
        )
        writer.on_open.append(lambda name, pos: self.index.warc_opened(run_id, self.rel(name), pos))
        # A closed file holds only indexed records: commit its pending captures first.
        writer.on_closing.append(lambda name: self.flush())
        writer.on_close.append(self.sealer.closed)
        self._writer = writer

    async def close(self) -> None:
        """Close the current file and wait for every closed file to be hashed and published.

        Raises ArchiveError when one of them could not be (its row stays open, or
        closed but not stored, and the next crawl of the site finishes the job).
        """
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            await self.sealer.drain()
        self.sealer.raise_failure()

    async def write(
        self,
        item: QueuedUrl,
        fetched: Fetched,
        revisit_of: Capture | None,
        discovered: list[QueuedUrl],
    ) -> None:
        """Write the exchange to WARC; its capture, frontier status and links join the group
        committed next (see `flush`)."""
        assert self._writer is not None
        self.sealer.raise_failure()
        exchange = fetched.exchange
        target = None
        if revisit_of is not None:
            target = (
                revisit_of.url,
                warc.warc_date(revisit_of.captured_at),
                revisit_of.payload_digest,
            )
        written = await self._writer.write_exchange_async(exchange, revisit_of=target)
        # No await since the append: this is the file's length with this exchange in it.
        after = self._writer.position()
        self.stats.warc_bytes += after - written.offset
        values = exchange_row(
            exchange,
            written,
            run_id=self.run_id,
            site=self.site.name,
            warc_file=self.rel(written.warc_file),
            canonical_url=item.canonical_url,
            is_page=item.kind == "page",
            depth=item.depth,
            revisit_of=revisit_of,
        )
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(_Pending(item, values, after, written, discovered))
        self._log.debug(
            "{} {} {}", exchange.status, exchange.url, "revisit" if revisit_of is not None else ""
        )
        if (
            len(self._pending) >= GROUP_SIZE
            or time.monotonic() - self._pending_since >= GROUP_SECONDS
        ):
            self.flush()

    def keep(self, item: QueuedUrl, why: str, discovered: list[QueuedUrl]) -> None:
        """Record a page kept from its last capture (not fetched) and the links it yields."""
        self._kept.append((item, why, discovered))
        if len(self._kept) >= KEPT_GROUP:
            self.flush()

    def flush(self) -> None:
        """Commit the pending captures, their frontier status and their links in one transaction.

        They are all in the current WARC file (the writer flushes before it closes a
        file), in the order they were appended, so the last one's end is the file's
        committed length.
        """
        pending, self._pending = self._pending, []
        kept, self._kept = self._kept, []
        if not pending and not kept:
            return
        links = [link for p in pending for link in p.discovered] + [
            link for _, _, found in kept for link in found
        ]
        try:
            with self.index.begin() as conn:
                if pending:
                    self.index.add_captures(
                        conn, [p.values for p in pending], pending[-1].committed
                    )
                self.index.mark_done(
                    conn,
                    self.run_id,
                    [p.item.canonical_url for p in pending if p.item.kind != "robots"],
                )
                for item, why, _ in kept:
                    self.index.mark(conn, self.run_id, item.canonical_url, KEPT, why)
                self.index.enqueue(conn, self.run_id, links)
                self.index.mark_listed(conn, self.run_id, [q for q in links if q.listed])
        except ArchiveError:
            # The index never acknowledged these records: take them back out of the file,
            # as recovery would after a crash, so the closed file holds only indexed records.
            if pending:
                assert self._writer is not None
                self._writer.cut(pending[0].written)
            raise
        self.stats.kept += len(kept)
        self.stats.queued += sum(len(found) for _, _, found in kept)
        for p in pending:
            self._count(p)

    def _count(self, p: _Pending) -> None:
        kind = p.item.kind
        if kind == "page":
            self.stats.pages += 1
        elif kind == "embed":
            self.stats.embeds += 1
        elif kind == "sitemap":
            self.stats.sitemaps += 1
        else:
            self.stats.robots += 1
        if p.values["record_type"] == "revisit":
            self.stats.revisits += 1
        if p.values["truncated"]:
            self.stats.truncated += 1
            self._log.warning("{}: body truncated ({})", p.values["url"], p.values["truncated"])
        self.stats.queued += len(p.discovered)
