"""The viewer's browser-capture pages: a capture's screenshot, rendered DOM and evidence crops.

For a page captured with `capture = "browser"` the capture page shows, beside
the replay, the full-page screenshot Chromium took and the rendered DOM, and
each located violation's crop (the element outlined on the screenshot). The
rendered DOM is archived content: it is served rewritten like a replay, but
with scripts off (`RENDERED_CSP`: a sandbox without `allow-scripts`,
`script-src 'none'`), since its scripts already ran when it was captured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archiver.browser.crops import Cropper, target
from archiver.browser.records import DOM, LAYOUT, SCREENSHOT, rendered
from archiver.errors import ArchiveError
from archiver.store import blobs
from archiver.store.rows import Capture, StoredViolation
from archiver.web.archive import timestamp
from archiver.web.rewrite import Rewriter
from archiver.web.viewer import Viewer, viewer_of

RENDERED_CSP = (
    "sandbox; default-src 'self' data:; style-src 'self' 'unsafe-inline' data:; "
    "script-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
# The crop and screenshot are our own pictures of archived content: images only.
IMAGE_CSP = "default-src 'none'; frame-ancestors 'self'"


@dataclass(frozen=True)
class RenderedViews:
    """What the capture page can show of a capture's browser load."""

    screenshot: int  # the screenshot's capture id
    dom: int | None
    captured_at: Any
    crops: frozenset[int] = field(default_factory=frozenset)  # violation ids with a crop


def _read(viewer: Viewer, row: Capture) -> bytes:
    try:
        return blobs.read_record(viewer.settings.storage, row.warc_file, row.offset).payload
    except (ArchiveError, OSError) as exc:
        raise HTTPException(404, f"capture {row.id}: {exc}") from exc


def views(viewer: Viewer, row: Capture, violations: list[StoredViolation]) -> RenderedViews | None:
    """The browser views of a page capture, None when it was not rendered."""
    shot = rendered(viewer.index, row, SCREENSHOT)
    if shot is None:
        return None
    dom = rendered(viewer.index, row, DOM)
    boxes = rendered(viewer.index, row, LAYOUT)
    crops: set[int] = set()
    if boxes is not None and violations:
        try:
            layout = json.loads(_read(viewer, boxes))
        except (HTTPException, ValueError):
            layout = None
        for v in violations if isinstance(layout, dict) else ():
            try:
                evidence = json.loads(v.evidence)
            except ValueError:
                continue
            if isinstance(evidence, dict) and target(v.rule, evidence, layout) is not None:
                crops.add(int(v.id))
    return RenderedViews(shot.id, dom.id if dom else None, shot.captured_at, frozenset(crops))


def _png(body: bytes) -> Response:
    return Response(
        body,
        media_type="image/png",
        headers={
            "Content-Security-Policy": IMAGE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def _page_row(request: Request) -> tuple[Viewer, Capture]:
    viewer = viewer_of(request)
    return viewer, viewer.capture_row(request.path_params["capture_id"])


def screenshot(request: Request) -> Response:
    """The full-page screenshot Chromium took of a capture."""
    viewer, row = _page_row(request)
    shot = rendered(viewer.index, row, SCREENSHOT)
    if shot is None:
        raise HTTPException(404, f"capture {row.id} was not rendered in a browser")
    return _png(_read(viewer, shot))


def dom(request: Request) -> Response:
    """The rendered DOM of a capture, rewritten like a replay, scripts off."""
    viewer, row = _page_row(request)
    found = rendered(viewer.index, row, DOM)
    if found is None:
        raise HTTPException(404, f"capture {row.id} has no rendered DOM")
    text = _read(viewer, found).decode("utf-8", errors="replace")
    body = Rewriter(viewer.sign, timestamp(row.captured_at)).html(text, row.url, [])
    return Response(
        body.encode("utf-8"),
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": RENDERED_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def crop(request: Request) -> Response:
    """One located violation cut from the screenshot, the element outlined."""
    viewer, row = _page_row(request)
    violation_id = request.path_params["violation_id"]
    found = next(
        (v for v in viewer.browse.violations_of_capture(row.id) if v.id == violation_id),
        None,
    )
    if found is None:
        raise HTTPException(404, f"no violation {violation_id} in capture {row.id}")
    try:
        evidence = json.loads(found.evidence)
    except ValueError:
        evidence = None
    png = Cropper(viewer.index, viewer.settings.storage).crop(row.id, found.rule, evidence)
    if png is None:
        raise HTTPException(404, f"violation {violation_id} has no located element to show")
    return _png(png)


ROUTES = [
    Route("/capture/{capture_id:int}/screenshot.png", screenshot, name="screenshot"),
    Route("/capture/{capture_id:int}/dom", dom, name="rendered_dom"),
    Route("/capture/{capture_id:int}/crop/{violation_id:int}.png", crop, name="crop"),
]


__all__ = ["IMAGE_CSP", "RENDERED_CSP", "ROUTES", "RenderedViews", "views"]
