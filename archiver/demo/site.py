"""The demo site as a pure function: ``render(path, phase, today)`` → a response.

No I/O and no clock: the same path, phase, day and base URL always give the
same bytes, so tests can compare captures and the server can cache freely.
Every page and asset carries a strong ETag (a hash of the body) and a
Last-Modified date, except the articles marked ``validators=False``, whose
recrawl must be judged by payload digest.
"""

from __future__ import annotations

import datetime
import email.utils
import gzip
import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

from archiver.demo import assets
from archiver.demo.content import STABLE_IDS, articles
from archiver.demo.model import TOPICS, Article, Lang
from archiver.demo.pages import (
    REPORT_PDF,
    SITE,
    article_page,
    front_page,
    listing_page,
    plain_page,
    topic_page,
    topic_path,
)

PAGE_SIZE = 8
HTML = "text/html; charset=utf-8"
# Assets never change; their Last-Modified is a fixed moment.
_ASSET_TIME = datetime.datetime(2024, 1, 15, 9, 30, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Response:
    """What the server sends: status, headers and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


def _ok(
    body: bytes,
    content_type: str,
    modified: datetime.datetime | None,
    extra: dict[str, str] | None = None,
) -> Response:
    headers = {"Content-Type": content_type, **(extra or {})}
    if modified is not None:
        headers["ETag"] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers["Last-Modified"] = email.utils.format_datetime(modified, usegmt=True)
    return Response(200, headers, body)


def _not_found(lang: Lang) -> Response:
    body = (
        f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "nb"}">'
        '<head><meta charset="utf-8">'
        "<title>404 - regjeringen.no</title></head><body><h1>404</h1></body></html>\n"
    )
    return Response(404, {"Content-Type": HTML}, body.encode())


def _newest_first(items: list[Article]) -> list[Article]:
    return sorted(items, key=lambda a: (a.published or datetime.date.min, a.id), reverse=True)


def _related(article: Article, everything: list[Article]) -> list[Article]:
    pool = [
        a for a in everything if a.lang == article.lang and a.id in STABLE_IDS and a is not article
    ]
    pool.sort(key=lambda a: a.id)
    start = article.id % len(pool)
    return (pool[start:] + pool[:start])[:3]


def page_paths(phase: int, today: datetime.date) -> list[str]:
    """Every HTML page a crawler should find and may fetch, in a stable order."""
    paths: list[str] = []
    for lang in ("en", "no"):
        site = SITE[lang]
        paths += [site["home"], site["news"], site["about"], site["contact"]]
        paths += [topic_path(lang, i) for i in range(len(TOPICS[lang]))]
    paths += sorted(a.path for a in articles(phase, today))
    return paths


def _sitemap(urls: list[tuple[str, str | None]]) -> bytes:
    rows = "".join(
        f"<url><loc>{xml_escape(loc)}</loc>"
        + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        + "</url>\n"
        for loc, lastmod in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "</urlset>\n"
    ).encode()


def _lang_sitemap(lang: Lang, phase: int, today: datetime.date, base: str) -> bytes:
    site = SITE[lang]
    urls: list[tuple[str, str | None]] = [
        (base + path, None)
        for path in [site["home"], site["news"], site["about"], site["contact"]]
        + [topic_path(lang, i) for i in range(len(TOPICS[lang]))]
    ]
    for article in sorted(articles(phase, today), key=lambda a: a.id):
        if article.lang == lang:
            stamp = article.modified or article.published
            urls.append((base + article.path, stamp.isoformat() if stamp else None))
    return _sitemap(urls)


def _robots(base: str) -> bytes:
    return (
        "# regjeringen.no demo\n"
        "User-agent: *\n"
        "Disallow: /en/search/\n"
        "Disallow: /no/sok/\n"
        "Allow: /\n\n"
        f"Sitemap: {base}/sitemap.xml\n"
    ).encode()


def _asset(path: str, images: set[str]) -> Response | None:
    if path == "/dist/css/main.css":
        return _ok(assets.CSS, "text/css; charset=utf-8", _ASSET_TIME)
    if path in ("/dist/img/logo-en.svg", "/dist/img/logo-no.svg"):
        label = "Government.no" if path.endswith("en.svg") else "Regjeringen.no"
        return _ok(assets.logo_svg(label), "image/svg+xml", _ASSET_TIME)
    if path == REPORT_PDF:
        return _ok(
            assets.pdf("Annual report of the Government 2025"), "application/pdf", _ASSET_TIME
        )
    if path not in images:
        return None
    if path.endswith(".png"):
        size = (1, 1) if path.endswith("spacer.png") else (64, 40)
        return _ok(assets.png(path, *size), "image/png", _ASSET_TIME)
    return _ok(assets.jpeg(path), "image/jpeg", _ASSET_TIME)


def _known_images(everything: list[Article]) -> set[str]:
    # Images of all phases stay online: a removed article's photo is not deleted.
    found = {"/dist/img/footer-coat-of-arms.png", "/dist/img/footer-dss.png"}
    for article in everything:
        found.update(image.src for image in article.images)
    return found


def render(
    path: str, phase: int, today: datetime.date, *, base_url: str = "http://127.0.0.1:8000"
) -> Response | None:
    """The response for ``path`` (which may carry a query), or None if there is no such page.

    ``base_url`` (no trailing slash) makes the absolute URLs that robots.txt
    and the sitemaps require.
    """
    base = base_url.rstrip("/")
    parts = urlsplit(path)
    route, query = parts.path, parse_qs(parts.query)
    everything = articles(phase, today)
    lang: Lang = "no" if route.startswith("/no/") else "en"
    site = SITE[lang]
    # Generic pages are republished with every phase of the site.
    generic_time = _at(today - datetime.timedelta(days=4 - phase), 6)

    if route == "/robots.txt":
        return _ok(_robots(base), "text/plain; charset=utf-8", generic_time)
    if route == "/sitemap.xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"<sitemap><loc>{base}/sitemap-en.xml</loc></sitemap>\n"
            f"<sitemap><loc>{base}/sitemap-no.xml.gz</loc></sitemap>\n"
            "</sitemapindex>\n"
        ).encode()
        return _ok(body, "application/xml", generic_time)
    if route == "/sitemap-en.xml":
        return _ok(_lang_sitemap("en", phase, today, base), "application/xml", generic_time)
    if route == "/sitemap-no.xml.gz":
        body = gzip.compress(_lang_sitemap("no", phase, today, base), mtime=0)
        return _ok(body, "application/gzip", generic_time)

    if route.startswith(("/dist/", "/globalassets/")):
        return _asset(route, _known_images(everything))

    for article in everything:
        if route == article.path:
            modified = None
            if article.validators:
                day = article.modified or article.published or today - datetime.timedelta(days=200)
                modified = _at(day, 9)
            html = article_page(article, _related(article, everything))
            return _ok(html.encode(), HTML, modified)
        if route + "/" == article.path:
            return Response(
                301, {"Location": article.path + (f"?{parts.query}" if parts.query else "")}
            )

    mine = _newest_first([a for a in everything if a.lang == lang])
    if route == site["home"]:
        return _ok(front_page(lang, mine[:6]).encode(), HTML, generic_time)
    if route == site["news"]:
        pages = (len(mine) + PAGE_SIZE - 1) // PAGE_SIZE
        try:
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            return _not_found(lang)
        if not 1 <= page <= pages:
            return _not_found(lang)
        items = mine[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return _ok(listing_page(lang, items, page, pages).encode(), HTML, generic_time)
    for index in range(len(TOPICS[lang])):
        if route == topic_path(lang, index):
            items = [a for a in mine if a.topic == index]
            return _ok(topic_page(lang, index, items).encode(), HTML, generic_time)
    for key in ("about", "contact", "search"):
        if route == site[key]:
            return _ok(plain_page(lang, key).encode(), HTML, generic_time)
    return None


def not_found(path: str) -> Response:
    """The site's 404 page for ``path``."""
    return _not_found("no" if path.startswith("/no/") else "en")
