"""The extraction profile: where to look on a site, as a frozen value.

A profile is the ``profile`` mapping of a resolved rule pack. Extraction
depends on nothing else, so its fingerprint (a hash of the canonical JSON of
that mapping) plus the payload digest and ``EXTRACTOR_VERSION`` is a complete
cache key for a page model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archiver.extract.titles import DEFAULT_COMPARED, TITLE_SOURCES

DEFAULT_MAX_BYTES = 8_000_000


@dataclass(frozen=True)
class DateSource:
    """One place a date may be read from, tried in profile order.

    Either ``selector`` (a CSS selector; the value is ``attribute`` or, when
    that is ``None``, the element's text) or ``jsonld`` (a JSON-LD key such
    as ``datePublished``) or ``near_h1`` (the date written beside the content
    ``<h1>``: a dateline or byline) or ``labelled`` (the date the content area's
    text labels "Published:", "Veröffentlicht am", …) or ``alone`` (on a page that shows no
    headline, the one element whose whole text is a date). ``formats`` are
    ``"iso"``, ``"text"`` (a date written out, see :func:`dates.text_dates`) or
    ``strptime`` formats, which is how day-first dates (``%d/%m/%Y``) are stated
    explicitly.
    """

    formats: tuple[str, ...] = ("iso",)
    selector: str | None = None
    attribute: str | None = None
    jsonld: str | None = None
    near_h1: bool = False
    labelled: bool = False
    alone: bool = False

    @property
    def label(self) -> str:
        """A short human-readable description used as the date's ``source``."""
        if self.near_h1:
            return "near-h1"
        if self.labelled:
            return "labelled"
        if self.alone:
            return "alone"
        if self.jsonld is not None:
            return f"json-ld:{self.jsonld}"
        if self.attribute is not None:
            return f"{self.selector}@{self.attribute}"
        return f"{self.selector}"


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _date_sources(items: Sequence[Mapping[str, Any]] | None) -> tuple[DateSource, ...]:
    return tuple(
        DateSource(
            formats=_strings(item.get("formats", ["iso"])),
            selector=item.get("selector"),
            attribute=item.get("attribute"),
            jsonld=item.get("jsonld"),
            near_h1=bool(item.get("near_h1", False)),
            labelled=bool(item.get("labelled", False)),
            alone=bool(item.get("alone", False)),
        )
        for item in items or ()
    )


def _compared(value: Any) -> tuple[str, ...]:
    """``titles.compare`` in :data:`TITLE_SOURCES` order (its order is the tie-break);
    absent, every displayed title (:data:`DEFAULT_COMPARED`). The rule-pack schema
    rejects a name that is no title source."""
    if value is None:
        return DEFAULT_COMPARED
    wanted = set(_strings(value))
    return tuple(s for s in TITLE_SOURCES if s in wanted)


def fingerprint_of(data: Mapping[str, Any]) -> str:
    """Return a stable hash of a profile mapping (canonical JSON, SHA-256, 16 hex)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Profile:
    """Selectors, phrases and formats that tell extraction where to look."""

    content_selectors: tuple[str, ...] = ("main", "[role=main]", "article")
    content_exclude: tuple[str, ...] = ()
    not_content_images: tuple[str, ...] = ()
    article_selectors: tuple[str, ...] = ()
    article_dated_selectors: tuple[str, ...] = ()
    article_jsonld_types: tuple[str, ...] = ()
    article_dated_h1: bool = False
    # Path segments under which a site keeps its news items ("noticia", "pressemitteilungen"):
    # an item's URL there, with an item's metadata and no headline served, is an article.
    article_item_paths: frozenset[str] = frozenset()
    h1_selectors: tuple[str, ...] = ()
    title_suffixes: tuple[str, ...] = ()
    infer_suffix: bool = False
    # The title sources compared for consistent-titles (titles.compare), in TITLE_SOURCES order.
    title_compare: tuple[str, ...] = DEFAULT_COMPARED
    published: tuple[DateSource, ...] = ()
    updated: tuple[DateSource, ...] = ()
    notice_phrases: tuple[str, ...] = ()
    notice_selectors: tuple[str, ...] = ()
    archive_phrases: tuple[str, ...] = ()
    credit_selectors: tuple[str, ...] = ("figcaption",)
    credit_patterns: tuple[str, ...] = ()
    credit_elements: tuple[str, ...] = ()
    lead_credit_patterns: tuple[str, ...] = ()
    timezone: str = "UTC"
    max_bytes: int = DEFAULT_MAX_BYTES
    # "http": extract the archived response; "rendered": the DOM a browser rendered from it
    # (sites with capture = "browser"; a page without one falls back to the response).
    source: str = "http"
    fingerprint: str = field(default="", compare=False)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Profile:
        """Build a profile from the ``profile`` mapping of a (resolved) rule pack."""
        content = data.get("content", {})
        article = data.get("article", {})
        titles = data.get("titles", {})
        dates = data.get("dates", {})
        notice = data.get("age_notice", {})
        credits = data.get("credits", {})
        return cls(
            content_selectors=_strings(content.get("selectors", cls.content_selectors)),
            content_exclude=_strings(content.get("exclude")),
            not_content_images=_strings(content.get("not_content_images")),
            article_selectors=_strings(article.get("selectors")),
            article_dated_selectors=_strings(article.get("dated_selectors")),
            article_jsonld_types=_strings(article.get("jsonld_types")),
            article_dated_h1=bool(article.get("dated_h1", False)),
            article_item_paths=frozenset(p.lower() for p in _strings(article.get("item_paths"))),
            h1_selectors=_strings(titles.get("h1_selectors")),
            title_suffixes=_strings(titles.get("suffixes")),
            infer_suffix=bool(titles.get("infer_suffix", False)),
            title_compare=_compared(titles.get("compare")),
            published=_date_sources(dates.get("published")),
            updated=_date_sources(dates.get("updated")),
            notice_phrases=_strings(notice.get("phrases")),
            notice_selectors=_strings(notice.get("selectors")),
            archive_phrases=_strings(notice.get("archive_phrases")),
            credit_selectors=_strings(credits.get("selectors", cls.credit_selectors)),
            credit_patterns=_strings(credits.get("patterns")),
            credit_elements=_strings(credits.get("elements")),
            lead_credit_patterns=_strings(credits.get("lead_patterns")),
            timezone=str(data.get("timezone", "UTC")),
            max_bytes=int(data.get("max_bytes", DEFAULT_MAX_BYTES)),
            source=str(data.get("source", "http")),
            fingerprint=fingerprint_of(data),
        )
