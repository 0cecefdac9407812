"""One capture: its page, its replay in a sandbox, its model and record, and time travel.

Archived content is hostile: it is served only from `/capture/<id>/replay` and
`/web/<timestamp>id_/<url>`, always with `Content-Security-Policy: sandbox` (an
opaque origin: no access to the viewer's cookies, storage or DOM), and shown in
an `<iframe sandbox>` without `allow-same-origin` and without any
top-navigation allowance. With a token set, replay addresses are signed per
address and short-lived (`archiver.web.signed`): archived content never learns
a credential.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from archiver.check.violation import canonical_url
from archiver.extract.decode import decode_payload
from archiver.store.payload import header
from archiver.store.rows import Capture
from archiver.web import rendered
from archiver.web.archive import Payload, is_css, is_html, marks_for, parse_timestamp, timestamp
from archiver.web.rewrite import Rewriter
from archiver.web.viewer import Viewer, viewer_headers, viewer_of

# Archived documents get an opaque origin; they may run their own scripts there
# but reach nothing of the viewer, may load only what the viewer serves, may not
# move the viewer's window, and may be framed only by the viewer.
ARCHIVED_CSP = (
    "sandbox allow-scripts; "
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
IFRAME_SANDBOX = "allow-scripts"
MAX_REDIRECTS = 5
# Archived headers are shown, not obeyed: only the body's own encoding passes through.
_PASS_HEADERS = {"content-encoding"}


def capture(request: Request) -> Response:
    """A capture's page: what was sent and received, its violations, the replay frame."""
    viewer = viewer_of(request)
    row = viewer.capture_row(request.path_params["capture_id"])
    source = viewer.index.payload_capture(row)
    before, after = viewer.browse.neighbours(row)
    violations = viewer.browse.violations_of_capture(row.id)
    evidence = {v.id: json.loads(v.evidence) for v in violations}
    return viewer.page(
        request,
        "capture.html",
        row=row,
        source=source,
        insecure_tls=_insecure_tls(viewer, row, source),
        sent=viewer.archive.request(row),
        before=before,
        after=after,
        violations=violations,
        evidence=evidence,
        sandbox=IFRAME_SANDBOX,
        outlined=bool(marks_for(violations)),
        rendered=rendered.views(viewer, row, violations),
    )


def _insecure_tls(viewer: Viewer, *rows: Capture) -> bool:
    """Whether a run that made these captures did not verify TLS (the site's insecure_tls)."""
    for run_id in {r.run_id for r in rows}:
        run = viewer.index.run(run_id)
        if run is not None and json.loads(run.stats or "{}").get("insecure_tls"):
            return True
    return False


def replay(request: Request) -> Response:
    """The archived response of a capture, its violations outlined (`?outline=0`: not)."""
    viewer = viewer_of(request)
    row = viewer.capture_row(request.path_params["capture_id"])
    if _top_level(request):
        return _to_capture_page(row)
    outline = request.query_params.get("outline", "1") != "0"
    marks = marks_for(viewer.browse.violations_of_capture(row.id)) if outline else []
    return serve_archived(viewer, row, marks=marks)


def serve_archived(viewer: Viewer, row: Capture, marks: list[Any] | None = None) -> Response:
    """An archived response, rewritten when HTML or CSS, streamed otherwise."""
    source = viewer.index.payload_capture(row)
    content_type = source.content_type
    rewriter = Rewriter(viewer.sign, timestamp(row.captured_at))
    if is_html(content_type) or is_css(content_type):
        payload = viewer.archive.payload(row, whole=True)
        text, _, _ = decode_payload(payload.body or b"", header(payload.headers, "content-type"))
        if is_html(content_type):
            body = rewriter.html(text, row.url, marks or [])
            kind = "text/html; charset=utf-8"
        else:
            body = rewriter.css(text, row.url)
            kind = "text/css; charset=utf-8"
        return Response(
            body.encode("utf-8"),
            status_code=_replay_status(payload.status),
            headers=_archived_headers(payload, kind, encoded=False),
        )
    payload = viewer.archive.payload(row, whole=False)
    assert payload.stream is not None
    return StreamingResponse(
        payload.stream,
        status_code=_replay_status(payload.status),
        headers=_archived_headers(payload, content_type, encoded=True),
    )


def _archived_headers(
    payload: Payload, content_type: str | None, *, encoded: bool
) -> dict[str, str]:
    headers = {}
    for name, value in payload.headers:
        lowered = name.lower()
        if lowered in _PASS_HEADERS and encoded:
            headers[name] = value
        elif lowered not in _PASS_HEADERS and lowered != "content-length":
            headers[f"X-Archive-Orig-{name}"] = value
    headers["Content-Security-Policy"] = ARCHIVED_CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cache-Control"] = "private, max-age=3600"
    if content_type:
        headers["Content-Type"] = content_type
    return headers


def _replay_status(status: int) -> int:
    # Keep what the archive says (a 404 page is evidence too); a revisit or a
    # 304 answer is shown as the page it confirmed.
    return 200 if status in (0, 304) else status


def model(request: Request) -> Response:
    """The page model of an HTML capture (from the cache, else extracted now)."""
    viewer = viewer_of(request)
    row = viewer.capture_row(request.path_params["capture_id"])
    source = viewer.index.payload_capture(row)
    if not is_html(source.content_type):
        raise HTTPException(404, f"capture {row.id} is not an HTML page: no page model")
    page_model, cached = viewer.archive.model(row)
    return JSONResponse(
        page_model,
        headers={**viewer_headers(), "X-Archiver-Model": "cache" if cached else "extracted"},
    )


def record(request: Request) -> Response:
    """A capture's WARC record, as stored (one gzip member), for download."""
    viewer = viewer_of(request)
    row = viewer.capture_row(request.path_params["capture_id"])
    return StreamingResponse(
        viewer.archive.record_bytes(row),
        media_type="application/warc",
        headers={
            "Content-Disposition": f'attachment; filename="capture-{row.id}.warc.gz"',
            "Content-Length": str(row.length),
            "X-Content-Type-Options": "nosniff",
        },
    )


def wayback(request: Request) -> Response:
    """`/web/<timestamp>[id_]/<url>`: the capture of `url` nearest the time, as pywb does."""
    viewer = viewer_of(request)
    stamp = request.path_params["timestamp"]
    raw = stamp.endswith("id_")
    stamp = stamp.removesuffix("id_")
    url = request.path_params["url"]
    if request.url.query:
        url += "?" + request.url.query
    try:
        moment = parse_timestamp(stamp)
    except ValueError:
        raise HTTPException(400, f"{stamp!r} is not a 4- to 14-digit timestamp") from None
    row = _nearest(viewer, url, moment)
    if _top_level(request) or (not raw and not _in_frame(request)):
        return _to_capture_page(row)
    # A link clicked inside the replay frame lands here too: the frame shows
    # the linked capture, since archived content may not move the viewer.
    for _ in range(MAX_REDIRECTS):
        location = row.location
        if not (300 <= row.status < 400 and location):
            break
        row = _nearest(viewer, location, moment)
    return serve_archived(viewer, row)


def _nearest(viewer: Viewer, url: str, moment: datetime) -> Capture:
    if not url.startswith(("http://", "https://")):
        raise HTTPException(400, f"{url!r} is not an http(s) URL")
    row = viewer.browse.nearest(canonical_url(url), moment)
    if row is None:
        raise HTTPException(404, f"{url} is not in the archive")
    return row


def goto(request: Request) -> Response:
    """The form's way in: `?url=&date=` to `/web/<timestamp>/<url>`."""
    url = request.query_params.get("url", "").strip()
    date = request.query_params.get("date", "").strip()
    stamp = "".join(ch for ch in date if ch.isdigit())[:14] or timestamp(datetime.now(UTC))
    if not url:
        raise HTTPException(400, "give a URL")
    return RedirectResponse(f"/web/{stamp}/{url}", status_code=302)


def _top_level(request: Request) -> bool:
    # Browsers say what a request is for; archived content opened as a
    # top-level document would be its own window, outside the viewer's frame.
    return request.headers.get("sec-fetch-dest") == "document"


def _in_frame(request: Request) -> bool:
    return request.headers.get("sec-fetch-dest") in ("iframe", "frame")


def _to_capture_page(row: Capture) -> Response:
    return RedirectResponse(f"/capture/{row.id}", status_code=302, headers=viewer_headers())


ROUTES = [
    Route("/capture/{capture_id:int}", capture, name="capture"),
    Route("/capture/{capture_id:int}/replay", replay, name="replay"),
    Route("/capture/{capture_id:int}/model.json", model, name="model"),
    Route("/capture/{capture_id:int}/record.warc.gz", record, name="record"),
    Route("/web/{timestamp}/{url:path}", wayback, name="wayback"),
    Route("/goto", goto, name="goto"),
]

__all__ = ["ARCHIVED_CSP", "IFRAME_SANDBOX", "ROUTES", "serve_archived"]
