"""Find the age notice, and tell a notice a reader sees from one they do not."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from archiver.extract.text import NOT_TEXT, collapse, css_path, hidden_reason


def _hit(element: Tag, text: str, via: str) -> dict[str, Any]:
    return {
        "text": text[:500],
        "location": css_path(element),
        "via": via,
        "hidden_reason": hidden_reason(element),
    }


def find_notice(soup: BeautifulSoup, phrases: tuple[str, ...], selectors: Sequence[str]) -> Any:
    """The ``age_notice`` part of the page model.

    A notice is *shown* when a configured phrase occurs in visible text, or an
    element matching a notice selector is visible and has text. Occurrences
    that a reader cannot see are kept in ``hidden`` as evidence.
    """
    hits: list[dict[str, Any]] = []
    seen: set[int] = set()
    for selector in selectors:
        for element in soup.select(selector):
            text = collapse(element.get_text(" "))
            if text and id(element) not in seen:
                seen.add(id(element))
                hits.append(_hit(element, text, f"selector:{selector}"))
    wanted = [collapse(p).casefold() for p in phrases if collapse(p)]
    strings = (
        [
            string
            for string in soup.find_all(string=True)
            if isinstance(string, NavigableString) and not isinstance(string, NOT_TEXT)
        ]
        if wanted
        else []
    )
    # All text joined by NUL (which no whitespace rule or normalisation
    # crosses), collapsed, contains every string's collapsed text, so a phrase
    # absent from it is absent from each string. Collapsing only rewrites
    # whitespace, so before it, each word of a phrase is already there: most
    # pages have some phrase word missing and skip collapsing and the scan.
    joined = "\0".join(strings)
    folded = unicodedata.normalize("NFC", joined).casefold()
    if any(all(word in folded for word in p.split(" ")) for p in wanted) and any(
        p in collapse(joined).casefold() for p in wanted
    ):
        for string in strings:
            parent = string.parent
            if parent is None:
                continue
            # A phrase split over inline elements is not found; notices are
            # plain sentences in practice, and this keeps the scan linear.
            folded = collapse(str(string)).casefold()
            if not any(p in folded for p in wanted):
                continue
            if id(parent) in seen or any(id(a) in seen for a in parent.parents):
                continue
            seen.add(id(parent))
            hits.append(_hit(parent, collapse(parent.get_text(" ")), "phrase"))
    shown = [h for h in hits if h["hidden_reason"] is None]
    first = shown[0] if shown else None
    return {
        "shown": first is not None,
        "text": first["text"] if first else None,
        "location": first["location"] if first else None,
        "hidden": [h for h in hits if h["hidden_reason"] is not None],
    }
