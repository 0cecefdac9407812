"""The demo site's data model: an article, its images, the site's topics.

What the site publishes in each phase is `archiver.demo.content`; how a page
renders is `archiver.demo.pages`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

Lang = Literal["en", "no"]
# How an article carries the age notice, if at all.
Notice = Literal["none", "shown", "display-none", "hidden-attr", "template", "script"]
# How an image sits in the body: a captioned figure, a figure with a
# ``<span class="credit">`` beside the image, or a decorative image.
ImageKind = Literal["figure", "span-credit", "presentation", "aria-hidden", "spacer"]


@dataclass(frozen=True)
class Image:
    """One image in an article body."""

    src: str
    alt: str
    caption: str | None = None
    credit: str | None = None
    kind: ImageKind = "figure"


@dataclass(frozen=True)
class Article:
    """One press release or news story."""

    lang: Lang
    slug: str
    id: int
    title: str
    published: datetime.date | None
    images: tuple[Image, ...]
    topic: int = 0
    notice: Notice = "none"
    h1_html: str | None = None  # raw markup of the <h1>, when it differs from the title
    has_h1: bool = True
    head_title: str | None = None  # the whole <title>, when not "{title} - regjeringen.no"
    og_title: str | None = None
    modified: datetime.date | None = None  # set when a phase changed the page
    validators: bool = True  # False: no ETag / Last-Modified on this page

    @property
    def path(self) -> str:
        """The article's URL path."""
        return f"/{self.lang}/aktuelt/{self.slug}/id{self.id}/"


TOPICS: dict[Lang, tuple[tuple[str, str, int], ...]] = {
    "en": (
        ("Health and care", "health-and-care", 1150),
        ("Climate and environment", "climate-and-environment", 1151),
        ("Business and industry", "business-and-industry", 1152),
        ("Foreign affairs", "foreign-affairs", 1153),
        ("Education", "education", 1154),
        ("The High North", "the-high-north", 1155),
    ),
    "no": (
        ("Helse og omsorg", "helse-og-omsorg", 1250),
        ("Klima og miljø", "klima-og-miljo", 1251),
        ("Næringsliv", "naringsliv", 1252),
        ("Utenrikssaker", "utenrikssaker", 1253),
        ("Utdanning", "utdanning", 1254),
        ("Nordområdene", "nordomradene", 1255),
    ),
}


__all__ = ["TOPICS", "Article", "Image", "ImageKind", "Lang", "Notice"]
