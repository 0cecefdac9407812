"""A whole generated government site on 127.0.0.1, shaped like real ones, of any size.

`pages` content pages with the URL shapes real CMSs produce — press releases
(`/en/aktuelt/release-123/id4000123/`), dated news (`/news/2024/03/slug-124`), Drupal-style
nodes (`/node/125`) and query ids (`/view?id=126`) — reached from a home page through
listing pages (`/list/<k>`, 100 links each), all listed in a sitemap index
(`/sitemap.xml` → `/sitemap-<k>.xml`, 5,000 URLs each, with `<lastmod>`). An events
calendar (`/events/<y>/<m>/`) links to the previous and next month forever (a real
trap: only the last two years have events). robots.txt disallows `/private/`, and the
home page links there and off-site, so every skip reason shows up.

Every page has a strong ETag (answering 304) and a Last-Modified equal to its sitemap
`<lastmod>`. `change(fraction)` edits that share of the content pages now: their text,
ETag, Last-Modified and `<lastmod>` change together, as a CMS publishing an update does.
The request log counts every request, for the recrawl figures.

Run it in its own process for the benchmark: `python -m tests.servers.wholesite --pages N`.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import random
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PER_LIST = 100
PER_SITEMAP = 5_000
EVENT_YEARS = 2
_BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_WORDS = [
    "minister",
    "government",
    "budget",
    "health",
    "school",
    "climate",
    "report",
    "agreement",
    "council",
    "municipal",
    "funding",
    "transport",
    "digital",
    "security",
    "fisheries",
    "energy",
    "housing",
    "research",
    "culture",
    "justice",
    "police",
    "hospital",
    "support",
    "proposal",
    "consultation",
    "strategy",
    "regional",
    "coastal",
    "rural",
    "public",
    "service",
    "citizens",
    "committee",
    "parliament",
    "statement",
    "decision",
    "review",
    "framework",
    "programme",
]
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _rng(n: int) -> random.Random:
    return random.Random(n * 7919 + 17)


def content_path(n: int) -> str:
    """The path of content page n (its shape depends on n modulo 4)."""
    kind = n % 4
    if kind == 0:
        return f"/en/aktuelt/release-{n}/id{4_000_000 + n}/"
    if kind == 1:
        published = published_on(n)
        slug = "-".join(_rng(n).sample(_WORDS, 3))
        return f"/news/{published.year}/{published.month:02d}/{slug}-{n}"
    if kind == 2:
        return f"/node/{n}"
    return f"/view?id={n}"


def published_on(n: int) -> date:
    """Content pages were published over the eight years before 2026."""
    return date(2018, 1, 1) + timedelta(days=(n * 37) % (8 * 365))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class WholeSite:
    """The site's content and its state (which pages changed, when); thread-safe."""

    def __init__(self, pages: int, today: date | None = None) -> None:
        self.pages = pages
        self.today = today or datetime.now(UTC).date()
        self.changed: dict[int, datetime] = {}
        self.requests = 0
        self._lock = threading.Lock()
        self._index: dict[str, int] = {content_path(n): n for n in range(pages)}

    # -- state -------------------------------------------------------------

    def change(self, fraction: float, seed: int = 1) -> list[int]:
        """Edit `fraction` of the content pages now; returns their numbers."""
        count = max(1, round(self.pages * fraction))
        chosen = sorted(random.Random(seed).sample(range(self.pages), count))
        now = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            for n in chosen:
                self.changed[n] = now
        return chosen

    def lastmod(self, n: int) -> datetime:
        """When content page n last changed."""
        return self.changed.get(n) or _BASE_TIME + timedelta(minutes=n % 1440)

    # -- content ------------------------------------------------------------

    def _page(self, title: str, body: str) -> bytes:
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{_escape(title)} - Example Ministry</title></head><body>"
            '<header><nav><a href="/">Home</a> <a href="/list/0">All news</a> '
            f'<a href="/events/{self.today.year}/{self.today.month:02d}/">Events</a> '
            '<a href="/about">About the ministry</a></nav></header>'
            f"<main><h1>{_escape(title)}</h1>{body}</main>"
            "<footer>Example Ministry, Postboks 8000 Dep, 0030 Oslo</footer></body></html>"
        ).encode()

    def content(self, n: int) -> bytes:
        rng = _rng(n)
        title = " ".join(rng.sample(_WORDS, 5)).capitalize()
        paragraphs = "".join(
            "<p>" + " ".join(rng.choice(_WORDS) for _ in range(60)) + ".</p>" for _ in range(4)
        )
        if n in self.changed:
            paragraphs += f"<p>Updated {self.changed[n].isoformat()}: corrected figures.</p>"
        related = "".join(
            f'<li><a href="{content_path((n * 31 + k * 977) % self.pages)}">Related {k}</a></li>'
            for k in range(3)
        )
        published = published_on(n)
        return self._page(
            title,
            f'<p class="date">Published <time datetime="{published.isoformat()}">'
            f"{published.day} {_MONTHS[published.month - 1]} {published.year}</time></p>"
            f"{paragraphs}<ul>{related}</ul>",
        )

    def listing(self, k: int) -> bytes | None:
        first = k * PER_LIST
        if first >= self.pages:
            return None
        items = "".join(
            f'<li><a href="{content_path(n)}">Item {n}</a></li>'
            for n in range(first, min(first + PER_LIST, self.pages))
        )
        more = f'<a href="/list/{k + 1}">Older</a>' if first + PER_LIST < self.pages else ""
        return self._page(f"News, page {k + 1}", f"<ul>{items}</ul>{more}")

    def home(self) -> bytes:
        lists = "".join(
            f'<li><a href="/list/{k}">Page {k + 1}</a></li>'
            for k in range((self.pages + PER_LIST - 1) // PER_LIST)
        )
        return self._page(
            "Example Ministry",
            f"<ul>{lists}</ul><p><a href='/private/drafts'>Drafts</a> "
            "<a href='https://www.example.org/elsewhere'>Elsewhere</a></p>",
        )

    def calendar(self, year: int, month: int) -> bytes:
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        following = (year, month + 1) if month < 12 else (year + 1, 1)
        months_ago = (self.today.year - year) * 12 + self.today.month - month
        if 0 <= months_ago < EVENT_YEARS * 12:
            events = "".join(
                f"<li>{' '.join(_rng(year * 100 + month + e).sample(_WORDS, 4))}</li>"
                for e in range(3)
            )
            body = f"<ul>{events}</ul>"
        else:
            body = "<p>No events this month.</p>"
        links = "".join(
            f'<a href="/events/{y}/{m:02d}/">{label}</a> '
            for label, (y, m) in (("Previous month", previous), ("Next month", following))
        )
        return self._page(f"Events in {_MONTHS[month - 1]} {year}", body + links)

    def sitemap_index(self, base: str) -> bytes:
        count = (self.pages + PER_SITEMAP - 1) // PER_SITEMAP
        rows = ""
        for k in range(count):
            members = range(k * PER_SITEMAP, min((k + 1) * PER_SITEMAP, self.pages))
            newest = max(self.lastmod(n) for n in members)
            rows += (
                f"<sitemap><loc>{base}/sitemap-{k}.xml</loc>"
                f"<lastmod>{newest.isoformat()}</lastmod></sitemap>\n"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</sitemapindex>\n"
        ).encode()

    def sitemap(self, k: int, base: str) -> bytes | None:
        members = range(k * PER_SITEMAP, min((k + 1) * PER_SITEMAP, self.pages))
        if not members:
            return None
        rows = "".join(
            f"<url><loc>{_escape(base + content_path(n))}</loc>"
            f"<lastmod>{self.lastmod(n).isoformat()}</lastmod></url>\n"
            for n in members
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{rows}</urlset>\n"
        ).encode()

    def respond(self, target: str, base: str) -> tuple[int, bytes, str, datetime | None]:
        """(status, body, content type, Last-Modified) of a request target."""
        parts = urlsplit(target)
        path = parts.path
        html = "text/html; charset=utf-8"
        if parts.query:
            ids = parse_qs(parts.query).get("id", [])
            if path == "/view" and len(ids) == 1 and ids[0].isdigit():
                n = int(ids[0])
                if n < self.pages and n % 4 == 3:
                    return 200, self.content(n), html, self.lastmod(n)
            return 404, b"", html, None
        if path in self._index:
            n = self._index[path]
            return 200, self.content(n), html, self.lastmod(n)
        if path == "/":
            return 200, self.home(), html, None
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap.xml\n"
            return 200, body.encode(), "text/plain", _BASE_TIME
        if path == "/sitemap.xml":
            return 200, self.sitemap_index(base), "application/xml", None
        segments = [s for s in path.split("/") if s]
        if len(segments) == 2 and segments[0] == "list" and segments[1].isdigit():
            body = self.listing(int(segments[1]))
            if body is not None:
                return 200, body, html, None
        if path.startswith("/sitemap-") and path.endswith(".xml"):
            number = path[len("/sitemap-") : -len(".xml")]
            body = self.sitemap(int(number), base) if number.isdigit() else None
            if body is not None:
                return 200, body, "application/xml", None
        if len(segments) == 3 and segments[0] == "events":
            try:
                year, month = int(segments[1]), int(segments[2])
                date(year, month, 1)
            except ValueError:
                return 404, b"", html, None
            return 200, self.calendar(year, month), html, _BASE_TIME
        return 404, b"", html, None


class WholeSiteServer:
    """Serves a WholeSite on 127.0.0.1 (port 0 by default) in a thread."""

    def __init__(self, site: WholeSite, port: int = 0) -> None:
        self.site = site
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                # Benchmark control: /__change?fraction=0.01 edits pages now.
                query = parse_qs(urlsplit(self.path).query)
                changed = site.change(float(query.get("fraction", ["0.01"])[0]))
                body = ",".join(map(str, changed)).encode()
                self._send(200, body, "text/plain", {})

            def do_GET(self) -> None:
                if self.path == "/__requests":
                    self._send(200, str(site.requests).encode(), "text/plain", {})
                    return
                with site._lock:
                    site.requests += 1
                status, body, ctype, modified = site.respond(self.path, outer.url)
                headers: dict[str, str] = {}
                if status == 200:
                    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                    headers["ETag"] = etag
                    if modified is not None:
                        headers["Last-Modified"] = email.utils.format_datetime(
                            modified, usegmt=True
                        )
                    if self.headers.get("If-None-Match") == etag:
                        self._send(304, b"", None, headers)
                        return
                self._send(status, body, ctype, headers)

            def _send(
                self, status: int, body: bytes, ctype: str | None, headers: dict[str, str]
            ) -> None:
                self.send_response(status)
                if ctype is not None:
                    self.send_header("Content-Type", ctype)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The site's base URL, without a trailing slash."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> WholeSiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    """Serve the site until killed; print its URL on the first line of stdout."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with WholeSiteServer(WholeSite(args.pages), args.port) as server:
        print(server.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
