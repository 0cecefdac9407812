"""The violations dashboard: a run's open, new and fixed violations, by rule and section."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archiver.store.browse import DASHBOARD_LISTS as LISTS
from archiver.web.viewer import MAX_ID, paging, viewer_of, with_params


def violations(request: Request) -> Response:
    """One site's run (default: its latest checked one) against the run checked before it."""
    viewer = viewer_of(request)
    sites = viewer.browse.sites()
    params = request.query_params
    site = params.get("site") or (sites[0] if sites else "")
    run_text = params.get("run", "")
    if run_text and not run_text.isdigit():
        raise HTTPException(400, f"run: expected a run id, got {run_text!r}")
    if run_text and int(run_text) > MAX_ID:
        raise HTTPException(404, f"no run {run_text}")
    _, limit = paging(params, default=100)
    after = {name: params[f"{name}_after"] for name in LISTS if params.get(f"{name}_after")}
    try:
        board = (
            viewer.browse.dashboard(
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
                more[name] = with_params(request, **{f"{name}_after": rows.next_after})
    return viewer.page(
        request,
        "violations.html",
        board=board,
        sites=sites,
        site=site,
        runs=viewer.browse.checked_runs(site) if site else [],
        more=more,
        paged=bool(after),
        first_href=with_params(request, **{f"{n}_after": None for n in LISTS}) if after else None,
    )


ROUTES = [Route("/violations", violations, name="violations")]

__all__ = ["ROUTES"]
