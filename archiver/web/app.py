"""The snapshot viewer: a read-only Starlette app over the index and the WARC files.

Views are thin: the questions go to `archiver.store.browse`, archived bytes
come through `archiver.web.archive`, rewriting is `archiver.web.rewrite`.
Archived content is hostile: it is served only from `/capture/<id>/replay`
and `/web/<timestamp>id_/<url>`, always with `Content-Security-Policy:
sandbox` (an opaque origin: no access to the viewer's cookies, storage or
DOM) and shown in an `<iframe sandbox>` without `allow-same-origin` and
without any top-navigation allowance. With a token set, replay addresses are
signed per address and short-lived (`archiver.web.signed`): archived content
never learns a credential. Every error becomes an HTTP status rendered by
`render_error` (docs/security.md has the threat model).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from archiver import __version__
from archiver.check.violation import canonical_url
from archiver.config import Settings
from archiver.errors import ArchiverError
from archiver.extract.decode import decode_payload
from archiver.store import fulltext
from archiver.store.browse import DASHBOARD_LISTS as LISTS
from archiver.store.browse import MAX_LIMIT, Browse
from archiver.store.index import Index
from archiver.store.payload import header
from archiver.store.rows import Capture
from archiver.web import rendered
from archiver.web.archive import (
    Archive,
    Payload,
    is_css,
    is_html,
    marks_for,
    parse_timestamp,
    timestamp,
)
from archiver.web.compare import compare_models, diff_lines
from archiver.web.rewrite import Rewriter
from archiver.web.signed import SIGNED_ROOT, ReplaySigner, unsigned

# Archived documents get an opaque origin; they may run their own scripts there
# but reach nothing of the viewer, may load only what the viewer serves, may not
# move the viewer's window, and may be framed only by the viewer.
ARCHIVED_CSP = (
    "sandbox allow-scripts; "
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
VIEWER_CSP = (
    "default-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'self'"
)
IFRAME_SANDBOX = "allow-scripts"
TOKEN_COOKIE = "archiver_token"
MAX_REDIRECTS = 5
MAX_ID = 2**63 - 1  # the index's ids are signed 64-bit integers
# Archived headers are shown, not obeyed: only the body's own encoding passes through.
_PASS_HEADERS = {"content-encoding"}

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


def render_error(request: Request, status: int, detail: str) -> HTMLResponse:
    """The one place errors are rendered: an HTML page with the HTTP status."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    html = _env.get_template("error.html").render(
        request=request, status=status, phrase=phrase, detail=detail, version=__version__
    )
    return HTMLResponse(html, status_code=status, headers=_viewer_headers())


def _viewer_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": VIEWER_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


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


class Viewer:
    """The views, bound to one archive."""

    def __init__(self, settings: Settings, index: Index, token: str | None) -> None:
        self.settings = settings
        self.index = index
        self.archive = Archive(settings, index)
        self.browse = Browse(index)
        self.token = token
        self.sign = ReplaySigner(token).sign if token else unsigned

    # -- helpers ----------------------------------------------------------------

    def page(self, request: Request, name: str, **context: Any) -> HTMLResponse:
        html = _env.get_template(name).render(
            request=request, version=__version__, sign=self.sign, **context
        )
        return HTMLResponse(html, headers=_viewer_headers())

    def capture_row(self, capture_id: int) -> Capture:
        row = self.index.capture(capture_id) if capture_id <= MAX_ID else None
        if row is None:
            raise HTTPException(404, f"no capture {capture_id}")
        return row

    # -- listing ----------------------------------------------------------------

    def home(self, request: Request) -> Response:
        params = request.query_params
        site = params.get("site", "")
        status_text = params.get("status", "")
        if status_text and not status_text.isdigit():
            raise HTTPException(400, f"status: expected an HTTP status code, got {status_text!r}")
        sort = params.get("sort", "url")
        if sort not in ("url", "-url"):
            raise HTTPException(400, f"sort: expected url or -url, got {sort!r}")
        after, limit = _paging(params, default=100)
        try:
            pages = self.browse.pages(
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
        return self.page(
            request,
            "index.html",
            pages=pages,
            sites=self.browse.sites(),
            rules=self.browse.rules(),
            params=params,
            next_href=_with(request, after=pages.next_after) if pages.next_after else None,
            first_href=_with(request, after=None) if after else None,
        )

    def timeline(self, request: Request) -> Response:
        url = request.query_params.get("url", "")
        if not url:
            raise HTTPException(400, "timeline: give ?url=")
        site = request.query_params.get("site") or None
        after, limit = _paging(request.query_params, default=200)
        try:
            entries = self.browse.timeline(url, site, after=after, limit=limit)
        except ValueError as exc:
            raise HTTPException(400, f"after: {exc}") from None
        if not entries.total:
            raise HTTPException(404, f"{url} is not in the archive")
        title = self.browse.title(entries.rows[-1].capture.payload_digest) if entries.rows else None
        return self.page(
            request,
            "timeline.html",
            url=url,
            entries=entries,
            title=title,
            next_href=_with(request, after=entries.next_after) if entries.next_after else None,
            first_href=_with(request, after=None) if after else None,
        )

    def search(self, request: Request) -> Response:
        params = request.query_params
        phrase = params.get("q", "").strip()
        site = params.get("site") or None
        try:
            start = fulltext.date_bound(params.get("from", ""), "from")
            end = fulltext.date_bound(params.get("to", ""), "to", inclusive_end=True)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        _, limit = _paging(params, default=50)
        hits = (
            fulltext.search(self.index, phrase, site=site, start=start, end=end, limit=limit)
            if phrase
            else []
        )
        return self.page(
            request,
            "search.html",
            phrase=phrase,
            hits=hits,
            sites=self.browse.sites(),
            params=params,
            limit=limit,
        )

    # -- one capture --------------------------------------------------------------

    def capture(self, request: Request) -> Response:
        row = self.capture_row(request.path_params["capture_id"])
        source = self.index.payload_capture(row)
        before, after = self.browse.neighbours(row)
        violations = self.browse.violations_of_capture(row.id)
        evidence = {v.id: json.loads(v.evidence) for v in violations}
        return self.page(
            request,
            "capture.html",
            row=row,
            source=source,
            insecure_tls=self._insecure_tls(row, source),
            sent=self.archive.request(row),
            before=before,
            after=after,
            violations=violations,
            evidence=evidence,
            sandbox=IFRAME_SANDBOX,
            outlined=bool(marks_for(violations)),
            rendered=rendered.views(self, row, violations),
        )

    def _insecure_tls(self, *rows: Capture) -> bool:
        """Whether a run that made these captures did not verify TLS (the site's insecure_tls)."""
        for run_id in {r.run_id for r in rows}:
            run = self.index.run(run_id)
            if run is not None and json.loads(run.stats or "{}").get("insecure_tls"):
                return True
        return False

    def replay(self, request: Request) -> Response:
        row = self.capture_row(request.path_params["capture_id"])
        if _top_level(request):
            return _to_capture_page(row)
        outline = request.query_params.get("outline", "1") != "0"
        marks = marks_for(self.browse.violations_of_capture(row.id)) if outline else []
        return self.serve_archived(row, marks=marks)

    def serve_archived(self, row: Capture, marks: list[Any] | None = None) -> Response:
        """An archived response, rewritten when HTML or CSS, streamed otherwise."""
        source = self.index.payload_capture(row)
        content_type = source.content_type
        rewriter = Rewriter(self.sign, timestamp(row.captured_at))
        if is_html(content_type) or is_css(content_type):
            payload = self.archive.payload(row, whole=True)
            text, _, _ = decode_payload(
                payload.body or b"", header(payload.headers, "content-type")
            )
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
        payload = self.archive.payload(row, whole=False)
        assert payload.stream is not None
        return StreamingResponse(
            payload.stream,
            status_code=_replay_status(payload.status),
            headers=_archived_headers(payload, content_type, encoded=True),
        )

    def model(self, request: Request) -> Response:
        row = self.capture_row(request.path_params["capture_id"])
        source = self.index.payload_capture(row)
        if not is_html(source.content_type):
            raise HTTPException(404, f"capture {row.id} is not an HTML page: no page model")
        model, cached = self.archive.model(row)
        return JSONResponse(
            model,
            headers={
                **_viewer_headers(),
                "X-Archiver-Model": "cache" if cached else "extracted",
            },
        )

    def record(self, request: Request) -> Response:
        row = self.capture_row(request.path_params["capture_id"])
        return StreamingResponse(
            self.archive.record_bytes(row),
            media_type="application/warc",
            headers={
                "Content-Disposition": f'attachment; filename="capture-{row.id}.warc.gz"',
                "Content-Length": str(row.length),
                "X-Content-Type-Options": "nosniff",
            },
        )

    # -- time travel ----------------------------------------------------------------

    def wayback(self, request: Request) -> Response:
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
        row = self._nearest(url, moment)
        if _top_level(request) or (not raw and not _in_frame(request)):
            return _to_capture_page(row)
        # A link clicked inside the replay frame lands here too: the frame shows
        # the linked capture, since archived content may not move the viewer.
        for _ in range(MAX_REDIRECTS):
            location = row.location
            if not (300 <= row.status < 400 and location):
                break
            row = self._nearest(location, moment)
        return self.serve_archived(row)

    def _nearest(self, url: str, moment: datetime) -> Capture:
        if not url.startswith(("http://", "https://")):
            raise HTTPException(400, f"{url!r} is not an http(s) URL")
        row = self.browse.nearest(canonical_url(url), moment)
        if row is None:
            raise HTTPException(404, f"{url} is not in the archive")
        return row

    def goto(self, request: Request) -> Response:
        url = request.query_params.get("url", "").strip()
        date = request.query_params.get("date", "").strip()
        stamp = "".join(ch for ch in date if ch.isdigit())[:14] or timestamp(datetime.now(UTC))
        if not url:
            raise HTTPException(400, "give a URL")
        return RedirectResponse(f"/web/{stamp}/{url}", status_code=302)

    # -- compare and dashboard ------------------------------------------------------

    def compare(self, request: Request) -> Response:
        params = request.query_params
        try:
            left_id = _id(params.get("a", ""))
        except ValueError:
            raise HTTPException(400, "compare: give ?a=<capture id>&b=<capture id>") from None
        left = self.capture_row(left_id)
        if params.get("b"):
            try:
                right = self.capture_row(_id(params["b"]))
            except ValueError:
                raise HTTPException(400, "compare: b must be a capture id") from None
        else:
            _, after = self.browse.neighbours(left)
            if after is None:
                raise HTTPException(404, f"capture {left.id} has no later capture to compare")
            right = after
        if right.captured_at < left.captured_at:
            left, right = right, left
        for row in (left, right):
            if not is_html(self.index.payload_capture(row).content_type):
                raise HTTPException(400, f"capture {row.id} is not an HTML page")
        lines = diff_lines(self.archive.main_text(left), self.archive.main_text(right))
        fields = compare_models(self.archive.model(left)[0], self.archive.model(right)[0])
        return self.page(
            request,
            "compare.html",
            left=left,
            right=right,
            lines=lines,
            fields=fields,
            same=left.payload_digest == right.payload_digest,
            changes=sum(1 for line in lines if line.op != "equal"),
        )

    def violations(self, request: Request) -> Response:
        sites = self.browse.sites()
        params = request.query_params
        site = params.get("site") or (sites[0] if sites else "")
        run_text = params.get("run", "")
        if run_text and not run_text.isdigit():
            raise HTTPException(400, f"run: expected a run id, got {run_text!r}")
        if run_text and int(run_text) > MAX_ID:
            raise HTTPException(404, f"no run {run_text}")
        _, limit = _paging(params, default=100)
        after = {name: params[f"{name}_after"] for name in LISTS if params.get(f"{name}_after")}
        try:
            board = (
                self.browse.dashboard(
                    site, int(run_text) if run_text else None, after=after, limit=limit
                )
                if site
                else None
            )
        except ValueError as exc:
            raise HTTPException(400, f"after: {exc}") from None
        more = {}
        if board is not None:
            for name, rows in board.lists.items():
                if rows.next_after:
                    more[name] = _with(request, **{f"{name}_after": rows.next_after})
        return self.page(
            request,
            "violations.html",
            board=board,
            sites=sites,
            site=site,
            runs=self.browse.checked_runs(site) if site else [],
            more=more,
            paged=bool(after),
            first_href=_with(request, **{f"{n}_after": None for n in LISTS}) if after else None,
        )


def _id(text: str) -> int:
    """A row id from a query parameter; ValueError when not a number, capped to what fits."""
    value = int(text)
    return value if value >= 0 else MAX_ID + 1


def _top_level(request: Request) -> bool:
    # Browsers say what a request is for; archived content opened as a
    # top-level document would be its own window, outside the viewer's frame.
    return request.headers.get("sec-fetch-dest") == "document"


def _in_frame(request: Request) -> bool:
    return request.headers.get("sec-fetch-dest") in ("iframe", "frame")


def _to_capture_page(row: Capture) -> Response:
    return RedirectResponse(f"/capture/{row.id}", status_code=302, headers=_viewer_headers())


def _paging(params: Any, *, default: int) -> tuple[str | None, int]:
    """(`after` cursor, `limit`) of a paged list from its query string."""
    text = params.get("limit", "")
    if text and not (text.isdigit() and 1 <= int(text) <= MAX_LIMIT):
        raise HTTPException(400, f"limit: expected 1 to {MAX_LIMIT}, got {text!r}")
    return params.get("after") or None, int(text) if text else default


def _with(request: Request, **changes: str | None) -> str:
    """This view's address with some query parameters set (or, given None, removed)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    kept += [(k, v) for k, v in changes.items() if v is not None]
    return request.url.path + ("?" + urlencode(kept) if kept else "")


def _replay_status(status: int) -> int:
    # Keep what the archive says (a 404 page is evidence too); a revisit or a
    # 304 answer is shown as the page it confirmed.
    return 200 if status in (0, 304) else status


class TokenGate(BaseHTTPMiddleware):
    """Refuse every request without the token (when one is set).

    The token arrives once as `?token=`, becomes an HttpOnly SameSite=Strict
    cookie, and is then dropped from the address; scripts may send it as
    `Authorization: Bearer <token>`. Replay addresses, requested by sandboxed
    (opaque-origin) frames that send no cookies, are signed one by one and
    expire (`ReplaySigner`); a signed address opens archived content only.
    """

    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token
        self.signer = ReplaySigner(token)

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if path.startswith(SIGNED_ROOT):
            raw_path = request.scope.get("raw_path", path.encode()).decode("latin-1")
            query = request.scope.get("query_string", b"").decode("latin-1")
            rest = self.signer.verify(raw_path, query)
            if rest is None:
                return render_error(request, 401, "replay address expired or not valid")
            if not (rest.startswith("/web/") or _is_replay(rest)):
                return render_error(request, 403, "a replay address opens archived content only")
            request.scope["path"] = unquote(rest)
            request.scope["raw_path"] = rest.encode("latin-1")
            return await call_next(request)
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = path + ("?" + urlencode(kept) if kept else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        cookie = request.cookies.get(TOKEN_COOKIE, "")
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        if any(hmac.compare_digest(v.encode(), self.token.encode()) for v in (cookie, bearer) if v):
            return await call_next(request)
        return render_error(request, 401, "this viewer needs its token: open the URL it printed")


def _is_replay(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 4 and parts[1] == "capture" and parts[2].isdigit() and parts[3] == "replay"


class HostGate(BaseHTTPMiddleware):
    """Answer only to the host names the viewer is reached by (against DNS rebinding).

    A page on any web site can point its own host name at 127.0.0.1 and then
    read the viewer as same-origin; the `Host` header it sends still names the
    attacker's host, so only the names and addresses the viewer was bound to
    (and `web.allowed_hosts`) are accepted.
    """

    def __init__(self, app: Any, hosts: frozenset[str], any_address: bool) -> None:
        super().__init__(app)
        self.hosts = hosts
        self.any_address = any_address

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        name = _host_name(request.headers.get("host", ""))
        if name in self.hosts or (self.any_address and _is_address(name)):
            return await call_next(request)
        return render_error(
            request, 400, f"Host {name!r} is not one this viewer answers to (web.allowed_hosts)"
        )


def _host_name(header_value: str) -> str:
    value = header_value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(bind: str, configured: Iterable[str]) -> tuple[frozenset[str], bool]:
    """The Host names the viewer bound to `bind` accepts, and whether any IP address is accepted.

    Loopback answers to its addresses and `localhost`; a specific address to
    itself; a wildcard bind (0.0.0.0, ::) to any IP address (an address is not
    a name anyone can rebind). Names beyond these come from `web.allowed_hosts`.
    """
    hosts = {h.strip("[]").lower() for h in configured}
    bound = bind.strip("[]").lower()
    hosts.add(bound)
    wildcard = bound in ("0.0.0.0", "::", "")
    if bound in ("localhost", "127.0.0.1", "::1") or (
        _is_address(bound) and ipaddress.ip_address(bound).is_loopback
    ):
        hosts.update({"localhost", "127.0.0.1", "::1"})
    return frozenset(hosts), wildcard


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return render_error(request, exc.status_code, str(exc.detail))
    if isinstance(exc, ArchiverError):
        return render_error(request, 500, str(exc))
    return render_error(request, 500, "internal error")


def create_app(
    settings: Settings, *, token: str | None = None, bind: str | None = None
) -> Starlette:
    """The viewer app over `settings`' archive; with `token`, every request must carry it.

    With `bind` (the address it listens on), only the Host names `allowed_hosts`
    gives are answered; without, any (an in-process client).
    """
    index = Index(settings.storage.index_url)
    viewer = Viewer(settings, index, token)
    static = Path(__file__).parent / "static"
    routes = [
        Route("/", viewer.home, name="home"),
        Route("/timeline", viewer.timeline, name="timeline"),
        Route("/capture/{capture_id:int}", viewer.capture, name="capture"),
        Route("/capture/{capture_id:int}/replay", viewer.replay, name="replay"),
        Route("/capture/{capture_id:int}/model.json", viewer.model, name="model"),
        Route("/capture/{capture_id:int}/record.warc.gz", viewer.record, name="record"),
        Route("/web/{timestamp}/{url:path}", viewer.wayback, name="wayback"),
        Route("/goto", viewer.goto, name="goto"),
        Route("/compare", viewer.compare, name="compare"),
        Route("/violations", viewer.violations, name="violations"),
        Route("/search", viewer.search, name="search"),
        *rendered.routes(viewer),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    middleware = []
    if bind is not None:
        hosts, any_address = allowed_hosts(bind, settings.web.allowed_hosts)
        middleware.append(Middleware(HostGate, hosts=hosts, any_address=any_address))
    if token:
        middleware.append(Middleware(TokenGate, token=token))
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: _http_error,
            ArchiverError: _http_error,
            Exception: _http_error,
        },
    )
    app.state.viewer = viewer
    return app


__all__ = ["ARCHIVED_CSP", "IFRAME_SANDBOX", "allowed_hosts", "create_app", "render_error"]
