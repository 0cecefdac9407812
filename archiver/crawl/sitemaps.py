"""Sitemaps and sitemap indexes (XML, gzip too), parsed without expanding entities."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from archiver.store.payload import PayloadTooLarge, decode

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_LOCS = 50_000


@dataclass(frozen=True)
class Sitemap:
    """The page URLs and child sitemaps one sitemap document lists."""

    pages: list[str]
    children: list[str]


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
    is_index = etree.QName(root).localname == "sitemapindex"
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname != "loc":
            continue
        text = (element.text or "").strip()
        if not text:
            continue
        (children if is_index else pages).append(text)
        if len(pages) + len(children) >= MAX_LOCS:
            break
    return Sitemap(pages, children)
