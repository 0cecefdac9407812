"""What a fetched URL adds to the frontier: a redirect's target, a page's links and
embeds, a style sheet's imports, a sitemap's entries — each canonicalised, in scope,
not seen lately, and counted when refused.

The frontier in the index deduplicates for good; the bounded cache of recently seen
URLs here only spares it most of the duplicates. Pages also teach the trap guard
(`traps.TrapGuard.observe`) what their pattern's pages look like.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from urllib.parse import urljoin

from loguru import logger

from archiver.config import Settings, SiteSettings
from archiver.crawl.links import css_links, html_links
from archiver.crawl.sitemaps import parse_sitemap
from archiver.crawl.stats import CrawlStats
from archiver.crawl.traps import TrapGuard, sketch, url_dates
from archiver.markup import is_html, mime_type
from archiver.store import blobs, warc
from archiver.store.index import QueuedUrl
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.rows import Capture
from archiver.urls import Scope, canonicalize, clean, host_of

SEEN_CACHE = 200_000
# Scope refusals (see `Scope.refuse`) that are trap bounding rather than scope.
_TRAP_REFUSALS = {"repeating-path": "trap:repeating-path", "url-too-long": "trap:url-too-long"}


def looks_html(content_type: str | None, body: bytes) -> bool:
    """Whether a payload is HTML: by its media type, else by how it starts."""
    if content_type:
        return is_html(content_type)
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


class _Recent:
    """A bounded set of recently seen URLs (oldest forgotten first)."""

    def __init__(self, size: int = SEEN_CACHE) -> None:
        self._urls: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, url: object) -> bool:
        return url in self._urls

    def add(self, url: str) -> None:
        self._urls[url] = None
        if len(self._urls) > self._size:
            self._urls.popitem(last=False)


class Discovery:
    """Turns what one crawl fetched into new frontier entries (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        site: SiteSettings,
        stats: CrawlStats,
        traps: TrapGuard,
        *,
        scope: Scope | None = None,
    ) -> None:
        self.settings = settings
        self.site = site
        self.stats = stats
        self.traps = traps
        self.scope = scope or Scope.of(site)
        self._seen = _Recent()
        self._beyond = _Recent()  # links past max_depth, counted once
        self._log = logger.bind(site=site.name)

    def discover(
        self, item: QueuedUrl, exchange: warc.Exchange, revisit_of: Capture | None
    ) -> list[QueuedUrl]:
        """What this exchange adds to the frontier: a redirect target, links, or sitemap entries.

        An unchanged page (`revisit_of`) is read from its earlier capture.
        """
        if 300 <= exchange.status < 400 and exchange.status != 304:
            location = header(exchange.response_headers, "location")
            if not location:
                return []
            self.stats.redirects += 1
            target = urljoin(exchange.url, location.strip())
            if item.redirects + 1 > self.site.crawl.max_redirects:
                self._log.warning(
                    "{}: redirect chain longer than {}", item.url, self.site.crawl.max_redirects
                )
                return []
            return self._scoped([target], item.kind, item.depth, item.url, item.redirects + 1)
        if item.kind == "robots":
            return []
        return self._from_payload(item, exchange, revisit_of, exchange.url)

    def kept(self, item: QueuedUrl, payload: Capture) -> list[QueuedUrl]:
        """What a page kept from its last capture (not fetched tonight) adds to the frontier.

        A kept page teaches the trap guard as a fetched one does, so a calendar's
        walk stops at the same month every night.
        """
        return self._from_payload(item, None, payload, payload.url)

    def _from_payload(
        self,
        item: QueuedUrl,
        exchange: warc.Exchange | None,
        revisit_of: Capture | None,
        base: str,
    ) -> list[QueuedUrl]:
        found = self._payload(item, exchange, revisit_of)
        if found is None:
            return []
        data, content_type = found
        self._observe(item, data, content_type)
        return self._links(item, data, content_type, base)

    def _payload(
        self, item: QueuedUrl, exchange: warc.Exchange | None, revisit_of: Capture | None
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
            data = decode(body, header(headers, "content-encoding"), self.site.crawl.max_bytes * 4)
        except PayloadTooLarge:
            self._log.warning("{}: decoded body too large to look for links", item.url)
            return None
        return data, header(headers, "content-type")

    def _observe(self, item: QueuedUrl, data: bytes, content_type: str | None) -> None:
        # A listed page is never a trap: the guard learns nothing from it (nor sketches it).
        if item.kind == "page" and not item.listed and looks_html(mime_type(content_type), data):
            page = sketch(data, dated=bool(url_dates(item.canonical_url)))
            self.traps.observe(item.canonical_url, page, listed=item.listed)

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
        if item.kind == "page" and looks_html(mime, data):
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
        it is marked listed there (see `Recorder.flush`).
        """
        out: list[QueuedUrl] = []
        for url in urls:
            try:
                canonical = canonicalize(url)
            except ValueError:
                continue
            if self.scope.refuse(canonical) is not None:
                continue
            self._seen.add(canonical)
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
            self._beyond.add(canonical)
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
            self._seen.add(canonical)
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
