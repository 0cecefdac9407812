"""Find the age notice, and tell a notice a reader sees from one they do not."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
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
_ONE = (
    "1",
    "one",
    "a",
    "an",
    "ett",
    "eitt",
    "ein",
    "eins",
    "einem",
    "en",
    "et",
    "un",
    "une",
    "uno",
)
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> tuple[re.Pattern[str], str, tuple[str, ...]] | None:
    """A regex matching ``phrase`` tolerantly (any case, any spacing and punctuation between
    its words, "1" or "one" in any corpus language alike), its first word and its words
    besides the number, lower-cased; None for a phrase without words."""
    words = _WORD.findall(unicodedata.normalize("NFC", phrase))
    if not words:
        return None
    one = "(?:" + "|".join(_ONE) + ")"
    parts = [one if w.casefold() in _ONE else re.escape(w) for w in words]
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(parts) + r"(?!\w)", re.IGNORECASE)
    return pattern, words[0].lower(), tuple(w.lower() for w in words if w.casefold() not in _ONE)


def _scan(
    strings: list[NavigableString],
    page: str,
    phrases: tuple[str, ...],
    via: str,
    seen: set[int],
) -> list[dict[str, Any]]:
    """Elements whose text holds one of ``phrases`` (as :func:`phrase_pattern` matches)."""
    # A case-insensitive regex cannot skip ahead to a literal; most pages lack some word
    # of every phrase, which plain substring tests over the lower-cased page find fast.
    lowered = page.lower()
    wanted = [
        p
        for p in map(phrase_pattern, phrases)
        if p is not None and all(w in lowered for w in p[2]) and p[0].search(page)
    ]
    hits: list[dict[str, Any]] = []
    if not wanted:
        return hits
    for string in strings:
        parent = string.parent
        if parent is None:
            continue
        # A phrase split over inline elements is found in the parent's whole text, read
        # only for a string holding a phrase's first word.
        text = str(string)
        if not any(p.search(text) for p, _, _ in wanted):
            folded = text.lower()
            starts = [p for p, first, _ in wanted if first in folded]
            if not starts or not any(p.search(parent.get_text(" ")) for p in starts):
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
    tolerantly (:func:`phrase_pattern`): "more than one year old." matches "More than 1
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
    archive_hits: list[dict[str, Any]] = []
    if phrases or archive_phrases:
        strings = [
            string
            for string in soup.find_all(string=True)
            if isinstance(string, NavigableString) and not isinstance(string, NOT_TEXT)
        ]
        # All text joined (NUL is no word character, so a phrase can span strings):
        # a phrase absent from it is absent from every element, and most pages show
        # no notice, so the per-element scan is skipped.
        joined = unicodedata.normalize("NFC", "\0".join(strings))
        hits += _scan(strings, joined, phrases, "phrase", seen)
        archive_hits = _scan(strings, joined, archive_phrases, "archive-phrase", seen)
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
