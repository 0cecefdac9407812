"""Who may ask the viewer anything: its token, and the host names it answers to.

Both gates answer a refused request through `render_error`, so it carries the
viewer's security headers like any other page (docs/security.md).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from archiver.web.signed import SIGNED_ROOT, ReplaySigner
from archiver.web.viewer import render_error

TOKEN_COOKIE = "archiver_token"


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


__all__ = ["TOKEN_COOKIE", "HostGate", "TokenGate", "allowed_hosts"]
