"""Titles from every source a page offers, and which of them disagree."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from archiver.extract.text import normalise_title

# Order matters: it is the tie-break when choosing the reference title.
TITLE_SOURCES = (
    "title",
    "h1",
    "og_title",
    "twitter_title",
    "dc_title",
    "jsonld_headline",
    "jsonld_name",
)
# What a pack compares unless it says otherwise (``titles.compare``): every displayed title.
# Dublin Core's dc.title is catalogue metadata (THOMAS names the bill in it, the page in
# <title> and <h1>); a pack whose site shows it as the title opts in.
DEFAULT_COMPARED = tuple(s for s in TITLE_SOURCES if s != "dc_title")


def strip_suffix(title: str, suffixes: tuple[str, ...], site_name: str | None) -> str:
    """Remove the first matching site suffix, case-insensitively, whitespace-tolerant."""
    for template in suffixes:
        if "{og:site_name}" in template:
            if not site_name:
                continue
            template = template.replace("{og:site_name}", site_name)
        suffix = normalise_title(template)
        if not suffix:
            continue
        # The template's leading space is significant ("Title - Site"), but
        # normalisation strips it, so require whitespace or start before it; a
        # template starting with punctuation (": Site") follows the title directly.
        words = [re.escape(w) for w in suffix.split(" ")]
        before = r"(?:^|\s)" if template[:1].isspace() else r"\s*"
        pattern = re.compile(before + r"\s*".join(words) + r"\s*$", re.IGNORECASE)
        stripped = pattern.sub("", title).strip()
        if stripped != title and stripped:
            return stripped
    return title


# Separators between a page's title and its site's name or section path:
# " | ", " - ", " – ", " — ", " :: ", " · ", " / ", " › ".
_WORD = re.compile(r"\w+")
# A lone lower-case "l" stands for a bar on some sites ("… Tues. l KBS WORLD").
_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|›|/|>|l)\s+")
# A bar needs no spaces around it ("NEWS WEB EASY|Title"): titles do not use it in words.
_BAR = re.compile(r"\s*[|｜]\s*")


def infer_affixes(
    raw: dict[str, str | None],
    suffixes: tuple[str, ...],
    site_name: str | None,
    compared: tuple[str, ...] = DEFAULT_COMPARED,
) -> tuple[str | None, tuple[str, ...]]:
    """The site prefix and suffix a page's own titles show, beyond the configured suffixes.

    A title such as "X | News | European Parliament" whose text up to a
    separator is exactly another of the page's titles ("X", typically the
    ``<h1>``) carries a site suffix from that separator on; one such as
    "Bundesrat - Textarchiv - X" a site prefix up to the separator before
    "X". The longest prefix found wins, so every segment of it goes; each
    title keeps its own longest suffix (the <title> may end " | Section |
    Site | date" where og:title ends " | Site | date"), and the suffixes
    are returned longest first. A title with no such partner is left as it
    is, so a real difference between titles is still reported. Only the ``compared``
    sources take part: a title that is not compared does not shape the others.
    """
    values = {
        k: strip_suffix(normalise_title(v), suffixes, site_name)
        for k, v in raw.items()
        if v and k in compared
    }
    plain = {_compared(v) for v in values.values() if v}
    found: set[str] = set()
    prefix: str | None = None
    for key in ("title", "og_title", "twitter_title", "dc_title"):
        value = values.get(key)
        if not value:
            continue
        suffix: str | None = None
        for match in (*_SEPARATOR.finditer(value), *_BAR.finditer(value)):
            head = value[: match.start()].strip()
            tail = value[match.end() :].strip()
            if head and _compared(head) in plain:
                candidate = value[match.start() :]
                if suffix is None or len(candidate) > len(suffix):
                    suffix = candidate
            if tail and _compared(tail) in plain:
                candidate = value[: match.end()]
                if prefix is None or len(candidate) > len(prefix):
                    prefix = candidate
        if suffix is not None:
            found.add(suffix)
    return prefix, tuple(sorted(found, key=len, reverse=True))


def strip_prefix(title: str, prefix: str | None) -> str:
    """``title`` without ``prefix`` (compared with whitespace collapsed, case-insensitively)."""
    if not prefix:
        return title
    words = [re.escape(w) for w in normalise_title(prefix).split(" ")]
    stripped = re.sub(r"^\s*" + r"\s*".join(words) + r"\s*", "", title, flags=re.IGNORECASE)
    return stripped.strip() or title


def title_entry(
    raw: str | None,
    suffixes: tuple[str, ...],
    site: str | None,
    prefix: str | None = None,
    inferred: tuple[str, ...] = (),
) -> Any:
    """``{"raw", "normalized"}`` for one source, or ``None`` when the source is absent.

    The configured ``suffixes`` go first, then the ``inferred`` ones, which were learnt
    from titles already without them: " | Alþingi" (og:site_name) leaves "X | Æviágrip
    þingmanna frá 1845", whose " | Æviágrip þingmanna frá 1845" the <h1> "X" showed.
    """
    if raw is None:
        return None
    normalized = strip_suffix(strip_suffix(normalise_title(raw), suffixes, site), inferred, site)
    return {"raw": raw, "normalized": strip_prefix(normalized, prefix)}


def _words(title: str) -> str:
    return " ".join(_WORD.findall(title))


# A leading article ("The Scottish Government" in the heading, "Scottish Government" in
# the <title>) names the same thing to a reader.
_LEADING_ARTICLE = re.compile(r"(?i)^(?:the|a|an|der|die|das|le|la|les|l|el|los|las|il|lo|het) ")


def _compared(title: str) -> str:
    """What titles are compared by: their words, without a leading article, in any case.

    Case is a matter of style, not of which title the page shows: a heading set in
    capitals ("TRANSFORMATIONSLABOR ERNÄHRUNG") or in title case ("Who Won the Debate?")
    is the same title as the sentence-case one beside it.
    """
    words = _words(title)
    return (_LEADING_ARTICLE.sub("", words, count=1) or words).casefold()


def mismatches(
    entries: dict[str, Any], compared: tuple[str, ...] = DEFAULT_COMPARED
) -> list[dict[str, str]]:
    """Pairs ``(reference, source)`` whose normalised titles differ, among the ``compared``
    sources (the pack's ``titles.compare``).

    Sources are grouped by normalised value; the largest group (ties broken by
    :data:`TITLE_SOURCES` order) is the reference, and each source outside it
    makes one pair, so one odd title is one finding, not one per other title.
    Empty titles take part like any other value.
    """
    present = [
        (name, entries[name]["normalized"])
        for name in TITLE_SOURCES
        if name in compared and entries[name]
    ]
    if len(present) < 2:
        return []
    # Titles are compared by their words: "Home | Mika AALTOLA" and "Home Mika AALTOLA"
    # (a separator, a colon for a dash, other quotes) read the same to a reader.
    groups: dict[str, list[str]] = {}
    for name, value in present:
        groups.setdefault(_compared(value), []).append(name)
    reference_key = max(groups, key=lambda v: len(groups[v]))
    reference = groups[reference_key][0]
    reference_value = entries[reference]["normalized"]
    return [
        {
            "reference": reference,
            "source": name,
            "reference_value": reference_value,
            "value": value,
            "reference_raw": entries[reference]["raw"],
            "raw": entries[name]["raw"],
        }
        for name, value in present
        if _compared(value) != reference_key and not _truncates(value, reference_key)
    ]


# A kicker before the headline in a title ("Corona-Lockerungen: Autohäuser …"): up to a colon.
# The colon follows the kicker directly: " : " parts a title from its site instead
# ("Muffin Grundrezept : Muffin Rezepte" is no kicker before the site's name).
_KICKER_END = re.compile(r"(?<=\S):\s+")
# A colon with space on both sides also parts a title from its site ("X : Landwirtschaftskammer").
_SPACED_COLON = re.compile(r"\s+:\s+")
_CORE_MIN_WORDS = 2  # a title agreeing with others by its core has at least this many words
# What is left of a separator between a kicker and the headline (": " in its own element).
_LEADING_SEPARATOR = re.compile(r"^[\s:|–—·•»›/-]+")


# The titles that may carry a site's affixes or a kicker prefix: all but the <h1>, which
# is cut nowhere (a byline inside a broken <h1> after " - " is no site suffix).
_AFFIXED = frozenset(TITLE_SOURCES) - {"h1"}


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "å": "aa", "æ": "ae", "ø": "oe"})
_SITE_WORD_MIN = 4  # shorter words ("im", "der", "of") say nothing about whose site it is


def _folded(text: str) -> str:
    """``text`` in lower case, spelt as a host name spells it ("Grüne" -> "gruene")."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(c for c in folded if not unicodedata.combining(c))


def site_words(url: str | None, site_name: str | None) -> str:
    """What names the site: its host name and og:site_name, folded (see :func:`_folded`)."""
    host = urlsplit(url).hostname or "" if url else ""
    return _folded(f"{host} {site_name or ''}")


def _names_site(tail: str, site: str) -> bool:
    """Whether every longer word of ``tail`` is in the site's host name or og:site_name
    ("Grüne im Bundestag" on gruene-bundestag.de): a site, not a subtitle ("Was jetzt kommt")."""
    words = [w for w in (_folded(w) for w in _WORD.findall(tail)) if len(w) >= _SITE_WORD_MIN]
    return bool(words) and all(w in site for w in words)


def _cuts(value: str, site: str = "") -> Iterable[str]:
    """``value``, without a kicker prefix ending in ": ", without a suffix from a separator
    on (" | Site", " - Kicker", " : Site", and ": Site" where the words after the colon
    name the ``site``, see :func:`site_words`), and without both."""
    for tail in (value, *(value[m.end() :] for m in _KICKER_END.finditer(value))):
        yield tail
        for match in (
            *_SEPARATOR.finditer(tail),
            *_BAR.finditer(tail),
            *_SPACED_COLON.finditer(tail),
        ):
            if match.start() > 0:
                yield tail[: match.start()]
    if site:
        for match in _KICKER_END.finditer(value):
            if _names_site(value[match.end() :], site):
                yield value[: match.start()]


def agree_on_core(
    entries: dict[str, Any],
    compared: tuple[str, ...],
    kicker: str | None = None,
    affixes: bool = True,
    site: str = "",
) -> dict[str, Any]:
    """``entries`` with titles that say the same headline made equal, when that makes more
    of them agree than already do; otherwise ``entries`` unchanged.

    German news titles read "Kicker: Headline | Site" while the ``<h1>`` holds the kicker
    and the headline in elements of their own ("Nach Corona-Lockerungen" · "Autohäuser …"),
    or og:title turns them round ("Headline - Kicker"). A title agrees with a core (one of
    the titles, or the ``<h1>`` with its ``kicker`` element set aside) when it reads as the
    core or, for a title other than the ``<h1>`` (which is never cut), as the core plus a
    kicker prefix ending in ": " ("Pressemitteilung: X") and/or a suffix after a separator
    (" | Site", " - Kicker", " : Site"; ": Site" when ``site``, :func:`site_words`, names
    it). A core has at least two words, and the most
    titles agreeing on one wins (ties: the ``<h1>``'s rest, then :data:`TITLE_SOURCES`
    order); a title that agrees with none is still reported.
    Failing that, the ``<h1>`` that agrees with no other title reads without its kicker
    when another title is exactly the rest ("Holocaust-Gedenktag" above "We Remember").
    Without ``affixes`` (a pack that infers no affixes from the page, ``titles.infer_suffix``
    false) titles agree only when they read the same.
    """
    present = {k: entries[k]["normalized"] for k in TITLE_SOURCES if k in compared and entries[k]}
    if len(present) < 2 or not mismatches(entries, compared):
        return entries
    groups = Counter(_compared(v) for v in present.values())
    agreeing_now = max(groups.values())
    cores: list[tuple[str, str]] = []
    if kicker and "h1" in present:
        rest = _LEADING_SEPARATOR.sub("", strip_prefix(present["h1"], kicker))
        if rest != present["h1"]:
            cores.append(("h1", rest))
    cores += list(present.items())
    best: dict[str, str] = {}
    for owner, core in cores:
        key = _compared(core)
        if len(key.split(" ")) < _CORE_MIN_WORDS:
            continue
        agreeing = {owner: core}
        for name, value in present.items():
            if name != owner:
                cuts = _cuts(value, site) if affixes and name in _AFFIXED else (value,)
                cut = next((c for c in cuts if _compared(c) == key), None)
                if cut is not None:
                    agreeing[name] = cut
        if len(agreeing) > max(agreeing_now, len(best)):
            best = agreeing
    if not best and cores[0][0] == "h1" and len(cores) > len(present):
        # The <h1> alone differs, and reads as another title without its kicker element.
        others = {_compared(v) for k, v in present.items() if k != "h1"}
        if _compared(present["h1"]) not in others and _compared(cores[0][1]) in others:
            best = {"h1": cores[0][1]}
    if not best:
        return entries
    return {
        **entries,
        **{k: {**entries[k], "normalized": cut.strip()} for k, cut in best.items()},
    }


_TRUNCATED_MIN = 10  # characters a cut-short title keeps to be recognised as one
_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…)$")


def _truncates(value: str, reference_key: str) -> bool:
    """Whether ``value`` is the reference cut short with an ellipsis (a length-limited
    field such as twitter:title: "La perte des terres fertiles et les éléphants en...")."""
    if not _ELLIPSIS.search(value):
        return False
    head = _compared(_ELLIPSIS.sub("", value))
    return len(head) >= _TRUNCATED_MIN and reference_key.startswith(head)


_MIN_PAGES = 3  # titles a run needs before a shared ending says anything about the site


def learn_site_suffixes(titles: Iterable[str | None]) -> tuple[str, ...]:
    """The site suffixes a run's ``<title>``s show: each trailing " | X" / " - X" segment
    that more than half of them end with, longest first.

    "A | News | European Parliament", "B | News | European Parliament" and "C | MEPs |
    European Parliament" give " | News | European Parliament" (two of three) and
    " | European Parliament" (three of three). A segment is counted once per title, and
    never when it is the whole title, so a site whose pages are titled alike learns
    nothing from it. Fewer than three titles teach nothing.
    """
    counts: Counter[str] = Counter()
    seen = 0
    for raw in titles:
        title = normalise_title(raw) if raw else ""
        if not title:
            continue
        seen += 1
        ends = {title[m.start() :] for m in _SEPARATOR.finditer(title) if m.start() > 0}
        counts.update(e for e in ends if "{" not in e)
    if seen < _MIN_PAGES:
        return ()
    shared = [suffix for suffix, n in counts.items() if 2 * n > seen]
    return tuple(sorted(shared, key=len, reverse=True))


def _strip_learned(entry: dict[str, Any], suffixes: tuple[str, ...]) -> str:
    """An entry's normalised title without the first learned suffix it ends with.

    A suffix of several segments may be half gone already: the pack's " | {og:site_name}"
    took " | Alþingi" off "X | Æviágrip þingmanna frá 1845 | Alþingi". When the raw title
    ends with the whole learned suffix, its leading segments (" | Æviágrip þingmanna frá
    1845") are stripped from what is left.
    """
    normalized: str = entry["normalized"]
    stripped = strip_suffix(normalized, suffixes, None)
    if stripped != normalized:
        return stripped
    raw = normalise_title(entry["raw"])
    for suffix in suffixes:
        if strip_suffix(raw, (suffix,), None) == raw:
            continue
        cuts = [m.start() for m in _SEPARATOR.finditer(suffix) if m.start() > 0]
        for cut in reversed(cuts):
            stripped = strip_suffix(normalized, (suffix[:cut],), None)
            if stripped != normalized:
                return stripped
    return normalized


def with_site_suffixes(
    model: dict[str, Any], suffixes: tuple[str, ...], compared: tuple[str, ...] = DEFAULT_COMPARED
) -> dict[str, Any]:
    """``model`` with the run's learned ``suffixes`` removed from its titles, and its
    ``compared`` titles compared again; the model itself is not changed.

    A learned suffix only ever takes findings away: when stripping it leaves more titles
    differing than before (a site's " - All Information - THOMAS (Library of Congress)"
    where the ``<h1>`` ends "All Information" too), the model is kept as it was.
    """
    titles = model.get("titles")
    if not suffixes or not isinstance(titles, dict):
        return model
    entries = dict(titles)
    changed = False
    for key in TITLE_SOURCES:
        entry = entries.get(key)
        if not entry:
            continue
        stripped = _strip_learned(entry, suffixes)
        if stripped != entry["normalized"]:
            entries[key] = {**entry, "normalized": stripped}
            changed = True
    if not changed:
        return model
    entries["mismatches"] = mismatches(entries, compared)
    if len(entries["mismatches"]) > len(mismatches(titles, compared)):
        return model
    return {**model, "titles": entries}
