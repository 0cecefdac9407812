"""Find the age notice, and tell a notice a reader sees from one they do not."""

from __future__ import annotations

import re
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


# Numbers a notice may write as a digit or a word ("1 år", "eitt år", "one year").
_ONE = frozenset(
    {"1", "one", "a", "an", "ett", "eitt", "ein", "eins", "einem", "en", "et", "un", "une", "uno"}
)
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Text as notice phrases are compared: words only, case-folded, "one" in any language as
    "1", each word between spaces; punctuation, spacing and case do not count."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return " " + "".join(("1" if w in _ONE else w) + " " for w in words)


def _scan(
    strings: list[NavigableString],
    folded_page: str,
    phrases: tuple[str, ...],
    via: str,
    seen: set[int],
) -> list[dict[str, Any]]:
    """Elements whose own text holds one of ``phrases`` (each already folded)."""
    wanted = [p for p in phrases if p.strip() and p in folded_page]
    hits: list[dict[str, Any]] = []
    if not wanted:
        return hits
    for string in strings:
        parent = string.parent
        if parent is None:
            continue
        # A phrase split over inline elements is found in the parent's whole text; a
        # block's text is only read when one of its strings holds a phrase's first word.
        own = fold(str(string))
        if not any(p[: p.index(" ", 1) + 1] in own for p in wanted):
            continue
        if not any(p in own or p in fold(parent.get_text(" ")) for p in wanted):
            continue
        if id(parent) in seen or any(id(a) in seen for a in parent.parents):
            continue
        seen.add(id(parent))
        hits.append(_hit(parent, collapse(parent.get_text(" ")), via))
    return hits


def find_notice(
    soup: BeautifulSoup,
    phrases: tuple[str, ...],
    selectors: Sequence[str],
    archive_phrases: tuple[str, ...] = (),
) -> Any:
    """The ``age_notice`` part of the page model.

    A notice is *shown* when a configured phrase occurs in visible text, or an
    element matching a notice selector is visible and has text. Phrases match
    tolerantly (:func:`fold`): "more than one year old." matches "More than 1
    year old", whatever follows. Occurrences that a reader cannot see are kept
    in ``hidden`` as evidence. ``archive`` is the same for a historical-archive
    banner (``archive_phrases``): a pack that lists them counts the banner as the
    notice (``shown``), but a banner on recent content is not an unexpected notice.
    """
    hits: list[dict[str, Any]] = []
    seen: set[int] = set()
    for selector in selectors:
        for element in soup.select(selector):
            text = collapse(element.get_text(" "))
            if text and id(element) not in seen:
                seen.add(id(element))
                hits.append(_hit(element, text, f"selector:{selector}"))
    wanted = tuple(fold(p) for p in phrases)
    archive = tuple(fold(p) for p in archive_phrases)
    archive_hits: list[dict[str, Any]] = []
    if any(wanted) or any(archive):
        strings = [
            string
            for string in soup.find_all(string=True)
            if isinstance(string, NavigableString) and not isinstance(string, NOT_TEXT)
        ]
        # All text, folded once: a phrase absent from it is absent from every element,
        # and most pages show no notice, so the per-element scan is skipped. Folding
        # the page costs more than lower-casing it, which already lacks a word of
        # each phrase on most pages.
        joined = "\0".join(strings)
        lowered = unicodedata.normalize("NFC", joined).casefold()
        words = {w for p in wanted + archive for w in p.split() if w != "1"}
        present = {w for w in words if w in lowered}
        maybe = any(set(p.split()) - {"1"} <= present for p in wanted + archive if p.strip())
        folded = fold(joined) if maybe else ""
        hits += _scan(strings, folded, wanted, "phrase", seen)
        archive_hits = _scan(strings, folded, archive, "archive-phrase", seen)
    archived = next((h for h in archive_hits if h["hidden_reason"] is None), None)
    shown = [h for h in hits if h["hidden_reason"] is None]
    first = shown[0] if shown else archived
    return {
        "shown": first is not None,
        "text": first["text"] if first else None,
        "location": first["location"] if first else None,
        "hidden": [h for h in hits + archive_hits if h["hidden_reason"] is not None],
        "archive": {
            "shown": archived is not None,
            "text": archived["text"] if archived else None,
            "location": archived["location"] if archived else None,
        },
    }
