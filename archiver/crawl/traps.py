"""Crawler traps, told apart from real sites by what they do rather than by URL shape alone.

Real sites have tens of thousands of URLs that differ only in digits (`/node/123`,
`/release-123/id4000123/`), so counting URLs per digit-folded pattern cuts them short.
A trap is something else: a calendar whose "next month" runs past the present or far
into the past, the same path under ever more query-parameter combinations, or a pattern
whose pages keep coming while each is a near-copy of one already seen. Those are what
`TrapGuard` refuses. URLs a sitemap of the site lists are never traps: the site says
they are pages. `max_per_pattern` stays as a backstop against traps nothing here
recognises, set far above what a real site reaches; when it trips, the crawl says so.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from archiver.urls import pattern_of

# Dates a calendar may link to: government sites publish from the mid-1990s on, and list
# events up to about a year ahead. Outside that, a walk through months is a trap.
EARLIEST_YEAR = 1990
FUTURE_DAYS = 366
# One path under more distinct sets of query keys than this is a faceted-search explosion.
MAX_QUERY_KEYSETS = 16
# A pattern whose last this many pages were all near-copies of earlier ones is a trap.
NEAR_DUPLICATE_RUN = 10
NEAR_DUPLICATE_SIMILARITY = 0.9
_SKETCH_SIZE = 32
_SKETCHES_PER_PATTERN = 64
# `sketch` keeps the shingle hashes below a bar that about this many times its size pass.
_PREFILTER = 4

_DATE_IN_PATH = re.compile(
    r"(?<![0-9])([12][0-9]{3})(?:[/_-]|%2F)(0?[1-9]|1[0-2])(?:(?:[/_-]|%2F)([0-3]?[0-9]))?(?![0-9])"
)
_COMPACT_DATE = re.compile(r"(?<![0-9])([12][0-9]{3})(0[1-9]|1[0-2])([0-3][0-9])?(?![0-9])")
_DATE_KEYS = re.compile(r"^(y|year|yr|month|m|date|day|d|from|to|start|end|cal|week)$", re.I)
_TAGS = re.compile(rb"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_MAIN_OPEN = re.compile(rb"<(main|article)\b")
_CLOSE_END = re.compile(rb"\s*>")


def _only(keep: bytes) -> bytes:
    """A `bytes.translate` table turning every byte but those in `keep` into a space."""
    return bytes(b if b in keep else 0x20 for b in range(256))


_LETTERS = bytes(range(ord("a"), ord("z") + 1)) + bytes(range(0x80, 0x100))
# Words (lower-cased text: runs of a-z and UTF-8 bytes, so letters stay whole), split out
# by translating everything else to spaces: a regex's findall costs a few times more.
_WORD = _only(_LETTERS)
_WORD_OR_NUMBER = _only(_LETTERS + b"0123456789")
_MONTHS = frozenset(
    m.encode()
    for m in [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "januar",
        "februar",
        "mars",
        "mai",
        "juni",
        "juli",
        "oktober",
        "desember",
    ]
)


def _year_month(year: str, month: str | None) -> tuple[int, int]:
    return int(year), int(month) if month else 1


def url_dates(url: str) -> list[tuple[int, int]]:
    """(year, month) pairs a URL's path or date-like query parameters name."""
    parts = urlsplit(url)
    found = [_year_month(m.group(1), m.group(2)) for m in _DATE_IN_PATH.finditer(parts.path)]
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        matches = list(_DATE_IN_PATH.finditer(value)) or list(_COMPACT_DATE.finditer(value))
        found += [_year_month(m.group(1), m.group(2)) for m in matches]
        if not matches and _DATE_KEYS.match(key) and value.isdigit() and len(value) == 4:
            found.append((int(value), 1))
    return found


def out_of_range(url: str, today: date) -> bool:
    """Whether the URL names a month past the next year or before `EARLIEST_YEAR`."""
    horizon = date.fromordinal(today.toordinal() + FUTURE_DAYS)
    return any(
        year < EARLIEST_YEAR or (year, month) > (horizon.year, horizon.month)
        for year, month in url_dates(url)
    )


def _main_content(html: bytes) -> bytes | None:
    """The first `<main>` or `<article>` element (tags included, any case), or None.

    Its end is the first matching end tag after it (`</main >` too). Found with
    `bytes.find`: a lazy regex over the page took milliseconds, testing for the end
    tag at every byte.
    """
    lowered = html.lower()  # ASCII only: offsets stay those of `html`
    for opened in _MAIN_OPEN.finditer(lowered):
        end_tag = b"</" + opened.group(1)
        at = lowered.find(end_tag, opened.end())
        while at >= 0:
            closed = _CLOSE_END.match(lowered, at + len(end_tag))
            if closed is not None:
                return html[opened.start() : closed.end()]
            at = lowered.find(end_tag, at + 1)
    return None


def sketch(html: bytes, *, dated: bool = False) -> frozenset[int]:
    """A bottom-k sketch of the page's word 3-shingles, from its main content when marked.

    Two pages whose sketches mostly agree share most of their text: the same page under
    a session id or another sort order. For a page whose URL names a date (`dated`),
    digits and month names are left out, so calendar months with no events agree too;
    pages that differ only in an id keep their digits and stay apart.
    """
    main = _main_content(html)
    text = _TAGS.sub(b" ", main if main is not None else html).lower()
    if dated:
        words = [w for w in text.translate(_WORD).split() if w not in _MONTHS]
    else:
        words = text.translate(_WORD_OR_NUMBER).split()
    return _bottom_k(words)


def _bottom_k(words: list[bytes]) -> frozenset[int]:
    """The `_SKETCH_SIZE` smallest distinct hashes of the word 3-shingles.

    Hashes spread evenly over the 64-bit range, so the few below a threshold that
    expects `_PREFILTER` times the sketch's size already hold the smallest ones; they
    are filtered out in C (no set of every shingle, no heap walked in Python). Should
    fewer than the sketch's size fall below it (a page repeating itself), the set of
    every shingle is used: the sketch is the same either way.
    """
    shingles = zip(words, words[1:], words[2:], strict=False)
    count = len(words) - 2
    if count > _PREFILTER * _SKETCH_SIZE:
        bar = -(1 << 63) + ((_PREFILTER * _SKETCH_SIZE) << 64) // count
        low = set(filter(bar.__gt__, map(hash, shingles)))
        if len(low) >= _SKETCH_SIZE:
            return frozenset(sorted(low)[:_SKETCH_SIZE])
        shingles = zip(words, words[1:], words[2:], strict=False)
    return frozenset(heapq.nsmallest(_SKETCH_SIZE, set(map(hash, shingles))))


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Estimated Jaccard similarity of the pages two sketches were taken of."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    both = a & b
    union = sorted(a | b)[:_SKETCH_SIZE]
    return len(both.intersection(union)) / len(union)


def near_copies(a: frozenset[int], b: frozenset[int]) -> bool:
    """`similarity(a, b) >= NEAR_DUPLICATE_SIMILARITY`, most pairs told apart without it.

    The shared hashes among the union's bottom k are at most all the shared hashes,
    so too few of those already means "not similar" (sets are cheap, sorting is not:
    a page is compared with every sketch of its pattern).
    """
    if a and b and len(a & b) < NEAR_DUPLICATE_SIMILARITY * min(_SKETCH_SIZE, len(a | b)):
        return False
    return similarity(a, b) >= NEAR_DUPLICATE_SIMILARITY


@dataclass
class _Pattern:
    fetched: int = 0  # unlisted URLs of the pattern let through
    duplicates_in_a_row: int = 0
    sketches: list[frozenset[int]] = field(default_factory=list)
    barren: bool = False


@dataclass
class TrapGuard:
    """Decides, URL by URL, whether one crawl has walked into a trap."""

    max_per_pattern: int
    today: date
    _patterns: dict[str, _Pattern] = field(default_factory=dict)
    _keysets: dict[str, set[str]] = field(default_factory=dict)
    backstops: list[str] = field(default_factory=list)  # patterns that hit max_per_pattern

    def verdict(self, url: str, *, listed: bool) -> str | None:
        """Why `url` (canonical) is a trap ('trap:calendar', …), or None to fetch it."""
        if listed:
            return None
        if out_of_range(url, self.today):
            return "trap:calendar"
        parts = urlsplit(url)
        if parts.query:
            path = pattern_of(f"{parts.scheme}://{parts.netloc}{parts.path}")
            keys = "&".join(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
            keysets = self._keysets.setdefault(path, set())
            if keys not in keysets:
                if len(keysets) >= MAX_QUERY_KEYSETS:
                    return "trap:query-permutations"
                keysets.add(keys)
        pattern = pattern_of(url)
        state = self._patterns.setdefault(pattern, _Pattern())
        if state.barren:
            return "trap:near-duplicate"
        if state.fetched >= self.max_per_pattern:
            if pattern not in self.backstops:
                self.backstops.append(pattern)
            return "trap:max-per-pattern"
        state.fetched += 1
        return None

    def observe(self, url: str, page: frozenset[int], *, listed: bool) -> None:
        """Learn from a fetched HTML page: a run of near-copies marks its pattern barren."""
        if listed:
            return
        state = self._patterns.setdefault(pattern_of(url), _Pattern())
        # `near_copies` passes over most of the pattern's sketches with one set intersection.
        if any(near_copies(page, seen) for seen in state.sketches):
            state.duplicates_in_a_row += 1
            state.barren = state.duplicates_in_a_row >= NEAR_DUPLICATE_RUN
            return
        state.duplicates_in_a_row = 0
        state.sketches.append(page)
        if len(state.sketches) > _SKETCHES_PER_PATTERN:
            state.sketches.pop(0)
