"""Links out of an archived HTML page or stylesheet: pages to follow and embeds to fetch."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archiver.markup import (
    EMBED_ATTRS,
    EMBED_RELS,
    FRAME_ATTRS,
    LINK_ATTRS,
    SRCSET_ATTRS,
    css_urls,
    parse_srcset,
)

MAX_LINKS = 10_000
_SKIP = re.compile(r"^\s*(javascript|mailto|tel|data|about|blob|sms|ftp):", re.I)
_PAGE_ATTRS = {**LINK_ATTRS, **FRAME_ATTRS}
# Every attribute `html_links` reads: an element with none of them (and not <style>) adds
# nothing, and is passed over after one set test instead of a dozen lookups.
_READ_ATTRS = frozenset(
    {a for attrs in (*_PAGE_ATTRS.values(), *EMBED_ATTRS.values()) for a in attrs}
    | {"href", "style", *SRCSET_ATTRS}
)


@dataclass
class Links:
    """Absolute URLs found in a document."""

    pages: list[str] = field(default_factory=list)
    embeds: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pages) + len(self.embeds)


@lru_cache(maxsize=8_192)
def _join(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


def _root(base: str) -> str:
    """scheme://host of `base`: what an absolute path or an absolute URL is joined to."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}/"


def _absolute(base: str, href: str | None, root: str | None = None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#") or _SKIP.match(href):
        return None
    # An absolute path or URL does not depend on the base's path: join it to the root,
    # so the same navigation link on every page of a site is one cache entry.
    if root is not None and (
        (href.startswith("/") and not href.startswith("//"))
        or href.startswith(("http://", "https://"))
    ):
        return _join(root, href)
    return _join(base, href)


def html_links(html: bytes, base_url: str) -> Links:
    """Pages (a, area, iframe) and embeds (img, srcset, CSS, scripts, media) of an HTML page."""
    links = Links()
    try:
        # lxml.html.document_fromstring's tree, without its per-element class lookup.
        doc = etree.fromstring(html, etree.HTMLParser())
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return links
    if doc is None:  # "Document is empty"
        return links
    base = base_url
    for element in doc.iter("base"):
        base = _absolute(base_url, element.get("href")) or base_url
        break
    try:
        root: str | None = _root(base)
    except ValueError:
        root = None
    pages, embeds = links.pages, links.embeds
    for element in doc.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        tag = tag.lower()
        if tag != "style" and _READ_ATTRS.isdisjoint(element.keys()):
            continue
        get = element.get
        for attr in _PAGE_ATTRS.get(tag, ()):
            url = _absolute(base, get(attr), root)
            if url:
                pages.append(url)
        if tag == "link":
            rels = set((get("rel") or "").lower().split())
            if rels & EMBED_RELS:
                url = _absolute(base, get("href"), root)
                if url:
                    embeds.append(url)
        for attr in EMBED_ATTRS.get(tag, ()):
            url = _absolute(base, get(attr), root)
            if url:
                embeds.append(url)
        for attr in SRCSET_ATTRS:
            srcset = get(attr)
            if srcset:
                candidates = (_absolute(base, u) for u, _ in parse_srcset(srcset))
                embeds.extend(u for u in candidates if u)
        if tag == "style" and element.text:
            embeds.extend(css_links(element.text.encode(), base).embeds)
        style = get("style")
        if style and "url(" in style:
            embeds.extend(css_links(style.encode(), base).embeds)
        if len(pages) + len(embeds) >= MAX_LINKS:
            break
    return links


def css_links(css: bytes, base_url: str) -> Links:
    """Embeds named by a stylesheet: url(…) and @import."""
    text = css.decode("utf-8", errors="replace")
    urls = []
    for found in css_urls(text):
        url = _absolute(base_url, found)
        if url:
            urls.append(url)
        if len(urls) >= MAX_LINKS:
            break
    return Links(embeds=urls)
