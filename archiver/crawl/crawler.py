"""One crawl of one site: frontier in the index, politeness per host, exchanges into WARC.

The frontier lives in the index (so memory does not grow with the URLs seen,
and a killed crawl resumes where it stopped). Each fetched URL is written to
the WARC file first; then its capture row, its frontier status and the links
it yielded are committed in one transaction, together with those of the other
captures written since the last commit (a group commit, see `_flush`).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urljoin

from loguru import logger
from sqlalchemy.engine import Row

from archiver.config import Settings, SiteSettings
from archiver.crawl import recrawl
from archiver.crawl.fetcher import Fetched, Fetcher
from archiver.crawl.links import css_links, html_links
from archiver.crawl.robots import MAX_REDIRECTS, Robots
from archiver.crawl.sitemaps import parse_sitemap
from archiver.crawl.transport import connect, redaction_note
from archiver.crawl.traps import TrapGuard, sketch, url_dates
from archiver.urls import Scope, canonicalize, clean, host_key, host_of
from archiver.errors import ArchiveError, FetchError
from archiver.markup import is_html, mime_type
from archiver.store import blobs, warc
from archiver.store.index import COMPLETED, INTERRUPTED, KEPT, Index, QueuedUrl
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.recovery import recover_open_files

_SEEN_CACHE = 200_000
# Group commit: captures written to WARC are committed to the index together, at most
# this many at a time or this many seconds after the first of them. A crash loses at
# most one group: recovery cuts their records from the `.open` file, and their URLs,
# still queued in the frontier, are fetched again when the crawl resumes. A commit blocks
# the event loop: larger groups made requests already scheduled by the cluster-wide
# politeness limiter go out late (and so closer together than `delay`).
_GROUP_SIZE = 8
_GROUP_SECONDS = 0.25
# Kept pages cost no request: their frontier updates are committed in larger groups.
_KEPT_GROUP = 200
# Skipped URLs named per reason in the summary and the report.
SKIP_EXAMPLES = 3
# Scope refusals (see `Scope.refuse`) that are trap bounding rather than scope.
_TRAP_REFUSALS = {"repeating-path": "trap:repeating-path", "url-too-long": "trap:url-too-long"}


@dataclass
class CrawlStats:
    """Counters of one crawl, reported as it goes and stored with the run."""

    pages: int = 0
    embeds: int = 0
    sitemaps: int = 0
    robots: int = 0
    revisits: int = 0
    failed: int = 0
    skipped: int = 0
    truncated: int = 0
    redirects: int = 0
    warc_bytes: int = 0
    queued: int = 0
    kept: int = 0  # pages not due tonight: not fetched, checked from their last capture
    elapsed: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    # Whether this run's TLS certificates went unverified (the site's insecure_tls):
    # reports and the viewer say so on every capture of the run.
    insecure_tls: bool = False
    # Skipped URLs by reason (robots, scope:*, depth, max-pages, trap:*), a few of each.
    skips: dict[str, int] = field(default_factory=dict)
    skip_examples: dict[str, list[str]] = field(default_factory=dict)
    # Why the crawl stopped short of the whole site (a page cap, a trap backstop).
    cut_short: list[str] = field(default_factory=list)

    def skipped_by_reason(self) -> str:
        """'N skipped (reason count, e.g. URL; …)': the summary line's account of skips."""
        total = sum(self.skips.values())
        if not total:
            return "0 skipped"
        parts = [
            f"{reason} {n}, e.g. {self.skip_examples.get(reason, ['?'])[0]}"
            for reason, n in sorted(self.skips.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return f"{total} skipped ({'; '.join(parts)})"

    def cut_short_note(self) -> str:
        """'' when the crawl covered what it found, else a warning naming what cut it short."""
        if not self.cut_short:
            return ""
        return "CUT SHORT by " + ", ".join(self.cut_short) + ": part of the site is not archived"

    def skip(self, reason: str, url: str, n: int = 1) -> None:
        """Count `n` URLs skipped for `reason`, keeping the first few as examples."""
        self.skips[reason] = self.skips.get(reason, 0) + n
        examples = self.skip_examples.setdefault(reason, [])
        if len(examples) < SKIP_EXAMPLES:
            examples.append(url)

    @property
    def fetched(self) -> int:
        """URLs fetched and archived (any kind)."""
        return self.pages + self.embeds + self.sitemaps + self.robots


@dataclass(frozen=True)
class _Pending:
    """A capture in the WARC file whose index rows are not committed yet."""

    item: QueuedUrl
    values: dict[str, Any]
    committed: int  # the WARC file's length once this capture is committed
    written: warc.Written
    discovered: list[QueuedUrl]


@dataclass(frozen=True)
class CrawlResult:
    """How a crawl ended."""

    run_id: int
    status: str
    stats: CrawlStats
    resumed: bool


class HostLimiter(Protocol):
    """Politeness beyond this process: wraps each fetch (the cluster-wide per-host limits)."""

    def slot(self, host: str, delay: float) -> AbstractAsyncContextManager[None]:
        """Hold one of the host's request slots, started at least `delay` s after the last."""
        ...


class _Host:
    """Politeness state of one host: in-flight slots, the next start time, its robots.txt."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.delay = delay
        self.next_start = 0.0
        self.gate = asyncio.Lock()
        self.robots: Robots | None = None
        self.robots_lock = asyncio.Lock()

    async def acquire(self) -> None:
        await self.slots.acquire()
        async with self.gate:
            wait = self.next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_start = time.monotonic() + self.delay

    def release(self) -> None:
        self.slots.release()


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return is_html(content_type)
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


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
        self.limiter = limiter
        self.stats = CrawlStats()
        self.stop_requested = False
        self.store = blobs.store(settings.storage)
        self.warc_dir = self.store.spool_dir(site.name)
        self._hosts: dict[str, _Host] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._beyond: OrderedDict[str, None] = OrderedDict()  # links past max_depth, counted
        self.full = full
        self._today = datetime.now(UTC).date()
        self._traps = TrapGuard(self.crawl.max_per_pattern, self._today)
        self._kept: list[tuple[QueuedUrl, str, list[QueuedUrl]]] = []
        self._pages_dispatched = 0
        self._run_id = 0
        self._history = True  # whether earlier runs archived the site (conditional requests)
        self._writer: warc.WarcWriter | None = None
        self._pending: list[_Pending] = []
        self._pending_since = 0.0
        self._fetcher: Fetcher | None = None
        self._log = logger.bind(site=site.name)

    # -- set-up -------------------------------------------------------------

    def _rel(self, name: str) -> str:
        return f"warcs/{self.site.name}/{name}"

    def _recover(self, run_ids: list[int]) -> None:
        """Close `.open` WARC files of dead runs at their last committed record."""
        recover_open_files(
            self.index,
            self.settings.storage.root,
            self.warc_dir,
            self.index.open_warcs(run_ids),
            locate=self.store.local_path,
            on_closed=self._publish,
        )
        if self.store.remote and self.warc_dir.exists():
            # Closed here but not yet verified in the store when the last holder died.
            for spooled in sorted(self.warc_dir.glob(f"*{warc.WARC_SUFFIX}")):
                entry = self.index.warc_file(self._rel(spooled.name))
                if entry is not None and entry.status == "closed":
                    self._publish(entry.name, entry.sha256)

    def _start(self) -> bool:
        pid, host = os.getpid(), socket.gethostname()
        unfinished = self.index.unfinished_run(self.site.name)
        if unfinished is not None:
            self._run_id = int(unfinished.id)
            self._recover([self._run_id])
            self.index.resume_run(self._run_id, pid, host)
            counts = self.index.frontier_counts(self._run_id)
            self._pages_dispatched = sum(
                n for status, n in counts.get("page", {}).items() if status != "queued"
            )
            self._log.info(
                "resuming run {} ({} pages already done)", self._run_id, self._pages_dispatched
            )
            return True
        self._recover([])
        self._run_id = self.index.start_run(self.site.name, kind="crawl", pid=pid, hostname=host)
        seeds = [QueuedUrl(canonicalize(url), clean(url), 0, "page") for url in self.site.seeds] + [
            QueuedUrl(canonicalize(url), clean(url), 1, "sitemap") for url in self.site.sitemaps
        ]
        with self.index.begin() as conn:
            self.index.enqueue(conn, self._run_id, seeds)
        return False

    def request_stop(self) -> None:
        """Stop at a safe point: no new fetches; those in flight are finished and committed."""
        self.stop_requested = True

    # -- the loop -----------------------------------------------------------

    def run(self) -> CrawlResult:
        """Crawl (or resume) the site until the frontier is empty or a stop is requested."""
        return asyncio.run(self.run_async())

    async def run_async(self) -> CrawlResult:
        """The async body of `run()`."""
        started = time.monotonic()
        # Before the run starts: a bad CA bundle or a missing secret is a configuration error.
        connection = connect(self.crawl, site=self.site)
        resumed = self._start()
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
        self._writer = warc.WarcWriter(
            self.warc_dir,
            prefix=f"{self.settings.storage.warc_prefix}-{self.site.name}",
            max_bytes=self.settings.storage.warc_max_bytes,
            info=info,
        )
        self._writer.on_open.append(
            lambda name, pos: self.index.warc_opened(self._run_id, self._rel(name), pos)
        )
        # A closed file holds only indexed records: commit its pending captures first.
        self._writer.on_closing.append(lambda name: self._flush())
        self._writer.on_close.append(self._closed)
        status = COMPLETED
        error: str | None = None
        try:
            await self._loop()
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
                self._writer.close()
            except (OSError, ArchiveError) as exc:
                status, error = INTERRUPTED, f"closing WARC: {exc}"
            self.stats.elapsed = time.monotonic() - started
            self.index.finish_run(self._run_id, status, asdict(self.stats), error)
        if error:
            raise ArchiveError(f"run {self._run_id} interrupted: {error}")
        return CrawlResult(self._run_id, status, self.stats, resumed)

    def _closed(self, name: str, size: int) -> None:
        path = self.warc_dir / name
        sha256 = warc.file_sha256(path)
        self.index.warc_closed(self._rel(name), size, sha256)
        self._publish(self._rel(name), sha256)

    def _publish(self, name: str, sha256: str | None) -> None:
        """Upload a closed file to a remote store and record it stored (no-op when local)."""
        if self.store.publish(name, sha256):
            self.index.warc_stored(name)
            self._log.info("stored {} in {}", name, self.store.url)

    async def _loop(self) -> None:
        queue: asyncio.Queue[QueuedUrl | None] = asyncio.Queue(maxsize=self.crawl.concurrency * 2)
        progress = asyncio.Event()
        in_flight = 0
        fatal: list[ArchiveError] = []

        async def worker() -> None:
            nonlocal in_flight
            while True:
                item = await queue.get()
                if item is None:
                    return
                try:
                    if not fatal:
                        await self._process(item)
                except FetchError as exc:
                    self._log.warning("{}", exc)
                except ArchiveError as exc:
                    # The archive cannot be written (disk full, index gone): stop dispatching,
                    # but keep taking items so the dispatcher never blocks on a full queue.
                    fatal.append(exc)
                    self.stop_requested = True
                except Exception as exc:
                    # A page that trips a bug is recorded as failed; the crawl goes on.
                    self._log.opt(exception=exc).error("{}: internal error", item.url)
                    self._skip(item, "failed", f"internal error: {type(exc).__name__}: {exc}")
                finally:
                    in_flight -= 1
                    progress.set()
                    if self.on_progress is not None:
                        self.on_progress(self.stats)

        workers = [asyncio.create_task(worker()) for _ in range(self.crawl.concurrency)]
        last_id = 0
        # Sitemaps first (those robots.txt names too): a page's <lastmod>, and its being
        # listed (never a trap), must be known before the page is dispatched.
        sitemaps_first = True
        if self.crawl.respect_robots:
            assert self._fetcher is not None
            for seed in self.site.seeds:
                try:
                    await self._fetcher.check_destination(seed)
                except FetchError:
                    continue  # the seed itself fails with the reason when it is processed
                await self._robots(seed)
        try:
            while not self.stop_requested:
                # Links found by captures not yet committed are not in the frontier yet.
                self._flush()
                batch = self.index.queued(
                    self._run_id,
                    after_id=last_id,
                    limit=200,
                    kinds=("sitemap",) if sitemaps_first else None,
                )
                if not batch:
                    if in_flight == 0:
                        if sitemaps_first:
                            sitemaps_first, last_id = False, 0
                            continue
                        break
                    progress.clear()
                    await progress.wait()
                    continue
                skipped: list[str] = []
                for row_id, item in batch:
                    last_id = row_id
                    if item.kind == "page":
                        if self._pages_dispatched >= self.site.max_pages:
                            skipped.append(item.canonical_url)
                            continue
                        self._pages_dispatched += 1
                    in_flight += 1
                    await queue.put(item)
                    if self.stop_requested:
                        break
                if skipped:
                    with self.index.begin() as conn:
                        for url in skipped:
                            self.index.mark(conn, self._run_id, url, "skipped", "max-pages")
                    self.stats.skipped += len(skipped)
                    for url in skipped:
                        self.stats.skip("max-pages", url)
                    if "max-pages" not in self.stats.cut_short:
                        self.stats.cut_short.append("max-pages")
                        self._log.warning(
                            "max_pages ({}) reached: the rest of the site is not archived "
                            "in this crawl",
                            self.site.max_pages,
                        )
        finally:
            # Drop what was dispatched but not started (it stays queued in the index).
            while not queue.empty():
                if queue.get_nowait() is not None:
                    in_flight -= 1
            for _ in workers:
                await queue.put(None)
            errors = await asyncio.gather(*workers, return_exceptions=True)
            for result in errors:
                if isinstance(result, BaseException):
                    raise result
            if fatal:
                raise fatal[0]
            self._flush()

    # -- one URL ------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = _Host(self.crawl.per_host, self.crawl.delay)
        return state

    async def _robots(self, url: str) -> Robots:
        state = self._host(url)
        if state.robots is not None:
            return state.robots
        async with state.robots_lock:
            if state.robots is not None:
                return state.robots
            robots_url = urljoin(host_key(url) + "/", "/robots.txt")
            canonical = canonicalize(robots_url)
            existing = self.index.capture_in_run(self._run_id, canonical)
            if existing is not None and not 300 <= existing.status < 400:
                record = blobs.read_record(
                    self.settings.storage, existing.warc_file, existing.offset
                )
                state.robots = Robots.from_response(
                    record.status,
                    record.payload,
                    content_encoding=header(record.headers, "content-encoding"),
                )
            else:
                state.robots = await self._fetch_robots(robots_url)
            delay = state.robots.crawl_delay(self.crawl.user_agent)
            if delay > state.delay:
                self._log.info("{}: robots.txt Crawl-delay {}s", host_key(url), delay)
                state.delay = delay
            if host_of(url) in self.scope.hosts:
                sitemaps = [
                    QueuedUrl(canonicalize(s), clean(s), 1, "sitemap")
                    for s in state.robots.sitemaps()
                    if s.startswith(("http://", "https://")) and host_of(s) in self.scope.hosts
                ]
                if sitemaps:
                    with self.index.begin() as conn:
                        self.index.enqueue(conn, self._run_id, sitemaps)
            return state.robots

    async def _fetch_robots(self, url: str) -> Robots:
        """Fetch and archive robots.txt, following up to five redirects (RFC 9309 §2.3.1.2)."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                fetched = await self._fetch(url, {})
            except FetchError as exc:
                self._log.warning("robots.txt: {}", exc)
                return Robots.from_response(None, b"", exc.reason)
            exchange = fetched.exchange
            await self._store(QueuedUrl(canonicalize(url), url, 0, "robots"), fetched, None, [])
            location = header(exchange.response_headers, "location")
            if not (300 <= exchange.status < 400 and location):
                break
            try:
                url = clean(urljoin(url, location.strip()))
            except ValueError:
                break
        return Robots.from_response(
            exchange.status,
            exchange.body,
            content_encoding=header(exchange.response_headers, "content-encoding"),
        )

    async def _fetch(self, url: str, headers: dict[str, str]) -> Fetched:
        assert self._fetcher is not None
        state = self._host(url)
        await state.acquire()
        try:
            if self.limiter is None:
                return await self._fetcher.fetch(url, headers)
            async with self.limiter.slot(host_key(url), state.delay):
                return await self._fetcher.fetch(url, headers)
        finally:
            state.release()

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

    async def _process(self, item: QueuedUrl) -> None:
        assert self._fetcher is not None
        try:
            # Before anything, robots.txt included, is requested from that host.
            await self._fetcher.check_destination(item.url)
        except FetchError as exc:
            self._skip(item, "failed", exc.reason)
            self._log.warning("not fetched: {}: {}", item.url, exc.reason)
            return
        if self.crawl.respect_robots:
            robots = await self._robots(item.url)
            if robots.unreachable is not None:
                # RFC 9309: no robots.txt answer means nothing may be fetched; that is a failure.
                self._skip(item, "failed", f"robots.txt unavailable: {robots.unreachable}")
                return
            if not robots.allowed(item.url, self.crawl.user_agent):
                self._skip(item, "skipped", "robots")
                self._log.debug("robots.txt disallows {}", item.url)
                return
        if item.kind == "page":
            trap = self._traps.verdict(item.canonical_url, listed=item.listed)
            if trap is not None:
                self._trapped(item, trap)
                return
        previous = (
            self.index.previous_capture(self.site.name, item.canonical_url)
            if self._history
            else None
        )
        if item.kind == "page" and self._history and not self.full:
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
            if why is None and payload is not None:
                self._keep(item, payload, "lastmod" if item.lastmod else "unchanged")
                return
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
        exchange = fetched.exchange
        revisit_of: Row[Any] | None = None
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
                exchange = fetched.exchange
        discovered = self._discover(item, exchange, revisit_of)
        await self._store(item, fetched, revisit_of, discovered)

    def _revalidated(self, fetched: Fetched, original: Row[Any]) -> Fetched:
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

    def _keep(self, item: QueuedUrl, payload: Row[Any], why: str) -> None:
        """Keep a page's last capture instead of fetching it; follow its links from there."""
        discovered: list[QueuedUrl] = []
        found = self._payload(item, None, payload)
        if found is not None:
            data, content_type = found
            # A kept page teaches the trap guard as a fetched one does, so a calendar's
            # walk stops at the same month every night.
            self._observe(item, data, content_type)
            discovered = self._links(item, data, content_type, payload.url)
        self._kept.append((item, why, discovered))
        if len(self._kept) >= _KEPT_GROUP:
            self._flush()

    def _payload(
        self, item: QueuedUrl, exchange: warc.Exchange | None, revisit_of: Row[Any] | None
    ) -> tuple[bytes, str | None] | None:
        """The decoded body to search for links; an unchanged page's is its earlier capture's."""
        if revisit_of is not None:
            record = blobs.read_record(
                self.settings.storage, revisit_of.warc_file, revisit_of.offset
            )
            body, headers = record.payload, record.headers
        elif exchange is not None and exchange.status == 200:
            body, headers = exchange.body, exchange.response_headers
        else:
            return None
        try:
            data = decode(body, header(headers, "content-encoding"), self.crawl.max_bytes * 4)
        except PayloadTooLarge:
            self._log.warning("{}: decoded body too large to look for links", item.url)
            return None
        return data, header(headers, "content-type")

    def _discover(
        self, item: QueuedUrl, exchange: warc.Exchange, revisit_of: Row[Any] | None
    ) -> list[QueuedUrl]:
        """What this exchange adds to the frontier: a redirect target, links, or sitemap entries."""
        if 300 <= exchange.status < 400 and exchange.status != 304:
            location = header(exchange.response_headers, "location")
            if not location:
                return []
            self.stats.redirects += 1
            target = urljoin(exchange.url, location.strip())
            if item.redirects + 1 > self.crawl.max_redirects:
                self._log.warning(
                    "{}: redirect chain longer than {}", item.url, self.crawl.max_redirects
                )
                return []
            return self._scoped([target], item.kind, item.depth, item.url, item.redirects + 1)
        if item.kind in ("robots",):
            return []
        found = self._payload(item, exchange, revisit_of)
        if found is None:
            return []
        data, content_type = found
        self._observe(item, data, content_type)
        return self._links(item, data, content_type, exchange.url)

    def _observe(self, item: QueuedUrl, data: bytes, content_type: str | None) -> None:
        if item.kind == "page" and _is_html(mime_type(content_type), data):
            page = sketch(data, dated=bool(url_dates(item.canonical_url)))
            self._traps.observe(item.canonical_url, page, listed=item.listed)

    def _links(
        self, item: QueuedUrl, data: bytes, content_type: str | None, base: str
    ) -> list[QueuedUrl]:
        """The frontier entries a payload yields: sitemap entries, page links, embeds."""
        if item.kind == "sitemap":
            sitemap = parse_sitemap(data)
            return self._scoped(sitemap.children, "sitemap", item.depth, item.url) + self._listed(
                sitemap.pages, sitemap.lastmod, item.url
            )
        mime = mime_type(content_type)
        if item.kind == "page" and _is_html(mime, data):
            links = html_links(data, base)
            pages = links.pages
            if item.depth + 1 > self.site.max_depth:
                self._beyond_depth(pages)
                pages = []
            return self._scoped(pages, "page", item.depth + 1, item.url) + self._scoped(
                links.embeds, "embed", item.depth + 1, item.url
            )
        if mime == "text/css":
            return self._scoped(css_links(data, base).embeds, "embed", item.depth, item.url)
        return []

    def _listed(
        self, urls: list[str], lastmod: dict[str, datetime], sitemap: str
    ) -> list[QueuedUrl]:
        """A sitemap's page entries: listed (never a trap) and dated by their <lastmod>.

        A page found by a link before its sitemap was read is already in the frontier;
        it is marked listed there (see `_flush`).
        """
        out: list[QueuedUrl] = []
        for url in urls:
            try:
                canonical = canonicalize(url)
            except ValueError:
                continue
            if self.scope.refuse(canonical) is not None:
                continue
            self._seen[canonical] = None
            if len(self._seen) > _SEEN_CACHE:
                self._seen.popitem(last=False)
            out.append(
                QueuedUrl(
                    canonical,
                    clean(url),
                    1,
                    "page",
                    sitemap,
                    listed=True,
                    lastmod=lastmod.get(url),
                )
            )
        return out

    def _beyond_depth(self, urls: list[str]) -> None:
        """Count the distinct links not followed because they lie past max_depth."""
        for url in urls:
            try:
                canonical = canonicalize(url)
            except ValueError:
                continue
            if canonical in self._seen or canonical in self._beyond:
                continue
            self._beyond[canonical] = None
            if len(self._beyond) > _SEEN_CACHE:
                self._beyond.popitem(last=False)
            if self.scope.refuse(canonical) is None:
                self.stats.skip("depth", canonical)

    def _scoped(
        self, urls: list[str], kind: str, depth: int, parent: str, redirects: int = 0
    ) -> list[QueuedUrl]:
        out: list[QueuedUrl] = []
        for url in urls:
            try:
                canonical = canonicalize(url)
            except ValueError:
                continue
            if canonical in self._seen:
                continue
            self._seen[canonical] = None
            if len(self._seen) > _SEEN_CACHE:
                self._seen.popitem(last=False)
            if kind == "sitemap" and host_of(canonical) not in self.scope.hosts:
                self.stats.skip("scope:other-host", canonical)
                continue
            refused = self.scope.refuse(canonical, embed=(kind == "embed"))
            if refused is not None:
                self.stats.skip(_TRAP_REFUSALS.get(refused, f"scope:{refused}"), canonical)
                continue
            # Fetched and recorded without tracking parameters, %-escaped (see `clean`).
            out.append(QueuedUrl(canonical, clean(url), depth, kind, parent, redirects))
        return out

    async def _store(
        self,
        item: QueuedUrl,
        fetched: Fetched,
        revisit_of: Row[Any] | None,
        discovered: list[QueuedUrl],
    ) -> None:
        """Write the exchange to WARC; its capture, frontier status and links join the group
        committed next (see `_flush`)."""
        assert self._writer is not None
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
        headers = exchange.response_headers
        content_type = header(headers, "content-type")
        values = {
            "run_id": self._run_id,
            "site": self.site.name,
            "url": exchange.url,
            "canonical_url": item.canonical_url,
            "captured_at": exchange.started_at,
            "status": exchange.status,
            "content_type": content_type,
            "payload_digest": written.payload_digest,
            "record_type": "revisit" if revisit_of is not None else "response",
            "refers_to": revisit_of.id if revisit_of is not None else None,
            "warc_file": self._rel(written.warc_file),
            "offset": written.offset,
            "length": written.length,
            "etag": header(headers, "etag")
            or (revisit_of.etag if revisit_of is not None else None),
            "last_modified": header(headers, "last-modified")
            or (revisit_of.last_modified if revisit_of is not None else None),
            "location": header(headers, "location"),
            "truncated": exchange.truncated,
            "is_page": item.kind == "page",
            "depth": item.depth,
        }
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(
            _Pending(
                item,
                values,
                after,
                written,
                discovered,
            )
        )
        self._log.debug(
            "{} {} {}", exchange.status, exchange.url, "revisit" if revisit_of is not None else ""
        )
        if (
            len(self._pending) >= _GROUP_SIZE
            or time.monotonic() - self._pending_since >= _GROUP_SECONDS
        ):
            self._flush()

    def _flush(self) -> None:
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
                    self._run_id,
                    [p.item.canonical_url for p in pending if p.item.kind != "robots"],
                )
                for item, why, _ in kept:
                    self.index.mark(conn, self._run_id, item.canonical_url, KEPT, why)
                self.index.enqueue(conn, self._run_id, links)
                self.index.mark_listed(conn, self._run_id, [q for q in links if q.listed])
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
