"""The content header: which ``<h1>`` is the page's heading, and the date written beside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date

from bs4 import Tag
from bs4.element import CData, NavigableString

from archiver.extract.dates import (
    NOT_PUBLISHED,
    OTHER_EVENT,
    PUBLISHED_LABEL,
    TextDate,
    month_day,
    text_dates,
    year_in_source,
)
from archiver.extract.text import NOT_TEXT, collapse, hidden_reason
from archiver.markup import HEADINGS

# Headings that only screen readers get: the visible title is elsewhere.
# Headings of skip links ("Hauptnavigation", "Springe direkt zu") are for them too.
_SCREEN_READER_ONLY = re.compile(
    # A state or utility prefix names the same thing: "is-aural" (auswaertiges-amt.de),
    # "u-visually-hidden", "a11y-hidden".
    r"(?i)^(?:is-|u-|a11y-)?(?:visually-?hidden|sr-only|screen-?reader(?:-text)?|"
    r"element-invisible|offscreen|hidden|aural|invisible|nav-?skip|skip-?links?|skip|"
    # German ("invisible"): bayern.de's headings for its menus and banner.
    r"unsichtbar)$"
)
# The site's logo set as an <h1> on every page ("h1.logo" holding "KBS WORLD" and its
# images): branding, not the page's heading.
_LOGO = re.compile(r"(?i)(?:^|[-_])logo(?:$|[-_])")
_BREADCRUMB = re.compile(r"(?i)breadcrumb")
_SKIPPED_TEXT_PARENTS = frozenset({"script", "style", "noscript", "template", "title", "head"})
# How much visible text around the heading is its header: a kicker or dateline before it,
# a byline after it. Far enough for "From: … First published: …", short of the body text.
_BEFORE_CHARS = 120
_AFTER_CHARS = 320
# Besides the labels of dates.PUBLISHED_LABEL, header datelines use these.
_DATELINE_WORD = re.compile(r"(?i)(?:date|dated|vom|datum|dato)\W{0,3}$")
# A news dateline: place, date, dash, text ("Bern, 17.08.2007 - Rede von …").
_DATELINE_PLACE = re.compile(r"(?:^|[\s(])[A-ZÄÖÜ][\w.-]+(?: [A-ZÄÖÜ][\w.-]+)?,\s*$")
_DATELINE_DASH = re.compile(r"\s*[-–—]\s")


def _classes_and_id(tag: Tag) -> Iterable[str]:
    classes = tag.get("class")
    if isinstance(classes, list):
        yield from classes
    ident = tag.get("id")
    if isinstance(ident, str):
        yield ident


def usable_h1(h1: Tag, root: Tag | None = None) -> bool:
    """Whether a reader sees ``h1`` as a page heading (not hidden, not a breadcrumb's label)."""
    if hidden_reason(h1) is not None:
        return False
    if any(_SCREEN_READER_ONLY.match(c) or _LOGO.search(c) for c in _classes_and_id(h1)):
        return False
    node = h1.parent
    while node is not None and node is not root and node.name != "[document]":
        if node.name == "nav" or any(_BREADCRUMB.search(c) for c in _classes_and_id(node)):
            return False
        node = node.parent
    return True


def _heads(title: str, text: str) -> bool:
    """Whether ``text`` is the whole of ``title`` or its start up to a separator."""
    if not title.startswith(text):
        return False
    rest = title[len(text) :]
    return not rest or _SUFFIX_START.match(rest) is not None


def title_h1(soup: Tag, titles: Iterable[str | None]) -> Tag | None:
    """On a page with no ``<h1>`` in its content area, a visible ``<h1>`` elsewhere that
    repeats the page's title: hessenschau.de's only heading is its breadcrumb's last item;
    spiegel.de, faz.net, t3n.de show their headline's ``<h1>`` in a banner-like header or a
    list outside the content selector's element. The page has that heading after all
    (on adbar's fixtures, 56 false missing-h1 findings went)."""
    wanted = [collapse(t) for t in titles if t]
    for h1 in soup.find_all("h1"):
        if hidden_reason(h1) is not None or any(
            _SCREEN_READER_ONLY.match(c) or _LOGO.search(c) for c in _classes_and_id(h1)
        ):
            continue
        text = collapse(h1.get_text())
        if len(text) < _HEADLINE_MIN:
            continue
        if any(_heads(title, text) for title in wanted):
            return h1
    return None


def content_h1(root: Tag, excluded: Callable[[Tag], bool]) -> Tag | None:
    """The first ``<h1>`` in ``root`` that a reader sees as the content's heading."""
    fallback: Tag | None = None
    for h1 in root.find_all("h1"):
        if excluded(h1) or not usable_h1(h1, root):
            continue
        if h1.get_text(strip=True):
            return h1
        fallback = fallback or h1
    return fallback


_SUFFIX_START = re.compile(r"\s*[-|–—:｜·•»›/]")
_PREFIX_END = re.compile(r"\S\s*[-|–—:｜·•»›/]\s*$")
_SUBHEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_HEADLINE_MIN = 8  # characters: a shorter text matching the title's start is no headline


def title_headline(body: Tag, title: str | None) -> Tag | None:
    """On a page without an ``<h1>``, the visible element whose whole text is the
    ``<title>``, or its start up to a separator ("武汉的声音：…！" in a ``div.h-title``
    for the title "武汉的声音：…！-新华网"), or a heading whose text is the title's end after
    a separator ("BMAS - X" over an ``<h2>`` X): the headline the page shows instead.

    Only read for pages without a usable ``<h1>``, which are few.
    """
    wanted = collapse(title or "")
    if len(wanted) < _HEADLINE_MIN:
        return None
    for string in body.find_all(string=True):
        if isinstance(string, NOT_TEXT):
            continue
        text = collapse(str(string))
        if len(text) < _HEADLINE_MIN:
            continue
        parent = string.parent
        if parent is None:
            continue
        if wanted.startswith(text):
            if not _heads(wanted, text):
                continue
        elif not (
            # A heading showing the title after the site's prefix ("BMAS - Änderung der
            # Anforderungen …" over bmas.de's <h2>): a heading element, not any text.
            parent.name in _SUBHEADINGS
            and wanted.endswith(text)
            and _PREFIX_END.search(wanted[: -len(text)])
        ):
            continue
        if parent.name in _SKIPPED_TEXT_PARENTS or parent.name == "a":
            continue
        if collapse(parent.get_text()) == text and hidden_reason(parent) is None:
            return parent
    return None


def _unseen(tag: Tag) -> bool:
    """Whether ``tag`` itself hides its text from sighted readers: a screen-reader-only
    class ("aural", "sr-only", "visually-hidden", …), ``hidden``, an inline
    ``display:none``, or an element whose text is never shown (``<style>`` in the heading).

    ``aria-hidden`` is no such thing: it hides from screen readers what sighted readers
    see (a dash between kicker and headline, "Zoonosen<span aria-hidden> – </span>Wie …").
    """
    if tag.name in _SKIPPED_TEXT_PARENTS or tag.has_attr("hidden"):
        return True
    if isinstance(tag.get("style"), str) and hidden_reason(tag) is not None:
        return True
    classes = tag.get("class")
    return isinstance(classes, list) and any(_SCREEN_READER_ONLY.match(c) for c in classes)


def _text(nodes: Iterable[object], skipped: set[int]) -> str:
    """The text of ``nodes`` (document order) outside the subtrees in ``skipped`` (ids);
    a ``<br>`` or a subtree set aside reads as a space."""
    parts: list[str] = []
    skip_until: object = None
    for node in nodes:
        if skip_until is not None:
            if node is skip_until:
                skip_until = None
            else:
                continue
        if isinstance(node, Tag):
            if id(node) in skipped:
                # What is set aside still parts the words around it ("Kicker<span
                # class=sr-only>: </span><span>Headline" reads "Kicker Headline").
                parts.append(" ")
                skip_until = _after(node)
                if skip_until is None:
                    break
            elif node.name == "br":
                parts.append(" ")
        elif type(node) in _PLAIN_STRINGS:
            parts.append(str(node))
    return "".join(parts)


def _after(tag: Tag) -> object:
    """The first node after ``tag``'s subtree in document order (None at the end)."""
    node: Tag | None = tag
    while node is not None:
        if node.next_sibling is not None:
            return node.next_sibling
        node = node.parent
    return None


def _set_aside(h1: Tag) -> set[int]:
    """The parts of ``h1`` that are not its title (ids): what sighted readers do not see,
    and a ``<time>`` with the topline or dateline element around it ("Datum: 26.01.2022 ·
    Pressemitteilung: 6/2022" in a ``<small>`` after the headline).

    Each is set aside only when heading text remains; the element around a ``<time>``
    only when the text remaining is longer than its own (else the ``<time>`` alone goes).
    """
    skipped: set[int] = set()
    for tag in h1.find_all(True):
        if id(tag) not in skipped and _unseen(tag):
            trial = skipped | {id(tag)}
            if _text(h1.descendants, trial).strip():
                skipped = trial
    for time in h1.find_all("time"):
        outer = time
        while outer.parent is not None and outer.parent is not h1:
            outer = outer.parent
        if outer.parent is None:
            continue
        rest = _text(h1.descendants, skipped | {id(outer)}).strip()
        own = _text(outer.descendants, skipped | {id(time)}).strip()
        if outer is not time and rest and len(collapse(rest)) > len(collapse(own)):
            skipped.add(id(outer))
        elif _text(h1.descendants, skipped | {id(time)}).strip():
            skipped.add(id(time))
    return skipped


_PLAIN_STRINGS = (NavigableString, CData)


def heading_text(h1: Tag) -> str:
    """The heading as its title reads: without what only screen readers get (a visually
    hidden ": " or "Datum:"), and without a ``<time>`` kicker or dateline inside it, or the
    topline element holding that ``<time>``.

    A ``<br>`` reads as a space ("S.54<br>All Information" is two words).
    """
    if h1.find(_marked) is None:
        return h1.get_text()
    return _text(h1.descendants, _set_aside(h1))


def _marked(tag: Tag) -> bool:
    """Whether ``tag`` is something :func:`heading_text` may read differently from its text."""
    return tag.name in ("time", "br") or _unseen(tag)


_KICKER_TAGS = frozenset({"span", "em", "small", "strong", "b", "i"})


def heading_kicker(h1: Tag) -> str | None:
    """The text of an inline element that opens the heading before more text (a kicker),
    as :func:`heading_text` reads it (a ``<style>`` before it or hidden text in it aside)."""
    skipped = _set_aside(h1) if h1.find(_marked) is not None else set()
    children = [c for c in h1.children if _shown(c, skipped)]
    first = children[0] if children else None
    if not isinstance(first, Tag) or first.name not in _KICKER_TAGS:
        return None
    text = _text(first.descendants, skipped).strip()
    rest = "".join(
        _text(c.descendants, skipped) if isinstance(c, Tag) else str(c) for c in children[1:]
    )
    return collapse(text) if text and rest.strip() else None


def _shown(node: object, skipped: set[int]) -> bool:
    """Whether a child of the heading shows anything: text, or an element not set aside."""
    if isinstance(node, Tag):
        return id(node) not in skipped and not _unseen(node)
    return type(node) in _PLAIN_STRINGS and bool(str(node).strip())


# After the heading, the header ends where a new section or a list of linked items starts:
# a date there belongs to the first item of a listing, not to the page. A list item
# without a link ("Datum: 26. Januar 2022") is metadata and stays in the header.
_HEADER_ENDS = frozenset({"article", "h2", "h3", "h4", "h5", "h6", "table"})
_LINKED_ITEMS = frozenset({"li"})


def _visible_strings(
    elements: Iterable[object], limit: int, stop: frozenset[str] = frozenset()
) -> list[str]:
    out: list[str] = []
    size = 0
    for node in elements:
        if size >= limit or (isinstance(node, Tag) and node.name in stop):
            break
        if stop and isinstance(node, Tag) and node.name in _LINKED_ITEMS and node.find("a"):
            break
        if not isinstance(node, NavigableString) or isinstance(node, NOT_TEXT):
            continue
        parent = node.parent
        if parent is None or parent.name in _SKIPPED_TEXT_PARENTS:
            continue
        text = str(node).strip()
        if text:
            out.append(text)
            size += len(text)
    return out


_SUBLINE_CHARS = 120  # a subline is a line; a longer sub-heading is the text's own


def _subline(heading: Tag) -> Tag | None:
    """The lower-ranked heading right after ``heading`` (its next element, nothing but
    white space between), when short: the heading's subline."""
    if heading.name not in HEADINGS:
        return None
    following = heading.find_next_sibling()
    if following is None or following.name not in HEADINGS or following.name <= heading.name:
        return None
    between = heading.next_sibling
    while between is not None and between is not following:
        if not isinstance(between, NavigableString) or str(between).strip():
            return None
        between = between.next_sibling
    text = collapse(following.get_text())
    return following if text and len(text) <= _SUBLINE_CHARS else None


_ALONE_CHARS = 40  # a date standing alone: "21 novembre 2014", "Mittwoch, 26. Januar 2022"
_ALONE_CONTEXT = 60  # characters of text before it read for an update or event word
_HAS_YEAR = re.compile(r"(?:19|20)\d\d")  # every full date text_dates reads has one


def lone_date(root: Tag, excluded: Callable[[Tag], bool]) -> TextDate | None:
    """The one date standing alone in ``root``: an element whose whole visible text is a
    full date ("<div class=dateamend>21 novembre 2014</div>" above a parliamentary
    amendment), not after an update or event word ("Stand:", "Frist:"); None when there
    are two such elements (a list of dated teasers or comments) or none. Read only for
    pages that show no headline, where nothing else says which date is the document's."""
    found: TextDate | None = None
    before = ""
    for string in root.find_all(string=True):
        if isinstance(string, NOT_TEXT):
            continue
        parent = string.parent
        if parent is None or parent.name in _SKIPPED_TEXT_PARENTS:
            continue
        text = collapse(str(string))
        if not text:
            continue
        if len(text) <= _ALONE_CHARS and _HAS_YEAR.search(text) and not excluded(parent):
            dates = text_dates(text)
            if (
                len(dates) == 1
                and not dates[0].excluded
                and len(dates[0].raw) >= len(text) - 2
                and collapse(parent.get_text(" ")) == text
                and hidden_reason(parent) is None
                and not NOT_PUBLISHED.search(before)
                and not OTHER_EVENT.search(before)
            ):
                if found is not None:
                    return None  # a list of dated items (teasers, comments), whatever their dates
                found = dates[0]
        before = (before + " " + text)[-_ALONE_CONTEXT:]
    return found


def header_date(h1: Tag, source: str = "") -> TextDate | None:
    """The date written in the heading's header (a publication date, or failing that an
    update date, marked ``updated``), or None when there is none or it is ambiguous.

    The header is the visible text just before the heading (a dateline or kicker), the
    heading itself and the text after it (a byline). Dates after an update word or in a
    range do not count; of several different dates, only one introduced by a publishing
    word ("Published", "vom", "Dato", …) is taken, so a listing of dated items, or a
    body text full of dates, gives none. A month and day written without a year (a
    Japanese "[06月24日 11時30分]") take the one year the page's ``source`` writes with them
    in digits elsewhere (an id, a link), if it does.
    """
    before: list[str] = []
    # Before the heading, only its own block counts (a kicker or dateline beside it), not
    # whatever sidebar or menu precedes it in the document.
    for node in (h1, h1.parent):
        if node is None or before:
            break
        for sibling in node.previous_siblings:
            if sum(map(len, before)) >= _BEFORE_CHARS:
                break
            strings = sibling.descendants if isinstance(sibling, Tag) else [sibling]
            before[:0] = _visible_strings(strings, _BEFORE_CHARS)
    own = _visible_strings(h1.descendants, 1000)
    after = _visible_strings(h1.next_elements, _AFTER_CHARS + sum(map(len, own)), _HEADER_ENDS)
    subline = _subline(h1)
    if subline is not None:
        # A sub-heading right after the heading is its subline ("<h3>Headline</h3><h4>
        # 16.10.2019 betrifft: … ∙ SWR Fernsehen</h4>"), not the next section's heading.
        after += _visible_strings(subline.descendants, _SUBLINE_CHARS)
    header = before + after
    text = " ".join(header)
    dates = text_dates(text)
    candidates = [d for d in dates if not d.excluded]
    if candidates and len({d.day for d in candidates}) == 1:
        return candidates[0]
    introduced = [
        d
        for d in candidates
        if PUBLISHED_LABEL.search(text[: d.start])
        or _DATELINE_WORD.search(text[: d.start])
        or (
            _DATELINE_PLACE.search(text[max(0, d.start - 40) : d.start])
            and _DATELINE_DASH.match(text, d.start + len(d.raw))
        )
    ]
    if introduced and len({d.day for d in introduced}) == 1:
        return introduced[0]
    # A header that opens with its last update ("Updated 16 June 2014") is still a dated
    # content header, though it does not say when the page was published.
    if dates:
        return dates[0] if dates[0].updated else None
    found = month_day(text) if source else None
    year = year_in_source(source, found[0], found[1]) if found else None
    if found is None or year is None:
        return None
    try:
        day = date(year, found[0], found[1])
    except ValueError:
        return None
    return TextDate(day, found[2], text.find(found[2]), False)
