"""robots.txt per host, parsed with Protego (RFC 9309).

A missing robots.txt (4xx) allows everything; a server error or no answer
disallows everything for this crawl (the next run asks again), as RFC 9309
asks. The body is decoded from its Content-Encoding first (servers gzip
text/plain; Protego reads no rules from compressed bytes), and only the first
500 KiB are parsed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from protego import Protego

from archiver.errors import FetchError
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.warc import Exchange
from archiver.urls import clean

MAX_ROBOTS_BYTES = 500 * 1024
# A compressed robots.txt decoding past this is a bomb, not rules.
MAX_DECODED_BYTES = 8 * MAX_ROBOTS_BYTES
MAX_REDIRECTS = 5  # RFC 9309 §2.3.1.2


@dataclass
class Robots:
    """What one host's robots.txt allows for our user agent."""

    parser: Protego | None
    allow_all: bool = False
    disallow_all: bool = False
    unreachable: str | None = None  # why robots.txt could not be had (then nothing is fetched)

    @classmethod
    def from_response(
        cls,
        status: int | None,
        body: bytes,
        error: str | None = None,
        *,
        content_encoding: str | None = None,
    ) -> Robots:
        """Interpret a robots.txt fetch: status None means no response at all (`error` says why).

        A redirect here is one that was not followed further (more than
        `MAX_REDIRECTS`): RFC 9309 lets it count as unavailable, like a 4xx.
        """
        if status is None or status >= 500 or status == 429:
            reason = error or f"robots.txt answered {status}"
            return cls(None, disallow_all=True, unreachable=reason)
        if status >= 400 or status < 200 or status >= 300:
            return cls(None, allow_all=True)
        try:
            data = decode(body, content_encoding, MAX_DECODED_BYTES)
        except PayloadTooLarge:
            reason = f"robots.txt decodes to more than {MAX_DECODED_BYTES} bytes"
            return cls(None, disallow_all=True, unreachable=reason)
        text = data[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        try:
            return cls(Protego.parse(text))
        except Exception:  # Protego is lenient; anything it still chokes on means "no rules"
            return cls(None, allow_all=True)

    def allowed(self, url: str, user_agent: str) -> bool:
        """May `url` be fetched by `user_agent`?"""
        if self.disallow_all:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float:
        """The Crawl-delay for `user_agent`, 0 when none."""
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay else 0.0

    def sitemaps(self) -> list[str]:
        """Sitemap URLs listed in robots.txt."""
        return list(self.parser.sitemaps) if self.parser is not None else []


async def fetch_robots(fetch: Callable[[str], Awaitable[Exchange]], url: str) -> Robots:
    """The rules at `url`, each request made by `fetch` (which may archive it), following up
    to `MAX_REDIRECTS` redirects (RFC 9309 §2.3.1.2); no answer at all is `unreachable`."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            exchange = await fetch(url)
        except FetchError as exc:
            return Robots.from_response(None, b"", exc.reason)
        location = header(exchange.response_headers, "location")
        if not (300 <= exchange.status < 400 and location):
            break
        try:
            url = clean(urljoin(url, location.strip()))
        except ValueError:
            break
    return Robots.from_response(
        exchange.status,
        exchange.body,
        content_encoding=header(exchange.response_headers, "content-encoding"),
    )
