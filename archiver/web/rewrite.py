"""Rewrite archived HTML and CSS so that replay stays inside the archive.

Every URL an archived page names is turned into a viewer address: embeds
(images, CSS, scripts, frames) into ``/web/<timestamp>id_/<url>``, which
serves the capture of that URL nearest in time; links into
``/web/<timestamp>/<url>``, which shows that capture inside the replay frame
(archived content may not move the viewer's window). Every address goes
through the viewer's ``sign`` (signed and short-lived when a token is set). Forms are
disarmed and ``<base>`` is dropped once used. Nothing is ever fetched from the
live web: a URL the archive lacks answers 404 from the viewer.

The offending elements of violations are marked server-side with a
``data-archiver-violation`` attribute and a small injected style outlines
them; the document is parsed with BeautifulSoup on lxml, as the extractor
parses it, so the CSS ``location`` paths in the evidence find the same
elements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from archiver.markup import (
    EMBED_ATTRS,
    FRAME_ATTRS,
    LINK_ATTRS,
    SRCSET_ATTRS,
    parse_html,
    parse_srcset,
    rewrite_css,
)

OUTLINE_STYLE = (
    "[data-archiver-violation]{outline:4px solid #d0021b !important;"
    "outline-offset:2px !important;box-shadow:0 0 0 8px rgba(208,2,27,.25) !important}"
)

# Frames replay as embeds: the capture nearest the page's time, inside the page.
_EMBED_ATTRS = {**EMBED_ATTRS, **FRAME_ATTRS}
# Any other element's src is an embed too: a browser's parser turns <image src> into
# <img src> (BBC News), and a custom element (<pp-image src>, bmas.de) hands its src to
# a script that loads it. Rewritten, it can only reach the archive.
_ANY_SRC = ("src",)
_SKIP_SCHEMES = ("data:", "javascript:", "mailto:", "tel:", "about:", "blob:", "#")


@dataclass(frozen=True)
class Mark:
    """An element to outline: found by CSS path or by image `src`, labelled with its rule."""

    label: str
    selector: str | None = None
    src: str | None = None


@dataclass(frozen=True)
class Rewriter:
    """Turns archived URLs into viewer URLs for one capture time."""

    sign: Callable[[str], str]  # the viewer address handed out for a path
    timestamp: str  # 14 digits

    def embed(self, url: str, base: str) -> str:
        """The viewer address of an embedded resource."""
        target = _absolute(url, base)
        if target is None:
            # data:, blob: … stay; another scheme (urn:, file:, ftp:) loads nothing here.
            return url if url.strip().lower().startswith(_SKIP_SCHEMES) else "about:blank"
        return self.sign(f"/web/{self.timestamp}id_/{target}")

    def link(self, url: str, base: str) -> str:
        """The viewer address of a linked page (opens its capture page)."""
        target = _absolute(url, base)
        if target is None:
            # A link to another scheme (whatsapp:, fb-messenger:, file:, ftp:) would leave
            # the archive for an app or the live network: it goes nowhere in a replay.
            return url if url.strip().lower().startswith(_SKIP_SCHEMES) else "#"
        return self.sign(f"/web/{self.timestamp}/{target}")

    def css(self, text: str, base: str) -> str:
        """CSS with `url(...)` and `@import` pointing into the archive."""
        return rewrite_css(text, lambda url: self.embed(url, base))

    def srcset(self, value: str, base: str) -> str:
        """A `srcset` with every candidate rewritten."""
        return ", ".join(
            f"{self.embed(url, base)} {descriptor}".rstrip()
            for url, descriptor in parse_srcset(value)
        )

    def html(self, text: str, base: str, marks: Iterable[Mark] = ()) -> str:
        """The archived document with URLs rewritten and violation elements marked."""
        soup = parse_html(text)
        # Every <base> goes: its href resolves the page's URLs here, and its target
        # (with or without an href) would send links to another window.
        # The first <base href> counts, as in a browser.
        first_href = True
        for base_tag in soup.find_all("base"):
            if isinstance(base_tag, Tag):
                href = base_tag.get("href")
                if first_href and isinstance(href, str) and href.strip():
                    base, first_href = urljoin(base, href), False
                base_tag.decompose()
        _mark(soup, marks)
        for tag in soup.find_all(True):
            if not isinstance(tag, Tag):
                continue
            self._tag(tag, base)
        if soup.select_one("[data-archiver-violation]") is not None:
            style = soup.new_tag("style")
            style["data-archiver"] = "outline"
            style.string = OUTLINE_STYLE
            (soup.head or soup.html or soup).append(style)
        return str(soup)

    def _tag(self, tag: Tag, base: str) -> None:
        for attr in _EMBED_ATTRS.get(tag.name, _ANY_SRC):
            value = tag.get(attr)
            if isinstance(value, str):
                tag[attr] = self.embed(value, base)
        for attr in LINK_ATTRS.get(tag.name, ()):
            value = tag.get(attr)
            if isinstance(value, str):
                tag[attr] = self.link(value, base)
                # No other window may be named: a click replays the link in the same frame.
                tag.attrs.pop("target", None)
        if tag.name == "link":
            href = tag.get("href")
            if isinstance(href, str):
                tag["href"] = self.embed(href, base)
            for attr in ("integrity", "crossorigin"):
                tag.attrs.pop(attr, None)
        if tag.name == "script":
            tag.attrs.pop("integrity", None)
        if tag.name == "form":
            tag["action"] = "#"
        if tag.name == "meta":
            equiv = tag.get("http-equiv")
            if isinstance(equiv, str) and equiv.lower() in ("refresh", "content-security-policy"):
                tag.decompose()
                return
        for attr in SRCSET_ATTRS:
            value = tag.get(attr)
            if isinstance(value, str):
                tag[attr] = self.srcset(value, base)
        style = tag.get("style")
        if isinstance(style, str):
            tag["style"] = self.css(style, base)
        if tag.name == "style" and tag.string:
            tag.string = self.css(str(tag.string), base)


def _absolute(url: str, base: str) -> str | None:
    url = url.strip()
    if not url or url.lower().startswith(_SKIP_SCHEMES):
        return None
    target = urljoin(base, url)
    if urlsplit(target).scheme not in ("http", "https"):
        return None
    return target


def _mark(soup: BeautifulSoup, marks: Iterable[Mark]) -> None:
    for mark in marks:
        found: list[Tag] = []
        if mark.selector:
            try:
                found = [t for t in soup.select(mark.selector) if isinstance(t, Tag)]
            except (SelectorSyntaxError, ValueError, NotImplementedError):
                found = []
        if not found and mark.src:
            found = [t for t in soup.find_all("img") if isinstance(t, Tag) and _src_is(t, mark.src)]
        for tag in found:
            labels = str(tag.get("data-archiver-violation") or "").split()
            if mark.label not in labels:
                labels.append(mark.label)
            tag["data-archiver-violation"] = " ".join(labels)


def _src_is(tag: Tag, src: str) -> bool:
    return any(tag.get(attr) == src for attr in ("src", "data-src"))


__all__ = ["OUTLINE_STYLE", "Mark", "Rewriter"]
