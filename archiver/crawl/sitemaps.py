"""Sitemaps and sitemap indexes (XML, gzip too), parsed without expanding entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from archiver.store.payload import PayloadTooLarge, decode

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_LOCS = 50_000


@dataclass(frozen=True)
class Sitemap:
    """The page URLs and child sitemaps one sitemap document lists."""

    pages: list[str]
    children: list[str]
    # <lastmod> of the pages that give one (W3C datetime, as UTC): what a recrawl trusts to
    # know a page has not changed since its last capture.
    lastmod: dict[str, datetime] = field(default_factory=dict)


def parse_lastmod(text: str) -> datetime | None:
    """A sitemap <lastmod> (W3C datetime: a date, or a date and time with a zone) as UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
    )


def parse_sitemap(body: bytes, content_encoding: str | None = None) -> Sitemap:
    """Parse a sitemap or sitemap index; gzip is detected by its magic bytes too."""
    try:
        data = decode(body, content_encoding, MAX_SITEMAP_BYTES)
        if data[:2] == b"\x1f\x8b":
            data = decode(data, "gzip", MAX_SITEMAP_BYTES)
    except PayloadTooLarge:
        return Sitemap([], [])
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        return Sitemap([], [])
    if root is None:
        return Sitemap([], [])
    pages: list[str] = []
    children: list[str] = []
    lastmod: dict[str, datetime] = {}
    is_index = etree.QName(root).localname == "sitemapindex"
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        loc, modified = "", None
        for element in entry.iter():
            if not isinstance(element.tag, str):
                continue
            name = etree.QName(element).localname
            if name == "loc" and not loc:
                loc = (element.text or "").strip()
            elif name == "lastmod":
                modified = parse_lastmod(element.text or "")
        if not loc:
            continue
        (children if is_index else pages).append(loc)
        if modified is not None and not is_index:
            lastmod[loc] = modified
        if len(pages) + len(children) >= MAX_LOCS:
            break
    return Sitemap(pages, children, lastmod)
