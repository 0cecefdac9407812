"""Short-lived, per-address signed URLs for archived content.

Archived documents run their own scripts and always know their own address,
so anything in that address is known to hostile content and may leave with
the next navigation (a sandboxed frame can always navigate itself). With a
token set, the viewer therefore never puts a credential in a replay address:
each address the viewer hands out (the replay frame, every embed and link
rewritten into an archived page) carries its own expiry and an HMAC over
exactly that address. A leaked address opens that one archived resource, for
at most `REPLAY_TTL` seconds, and nothing else: no other capture, no viewer
page. The token itself lives in an HttpOnly cookie the sandboxed frame never
sees.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from hashlib import sha256
from urllib.parse import unquote

REPLAY_TTL = 600  # seconds a handed-out replay address stays valid (at least; < 660)
SIGNED_ROOT = "/r/"


def _canonical(address: str) -> str:
    # Browsers percent-encode what a page wrote (spaces, non-ASCII) and never
    # send the fragment: sign and check the decoded form of what arrives.
    return unquote(address.split("#", 1)[0])


class ReplaySigner:
    """Signs replay addresses `/r/<expiry>/<mac>/<address>` and checks them."""

    def __init__(self, token: str, clock: Callable[[], float] = time.time) -> None:
        self._key = hmac.new(token.encode(), b"archiver-replay-url", sha256).digest()
        self._clock = clock

    def _mac(self, expiry: int, address: str) -> str:
        message = f"{expiry}\n{_canonical(address)}".encode()
        return hmac.new(self._key, message, sha256).hexdigest()[:32]

    def sign(self, address: str) -> str:
        """`address` (a path with its query) as a signed, short-lived replay address."""
        # Rounded up to the minute: an address stays the same for a minute, so
        # the browser's cache serves a page's embeds on the next view.
        expiry = -(-(int(self._clock()) + REPLAY_TTL) // 60) * 60
        return f"{SIGNED_ROOT}{expiry}/{self._mac(expiry, address)}{address}"

    def verify(self, raw_path: str, query: str) -> str | None:
        """The (raw) path a signed `raw_path` + `query` stands for; None when forged or expired."""
        parts = raw_path[len(SIGNED_ROOT) :].split("/", 2)
        if not raw_path.startswith(SIGNED_ROOT) or len(parts) != 3:
            return None
        expiry_text, mac, rest = parts
        if not (expiry_text.isascii() and expiry_text.isdigit() and len(expiry_text) <= 12):
            return None
        expiry = int(expiry_text)
        address = "/" + rest + (f"?{query}" if query else "")
        if not hmac.compare_digest(mac.encode(), self._mac(expiry, address).encode()):
            return None
        if expiry < self._clock():
            return None
        return "/" + rest


def unsigned(address: str) -> str:
    """Without a token there is no credential to protect: addresses stay as they are."""
    return address


__all__ = ["REPLAY_TTL", "SIGNED_ROOT", "ReplaySigner", "unsigned"]
