"""``check-page``: extract and check one HTML file or live URL, without archiving it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from archiver.check.engine import check
from archiver.check.packs import RuleSet
from archiver.check.report import PageResult, Report
from archiver.config import CrawlSettings
from archiver.errors import ExtractError, FetchError
from archiver.extract import extract

_TIMEOUT = httpx.Timeout(30.0)
# The crawler's cap on a response body (`crawl.max_bytes`): a page bigger than
# this would not be archived, and a device like /dev/zero never ends.
MAX_BYTES = CrawlSettings.max_bytes
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _read(source: str | Path) -> tuple[bytes, str | None, str]:
    text = str(source)
    too_big = f"larger than {MAX_BYTES:,} bytes (the crawler's crawl.max_bytes cap)"
    if isinstance(source, str) and text.startswith(("http://", "https://")):
        try:
            with httpx.stream("GET", text, follow_redirects=True, timeout=_TIMEOUT) as response:
                if response.status_code >= 400:
                    raise FetchError(text, f"HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise FetchError(text, too_big)
                return bytes(body), response.headers.get("content-type"), str(response.url)
        except httpx.HTTPError as exc:
            raise FetchError(text, str(exc) or type(exc).__name__) from exc
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
) -> Report:
    """Check one page: ``source`` is an HTML file or an http(s) URL fetched once.

    ``url`` is the URL to report and to match packs against (default: the
    fetched URL, or the file's ``file://`` URI); ``at`` is the time the page
    is judged at (default: now, the only place "now" is used); ``packs`` name
    the packs to apply (default: those matching the URL, else ``default``).
    """
    payload, content_type, source_url = _read(source)
    _refuse_non_html(payload, content_type, str(source))
    page_url = url or source_url
    captured_at = at or datetime.now(UTC)
    ruleset = RuleSet.load(rules_dirs)
    pack = ruleset.resolve(packs, page_url)
    model = extract(
        payload,
        url=page_url,
        captured_at=captured_at,
        profile=pack.profile,
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
