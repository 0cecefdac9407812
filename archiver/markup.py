"""What archived HTML and CSS name, decided once for the crawler and the viewer.

The crawler fetches what these tables name and the viewer rewrites the same
names, so nothing the viewer points into the archive is missing from it (a lazy
image in `img[data-src]` rewritten but never fetched is a hole in replay). The
same goes for CSS `url()`, `srcset`, and which captures are HTML pages that the
checks read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Imported where a tree is parsed: the crawler reads these tables but never uses bs4
    # (its import is ~60 ms of every crawl's start-up).
    from bs4 import BeautifulSoup

# Where lazy-loading scripts keep an image's real source while its src holds a placeholder
# (nothing, a data: GIF, a "lazyloading-placeholder.png"): the URL a script swaps in. The
# checks judge that image, so the crawler fetches it and the viewer replays it.
LAZY_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url")
# Attributes naming a resource loaded with the page (fetched as an embed, replayed from
# the archive as one). Lazy-loading libraries keep the real address in data-* attributes.
EMBED_ATTRS: dict[str, tuple[str, ...]] = {
    "img": ("src", *LAZY_SRC_ATTRS, "lowsrc"),
    "source": ("src", "data-src"),
    "script": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# Documents shown inside the page: followed as pages, replayed as embeds.
FRAME_ATTRS: dict[str, tuple[str, ...]] = {"iframe": ("src",), "frame": ("src",)}
# Links a reader follows.
LINK_ATTRS: dict[str, tuple[str, ...]] = {"a": ("href",), "area": ("href",)}
# Candidate lists (`url 2x, url 300w`), on img and source.
SRCSET_ATTRS = ("srcset", "data-srcset", "data-original-set", "data-lazy-srcset")
# <link rel> values whose href is loaded with the page.
EMBED_RELS = frozenset(
    {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "manifest", "modulepreload"}
)

# The ranked headings, h1 (the page's) to h6.
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that start and end a line of text: a credit read from a caption ends at its
# line, and "<h1>Care</h1><p>The" is two words to the full-text index, not one.
BLOCK_ELEMENTS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)

# url(…) with or without quotes, and @import "…" (whose url() form the first branch takes).
_CSS_URL = re.compile(
    r"""url\(\s*(?P<q>['"]?)(?P<url>[^'")]*?)(?P=q)\s*\)|@import\s+(?P<iq>['"])(?P<import>[^'"]+)(?P=iq)""",
    re.IGNORECASE,
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def css_urls(text: str) -> list[str]:
    """Every address a stylesheet (or a style attribute) names, in order."""
    return [m["url"] or m["import"] for m in _CSS_URL.finditer(text) if m["url"] or m["import"]]


def rewrite_css(text: str, replace: Callable[[str], str]) -> str:
    """The stylesheet with each address `css_urls` finds replaced by `replace(address)`."""

    def _one(match: re.Match[str]) -> str:
        if match["import"] is not None:
            quote = match["iq"]
            return f"@import {quote}{replace(match['import'])}{quote}"
        if not match["url"]:
            return match[0]
        quote = match["q"]
        return f"url({quote}{replace(match['url'])}{quote})"

    return _CSS_URL.sub(_one, text)


def parse_srcset(value: str) -> list[tuple[str, str]]:
    """The (address, descriptor) candidates of a srcset, parsed as the HTML standard does.

    An address may contain commas (only a comma followed by blank space or the
    end separates candidates when it ends an address); descriptors run to the
    next comma.
    """
    out: list[tuple[str, str]] = []
    pos, size = 0, len(value)
    while pos < size:
        while pos < size and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < size and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if not url:
            break
        if url.endswith(","):
            out.append((url.rstrip(","), ""))
            continue
        start = pos
        depth = 0
        while pos < size and (value[pos] != "," or depth):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
        out.append((url, value[start:pos].strip()))
    return out


def mime_type(content_type: str | None) -> str:
    """The MIME type of a Content-Type value, lower case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_html(content_type: str | None) -> bool:
    """Whether a Content-Type names an HTML document."""
    return mime_type(content_type) in _HTML_TYPES


def is_checkable_page(status: int, content_type: str | None) -> bool:
    """Whether a capture is an HTML page that extraction and the checks read: a 200 HTML answer.

    A revisit counts by the status and type of the response it records.
    """
    return status == 200 and is_html(content_type)


__all__ = [
    "EMBED_ATTRS",
    "EMBED_RELS",
    "FRAME_ATTRS",
    "LAZY_SRC_ATTRS",
    "LINK_ATTRS",
    "SRCSET_ATTRS",
    "css_urls",
    "is_checkable_page",
    "is_html",
    "mime_type",
    "parse_srcset",
    "rewrite_css",
]


def parse_html(text: str) -> BeautifulSoup:
    """Archived HTML as a BeautifulSoup tree (lxml), the one way every stage parses it.

    An archived body is never a file name or a URL, whatever it looks like: bs4's
    warning that it might be (a page whose whole text is "/index.html") is noise
    on a cron run's console, so it is silenced here and only here. So is its warning
    that an XHTML page (an ``<?xml …?>`` declaration first) looks like XML: browsers
    parse a page served as HTML as HTML, and so does the archiver.
    """
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(text, "lxml")
