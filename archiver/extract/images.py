"""Images in the content area: caption, credit, and whether they are decorative."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urljoin

from bs4 import Tag

from archiver.extract.text import collapse, css_path, hidden_reason, visible_text
from archiver.patterns import search

MAX_IMAGES = 1000


def _src(img: Tag) -> str:
    for attr in ("src", "data-src"):
        value = img.get(attr)
        if isinstance(value, str) and value.strip():
            return value.strip()
    srcset = img.get("srcset")
    if isinstance(srcset, str) and srcset.strip():
        return srcset.strip().split(",")[0].split()[0]
    return ""


def _decorative(img: Tag) -> str | None:
    role = img.get("role")
    if isinstance(role, str) and role.strip().lower() in ("presentation", "none"):
        return f'role="{role.strip()}"'
    node: Tag | None = img
    while node is not None and node.name != "[document]":
        aria = node.get("aria-hidden")
        if isinstance(aria, str) and aria.strip().lower() == "true":
            return 'aria-hidden="true"'
        node = node.parent
    alt = img.get("alt")
    if isinstance(alt, str) and not alt.strip():
        return 'alt=""'
    return None


def _container(img: Tag, root: Tag) -> Tag:
    figure = img.find_parent("figure")
    if figure is not None and (figure is root or any(p is root for p in figure.parents)):
        return figure
    parent = img.parent or root
    # Links and <picture> wrap the image itself; the credit sits beside them.
    while parent is not root and parent.name in ("a", "picture", "span") and parent.parent:
        parent = parent.parent
    return parent


def match_credit(text: str, patterns: tuple[str, ...]) -> str | None:
    """The credited party if ``text`` carries a credit in one of ``patterns``."""
    for pattern in patterns:
        match = search(pattern, text)
        if match is None:
            continue
        groups = match.groupdict()
        credit = collapse(groups["credit"] if groups.get("credit") else match.group(0))
        if credit:
            return credit
    return None


def _credit(
    container: Tag, selectors: Sequence[str], patterns: tuple[str, ...]
) -> tuple[str | None, str | None]:
    for selector in selectors:
        for element in container.select(selector):
            if hidden_reason(element) is not None:
                continue
            credit = match_credit(visible_text(element), patterns)
            if credit:
                return credit, selector
    return None, None


def extract_images(
    root: Tag,
    excluded: Callable[[Tag], bool],
    base_url: str,
    selectors: Sequence[str],
    patterns: tuple[str, ...],
) -> list[dict[str, Any]]:
    """One entry per ``<img>`` in ``root`` for which ``excluded`` is false."""
    images: list[dict[str, Any]] = []
    for img in root.find_all("img"):
        if len(images) >= MAX_IMAGES:
            break
        if excluded(img):
            continue
        src = _src(img)
        alt = img.get("alt")
        container = _container(img, root)
        figcaption = container.find("figcaption") if container.name == "figure" else None
        caption = visible_text(figcaption) if figcaption is not None else None
        credit, credit_source = _credit(container, selectors, patterns)
        decorative = _decorative(img)
        hidden = hidden_reason(img)
        images.append(
            {
                "src": src,
                "url": urljoin(base_url, src) if src else "",
                "alt": alt if isinstance(alt, str) else None,
                "caption": caption or None,
                "credit": credit,
                "credit_source": credit_source,
                "decorative": decorative is not None,
                "decorative_reason": decorative,
                "hidden": hidden is not None,
                "location": css_path(img),
            }
        )
    return images
