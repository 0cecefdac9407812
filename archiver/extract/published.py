"""Where a page's dates are read: the pack's date sources (metadata, selectors, JSON-LD,
the content header, a labelled or lone date), tried in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from archiver.errors import ExtractError
from archiver.extract.dates import OTHER_EVENT, ParsedDate, parse_date, text_dates
from archiver.extract.prefilter import Source
from archiver.extract.profile import DateSource
from archiver.extract.text import collapse


def select_one(soup: Tag, selector: str, source: Source) -> Tag | None:
    try:
        return soup.select_one(selector) if source.may_match(selector) else None
    except SelectorSyntaxError as exc:
        raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc


_LABEL_CHARS = 40  # text before a date element read for what it labels


def _label_before(element: Tag) -> str:
    """The visible text just before ``element`` in its own block ("Date of birth :")."""
    parts: list[str] = []
    size = 0
    for sibling in element.previous_siblings:
        text = sibling.get_text(" ") if isinstance(sibling, Tag) else str(sibling)
        parts.insert(0, text)
        size += len(text)
        if size >= _LABEL_CHARS:
            break
    return collapse(" ".join(parts))[-_LABEL_CHARS:]


_DATED_CANDIDATES = 5  # elements a date selector may skip over as labelled otherwise


def _select_dated(soup: Tag, selector: str, source: Source) -> Tag | None:
    """The first element ``selector`` matches whose label does not make its date another
    event's (a ``<time>`` after "Date of birth:" on a profile page is no publication date)."""
    if not source.may_match(selector):
        return None
    try:
        # Lazily: most pages' first match is the date, and the walk stops there.
        for element in soup.css.iselect(selector, limit=_DATED_CANDIDATES):
            if not OTHER_EVENT.search(_label_before(element)):
                return element
    except SelectorSyntaxError as exc:
        raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
    return None


def first_date(
    soup: BeautifulSoup,
    jsonld: list[dict[str, Any]],
    sources: tuple[DateSource, ...],
    tz: ZoneInfo,
    page: Source,
    near_h1: ParsedDate | None = None,
    labelled: Callable[[], ParsedDate | None] | None = None,
    alone: Callable[[], ParsedDate | None] | None = None,
) -> tuple[ParsedDate, DateSource] | None:
    for source in sources:
        texts: list[str] = []
        element: Tag | None = None
        if source.near_h1 or source.labelled or source.alone:
            if source.near_h1:
                found = near_h1
            else:
                read = labelled if source.labelled else alone
                found = read() if read is not None else None
            if found is not None:
                return found, source
            continue
        if source.jsonld is not None:
            texts = [o[source.jsonld] for o in jsonld if isinstance(o.get(source.jsonld), str)]
        elif source.selector is not None:
            element = _select_dated(soup, source.selector, page)
            if element is not None:
                value = (
                    element.get(source.attribute)
                    if source.attribute is not None
                    else element.get_text(" ")
                )
                if isinstance(value, str):
                    texts = [collapse(value)]
        for text in texts:
            parsed = parse_date(text, source.formats, tz)
            if parsed is not None and element is not None and source.attribute is not None:
                parsed = _as_shown(element, parsed)
            if parsed is not None:
                return parsed, source
    return None


def labels_date(labelled: Callable[[], ParsedDate | None], published: ParsedDate) -> bool:
    """Whether the page labels ``published`` (found in metadata) as its publication date."""
    found = labelled()
    return found is not None and found.day == published.day


def _as_shown(element: Tag, parsed: ParsedDate) -> ParsedDate:
    """The date an element shows when its attribute says another day (a placeholder
    ``<time datetime="2018-07-01T20:00:00">13/11/2025</time>``): readers see the text."""
    shown = next((d for d in text_dates(collapse(element.get_text(" "))) if not d.excluded), None)
    if shown is None or shown.day == parsed.day:
        return parsed
    return ParsedDate(shown.day, None, shown.raw)


def date_entry(found: tuple[ParsedDate, DateSource] | None) -> Any:
    if found is None:
        return None
    parsed, source = found
    return {
        "value": parsed.day.isoformat(),
        "datetime": parsed.moment.isoformat() if parsed.moment else None,
        "raw": parsed.raw,
        "source": source.label,
    }
