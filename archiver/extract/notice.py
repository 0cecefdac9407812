"""Find the age notice, and tell a notice a reader sees from one they do not."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
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


_CLIMB = 3  # elements climbed from a phrase's first string to the one holding all of it


def _scan(
    strings: list[NavigableString],
    starts: list[int],
    page: str,
    phrases: tuple[str, ...],
    via: str,
    seen: set[int],
) -> list[dict[str, Any]]:
    """Elements whose text holds one of ``phrases`` (as :func:`phrase_pattern` matches),
    in document order. ``page`` is the strings joined by NUL, ``starts`` where each begins
    in it: a phrase is found in ``page`` and its element is the parent of the string it
    starts in, or the nearest ancestor whose text holds it all (a phrase split over inline
    elements: "This content is <b>more than 1 year</b> old")."""
    # A case-insensitive regex cannot skip ahead to a literal; most pages lack some word
    # of every phrase, which plain substring tests over the lower-cased page find fast.
    lowered = page.lower()
    wanted = [
        p[0]
        for p in map(phrase_pattern, phrases)
        if p is not None and all(w in lowered for w in p[2])
    ]
    found = sorted(
        (match.start(), match.end(), pattern)
        for pattern in wanted
        for match in pattern.finditer(page)
    )
    hits: list[dict[str, Any]] = []
    for start, end, pattern in found:
        index = bisect_right(starts, start) - 1
        element = strings[index].parent
        if end > starts[index] + len(strings[index]):
            for _ in range(_CLIMB):
                if element is None or pattern.search(collapse(element.get_text(" "))):
                    break
                element = element.parent
            else:
                continue
        if element is None or id(element) in seen or any(id(a) in seen for a in element.parents):
            continue
        seen.add(id(element))
        hits.append(_hit(element, collapse(element.get_text(" ")), via))
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
            node
            for node in soup.descendants
            if isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT)
        ]
        # All text joined (NUL is no word character, so a phrase can span strings, and no
        # character composes with it, so NFC of the whole is NFC of each string).
        texts: list[str] = [str(s) for s in strings]
        joined = "\0".join(texts)
        if not unicodedata.is_normalized("NFC", joined):
            texts = [unicodedata.normalize("NFC", t) for t in texts]
            joined = "\0".join(texts)
        starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
        hits += _scan(strings, starts, joined, phrases, "phrase", seen)
        archive_hits = _scan(strings, starts, joined, archive_phrases, "archive-phrase", seen)
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
