"""The lists an auditor starts from: archived pages, a URL's timeline, full-text search.

Each list is one keyset page of the database (`archiver.store.browse`); the
cursor of its last row asks for the next.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archiver.store import fulltext
from archiver.web.viewer import paging, viewer_of, with_params


def home(request: Request) -> Response:
    """The archived pages, filtered by site, text, rule and status."""
    viewer = viewer_of(request)
    params = request.query_params
    site = params.get("site", "")
    status_text = params.get("status", "")
    if status_text and not status_text.isdigit():
        raise HTTPException(400, f"status: expected an HTTP status code, got {status_text!r}")
    sort = params.get("sort", "url")
    if sort not in ("url", "-url"):
        raise HTTPException(400, f"sort: expected url or -url, got {sort!r}")
    after, limit = paging(params, default=100)
    try:
        pages = viewer.browse.pages(
            site=site or None,
            query=params.get("q", ""),
            rule=params.get("rule", ""),
            status=int(status_text) if status_text else None,
            after=after,
            limit=limit,
            descending=sort == "-url",
        )
    except ValueError as exc:
        raise HTTPException(400, f"after: {exc}") from None
    return viewer.page(
        request,
        "index.html",
        pages=pages,
        sites=viewer.browse.sites(),
        rules=viewer.browse.rules(),
        params=params,
        next_href=with_params(request, after=pages.next_after) if pages.next_after else None,
        first_href=with_params(request, after=None) if after else None,
    )


def timeline(request: Request) -> Response:
    """Every capture of one URL, oldest first."""
    viewer = viewer_of(request)
    url = request.query_params.get("url", "")
    if not url:
        raise HTTPException(400, "timeline: give ?url=")
    site = request.query_params.get("site") or None
    after, limit = paging(request.query_params, default=200)
    try:
        entries = viewer.browse.timeline(url, site, after=after, limit=limit)
    except ValueError as exc:
        raise HTTPException(400, f"after: {exc}") from None
    if not entries.total:
        raise HTTPException(404, f"{url} is not in the archive")
    title = viewer.browse.title(entries.rows[-1].capture.payload_digest) if entries.rows else None
    return viewer.page(
        request,
        "timeline.html",
        url=url,
        entries=entries,
        title=title,
        next_href=with_params(request, after=entries.next_after) if entries.next_after else None,
        first_href=with_params(request, after=None) if after else None,
    )


def search(request: Request) -> Response:
    """Pages whose archived text holds a phrase, with the first and last capture that did."""
    viewer = viewer_of(request)
    params = request.query_params
    phrase = params.get("q", "").strip()
    site = params.get("site") or None
    try:
        start = fulltext.date_bound(params.get("from", ""), "from")
        end = fulltext.date_bound(params.get("to", ""), "to", inclusive_end=True)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    _, limit = paging(params, default=50)
    hits = (
        fulltext.search(viewer.index, phrase, site=site, start=start, end=end, limit=limit)
        if phrase
        else []
    )
    return viewer.page(
        request,
        "search.html",
        phrase=phrase,
        hits=hits,
        sites=viewer.browse.sites(),
        params=params,
        limit=limit,
    )


ROUTES = [
    Route("/", home, name="home"),
    Route("/timeline", timeline, name="timeline"),
    Route("/search", search, name="search"),
]

__all__ = ["ROUTES"]
