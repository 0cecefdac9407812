"""``check-page``: extract and check one HTML file or live URL, without archiving it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

from archiver.check.engine import check
from archiver.check.packs import RuleSet, merge
from archiver.check.report import PageResult, Report
from archiver.config import CrawlSettings, SiteSettings
from archiver.crawl.fetcher import Fetcher
from archiver.crawl.transport import Connection, connect
from archiver.errors import ExtractError, FetchError
from archiver.extract import Profile, extract
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.urls import host_of

# The crawler's cap on a response body (`crawl.max_bytes`): a page bigger than
# this would not be archived, and a device like /dev/zero never ends.
MAX_BYTES = CrawlSettings.max_bytes
_HTML_TYPES = ("text/html", "application/xhtml+xml")


async def _fetch(
    url: str, crawl: CrawlSettings, connection: Connection, private_ok: frozenset[str]
) -> tuple[bytes, str | None, str]:
    """GET `url` as the crawler would (same transport, credentials only on the site),
    following redirects one request at a time."""
    fetcher = Fetcher(crawl, private_ok=private_ok, connection=connection)
    try:
        for _ in range(crawl.max_redirects + 1):
            exchange = (await fetcher.fetch(url)).exchange
            location = header(exchange.response_headers, "location")
            if 300 <= exchange.status < 400 and location:
                url = urljoin(exchange.url, location.strip())
                continue
            if exchange.status >= 400:
                raise FetchError(url, f"HTTP {exchange.status}")
            if exchange.truncated:
                raise FetchError(
                    url,
                    f"body cut short ({exchange.truncated}): over crawl.max_bytes or the time cap",
                )
            encoding = header(exchange.response_headers, "content-encoding")
            try:
                body = decode(exchange.body, encoding, crawl.max_bytes * 4)
            except PayloadTooLarge as exc:
                raise FetchError(url, "decoded body too large") from exc
            return body, header(exchange.response_headers, "content-type"), exchange.url
        raise FetchError(url, f"more than {crawl.max_redirects} redirects")
    finally:
        await fetcher.aclose()


def _read(
    source: str | Path, crawl: CrawlSettings, site: SiteSettings | None, insecure: bool
) -> tuple[bytes, str | None, str]:
    text = str(source)
    too_big = f"larger than {MAX_BYTES:,} bytes (the crawler's crawl.max_bytes cap)"
    if isinstance(source, str) and text.startswith(("http://", "https://")):
        connection = connect(crawl, site=site, insecure=insecure)
        private_ok = frozenset({host_of(text), *(site.hosts if site else ())})
        return asyncio.run(_fetch(text, crawl, connection, private_ok))
    path = Path(source)
    try:
        with path.open("rb") as fh:
            payload = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FetchError(str(path), exc.strerror or str(exc)) from exc
    if len(payload) > MAX_BYTES:
        raise FetchError(str(path), too_big)
    return payload, None, path.resolve().as_uri()


def _refuse_non_html(payload: bytes, content_type: str | None, source: str) -> None:
    """ExtractError unless the payload is an HTML page (by its type, else by its first bytes)."""
    if content_type:
        kind = content_type.split(";")[0].strip().lower()
        if kind not in _HTML_TYPES:
            raise ExtractError(f"{source}: not an HTML page (Content-Type {kind})")
        return
    head = payload[:65536]
    if b"\x00" in head or not head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").startswith(b"<"):
        raise ExtractError(
            f"{source}: not an HTML page (binary, or text that does not start with a tag)"
        )


def check_page(
    source: str | Path,
    *,
    url: str | None = None,
    at: datetime | None = None,
    packs: Sequence[str] = (),
    rules_dirs: Sequence[Path] = (),
    title_suffixes: Sequence[str] = (),
    crawl: CrawlSettings | None = None,
    site: SiteSettings | None = None,
    insecure_tls: bool = False,
) -> Report:
    """Check one page: ``source`` is an HTML file or an http(s) URL fetched once.

    ``url`` is the URL to report and to match packs against (default: the
    fetched URL, or the file's ``file://`` URI); ``at`` is the time the page
    is judged at (default: now, the only place "now" is used); ``packs`` name
    the packs to apply (default: those matching the URL, else ``default``);
    ``title_suffixes`` are site suffixes to strip from titles besides the packs'
    (what a crawl of the whole site would learn from its titles).
    A URL is fetched with ``crawl``'s proxy and TLS settings, and with
    ``site``'s credentials when it is on that site.
    """
    payload, content_type, source_url = _read(
        source, crawl or (site.crawl if site else CrawlSettings()), site, insecure_tls
    )
    _refuse_non_html(payload, content_type, str(source))
    page_url = url or source_url
    captured_at = at or datetime.now(UTC)
    ruleset = RuleSet.load(rules_dirs)
    pack = ruleset.resolve(packs, page_url)
    profile = pack.profile
    if title_suffixes:
        extra = {"titles": {"suffixes": list(title_suffixes)}}
        profile = Profile.from_mapping(merge(pack.profile_data, extra))
    model = extract(
        payload,
        url=page_url,
        captured_at=captured_at,
        profile=profile,
        content_type=content_type,
    )
    page = PageResult(
        url=page_url,
        captured_at=model["captured_at"],
        packs=pack.ids,
        profile=pack.fingerprint,
        is_article=model["is_article"],
    )
    return Report(violations=check(model, pack), pages=[page])
