"""Replay an archive in the field's tools (pywb, ReplayWeb.page) and say what each showed.

For every page URL of a site, the latest capture (the one a user opens by
default) is asked for at its own timestamp; it replays when the tool answers
200 with the page's title and every image the page names loads.

Also a command, to measure an archive made by `archiver demo`:

    python -m tests.interop.replay ARCHIVE_ROOT SITE WACZ
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import httpx
import lxml.html
import sqlalchemy as sa

from archiver.config import StorageSettings
from archiver.markup import EMBED_ATTRS
from archiver.store import blobs
from archiver.store.index import Index, captures
from archiver.store.payload import decode, header

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools"
WAYBACK = TOOLS / "pywb" / "bin" / "wayback"
WB_MANAGER = TOOLS / "pywb" / "bin" / "wb-manager"
REPLAYWEB = TOOLS / "replayweb" / "package"
CHROMIUM = "/usr/bin/chromium"


def ensure_tools() -> None:
    """Install pywb and ReplayWeb.page under .tools/ unless there (scripts/install-replay-tools)."""
    if WB_MANAGER.exists() and (REPLAYWEB / "sw.js").exists():
        return
    subprocess.run([str(REPO / "scripts" / "install-replay-tools")], check=True)


@dataclass(frozen=True)
class Capture:
    """The latest capture of one page URL and what replaying it must show."""

    url: str
    timestamp: str  # 14 digits
    title: str
    images: tuple[str, ...]


@dataclass
class Replayed:
    """What a tool showed for one capture."""

    capture: Capture
    status: int = 0
    title: str = ""
    images_ok: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.status == 200
            and self.title == self.capture.title
            and self.images_ok == len(self.capture.images)
        )


def latest_captures(root: Path, site: str) -> list[Capture]:
    """The latest capture of every HTML page URL the site's archive holds."""
    storage = StorageSettings(root=root)
    index = Index(f"sqlite:///{root / 'index.sqlite3'}")
    latest: dict[str, Any] = {}
    with index.read() as conn:
        rows = conn.execute(
            sa.select(captures)
            .where(captures.c.site == site, captures.c.is_page.is_(True))
            .order_by(captures.c.captured_at)
        ).all()
    for row in rows:
        latest[row.canonical_url] = row
    out = []
    for row in latest.values():
        payload_row = index.payload_capture(row)
        if payload_row.status != 200 or "html" not in (payload_row.content_type or ""):
            continue
        record = blobs.read_record(storage, payload_row.warc_file, payload_row.offset)
        body = decode(record.payload, header(record.headers, "content-encoding"), 1 << 24)
        doc = lxml.html.document_fromstring(body)
        title = (doc.findtext(".//title") or "").strip()
        images = []
        for img in doc.iter("img"):
            for attr in EMBED_ATTRS["img"]:
                value = (img.get(attr) or "").strip()
                if value and not value.startswith("data:"):
                    images.append(urljoin(row.url, value))
        stamp = row.captured_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        out.append(Capture(row.url, stamp, title, tuple(dict.fromkeys(images))))
    index.close()
    return sorted(out, key=lambda c: c.url)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@contextlib.contextmanager
def pywb(warcs: list[Path]) -> Iterator[str]:
    """A pywb (wayback) on 127.0.0.1 with the WARC files in collection `c`; yields its URL."""
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="interop-pywb-") as tmp:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        subprocess.run(
            [str(WB_MANAGER), "init", "c"], cwd=tmp, check=True, env=env, capture_output=True
        )
        subprocess.run(
            [str(WB_MANAGER), "add", "c", *(str(w.resolve()) for w in warcs)],
            cwd=tmp,
            check=True,
            env=env,
            capture_output=True,
        )
        port = _free_port()
        log = open(Path(tmp) / "wayback.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [str(WAYBACK), "-b", "127.0.0.1", "-p", str(port)],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base + "/")
            yield base + "/c"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


def replay_pywb(collection: str, items: list[Capture]) -> list[Replayed]:
    """Open each capture as a user's browser asks pywb for it: the page, then its images."""
    out = []
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        for item in items:
            result = Replayed(item)
            response = client.get(f"{collection}/{item.timestamp}mp_/{item.url}")
            result.status = response.status_code
            match = re.search(r"<title[^>]*>(.*?)</title>", response.text, re.S | re.I)
            result.title = html.unescape(match[1]).strip() if match else ""
            for image in item.images:
                got = client.get(f"{collection}/{item.timestamp}im_/{image}")
                if got.status_code == 200 and got.content:
                    result.images_ok += 1
                else:
                    result.problems.append(f"{image}: {got.status_code}")
            out.append(result)
    return out


class _RangeHandler(SimpleHTTPRequestHandler):
    """Static files with byte ranges: ReplayWeb.page reads a WACZ by ranges."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        spec = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if not spec or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start_text, _, end_text = spec.removeprefix("bytes=").partition("-")
        if start_text:
            start, end = int(start_text), int(end_text) if end_text else size - 1
        else:
            start, end = max(0, size - int(end_text)), size - 1
        end = min(end, size - 1)
        if start > end:
            self.send_error(416)
            return None
        fh = path.open("rb")
        fh.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return fh

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = getattr(self, "_remaining", None)
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        while remaining > 0:
            chunk = source.read(min(remaining, 1 << 16))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


@contextlib.contextmanager
def replayweb_site(archive: Path) -> Iterator[tuple[str, str]]:
    """ReplayWeb.page's app and an archive (WACZ, or WARC which it indexes itself) served from
    one 127.0.0.1 origin (a service worker needs a secure context: http://127.0.0.1 is one).
    Yields (app URL, archive URL)."""
    ensure_tools()
    name = "archive.wacz" if archive.name.endswith(".wacz") else "archive.warc.gz"
    with tempfile.TemporaryDirectory(prefix="interop-rwp-") as tmp:
        shutil.copytree(REPLAYWEB, tmp, dirs_exist_ok=True)
        shutil.copy(archive, Path(tmp) / name)
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_RangeHandler, directory=tmp))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield base + "/", f"{base}/{name}"
        finally:
            server.shutdown()
            server.server_close()


_FRAME_STATE = """async (images) => {
  const loaded = await Promise.all(images.map(async (u) => {
    try {
      const r = await fetch(u); const b = await r.blob(); return r.status === 200 && b.size > 0;
    }
    catch (e) { return false; }
  }));
  return {title: document.title, images: loaded.filter(Boolean).length};
}"""


def replay_replayweb(app: str, wacz_url: str, items: list[Capture]) -> list[Replayed]:
    """Open each capture in ReplayWeb.page (Chromium) and read the replay frame."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            statuses: dict[str, int] = {}
            page.on("response", lambda r: statuses.__setitem__(r.url, r.status))
            source = quote(wacz_url, safe="")
            page.goto(f"{app}?source={source}#view=pages", wait_until="load")
            page.wait_for_function(
                "() => navigator.serviceWorker && navigator.serviceWorker.controller",
                timeout=60_000,
            )
            for item in items:
                result = Replayed(item)
                target = f"{item.timestamp}mp_/{item.url}"
                page.goto(
                    f"{app}?source={source}#view=replay&url={quote(item.url, safe='')}"
                    f"&ts={item.timestamp}",
                    wait_until="load",
                )
                frame = None
                deadline = time.monotonic() + 30
                while frame is None and time.monotonic() < deadline:
                    frame = next((f for f in page.frames if target in f.url), None)
                    if frame is None:
                        page.wait_for_timeout(200)
                if frame is None:
                    frames = [f.url for f in page.frames]
                    result.problems.append(f"no replay frame for {target} among {frames}")
                    out.append(result)
                    continue
                with contextlib.suppress(Exception):
                    frame.wait_for_load_state("load", timeout=30_000)
                # The frame's own document: after any redirect the tool made to the capture.
                result.status = statuses.get(frame.url, 0)
                if result.status != 200:
                    result.problems.append(f"frame {frame.url}: {result.status}")
                state = frame.evaluate(_FRAME_STATE, list(item.images))
                result.title = str(state["title"]).strip()
                result.images_ok = int(state["images"])
                out.append(result)
        finally:
            browser.close()
    return out


def summary(results: list[Replayed]) -> str:
    ok = sum(r.ok for r in results)
    return f"{ok}/{len(results)}"


def main(argv: list[str]) -> None:
    root, site, wacz = Path(argv[0]), argv[1], Path(argv[2])
    items = latest_captures(root, site)
    warcs = sorted((root / "warcs").rglob("*.warc.gz"))
    with pywb(warcs) as collection:
        in_pywb = replay_pywb(collection, items)
    with replayweb_site(wacz) as (app, wacz_url):
        in_rwp = replay_replayweb(app, wacz_url, items)
    print(f"pywb: {summary(in_pywb)} latest captures replay (200, title, images)")
    print(f"ReplayWeb.page: {summary(in_rwp)} latest captures replay (200, title, images)")
    for name, results in (("pywb", in_pywb), ("ReplayWeb.page", in_rwp)):
        for r in results:
            if not r.ok:
                print(
                    f"  {name}: {r.capture.url} status={r.status} title={r.title!r} "
                    f"images={r.images_ok}/{len(r.capture.images)} {r.problems[:2]}"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
