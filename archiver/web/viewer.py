"""What every view shares: the archive it reads, its templates, paging and the error page.

The `Viewer` is made by the app's lifespan (`archiver.web.app`), which owns its
index: views reach it as `viewer_of(request)`. Views are thin: the questions go
to `archiver.store.browse`, archived bytes come through `archiver.web.archive`.
"""

from __future__ import annotations

from datetime import UTC
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from archiver import __version__
from archiver.config import Settings
from archiver.store import fulltext
from archiver.store.browse import MAX_LIMIT, Browse
from archiver.store.index import Index
from archiver.store.rows import Capture
from archiver.web.archive import Archive, timestamp
from archiver.web.signed import ReplaySigner, unsigned

VIEWER_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'self'"
)
MAX_ID = 2**63 - 1  # the index's ids are signed 64-bit integers

_env = Environment(
    loader=PackageLoader("archiver.web", "templates"),
    autoescape=select_autoescape(["html"]),
)
_env.filters["ts"] = lambda moment: timestamp(moment) if moment else ""
_env.filters["when"] = lambda moment: (
    moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""
)
_env.filters["q"] = lambda value: quote(str(value), safe="")


def _marked(snippet: str) -> Markup:
    """A search snippet, escaped, with the matched words in <mark>."""
    text = str(escape(snippet))
    return Markup(text.replace(fulltext.MARK_START, "<mark>").replace(fulltext.MARK_END, "</mark>"))


def _query(changes: dict[str, str], params: Any) -> str:
    """The current query string with some parameters replaced (and the page cursor dropped)."""
    kept = [(k, v) for k, v in params.multi_items() if k not in changes and k != "after"]
    return urlencode(kept + list(changes.items()))


_env.filters["marked"] = _marked
_env.filters["query"] = _query


def viewer_headers() -> dict[str, str]:
    """The headers of every page the viewer itself renders."""
    return {
        "Content-Security-Policy": VIEWER_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    """The one place errors are rendered: an HTML page with the HTTP status."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    html = _env.get_template("error.html").render(
        request=request, status=status, phrase=phrase, detail=detail, version=__version__
    )
    return HTMLResponse(html, status_code=status, headers=viewer_headers())


class Viewer:
    """The archive the views read, bound to one open index."""

    def __init__(self, settings: Settings, index: Index, token: str | None) -> None:
        self.settings = settings
        self.index = index
        self.archive = Archive(settings, index)
        self.browse = Browse(index)
        self.token = token
        self.sign = ReplaySigner(token).sign if token else unsigned

    def page(self, request: Request, name: str, **context: Any) -> HTMLResponse:
        """A viewer page rendered from template `name`."""
        html = _env.get_template(name).render(
            request=request, version=__version__, sign=self.sign, **context
        )
        return HTMLResponse(html, headers=viewer_headers())

    def capture_row(self, capture_id: int) -> Capture:
        """The capture with this id; 404 when there is none."""
        row = self.index.capture(capture_id) if capture_id <= MAX_ID else None
        if row is None:
            raise HTTPException(404, f"no capture {capture_id}")
        return row


def viewer_of(request: Request) -> Viewer:
    """The viewer the app's lifespan opened (see `create_app`)."""
    viewer: Viewer = request.state.viewer
    return viewer


def row_id(text: str) -> int:
    """A row id from a query parameter; ValueError when not a number, capped to what fits."""
    value = int(text)
    return value if value >= 0 else MAX_ID + 1


def paging(params: Any, *, default: int) -> tuple[str | None, int]:
    """(`after` cursor, `limit`) of a paged list from its query string."""
    text = params.get("limit", "")
    if text and not (text.isdigit() and 1 <= int(text) <= MAX_LIMIT):
        raise HTTPException(400, f"limit: expected 1 to {MAX_LIMIT}, got {text!r}")
    return params.get("after") or None, int(text) if text else default


def with_params(request: Request, **changes: str | None) -> str:
    """This view's address with some query parameters set (or, given None, removed)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    kept += [(k, v) for k, v in changes.items() if v is not None]
    return request.url.path + ("?" + urlencode(kept) if kept else "")


__all__ = [
    "MAX_ID",
    "VIEWER_CSP",
    "Viewer",
    "paging",
    "render_error",
    "row_id",
    "viewer_headers",
    "viewer_of",
    "with_params",
]
