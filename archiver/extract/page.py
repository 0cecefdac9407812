"""HTML payload → page model (a plain JSON document; see ``schemas/page.schema.json``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError, SoupSieve

from archiver.errors import ExtractError
from archiver.extract.dates import (
    BARE_LABELS,
    LABEL_WORDS,
    ParsedDate,
    age_of,
    labelled_date,
)
from archiver.extract.decode import decode_payload
from archiver.extract.header import (
    content_h1,
    header_date,
    heading_kicker,
    heading_text,
    lone_date,
    title_h1,
    title_headline,
    usable_h1,
)
from archiver.extract.images import declared_images, extract_images
from archiver.extract.notice import find_notice
from archiver.extract.prefilter import Source
from archiver.extract.profile import Profile
from archiver.extract.published import date_entry, first_date, labels_date, select_one
from archiver.extract.shown import parse_shown
from archiver.extract.text import collapse
from archiver.extract.titles import (
    TITLE_SOURCES,
    agree_on_core,
    infer_affixes,
    mismatches,
    site_words,
    title_entry,
)

EXTRACTOR_VERSION = "8"
_MAX_JSONLD_CHARS = 500_000
_ITEM_ID = re.compile(r"(?:^|\D)\d{5,}(?:\D|$)")  # "152832-logran-…", "0000001728"
_ITEM_SLUG_WORDS = 4  # "logran-evacuar-a-otros-50-civiles": an item's slug, not a section's name
_ITEM_EXTENSION = re.compile(r"(?i)\.(?:html?|php|aspx?|jsp|cfm)$")
_LARGE_CARDS = frozenset({"summary_large_image", "player"})


def _item_url(url: str, paths: frozenset[str]) -> bool:
    """Whether ``url`` is an item right under one of the news ``paths``: its last segment
    an id (five digits or more) or a slug of four words or more ("/noticia/152832-logran-
    evacuar-a-otros-50-civiles"; not "/presse/aktuell", a listing)."""
    segments = [s for s in unquote(urlsplit(url).path).lower().split("/") if s]
    if len(segments) < 2 or segments[-2] not in paths:
        return False
    item = _ITEM_EXTENSION.sub("", segments[-1])
    words = [w for w in re.split(r"[-_+.,\s]+", item) if w]
    return _ITEM_ID.search(item) is not None or len(words) >= _ITEM_SLUG_WORDS


def _item_metadata(meta: dict[str, str]) -> bool:
    """Whether the page's metadata describes one item: an ``og:title`` other than the site's
    name, shown with a picture (``og:image``) or a large Twitter card."""
    title = collapse(meta.get("og:title") or "")
    if not title or title.casefold() == collapse(meta.get("og:site_name") or "").casefold():
        return False
    card = (meta.get("twitter:card") or "").strip().lower()
    return bool((meta.get("og:image") or "").strip()) or card in _LARGE_CARDS


def _unshown_item(url: str, meta: dict[str, str], paths: frozenset[str]) -> bool:
    """Whether the page is a news item served without its content: its URL (or og:url) an
    item under a news path, its metadata an item's. Called only for pages that show no
    headline at all, whose text a script fills in (elperuano.pe): the archived page is that
    article as served, without a heading or a date."""
    if not paths or not _item_metadata(meta):
        return False
    return any(_item_url(u, paths) for u in (url, meta.get("og:url") or "") if u)


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if isinstance(key, str) and isinstance(content, str):
            found.setdefault(key.strip().lower(), content)
    return found


def _walk_jsonld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 20:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                yield from _walk_jsonld(node[key], depth + 1)


def _jsonld(soup: BeautifulSoup, source: Source) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    if not source.contains("application/ld+json"):
        return objects  # no script of that type: spare the walk over every element
    for script in soup.find_all("script", type="application/ld+json"):
        text = script.string or ""
        if len(text) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        objects.extend(_walk_jsonld(data))
    return objects


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str)}


def _content_root(
    soup: BeautifulSoup, profile: Profile, source: Source, headings: list[Tag]
) -> tuple[Tag, str | None]:
    """The content area: the first content selector's element that holds a page heading,
    else the first element a content selector matches, else the body.

    A page may have several matches (teaser ``<article>``s before the one being read),
    and the one holding the page's ``<h1>`` is the content.
    """
    for selector in profile.content_selectors:
        if not headings or not source.may_match(selector):
            continue
        try:
            compiled = soup.css.compile(selector)
        except SelectorSyntaxError as exc:
            raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
        for heading in headings:
            for ancestor in heading.parents:
                if ancestor.name != "[document]" and compiled.match(ancestor):
                    return ancestor, selector
    for selector in profile.content_selectors:
        element = select_one(soup, selector, source)
        if element is not None:
            return element, selector
    return soup.body or soup, None


_MAX_ANCESTORS = 64  # deeper than any real page; a hostile one falls back to selecting


def _exclusion(
    root: Tag, selectors: tuple[str, ...], source: Source, spared: Tag | None = None
) -> Callable[[Tag], bool]:
    """Whether an element of ``root`` lies inside an element that ``selectors`` exclude.

    Only the ancestors of the elements asked about (images, a few per page)
    are matched, instead of selecting every excluded element up front, which
    walked the whole content area once per selector. ``:scope`` means
    ``root`` only in a selection from it, so such selectors still select. An
    element nested deeper than ``_MAX_ANCESTORS`` (hostile markup) falls back to
    selecting once per selector: each match walks to the document root, so
    matching every ancestor would cost the depth squared. The ancestors of ``spared`` (the
    page's own heading) are not matched: an element holding the page's headline is the
    page, whatever its class says ("aquarium-panoramateaser": the item's own header).
    """
    compiled: list[SoupSieve] = []
    selected: set[int] = set()
    for selector in selectors:
        try:
            if not source.may_match(selector):
                continue
            if ":scope" in selector.lower():
                selected.update(id(e) for e in root.select(selector))
            else:
                compiled.append(root.css.compile(selector))
        except SelectorSyntaxError as exc:
            raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
    everything: set[int] | None = None
    page = {id(n) for n in spared.parents} if spared is not None else set()

    def excluded(tag: Tag) -> bool:
        nonlocal everything
        ancestors: list[Tag] = []
        node = tag.parent
        while node is not None and node is not root and id(node) not in page:
            ancestors.append(node)
            node = node.parent
        if everything is None and len(ancestors) > _MAX_ANCESTORS:
            everything = set(selected)
            for selector in compiled:
                everything.update(id(e) for e in selector.select(root))
        if everything is not None:
            return any(id(n) in everything for n in ancestors)
        return any(id(n) in selected or any(c.match(n) for c in compiled) for n in ancestors)

    return excluded


def extract(
    html: bytes,
    *,
    url: str,
    captured_at: datetime,
    profile: Profile,
    content_type: str | None = None,
) -> dict[str, Any]:
    """Turn an archived HTML payload into a page model.

    The model conforms to ``schemas/page.schema.json`` and depends only on the
    payload, ``url``, ``captured_at`` and ``profile``; all ages are judged at
    ``captured_at``. Broken markup, wrong or missing charsets and oversized
    payloads still give a model (with ``warnings``); an invalid selector in
    the profile raises :class:`~archiver.errors.ExtractError`.
    """
    try:
        tz = ZoneInfo(profile.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExtractError(f"unknown time zone {profile.timezone!r} in profile") from exc
    if captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)
    warnings: list[str] = []
    if len(html) > profile.max_bytes:
        warnings.append(f"payload truncated from {len(html)} to {profile.max_bytes} bytes")
        html = html[: profile.max_bytes]
    text, charset, charset_source = decode_payload(html, content_type)
    soup = parse_shown(text)
    source = Source(text)
    meta = _meta(soup)
    jsonld = _jsonld(soup, source)
    headings = [h for h in soup.find_all("h1") if usable_h1(h)] if source.contains("<h1") else []
    root, content_selector = _content_root(soup, profile, source, headings)
    excluded = _exclusion(root, profile.content_exclude, source)

    signals = [s for s in profile.article_selectors if select_one(soup, s, source) is not None]
    article_types = set(profile.article_jsonld_types)
    signals += sorted({f"json-ld:{t}" for obj in jsonld for t in _types(obj) if t in article_types})

    h1 = next(
        (e for s in profile.h1_selectors if (e := select_one(soup, s, source)) is not None),
        None,
    ) or content_h1(root, excluded)
    if h1 is None and headings and root is not soup.body:
        # The heading may stand just before the content area (a page-title band above
        # <main>): it is the content's heading unless it sits in the site's chrome.
        chrome = _exclusion(soup, profile.content_exclude, source)
        h1 = next((h for h in headings if not chrome(h) and h.get_text(strip=True)), None)
    title_tag = soup.find("title")
    if h1 is None and source.contains("<h1"):
        h1 = title_h1(soup, (meta.get("og:title"), title_tag.get_text() if title_tag else None))
    shown_title = None  # the headline a page without an <h1> shows instead
    if h1 is None and soup.body is not None and title_tag is not None:
        shown_title = title_headline(soup.body, title_tag.get_text())
    heading = h1 if isinstance(h1, Tag) else shown_title
    dateline = header_date(heading, text) if heading is not None else None
    if dateline is not None and dateline.day > captured_at.date():
        dateline = None  # a year taken from elsewhere that puts the page in the future
    near_h1 = (
        ParsedDate(dateline.day, None, dateline.raw)
        if dateline is not None and not dateline.updated
        else None
    )
    article_objects = [o for o in jsonld if _types(o) & article_types]
    headline = next((o["headline"] for o in jsonld if isinstance(o.get("headline"), str)), None)
    name = next((o["name"] for o in article_objects if isinstance(o.get("name"), str)), None)
    raw_titles: dict[str, str | None] = {
        "title": title_tag.get_text() if title_tag is not None else None,
        "h1": heading_text(h1) if isinstance(h1, Tag) else None,
        "og_title": meta.get("og:title"),
        "twitter_title": meta.get("twitter:title"),
        "dc_title": meta.get("dc.title"),
        "jsonld_headline": headline,
        "jsonld_name": name,
    }
    site_name = collapse(meta["og:site_name"]) if meta.get("og:site_name") else None
    suffixes = profile.title_suffixes
    kicker = heading_kicker(h1) if isinstance(h1, Tag) else None
    compared = profile.title_compare
    if profile.infer_suffix:
        prefix, inferred = infer_affixes(raw_titles, suffixes, site_name, compared)
    else:
        prefix, inferred = None, ()
    titles: dict[str, Any] = {
        key: title_entry(raw_titles[key], suffixes, site_name, prefix, inferred)
        for key in TITLE_SOURCES
    }
    # A kicker ("Holocaust-Gedenktag" above the title, in its own element inside the
    # <h1>; "Corona-Lockerungen: " before the <title>) is not part of the title when the
    # other titles read without it.
    titles = agree_on_core(
        titles, compared, kicker, profile.infer_suffix, site_words(url, site_name)
    )
    titles["site_name"] = site_name
    titles["inferred_prefix"] = prefix
    titles["inferred_suffix"] = inferred[0] if inferred else None
    titles["mismatches"] = mismatches(titles, compared)

    def labelled() -> ParsedDate | None:
        if not any(source.contains(w) for w in (*LABEL_WORDS, *BARE_LABELS)):
            return None  # no publishing word in the page: spare reading the content's text
        found = labelled_date(collapse(root.get_text(" ")))
        return ParsedDate(found.day, None, found.raw) if found is not None else None

    headless = h1 is None and shown_title is None  # the page shows no headline at all

    def alone() -> ParsedDate | None:
        # Only on a page that shows no headline: elsewhere the header says which date it is.
        if not headless:
            return None
        found = lone_date(root, excluded)
        if found is None or found.day > captured_at.date():
            return None
        return ParsedDate(found.day, None, found.raw)

    published = first_date(soup, jsonld, profile.published, tz, source, near_h1, labelled, alone)
    dated = (
        [s for s in profile.article_dated_selectors if select_one(soup, s, source)]
        if published is not None
        else []
    )
    # A header dated by its last update alone ("Stand: …", "Updated …") is on plenty of
    # pages that are no articles; it makes one only with a publication date beside.
    if (
        profile.article_dated_h1
        and dateline is not None
        and (not dateline.updated or (published is not None and published[1].labelled))
    ):
        signals.append("dated-h1" if shown_title is None else "dated-headline")
    elif (
        profile.article_dated_h1
        and h1 is not None
        and published is not None
        and (
            published[1].labelled
            # Read the page's text for a label only when nothing else makes it an article.
            or (not signals and not dated and labels_date(labelled, published[0]))
        )
    ):
        # A heading and the one date the page labels its publication's ("Date 23.05.2011"
        # in the item's facts below the text; "Erschienen am <time>" under bmel.de's
        # text, its datetime read first) make an article too.
        signals.append("labelled-date")
    signals += dated
    if profile.article_dated_h1 and published is not None and published[1].alone:
        # A page without a headline whose one date stands alone is a dated document.
        signals.append("dated-page")
    if not signals and headless and _unshown_item(url, meta, profile.article_item_paths):
        signals.append("unshown-item")
    updated = first_date(soup, jsonld, profile.updated, tz, source)
    age: dict[str, Any] = {"days": None, "over_one_year": None, "anniversary": None}
    if published is not None:
        days, over, anniversary = age_of(published[0].day, captured_at, tz)
        age = {"days": days, "over_one_year": over, "anniversary": anniversary.isoformat()}

    lang = soup.html.get("lang") if soup.html is not None else None
    return {
        "url": url,
        "captured_at": captured_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "extractor": {"version": EXTRACTOR_VERSION, "profile": profile.fingerprint},
        "content_type": content_type,
        "charset": {"name": charset, "source": charset_source},
        "language": collapse(lang) or None if isinstance(lang, str) else None,
        "is_article": bool(signals),
        "article_signals": signals,
        "content_area": {"selector": content_selector, "fallback": content_selector is None},
        "titles": titles,
        "dates": {"published": date_entry(published), "updated": date_entry(updated)},
        "age": age,
        "age_notice": find_notice(
            soup,
            profile.notice_phrases,
            [s for s in profile.notice_selectors if source.may_match(s)],
            profile.archive_phrases,
        ),
        "images": extract_images(
            root,
            excluded,
            url,
            [s for s in profile.credit_selectors if source.may_match(s)],
            profile.credit_patterns,
            [s for s in profile.credit_elements if source.may_match(s)],
            _exclusion(
                root, profile.not_content_images, source, h1 if isinstance(h1, Tag) else None
            ),
            profile.lead_credit_patterns,
            declared_images(meta, jsonld),
            raw_titles["h1"],
        ),
        "warnings": warnings,
    }


def rebase(
    model: dict[str, Any], *, url: str, captured_at: datetime, profile: Profile
) -> dict[str, Any]:
    """A cached model re-stated for another capture of the same payload.

    The payload fixes everything but the URL, the capture time and what
    depends on them: the age (judged at the capture's time) and resolved
    image URLs. The result equals what `extract` would give for this capture.
    """
    if captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)
    out = dict(model)
    out["url"] = url
    out["captured_at"] = captured_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    published = (model.get("dates") or {}).get("published")
    if published and published.get("value"):
        tz = ZoneInfo(profile.timezone)
        days, over, anniversary = age_of(date.fromisoformat(published["value"]), captured_at, tz)
        out["age"] = {"days": days, "over_one_year": over, "anniversary": anniversary.isoformat()}
    out["images"] = [
        {**image, "url": urljoin(url, image["src"]) if image.get("src") else image.get("url", "")}
        for image in model.get("images", [])
    ]
    return out
