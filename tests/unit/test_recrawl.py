"""Which pages a recrawl fetches: new, changed, due, tonight's slice; the rest are kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from archiver.crawl.recrawl import fetch_reason, slice_of

TODAY = date(2026, 11, 28)
LAST_NIGHT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _capture(**values: Any) -> Any:
    defaults = {
        "captured_at": LAST_NIGHT,
        "status": 200,
        "truncated": None,
        "content_type": "text/html",
        "record_type": "response",
        "last_modified": None,
    }
    return SimpleNamespace(**(defaults | values))


def _reason(url: str = "https://x.no/a", today: date = TODAY, **kw: Any) -> str | None:
    capture = kw.pop("capture", _capture())
    return fetch_reason(
        url,
        depth=kw.pop("depth", 1),
        lastmod=kw.pop("lastmod", None),
        last=capture,
        payload=capture,
        today=today,
        revalidate_days=7,
    )


def _off_slice(today: date = TODAY) -> str:
    return next(
        f"https://x.no/p/{n}"
        for n in range(100)
        if slice_of(f"https://x.no/p/{n}", 7) != today.toordinal() % 7
    )


def test_sitemap_lastmod_decides_between_fetch_and_keep() -> None:
    url = _off_slice()
    assert _reason(url, lastmod=LAST_NIGHT - timedelta(days=30)) is None
    assert _reason(url, lastmod=LAST_NIGHT + timedelta(hours=5)) == "changed"


def test_without_lastmod_history_decides() -> None:
    url = _off_slice()
    assert _reason(url) == "unconfirmed"
    assert _reason(url, capture=_capture(record_type="revisit")) is None
    old = "Mon, 05 Jan 2026 09:00:00 GMT"
    assert _reason(url, capture=_capture(last_modified=old)) is None
    assert _reason(url, capture=_capture(status=404)) == "unsettled"


def test_seeds_and_new_pages_are_always_fetched() -> None:
    assert _reason(_off_slice(), depth=0) == "seed"
    assert (
        fetch_reason(
            "https://x.no/new",
            depth=1,
            lastmod=None,
            last=None,
            payload=None,
            today=TODAY,
            revalidate_days=7,
        )
        == "new"
    )


def test_every_page_is_revalidated_within_revalidate_days() -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    urls = [f"https://x.no/node/{n}" for n in range(500)]
    fetched = {url: LAST_NIGHT for url in urls}
    for day in range(1, 15):
        today = TODAY + timedelta(days=day)
        for url in urls:
            capture = _capture(captured_at=fetched[url])
            if _reason(url, today=today, lastmod=old, capture=capture) is not None:
                fetched[url] = datetime(today.year, today.month, today.day, 3, tzinfo=UTC)
        assert all((today - f.date()).days < 7 for f in fetched.values())
    # About a seventh each night, not everything at once.
    tonight = TODAY + timedelta(days=15)
    due = [
        u
        for u in urls
        if _reason(u, today=tonight, lastmod=old, capture=_capture(captured_at=fetched[u]))
        is not None
    ]
    assert 0.08 * len(urls) < len(due) < 0.25 * len(urls)
