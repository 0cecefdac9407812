"""The browser stage: after a site's crawl, render each HTML page it archived.

Runs only for sites with `capture = "browser"`. It reads the run's captures
from the index, loads each checkable HTML page (from the archive) in headless
Chromium a few at a time (`render.py`), and writes what the browser showed and
fetched (`records.py`). It is idempotent per run: a page already rendered in
the run is skipped, so a run resumed after a crash renders only the rest. What
it did (pages rendered, failed with why, requests fetched, refused by reason)
is stored with the run's statistics under `browser`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa
from loguru import logger

from archiver.browser.records import RecordSink, recover_open, rendered_in_run
from archiver.browser.render import PAGES_AT_ONCE, Renderer, Stored
from archiver.config import Settings, SiteSettings
from archiver.crawl.robots import Robots
from archiver.crawl.transport import connect
from archiver.errors import ArchiveError
from archiver.markup import is_checkable_page
from archiver.store import blobs
from archiver.store.index import Index
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.rows import Capture
from archiver.store.schema import runs
from archiver.urls import Scope, canonicalize

BROWSER = "browser"


@dataclass
class BrowserResult:
    """What the browser stage did for one run."""

    pages: int = 0
    rendered: int = 0
    skipped: int = 0  # rendered earlier in the same run (a resumed run)
    failed: list[dict[str, str]] = field(default_factory=list)
    archived: int = 0  # requests answered from the archive
    fetched: int = 0  # requests fetched live and archived
    refused: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def summary(self) -> str:
        """One line for the log."""
        refused = ", ".join(f"{n} {why}" for why, n in sorted(self.refused.items())) or "none"
        return (
            f"browser: {self.rendered} of {self.pages} pages rendered, {len(self.failed)} failed, "
            f"{self.skipped} done before; requests: {self.archived} from the archive, "
            f"{self.fetched} fetched, refused: {refused}; {self.elapsed:.1f}s"
        )


class _Archive:
    """Answers the browser's requests from the index and WARC files of one run."""

    def __init__(self, settings: Settings, index: Index, site: SiteSettings, run_id: int) -> None:
        self.settings, self.index, self.site, self.run_id = settings, index, site.name, run_id
        self.max_bytes = site.crawl.max_bytes * 4

    def _row(self, url: str) -> Capture | None:
        try:
            key = canonicalize(url)
        except ValueError:
            return None
        row = self.index.capture_in_run(self.run_id, key) or self.index.previous_capture(
            self.site, key
        )
        if row is None or row.record_type not in ("response", "revisit"):
            return None
        return self.index.payload_capture(row)

    def stored(self, url: str) -> Stored | None:
        """The archived response of `url` (this run's, else the latest), body decoded."""
        try:
            row = self._row(url)
            if row is None:
                return None
            record = blobs.read_record(self.settings.storage, row.warc_file, row.offset)
            encoding = header(record.headers, "content-encoding")
            body = decode(record.payload, encoding, self.max_bytes)
        except (ArchiveError, PayloadTooLarge, OSError) as exc:
            logger.debug("{}: not answered from the archive: {}", url, exc)
            return None
        return record.status, "", record.headers, body

    def robots(self, origin: str) -> Robots | None:
        """The robots.txt the crawl archived for an origin in this run, if any."""
        try:
            row = self.index.capture_in_run(self.run_id, canonicalize(origin + "/robots.txt"))
            if row is None:
                return None
            record = blobs.read_record(self.settings.storage, row.warc_file, row.offset)
        except (ArchiveError, ValueError, OSError):
            return None
        encoding = header(record.headers, "content-encoding")
        return Robots.from_response(record.status, record.payload, content_encoding=encoding)


def _pages(index: Index, run_id: int, done: set[int]) -> tuple[list[Capture], int]:
    pages, skipped = [], 0
    for row in index.captures_of_run(run_id):
        if not row.is_page:
            continue
        payload = index.payload_capture(row)
        if not is_checkable_page(payload.status, payload.content_type):
            continue
        if row.id in done:
            skipped += 1
        else:
            pages.append(row)
    return pages, skipped


async def _render_all(
    settings: Settings,
    site: SiteSettings,
    index: Index,
    run_id: int,
    pages: list[Capture],
    result: BrowserResult,
    should_stop: Callable[[], bool],
) -> None:
    archive = _Archive(settings, index, site, run_id)
    sink = RecordSink(settings, site, index, run_id)
    queue: asyncio.Queue[Capture] = asyncio.Queue()
    for row in pages:
        queue.put_nowait(row)
    try:
        # Live requests leave as the crawl's did: a bad CA bundle or unset secret is a
        # ConfigError here too.
        connection = connect(site.crawl, site=site)
        renderer = Renderer(
            site.crawl, Scope.of(site), archive.stored, archive.robots, connection=connection
        )
        async with renderer as browser:

            async def worker() -> None:
                while not queue.empty() and not should_stop():
                    row = queue.get_nowait()
                    outcome = await browser.render(row.url)
                    if outcome.rendered is None:
                        result.failed.append({"url": row.url, "error": outcome.error or "?"})
                        continue
                    await sink.write(outcome.rendered, row)
                    result.rendered += 1

            await asyncio.gather(*(worker() for _ in range(min(PAGES_AT_ONCE, len(pages)))))
            result.archived = browser.counts.archived
            result.fetched = browser.counts.fetched
            result.refused = dict(browser.counts.refused)
    finally:
        await sink.close()


def _record(index: Index, run_id: int, result: BrowserResult) -> None:
    """Store the stage's result with the run's statistics (`stats.browser`)."""
    with index.begin() as conn:
        text = conn.execute(sa.select(runs.c.stats).where(runs.c.id == run_id)).scalar()
        stats = json.loads(text or "{}")
        stats[BROWSER] = asdict(result)
        conn.execute(runs.update().where(runs.c.id == run_id).values(stats=json.dumps(stats)))


def capture_run(
    settings: Settings,
    site: SiteSettings,
    index: Index,
    run_id: int,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> BrowserResult | None:
    """Render a crawled run's HTML pages in Chromium and archive what it showed.

    None for a site without `capture = "browser"`. A page that fails twice is
    listed in the result (and the run's statistics); the stage goes on. Raises
    ConfigError when Playwright or Chromium is missing.
    """
    if site.capture != BROWSER:
        return None
    started = time.monotonic()
    log = logger.bind(site=site.name, run=run_id)
    recover_open(settings, site, index, run_id)
    pages, skipped = _pages(index, run_id, rendered_in_run(index, run_id))
    result = BrowserResult(pages=len(pages) + skipped, skipped=skipped)
    if pages:
        asyncio.run(_render_all(settings, site, index, run_id, pages, result, should_stop))
    result.elapsed = time.monotonic() - started
    _record(index, run_id, result)
    for failure in result.failed:
        log.error("browser: {} not rendered: {}", failure["url"], failure["error"])
    log.info("{}", result.summary())
    return result


__all__ = ["BrowserResult", "capture_run"]
