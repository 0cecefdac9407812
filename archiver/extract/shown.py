"""The document a reader's browser shows, parsed: what a browser running scripts shows of
``<noscript>`` and of elements a lazy-loading script turns into images."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from archiver.errors import ExtractError
from archiver.markup import parse_html

# What a browser that runs scripts (every reader's) does not show: it reads <noscript> as
# raw text. lxml parses its content as markup, so "<noscript><div></noscript>" would leave
# the div open and put the rest of the page inside the <noscript>, hidden.
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.IGNORECASE | re.DOTALL)


# A <noscript> holding nothing but images: the lazy-loading pattern whose script shows those
# images (reading the <noscript> or a placeholder beside it), so a reader sees them.
_NOSCRIPT_IMAGES = re.compile(r"(?i)<noscript\b[^>]*>((?:\s*<img\b[^>]*>)+)\s*</noscript\s*>")
_FROM_NOSCRIPT = "data-archiver-noscript"


def _noscript(match: re.Match[str]) -> str:
    images = _NOSCRIPT_IMAGES.fullmatch(match.group(0))
    if images is None:
        return ""
    return re.sub(r"(?i)<img\b", f"<img {_FROM_NOSCRIPT}", images.group(1))


def _noscript_copies(soup: BeautifulSoup) -> None:
    """Keep a <noscript>'s image only where nothing beside it stands for it: an ``<img>``
    placeholder in the same parent is that picture already (its lazy URL is read)."""
    for img in soup.find_all("img", attrs={_FROM_NOSCRIPT: True}):
        parent = img.parent
        if parent is not None and any(
            other.get(_FROM_NOSCRIPT) is None for other in parent.find_all("img")
        ):
            img.decompose()
        else:
            del img[_FROM_NOSCRIPT]


_SCRIPT_IMAGE = re.compile(r"(?i)\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])")


def _script_images(soup: BeautifulSoup) -> None:
    """An empty element naming an image file (``data-src``) and its text alternative
    (``data-alt``) is an image a script builds in its place ("div.js-delayed-image-load"):
    it is given that ``<img>``, as a reader's browser shows it."""
    for element in soup.find_all(["div", "span"], attrs={"data-src": True, "data-alt": True}):
        src, alt = element.get("data-src"), element.get("data-alt")
        if (
            element.name in ("div", "span")
            and isinstance(src, str)
            and isinstance(alt, str)
            and _SCRIPT_IMAGE.search(src.strip())
            and element.find(True) is None
            and not element.get_text(strip=True)
            and (element.parent is None or element.parent.find("img") is None)
        ):
            attrs = {"src": src.strip(), "alt": alt}
            for size in ("width", "height"):
                value = element.get(f"data-{size}")
                if isinstance(value, str) and value.strip().isdigit():
                    attrs[size] = value.strip()
            element.append(soup.new_tag("img", attrs=attrs))


def parse_shown(text: str) -> BeautifulSoup:
    """``text`` parsed as a reader's browser, running scripts, shows it."""
    noscript = "<noscript" in text or "<NOSCRIPT" in text
    if noscript:
        text = _NOSCRIPT.sub(_noscript, text)
        noscript = _FROM_NOSCRIPT in text  # an image kept, to tell from its placeholder
    try:
        soup = parse_html(text)
    except (RecursionError, ValueError, AssertionError) as exc:
        raise ExtractError(f"cannot parse HTML: {exc!r}") from exc
    if noscript:
        _noscript_copies(soup)
    if "data-alt" in text:
        _script_images(soup)
    return soup
