"""One crawl of one site: the run's set-up and close, and what is done with each URL.

The parts it drives each have a module: `dispatch` (frontier → workers),
`politeness` (per-host slots, delay, robots.txt), `discovery` (what a fetched
URL adds to the frontier), `recorder` (WARC first, then the index, in group
commits; closed files hashed and published off the event loop). A crawl of a
site with an unfinished run resumes that run (see `Recorder.recover`).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urljoin

from loguru import logger

from archiver.config import Settings, SiteSettings
from archiver.crawl import recrawl
from archiver.crawl.discovery import Discovery
from archiver.crawl.dispatch import Dispatcher
from archiver.crawl.fetcher import Fetched, Fetcher
from archiver.crawl.politeness import HostLimiter, Politeness
from archiver.crawl.recorder import Recorder
from archiver.crawl.robots import Robots, fetch_robots
from archiver.crawl.stats import CrawlResult, CrawlStats
from archiver.crawl.transport import connect, redaction_note
from archiver.crawl.traps import TrapGuard
from archiver.errors import ArchiveError, FetchError
from archiver.store import blobs, warc
from archiver.store.index import COMPLETED, INTERRUPTED, Index, QueuedUrl
from archiver.store.payload import header
from archiver.store.rows import Capture
from archiver.urls import Scope, canonicalize, clean, host_key, host_of

__all__ = ["CrawlResult", "CrawlStats", "Crawler", "HostLimiter"]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class Crawler:
    """Crawls one site into the archive; `run()` resumes an unfinished crawl of the site."""

    def __init__(
        self,
        settings: Settings,
        site: SiteSettings,
        index: Index,
        *,
        on_progress: Callable[[CrawlStats], None] | None = None,
        limiter: HostLimiter | None = None,
        full: bool = False,
    ) -> None:
        self.settings = settings
        self.site = site
        self.index = index
        self.crawl = site.crawl
        self.scope = Scope.of(site)
        self.on_progress = on_progress
        self.stats = CrawlStats()
        self.full = full
        self._today = datetime.now(UTC).date()
        self._traps = TrapGuard(self.crawl.max_per_pattern, self._today)
        self._politeness = Politeness(self.crawl, limiter, site=site.name)
        self._discovery = Discovery(settings, site, self.stats, self._traps, scope=self.scope)
        self._recorder = Recorder(settings, site, index, self.stats)
        self._dispatcher = Dispatcher(
            index,
            self.stats,
            concurrency=self.crawl.concurrency,
            max_pages=site.max_pages,
            site=site.name,
        )
        self._run_id = 0
        self._history = True  # whether earlier runs archived the site (conditional requests)
        self._fetcher: Fetcher | None = None
        self._log = logger.bind(site=site.name)

    @property
    def stop_requested(self) -> bool:
        """Whether the crawl stops (asked to, or the archive could not be written)."""
        return self._dispatcher.stopped

    def request_stop(self) -> None:
        """Stop at a safe point: no new fetches; those in flight are finished and committed."""
        self._dispatcher.stop()

    # -- set-up and close ---------------------------------------------------------

    def _start(self) -> bool:
        """Resume the site's unfinished run, or start one with its seeds; True when resumed."""
        pid, host = os.getpid(), socket.gethostname()
        unfinished = self.index.unfinished_run(self.site.name)
        if unfinished is not None:
            self._run_id = int(unfinished.id)
            self._recorder.recover([self._run_id])
            self.index.resume_run(self._run_id, pid, host)
            counts = self.index.frontier_counts(self._run_id)
            done = sum(n for status, n in counts.get("page", {}).items() if status != "queued")
            self._dispatcher.pages_dispatched = done
            self._log.info("resuming run {} ({} pages already done)", self._run_id, done)
            return True
        self._recorder.recover([])
        self._run_id = self.index.start_run(self.site.name, kind="crawl", pid=pid, hostname=host)
        seeds = [QueuedUrl(canonicalize(url), clean(url), 0, "page") for url in self.site.seeds] + [
            QueuedUrl(canonicalize(url), clean(url), 1, "sitemap") for url in self.site.sitemaps
        ]
        with self.index.begin() as conn:
            self.index.enqueue(conn, self._run_id, seeds)
        return False

    def run(self) -> CrawlResult:
        """Crawl (or resume) the site until the frontier is empty or a stop is requested."""
        return asyncio.run(self.run_async())

    async def run_async(self) -> CrawlResult:
        """The async body of `run()`."""
        started = time.monotonic()
        # Before the run starts: a bad CA bundle or a missing secret is a configuration error.
        connection = connect(self.crawl, site=self.site)
        resumed = self._start()
        self._dispatcher.run_id = self._run_id
        self._log = self._log.bind(run=self._run_id)
        # A first crawl has nothing to revisit: skip the per-URL lookup of an earlier capture.
        self._history = self.index.has_earlier_captures(self.site.name, self._run_id)
        self._fetcher = Fetcher(self.crawl, private_ok=self.scope.hosts, connection=connection)
        for line in connection.describe():
            self._log.info("connecting: {}", line)
        info = {
            "isPartOf": self.site.name,
            "run": str(self._run_id),
            "robots": "obey" if self.crawl.respect_robots else "ignore",
            "http-header-redaction": redaction_note(connection.credentials),
        }
        if connection.insecure:
            self.stats.insecure_tls = True
            info["tls-verification"] = "off: server certificates were not verified (insecure_tls)"
            self._log.warning(
                "TLS certificates of this site are NOT verified (insecure_tls = true): "
                "its captures are marked so in reports and the viewer"
            )
        self._recorder.open(self._run_id, info)
        status = COMPLETED
        error: str | None = None
        try:
            await self._crawl()
            if self.stop_requested:
                status = INTERRUPTED
        except ArchiveError as exc:
            status, error = INTERRUPTED, str(exc)
            self._log.error("crawl stopped: {}", exc)
        except BaseException as exc:
            status, error = INTERRUPTED, f"{type(exc).__name__}: {exc}"
            raise
        finally:
            await self._fetcher.aclose()
            try:
                await self._recorder.close()
            except (OSError, ArchiveError) as exc:
                status, error = INTERRUPTED, f"closing WARC: {exc}"
            self.stats.elapsed = time.monotonic() - started
            self.index.finish_run(self._run_id, status, asdict(self.stats), error)
        if error:
            raise ArchiveError(f"run {self._run_id} interrupted: {error}")
        return CrawlResult(self._run_id, status, self.stats, resumed)

    async def _crawl(self) -> None:
        if self.crawl.respect_robots:
            assert self._fetcher is not None
            for seed in self.site.seeds:
                try:
                    await self._fetcher.check_destination(seed)
                except FetchError:
                    continue  # the seed itself fails with the reason when it is processed
                await self._robots(seed)
        on_progress = self.on_progress
        await self._dispatcher.run(
            self._process,
            flush=self._recorder.flush,
            failed=lambda item, reason: self._skip(item, "failed", reason),
            progress=(lambda: on_progress(self.stats)) if on_progress is not None else None,
        )

    # -- robots.txt -----------------------------------------------------------

    async def _robots(self, url: str) -> Robots:
        return await self._politeness.robots(url, self._load_robots)

    async def _load_robots(self, url: str) -> Robots:
        """The rules of `url`'s host: archived earlier in this run (resumed), else fetched.

        The sitemaps it names on the site's own hosts join the frontier.
        """
        robots_url = urljoin(host_key(url) + "/", "/robots.txt")
        existing = self.index.capture_in_run(self._run_id, canonicalize(robots_url))
        if existing is not None and not 300 <= existing.status < 400:
            record = blobs.read_record(self.settings.storage, existing.warc_file, existing.offset)
            robots = Robots.from_response(
                record.status,
                record.payload,
                content_encoding=header(record.headers, "content-encoding"),
            )
        else:
            robots = await self._fetch_robots(robots_url)
        if host_of(url) in self.scope.hosts:
            sitemaps = [
                QueuedUrl(canonicalize(s), clean(s), 1, "sitemap")
                for s in robots.sitemaps()
                if s.startswith(("http://", "https://")) and host_of(s) in self.scope.hosts
            ]
            if sitemaps:
                with self.index.begin() as conn:
                    self.index.enqueue(conn, self._run_id, sitemaps)
        return robots

    async def _fetch_robots(self, url: str) -> Robots:
        """Fetch and archive robots.txt, following its redirects (`robots.fetch_robots`)."""

        async def fetch(at: str) -> warc.Exchange:
            try:
                fetched = await self._fetch(at, {})
            except FetchError as exc:
                self._log.warning("robots.txt: {}", exc)
                raise
            await self._recorder.write(
                QueuedUrl(canonicalize(at), at, 0, "robots"), fetched, None, []
            )
            return fetched.exchange

        return await fetch_robots(fetch, url)

    # -- one URL --------------------------------------------------------------

    async def _fetch(self, url: str, headers: dict[str, str]) -> Fetched:
        assert self._fetcher is not None
        return await self._politeness.fetch(self._fetcher, url, headers)

    def _skip(self, item: QueuedUrl, status: str, reason: str) -> None:
        with self.index.begin() as conn:
            self.index.mark(conn, self._run_id, item.canonical_url, status, reason)
        if status == "failed":
            self.stats.failed += 1
            key = reason.split(":", 1)[0]
            self.stats.failures[key] = self.stats.failures.get(key, 0) + 1
        else:
            self.stats.skipped += 1
            self.stats.skip(reason, item.url)

    async def _allowed(self, item: QueuedUrl) -> bool:
        """Whether the URL may be fetched (destination, robots.txt, traps); else it is marked."""
        assert self._fetcher is not None
        try:
            # Before anything, robots.txt included, is requested from that host.
            await self._fetcher.check_destination(item.url)
        except FetchError as exc:
            self._skip(item, "failed", exc.reason)
            self._log.warning("not fetched: {}: {}", item.url, exc.reason)
            return False
        if self.crawl.respect_robots:
            robots = await self._robots(item.url)
            if robots.unreachable is not None:
                # RFC 9309: no robots.txt answer means nothing may be fetched; that is a failure.
                self._skip(item, "failed", f"robots.txt unavailable: {robots.unreachable}")
                return False
            if not robots.allowed(item.url, self.crawl.user_agent):
                self._skip(item, "skipped", "robots")
                self._log.debug("robots.txt disallows {}", item.url)
                return False
        if item.kind == "page":
            trap = self._traps.verdict(item.canonical_url, listed=item.listed)
            if trap is not None:
                self._trapped(item, trap)
                return False
        return True

    def _kept(self, item: QueuedUrl) -> bool:
        """Keep a page not due tonight from its last capture (see `recrawl`); True if kept."""
        if item.kind != "page" or not self._history or self.full:
            return False
        last = self.index.last_capture(self.site.name, item.canonical_url, self._run_id)
        payload = last if last is None else self.index.payload_capture(last)
        why = recrawl.fetch_reason(
            item.canonical_url,
            depth=item.depth,
            lastmod=item.lastmod,
            last=last,
            payload=payload,
            today=self._today,
            revalidate_days=self.crawl.revalidate_days,
        )
        if why is not None or payload is None:
            return False
        discovered = self._discovery.kept(item, payload)
        self._recorder.keep(item, "lastmod" if item.lastmod else "unchanged", discovered)
        return True

    async def _process(self, item: QueuedUrl) -> None:
        if not await self._allowed(item):
            return
        if self._kept(item):
            return
        previous = (
            self.index.previous_capture(self.site.name, item.canonical_url)
            if self._history
            else None
        )
        headers: dict[str, str] = {}
        if previous is not None:
            if previous.etag:
                headers["If-None-Match"] = previous.etag
            if previous.last_modified:
                headers["If-Modified-Since"] = previous.last_modified
        try:
            fetched = await self._fetch(item.url, headers)
        except FetchError as exc:
            self._skip(item, "failed", exc.reason)
            self._log.warning("fetch failed: {} ({})", item.url, exc.reason)
            return
        # The slot this fetch held is free: let the worker waiting for it send its request
        # before this page's processing (milliseconds of CPU) holds the loop.
        await asyncio.sleep(0)
        exchange = fetched.exchange
        revisit_of: Capture | None = None
        if previous is not None and (
            exchange.status == 304
            or (
                exchange.status == 200
                and not exchange.truncated
                and warc.sha256_digest(exchange.body) == previous.payload_digest
            )
        ):
            revisit_of = previous
            if exchange.status == 304:
                fetched = self._revalidated(fetched, previous)
        discovered = self._discovery.discover(item, fetched.exchange, revisit_of)
        # Between two pieces of this page's work, let responses that arrived meanwhile in:
        # a fetch waiting on the loop holds its politeness slot.
        await asyncio.sleep(0)
        await self._recorder.write(item, fetched, revisit_of, discovered)

    def _revalidated(self, fetched: Fetched, original: Capture) -> Fetched:
        """A 304 as the response it confirmed: the original's status line and headers,
        freshened by the 304's (pywb and ReplayWeb.page replay a revisit with its own
        status, so a revisit saying 304 replays blank; see docs/architecture.md)."""
        record = blobs.read_record(self.settings.storage, original.warc_file, original.offset)
        exchange = replace(
            fetched.exchange,
            status=record.status,
            reason=_reason(record.status),
            response_headers=warc.freshen(record.headers, fetched.exchange.response_headers),
            revalidated=True,
        )
        return replace(fetched, exchange=exchange)

    def _trapped(self, item: QueuedUrl, reason: str) -> None:
        """Skip a URL the trap guard refused; a tripped backstop is said loudly, once."""
        self._skip(item, "skipped", reason)
        if reason == "trap:max-per-pattern" and reason not in self.stats.cut_short:
            self.stats.cut_short.append(reason)
            self._log.warning(
                "max_per_pattern ({}) reached for {}: URLs of that pattern are no longer "
                "fetched in this crawl; if they are real pages, list them in a sitemap or "
                "raise crawl.max_per_pattern",
                self.crawl.max_per_pattern,
                self._traps.backstops[-1],
            )
