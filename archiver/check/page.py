"""``check-page``: extract and check one HTML file or live URL, without archiving it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

from archiver.check.engine import check
from archiver.check.packs import RuleSet, merge
from archiver.check.report import PageResult, Report
from archiver.errors import FetchError
from archiver.extract import Profile, extract

_TIMEOUT = httpx.Timeout(30.0)


def _read(source: str | Path) -> tuple[bytes, str | None, str]:
    text = str(source)
    if isinstance(source, str) and text.startswith(("http://", "https://")):
        try:
            response = httpx.get(text, follow_redirects=True, timeout=_TIMEOUT)
        except httpx.HTTPError as exc:
            raise FetchError(text, str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            raise FetchError(text, f"HTTP {response.status_code}")
        return response.content, response.headers.get("content-type"), str(response.url)
    path = Path(source)
    try:
        return path.read_bytes(), None, path.resolve().as_uri()
    except OSError as exc:
        raise FetchError(str(path), exc.strerror or str(exc)) from exc


def check_page(
    source: str | Path,
    *,
    url: str | None = None,
    at: datetime | None = None,
    packs: Sequence[str] = (),
    rules_dirs: Sequence[Path] = (),
    title_suffixes: Sequence[str] = (),
) -> Report:
    """Check one page: ``source`` is an HTML file or an http(s) URL fetched once.

    ``url`` is the URL to report and to match packs against (default: the
    fetched URL, or the file's ``file://`` URI); ``at`` is the time the page
    is judged at (default: now, the only place "now" is used); ``packs`` name
    the packs to apply (default: those matching the URL, else ``default``);
    ``title_suffixes`` are site suffixes to strip from titles besides the packs'
    (what a crawl of the whole site would learn from its titles).
    """
    payload, content_type, source_url = _read(source)
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
