"""A small site on 127.0.0.1 whose pages need a browser: credits and notices that scripts
insert, a script that fetches an image the HTML never names, one that asks for an image
robots.txt disallows, a page whose script never lets it load, and plain pages with
violations a crop can show. Every request is logged with its arrival time."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

OLD = "2020-03-03T09:00:00Z"


def png(color: tuple[int, int, int], size: tuple[int, int] = (480, 320)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _article(title: str, h1: str, body: str, script: str = "") -> bytes:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="{OLD}">
<style>body {{ font: 16px sans-serif; margin: 0 }} main {{ margin: 24px 40px }}
img {{ display: block }} header {{ background: #234; color: white; padding: 12px 40px }}</style>
</head><body><header>Ministry of Examples</header>
<main><h1>{h1}</h1>{body}</main>
{script}</body></html>""".encode()


PAGES: dict[str, bytes] = {
    "/": b"""<!doctype html><html><head><title>Home</title></head><body><main><h1>Home</h1>
<a href="/scripted">scripted</a> <a href="/plain">plain</a> <a href="/hung">hung</a>
</main></body></html>""",
    "/scripted": _article(
        "Scripted article",
        "Scripted article",
        '<figure><img src="/img/one.png" width="480" height="320" alt="one">'
        '<figcaption id="cap"></figcaption></figure><p>Text of the article.</p>',
        """<script>
document.getElementById("cap").textContent = "Photo: Jane Doe";
var note = document.createElement("p");
note.textContent = "This article is more than 1 year old.";
document.querySelector("h1").after(note);
var late = new Image(); late.src = "/late/extra.png"; late.alt = "";
late.className = "logo"; document.querySelector("header").appendChild(late);
["/late/a.png", "/late/b.png"].forEach(function (src) {
  var more = new Image(); more.src = src; more.className = "logo";
  document.querySelector("header").appendChild(more);
});
var secret = new Image(); secret.src = "/private/secret.png";
secret.className = "logo"; document.querySelector("header").appendChild(secret);
</script>""",
    ),
    "/plain": _article(
        "Budget figures for 2020",
        "Something else entirely",
        '<p>Intro.</p><img src="/img/two.png" width="480" height="320" alt="two">'
        "<p>More text after the picture.</p>",
    ),
    "/hung": _article(
        "Hung page",
        "Hung page",
        "<p>This page's script never ends.</p>",
        "<script>while (true) {}</script>",
    ),
}
IMAGES = {
    "/img/one.png": png((200, 60, 60)),
    "/img/two.png": png((60, 120, 200)),
    "/late/extra.png": png((60, 200, 60), (40, 40)),
    "/late/a.png": png((60, 200, 60), (20, 20)),
    "/late/b.png": png((60, 200, 60), (30, 30)),
    "/private/secret.png": png((0, 0, 0), (40, 40)),
}
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class BrowserSite:
    """The site in a thread; `requests` lists (monotonic time, path) as they arrive."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str]] = []
        self.authorization: dict[str, list[str | None]] = {}  # path → Authorization sent
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.requests.append((time.monotonic(), self.path))
                site.authorization.setdefault(self.path, []).append(
                    self.headers.get("Authorization")
                )
                if self.path == "/robots.txt":
                    self._send(200, "text/plain", ROBOTS)
                elif self.path in PAGES:
                    self._send(200, "text/html; charset=utf-8", PAGES[self.path])
                elif self.path in IMAGES:
                    self._send(200, "image/png", IMAGES[self.path])
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> BrowserSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def hits(self, path: str) -> list[float]:
        return [t for t, p in self.requests if p == path]
