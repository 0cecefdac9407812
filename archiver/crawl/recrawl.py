"""Which pages a nightly recrawl fetches, and which it keeps from their last capture.

A conditional GET still costs a request per page, so an unchanged 50,000-page site
would take hours every night at a polite rate. A recrawl fetches a page when it is new,
when its sitemap `<lastmod>` is later than its last fetch, when its history gives no
reason to think it unchanged, or when it is due for revalidation: every page belongs to
one of `revalidate_days` nightly slices (by a hash of its URL), and a page whose last
fetch is `revalidate_days` old is fetched whatever its slice. Every other page is kept:
it is not requested, and the check stage checks its last capture at tonight's date.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from archiver.store.rows import Capture

NEW, SEED, CHANGED, DUE, SLICE, UNSETTLED, UNCONFIRMED = (
    "new",
    "seed",
    "changed",
    "due",
    "slice",
    "unsettled",
    "unconfirmed",
)


def slice_of(canonical_url: str, revalidate_days: int) -> int:
    """The night (day number modulo `revalidate_days`) on which a page is revalidated."""
    return zlib.crc32(canonical_url.encode("utf-8")) % revalidate_days


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def fetch_reason(
    canonical_url: str,
    *,
    depth: int,
    lastmod: datetime | None,
    last: Capture | None,
    payload: Capture | None,
    today: date,
    revalidate_days: int,
) -> str | None:
    """Why tonight's crawl fetches a page, or None to keep its last capture.

    (A full recrawl, `--full`, fetches every page without asking.) `last` is the page's
    latest capture (a revisit too: that is a fetch that found it
    unchanged), `payload` the capture holding its payload.
    """
    if last is None or payload is None:
        return NEW
    if depth == 0:
        # Seeds are the site's front doors, and cheap: fetch them every night.
        return SEED
    if payload.status != 200 or payload.truncated or "html" not in (payload.content_type or ""):
        return UNSETTLED
    fetched = last.captured_at
    if (today - fetched.date()).days >= revalidate_days:
        return DUE
    if slice_of(canonical_url, revalidate_days) == today.toordinal() % revalidate_days:
        return SLICE
    if lastmod is not None:
        return CHANGED if lastmod > fetched else None
    # No sitemap date: trust the page's own history. It has been fetched and found
    # unchanged, or the server dates it well before that fetch.
    if last.record_type == "revisit":
        return None
    modified = _http_date(payload.last_modified)
    if modified is not None and (fetched - modified).days >= revalidate_days:
        return None
    return UNCONFIRMED
