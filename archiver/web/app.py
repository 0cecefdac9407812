"""The snapshot viewer: a read-only Starlette app over the index and the WARC files.

The app's lifespan owns the index: it is opened when the server starts and
closed when it stops, and every view reaches it through `viewer_of(request)`.
The views live by area: `lists` (pages, timeline, search), `replay` (one
capture, its sandboxed replay, time travel), `compare`, `findings` (the
violations dashboard), `rendered` (a browser capture's screenshot, DOM and
crops); `gates` decides who may ask. Every error becomes an HTTP status
rendered by `render_error` (docs/security.md has the threat model).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from archiver.config import Settings
from archiver.errors import ArchiverError
from archiver.store.index import Index
from archiver.web import compare, findings, lists, rendered, replay
from archiver.web.gates import HostGate, TokenGate, allowed_hosts
from archiver.web.replay import ARCHIVED_CSP, IFRAME_SANDBOX
from archiver.web.viewer import Viewer, render_error


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
    gives are answered; without, any (an in-process client). The index is opened
    when the app starts (an ArchiverError there is kept as `app.state.startup_error`
    for the caller, since the server only says that start-up failed) and closed
    when it stops.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # Opening runs the index's migrations: off the event loop, as every query is.
        try:
            index = await asyncio.to_thread(Index, settings.storage.index_url)
        except ArchiverError as exc:
            app.state.startup_error = exc
            raise
        try:
            yield {"viewer": Viewer(settings, index, token)}
        finally:
            await asyncio.to_thread(index.close)

    static = Path(__file__).parent / "static"
    routes: list[BaseRoute] = [
        *lists.ROUTES,
        *replay.ROUTES,
        *compare.ROUTES,
        *findings.ROUTES,
        *rendered.ROUTES,
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    middleware = []
    if bind is not None:
        hosts, any_address = allowed_hosts(bind, settings.web.allowed_hosts)
        middleware.append(Middleware(HostGate, hosts=hosts, any_address=any_address))
    if token:
        middleware.append(Middleware(TokenGate, token=token))
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: _http_error,
            ArchiverError: _http_error,
            Exception: _http_error,
        },
        lifespan=lifespan,
    )


__all__ = ["ARCHIVED_CSP", "IFRAME_SANDBOX", "allowed_hosts", "create_app", "render_error"]
