"""Load archived pages in headless Chromium, politely, and take what the reader saw.

One browser (Debian's Chromium through Playwright's `executable_path`; never a
downloaded one), a few pages at a time, each in its own context that is closed
after the page, so memory stays bounded by `PAGES_AT_ONCE`. Every request the
page makes goes through `_route`:

- the page itself, and anything the crawl archived in this run, is answered
  from the archive (the screenshot shows the archived response, and the site
  is not asked twice);
- anything else is fetched live only if the crawl would have fetched it as an
  embed (`Scope.refuse(..., embed=True)`) and robots.txt allows it, one at a
  time per host, `crawl.delay` (raised by Crawl-delay) after the previous one
  ended; what is fetched is kept for the archive, what is refused is aborted
  and counted. Live requests (robots.txt included) leave through the crawler's
  own `Fetcher`, never the browser's network stack: the same CAs, proxy and
  site credentials, the same caps, and the same refusal of hosts that resolve
  to private addresses — a script in an archived page cannot make us fetch
  (and archive) an intranet or cloud-metadata URL.

A page that does not load within `crawl.browser_timeout`, or whose renderer
crashes, is tried once more in a fresh context, then reported as failed; a
browser that died is started again. Nothing waits without a bound.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from loguru import logger

from archiver.browser import layout
from archiver.browser.records import Rendered, now
from archiver.config import CrawlSettings
from archiver.crawl.fetcher import Fetcher
from archiver.crawl.robots import Robots, fetch_robots
from archiver.crawl.transport import Connection
from archiver.errors import AddressRefused, ArchiveError, ConfigError, FetchError
from archiver.extras import chromium_path
from archiver.store import warc
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.urls import Scope, canonicalize

CHROMIUM = chromium_path()
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)
PAGES_AT_ONCE = 3
VIEWPORT = {"width": 1280, "height": 900}
# A full-page screenshot taller than this is cut here: a 10 MB PNG per endless page is
# not evidence, and the browser's memory for one screenshot grows with its height.
MAX_HEIGHT = 16_000
# Response headers that describe the bytes on the wire: the browser is handed the body
# decoded, so they are left out of what it is given.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

# A stored response: status, reason, headers, decoded body.
Stored = tuple[int, str, list[tuple[str, str]], bytes]


@dataclass
class Outcome:
    """What rendering one page gave: the page, or why it failed after its second try."""

    url: str
    rendered: Rendered | None = None
    error: str | None = None
    attempts: int = 0


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    robots: Robots | None = None


@dataclass
class Counts:
    """Requests the pages made, by how they were answered."""

    archived: int = 0
    fetched: int = 0
    refused: Counter[str] = field(default_factory=Counter)


class Renderer:
    """One headless Chromium rendering archived pages (use as an async context manager).

    `archived(url)` answers a URL from the archive (None: not archived);
    `robots_for(origin)` gives the archived robots.txt of an origin, if the
    crawl fetched one; `connection` is how live requests leave (the site's CAs,
    proxy and credentials, as the crawl had them).
    """

    def __init__(
        self,
        crawl: CrawlSettings,
        scope: Scope,
        archived: Callable[[str], Stored | None],
        robots_for: Callable[[str], Robots | None],
        connection: Connection | None = None,
    ) -> None:
        self.crawl, self.scope = crawl, scope
        self.archived, self.robots_for = archived, robots_for
        self.counts = Counts()
        self._hosts: dict[str, _Host] = {}
        self._playwright: Any = None
        self._browser: Any = None
        self._fetcher = Fetcher(crawl, private_ok=scope.hosts, connection=connection)
        self._launch_lock = asyncio.Lock()

    async def __aenter__(self) -> Renderer:
        try:
            from playwright.async_api import async_playwright
        except ImportError as exc:
            raise ConfigError(
                'capture = "browser" needs Playwright: pip install "archiver[browser]" '
                f"(and Debian's chromium at {CHROMIUM})"
            ) from exc
        if not os.path.exists(CHROMIUM):
            raise ConfigError(
                f'capture = "browser" needs Chromium at {CHROMIUM} (apt-get install chromium); '
                "set ARCHIVER_CHROMIUM to use another path"
            )
        self._playwright = await async_playwright().start()
        await self._launch()
        return self

    async def __aexit__(self, *exc: object) -> None:
        closing = [self._fetcher.aclose()]
        if self._browser is not None:
            closing.append(self._browser.close())
        for step in closing:
            try:
                await asyncio.wait_for(step, 10)
            except Exception as error:  # a dead browser cannot be closed politely
                logger.debug("closing the browser: {}", error)
        if self._playwright is not None:
            await self._playwright.stop()

    async def _launch(self) -> None:
        self._browser = await self._playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(LAUNCH_ARGS), headless=True
        )

    async def _ensure_browser(self) -> Any:
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                logger.warning("the browser died; starting it again")
                await self._launch()
            return self._browser

    # -- politeness ------------------------------------------------------------

    def _host(self, origin: str) -> _Host:
        host = self._hosts.get(origin)
        if host is None:
            host = self._hosts[origin] = _Host()
        return host

    async def _robots(self, origin: str, host: _Host) -> Robots:
        if host.robots is None:
            robots = self.robots_for(origin)
            if robots is None:
                robots = await self._fetch_robots(origin + "/robots.txt")
            host.robots = robots
        return host.robots

    async def _fetch_robots(self, url: str) -> Robots:
        """robots.txt fetched live (not archived: the crawl archives the ones it reads)."""

        async def fetch(at: str) -> warc.Exchange:
            return (await self._fetcher.fetch(at)).exchange

        return await fetch_robots(fetch, url)

    async def _polite(self, url: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """Run `fetch` for a host one at a time, each `delay` after the previous one ended.

        Stricter than the crawler (up to `per_host` in flight, `delay` between starts):
        requests made through the browser reach the site with a latency that varies by
        hundreds of milliseconds, so only spacing from the previous end keeps the gaps
        the site sees at `delay` or more. Live fetches are few (what the crawl did not
        archive), so this costs little.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        host = self._host(origin)
        async with host.lock:
            robots = await self._robots(origin, host) if self.crawl.respect_robots else None
            delay = max(
                self.crawl.delay, robots.crawl_delay(self.crawl.user_agent) if robots else 0.0
            )
            loop = asyncio.get_running_loop()
            wait = host.next_start - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await fetch()
            finally:
                host.next_start = loop.time() + delay

    def _refusal(self, url: str) -> str | None:
        if urlsplit(url).scheme not in ("http", "https"):
            return "scheme"
        try:
            key = canonicalize(url)
        except ValueError:
            return "bad-url"
        reason = self.scope.refuse(key, embed=True)
        return f"scope:{reason}" if reason is not None else None

    # -- one page ---------------------------------------------------------------

    async def _route(self, route: Any, fetched: dict[str, warc.Exchange]) -> None:
        request = route.request
        url = request.url
        if request.method in ("GET", "HEAD"):
            earlier = fetched.get(url)  # fetched live by an earlier try of this page
            if earlier is not None:
                replay = _fulfil_headers(earlier.response_headers)
                await route.fulfill(status=earlier.status, headers=replay, body=earlier.body)
                return
            stored = self.archived(url)
            if stored is not None:
                status, _reason, headers, body = stored
                self.counts.archived += 1
                await route.fulfill(status=status, headers=_fulfil_headers(headers), body=body)
                return
        # The crawler only ever GETs; a page's script may not POST to the site on our behalf.
        why = self._refusal(url) if request.method in ("GET", "HEAD") else "method"
        if why is None and self.crawl.respect_robots:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            robots = await self._robots(origin, self._host(origin))
            if not robots.allowed(url, self.crawl.user_agent):
                why = "robots"
        if why is not None:
            self.counts.refused[why] += 1
            await route.abort("blockedbyclient")
            return
        try:
            live = await self._polite(url, lambda: self._fetcher.fetch(url))
        except FetchError as exc:  # the page goes on without it, as a browser would
            refused = isinstance(exc, AddressRefused)
            self.counts.refused["address" if refused else "failed"] += 1
            logger.debug("{}: {}", url, exc)
            await route.abort("blockedbyclient" if refused else "failed")
            return
        exchange = live.exchange
        encoding = header(exchange.response_headers, "content-encoding")
        try:
            body = decode(exchange.body, encoding, self.crawl.max_bytes)
        except PayloadTooLarge:
            body = exchange.body[: self.crawl.max_bytes]
        self.counts.fetched += 1
        fetched[url] = exchange  # archived as the crawler would have: raw bytes, redacted
        await route.fulfill(
            status=exchange.status, headers=_fulfil_headers(exchange.response_headers), body=body
        )

    async def _attempt(self, url: str, fetched: dict[str, warc.Exchange]) -> Rendered:
        browser = await self._ensure_browser()
        context = await browser.new_context(
            viewport=VIEWPORT,
            user_agent=self.crawl.user_agent,
            service_workers="block",  # so every request comes through the route
            accept_downloads=False,
        )
        try:
            await context.route("**/*", lambda route: self._route(route, fetched))
            page = await context.new_page()
            crashed = asyncio.get_running_loop().create_future()

            def on_crash(_: Any) -> None:
                if not crashed.done():
                    crashed.set_result(True)

            page.on("crash", on_crash)
            timeout = self.crawl.browser_timeout
            started: datetime = now()
            load = asyncio.ensure_future(page.goto(url, wait_until="load", timeout=timeout * 1000))
            done, _ = await asyncio.wait({load, crashed}, return_when=asyncio.FIRST_COMPLETED)
            if crashed in done:
                load.cancel()
                raise ArchiveError("the renderer crashed")
            crashed.cancel()
            load.result()
            try:
                await page.wait_for_load_state("networkidle", timeout=timeout * 250)
            except Exception:  # a page that keeps polling is shot as it stands
                logger.debug("{}: no network idle within {:.1f}s", url, timeout / 4)
            boxes = await page.evaluate(layout.SCRIPT)
            dom = await page.content()
            height = int(boxes.get("page", [0, 0])[1] or 0)
            clip = None
            if height > MAX_HEIGHT:
                clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_HEIGHT}
                boxes["clipped_at"] = MAX_HEIGHT
            shot = await page.screenshot(
                full_page=True, type="png", clip=clip, timeout=timeout * 1000
            )
            took = (now() - started).total_seconds()
            logger.debug("{}: rendered in {:.2f}s, {} px high", url, took, height)
            boxes["url"] = url
            return Rendered(url, started, shot, dom, boxes, list(fetched.values()))
        finally:
            try:
                await asyncio.wait_for(context.close(), 10)
            except Exception as exc:  # the browser may be gone with the renderer
                logger.debug("closing a page's context: {}", exc)

    async def render(self, url: str) -> Outcome:
        """Render one page, trying once more after a timeout or crash; never raises."""
        outcome = Outcome(url)
        # The hard cap covers what Playwright's own timeouts do not (a hung renderer).
        deadline = self.crawl.browser_timeout * 3 + 15
        # What a try fetched live is kept for the next: the site is not asked twice.
        fetched: dict[str, warc.Exchange] = {}
        for outcome.attempts in (1, 2):
            try:
                outcome.rendered = await asyncio.wait_for(self._attempt(url, fetched), deadline)
                outcome.error = None
                return outcome
            except (TimeoutError, asyncio.CancelledError) as exc:
                if isinstance(exc, asyncio.CancelledError) and _cancelling():
                    raise
                outcome.error = f"no load within {self.crawl.browser_timeout:g}s"
            except Exception as exc:  # Playwright's Error, a crash: the run goes on
                outcome.error = _short(exc)
            logger.warning("{}: browser try {} failed: {}", url, outcome.attempts, outcome.error)
        return outcome


def _cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task is not None and task.cancelling())


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    if "Timeout" in first or "timeout" in first:
        return f"timed out: {first[:200]}"
    return first[:300]


def _fulfil_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Headers for `route.fulfill`: the body is given decoded, so no wire framing."""
    out: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in _WIRE_HEADERS or lower.startswith("x-archive-orig-"):
            continue
        out[name] = f"{out[name]}, {value}" if name in out and lower != "set-cookie" else value
    return out


__all__ = ["CHROMIUM", "LAUNCH_ARGS", "PAGES_AT_ONCE", "Outcome", "Renderer"]
