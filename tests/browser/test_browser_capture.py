"""Browser capture end to end on a local site: what the reader saw is archived as WARC
records the field's tools read, scripts' credits and notices count when a pack asks for
the rendered DOM, a hung page fails alone, robots.txt holds for the browser too, and
every located finding gets an outlined crop in the report and the viewer."""

from __future__ import annotations

import base64
import gzip
import io
import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from starlette.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from archiver import config
from archiver.browser.crops import RED
from archiver.check.archive import ArchiveChecker
from archiver.config import Settings
from archiver.export.wacz import export_wacz
from archiver.pipeline import SiteRun, run_site
from archiver.report import write_reports
from archiver.store.index import Index
from archiver.store.verify import verify_site
from archiver.web import create_app
from tests.browser.site import IMAGES, BrowserSite
from tests.helpers import missing_service

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DELAY = 0.3
TOKEN_ENV, TOKEN = "BROWSER_SITE_TOKEN", "tok-browser-site"
RENDERED_PACK = """id: rendered
extends: default
title: default, read from the DOM a browser rendered
profile:
  source: rendered
"""


@dataclass
class Archived:
    settings: Settings
    site: BrowserSite
    run: SiteRun
    index: Index
    root: Path

    def records(self) -> list[tuple[str, dict[str, str], bytes, Any]]:
        """(file name, WARC headers, payload, http headers) of every record of the site."""
        out = []
        for path in sorted((self.root / "snapshots" / "warcs" / "b").glob("*.warc.gz")):
            with path.open("rb") as fh:
                for record in ArchiveIterator(fh):
                    headers = dict(record.rec_headers.headers)
                    out.append(
                        (path.name, headers, record.content_stream().read(), record.http_headers)
                    )
        return out

    def by_uri(self, uri: str, kind: str | None = None) -> tuple[dict[str, str], bytes, Any]:
        found = [
            (h, body, http)
            for _, h, body, http in self.records()
            if h.get("WARC-Target-URI") == uri and (kind is None or h["WARC-Type"] == kind)
        ]
        assert len(found) == 1, (uri, len(found))
        return found[0]


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archived]:
    if not os.path.exists("/usr/bin/chromium"):
        missing_service("needs Debian's chromium at /usr/bin/chromium")
    root = tmp_path_factory.mktemp("browser-capture")
    os.environ[TOKEN_ENV] = TOKEN
    (root / "rules").mkdir()
    (root / "rules" / "rendered.yaml").write_text(RENDERED_PACK)
    with BrowserSite() as site:
        settings = config.parse(
            {
                "storage": {"root": str(root / "snapshots")},
                "rules_dir": str(root / "rules"),
                "crawl": {"delay": DELAY, "per_host": 2, "timeout": 10, "browser_timeout": 5},
                "report": {"dir": str(root / "reports")},
                "sites": [
                    {
                        "name": "b",
                        "seeds": [site.url + "/"],
                        "capture": "browser",
                        "auth": {"type": "bearer", "token_env": TOKEN_ENV},
                    }
                ],
            },
            base_dir=root,
        )
        run = run_site(settings, "b", send_notifications=False)
        index = Index(settings.storage.index_url)
        try:
            yield Archived(settings, site, run, index, root)
        finally:
            index.close()
            os.environ.pop(TOKEN_ENV, None)


def test_the_run_completes_with_every_page_but_the_hung_one_rendered(archived) -> None:
    assert archived.run.outcome == "completed", archived.run.error
    stats = json.loads(archived.index.run(archived.run.run_id).stats)["browser"]
    assert stats["pages"] == 4
    assert stats["rendered"] == 3
    # The page whose script never ends was tried twice and is on record, not waited for.
    assert [f["url"] for f in stats["failed"]] == [archived.site.url + "/hung"]
    assert "5s" in stats["failed"][0]["error"] or "imed out" in stats["failed"][0]["error"]
    urns = {h.get("WARC-Target-URI") for _, h, _, _ in archived.records()}
    assert f"urn:fullPage:{archived.site.url}/hung" not in urns
    for page in ("/", "/scripted", "/plain"):
        for kind in ("fullPage", "dom", "layout"):
            assert f"urn:{kind}:{archived.site.url}{page}" in urns


def test_screenshot_dom_and_layout_are_resource_records_tied_to_the_page(archived) -> None:
    url = archived.site.url + "/scripted"
    page, _, _ = archived.by_uri(url, "response")
    shot, png, _ = archived.by_uri(f"urn:fullPage:{url}")
    dom, html, _ = archived.by_uri(f"urn:dom:{url}")
    boxes, layout, _ = archived.by_uri(f"urn:layout:{url}")
    for record in (shot, dom, boxes):
        assert record["WARC-Type"] == "resource"
        assert record["WARC-Refers-To"] == page["WARC-Record-ID"]
        assert record["WARC-Refers-To-Target-URI"] == url
    assert dom["WARC-Concurrent-To"] == boxes["WARC-Concurrent-To"] == shot["WARC-Record-ID"]
    assert shot["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(png)) as image:
        assert image.width == 1280 and image.height >= 300
    # What the page's script wrote is in the rendered DOM, not in the archived response.
    assert "Photo: Jane Doe" in html.decode()
    assert "more than 1 year old" in html.decode()
    elements = json.loads(layout)["elements"]
    picture = next(e for e in elements if e["tag"] == "img" and e["src"] == "/img/one.png")
    assert picture["path"] == "body > main > figure > img"
    assert picture["box"][2:] == [480, 320]


def test_what_the_browser_fetched_is_archived_and_robots_holds(archived) -> None:
    _, body, http = archived.by_uri(archived.site.url + "/late/extra.png", "response")
    assert body == IMAGES["/late/extra.png"]
    assert http.get_statuscode() == "200"
    # The crawl never saw it (only the script names it); the browser fetched it once.
    assert len(archived.site.hits("/late/extra.png")) == 1
    # Disallowed by robots.txt: never asked for, by the crawl or the browser.
    assert archived.site.hits("/private/secret.png") == []
    stats = json.loads(archived.index.run(archived.run.run_id).stats)["browser"]
    assert stats["refused"] == {"robots": 1}
    # The browser did not ask the site again for what the crawl archived.
    assert len(archived.site.hits("/scripted")) == 1
    assert len(archived.site.hits("/img/one.png")) == 1


def test_live_fetches_leave_as_the_crawls_do_with_the_sites_credentials(archived) -> None:
    """The browser's live requests go through the crawler's fetcher (its CAs, proxy,
    address check), so a site behind credentials renders whole; the secret is sent to the
    site, never written to the archive."""
    assert archived.site.authorization["/late/extra.png"] == [f"Bearer {TOKEN}"]
    assert archived.site.authorization["/scripted"] == [f"Bearer {TOKEN}"]  # the crawl's
    _, _, http = archived.by_uri(archived.site.url + "/late/extra.png", "request")
    assert http.get_header("Authorization") == "Bearer [redacted]"
    warcs = (archived.root / "snapshots" / "warcs" / "b").glob("*.warc.gz")
    assert not any(TOKEN.encode() in gzip.decompress(path.read_bytes()) for path in warcs)
    # Fetched from the address the fetcher checked, and recorded as the crawl records it.
    response_headers, _, _ = archived.by_uri(archived.site.url + "/late/extra.png", "response")
    assert response_headers["WARC-IP-Address"] == "127.0.0.1"


def test_the_browser_keeps_the_host_delay(archived) -> None:
    # Three images only the page's script names, asked for at once: fetched one delay apart.
    times = sorted(t for t, path in archived.site.requests if path.startswith("/late/"))
    assert len(times) == 3
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= DELAY - 0.05, gaps


def test_verify_warcio_and_wacz_accept_the_archive(archived, tmp_path: Path) -> None:
    result = verify_site(archived.settings.storage.root, archived.index, "b")
    assert result.ok, [str(p) for p in result.problems]
    files = sorted((archived.root / "snapshots" / "warcs" / "b").glob("*.warc.gz"))
    assert any("-browser-" in f.name for f in files)
    bin_dir = Path(sys.executable).parent
    check = subprocess.run(
        [str(bin_dir / "warcio"), "check", *map(str, files)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    out = tmp_path / "b.wacz"
    export_wacz(archived.settings.storage.root, archived.index, "b", out)
    valid = subprocess.run(
        [str(bin_dir / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True
    )
    assert valid.returncode == 0, valid.stdout + valid.stderr
    # Our CDXJ lines for the browser's records are cdxj-indexer's.
    ours = zipfile.ZipFile(out).read("indexes/index.cdx").decode().splitlines()
    theirs = subprocess.run(
        [str(bin_dir / "cdxj-indexer"), *map(str, files)], capture_output=True, text=True
    ).stdout.splitlines()
    assert sorted(ours) == sorted(theirs)


def _violations(archived: Archived, pack: str) -> tuple[dict[str, set[str]], dict[str, str]]:
    site = archived.settings.site("b")

    checker = ArchiveChecker(archived.settings, archived.index, log_violations=False)
    result = checker.check_run(replace(site, rules=(pack,)), archived.run.run_id)
    found: dict[str, set[str]] = {}
    for v in result.report.violations:
        found.setdefault(v.url.removeprefix(archived.site.url), set()).add(v.rule)
    sources = {}
    for capture in archived.index.captures_of_run(archived.run.run_id):
        if capture.is_page and capture.url.endswith("/scripted"):
            resolved = checker._pack(replace(site, rules=(pack,)), capture.url)
            model, _ = checker._model(capture, capture, resolved)
            sources[pack] = model["source"]
    return found, sources


def test_a_pack_reading_the_rendered_dom_counts_scripted_credits_and_notices(archived) -> None:
    http, http_source = _violations(archived, "default")
    rendered, rendered_source = _violations(archived, "rendered")
    assert {"photo-credits", "age-notice"} <= http["/scripted"]
    assert "photo-credits" not in rendered.get("/scripted", set())
    assert "age-notice" not in rendered.get("/scripted", set())
    assert http_source == {"default": "http"}
    assert rendered_source == {"rendered": "rendered"}
    # Pages the browser could not render are read from their response, and say so.
    assert "age-notice" in rendered["/hung"]
    # Put the run's stored violations back as the pipeline left them.
    _violations(archived, "default")


def _red_share(image: Image.Image) -> float:
    counts = {color: n for n, color in image.convert("RGB").getcolors(1 << 22)}
    return counts.get(RED, 0) / (image.width * image.height)


def _dominant(image: Image.Image) -> tuple[int, int, int]:
    colors = image.convert("RGB").getcolors(1 << 22)
    return max(colors)[1]


def test_the_report_shows_an_outlined_crop_for_each_located_finding(archived) -> None:
    paths = write_reports(archived.settings, archived.index, "b", archived.run.run_id)
    html = next(p for p in paths if p.suffix == ".html").read_text()
    found = re.search(r'<script type="application/json" id="images">(.*?)</script>', html, re.S)
    assert found is not None
    crops = {k: v for k, v in json.loads(found.group(1)).items() if k.startswith("crop ")}
    assert len(crops) == 5, sorted(crops)  # 2 on /scripted, 3 on /plain; /hung has no screenshot
    pictures = {}
    for key, uri in crops.items():
        png = base64.b64decode(uri.split(",", 1)[1])
        with Image.open(io.BytesIO(png)) as image:
            pictures[key] = image.copy()
        assert _red_share(pictures[key]) > 0.005, key  # the outline is drawn
    blues = [p for p in pictures.values() if _dominant(p) == (60, 120, 200)]
    reds = [p for p in pictures.values() if _dominant(p) == (200, 60, 60)]
    # The uncredited images: each crop is mostly that image.
    assert len(blues) == 1 and len(reds) == 1


def test_the_viewer_shows_screenshot_dom_and_crops_beside_the_replay(archived) -> None:
    page = next(
        c
        for c in archived.index.captures_of_run(archived.run.run_id)
        if c.url == archived.site.url + "/plain"
    )
    # The app opens its index when it starts and closes it when it stops (its lifespan).
    with TestClient(create_app(archived.settings)) as client:
        html = client.get(f"/capture/{page.id}").text
        assert f'src="/capture/{page.id}/screenshot.png"' in html
        assert f'src="/capture/{page.id}/dom"' in html
        crops = re.findall(rf"/capture/{page.id}/crop/(\d+)\.png", html)
        assert len(crops) == 3  # photo-credits, age-notice, consistent-titles
        for violation in crops:
            response = client.get(f"/capture/{page.id}/crop/{violation}.png")
            assert response.status_code == 200
            assert response.content.startswith(b"\x89PNG")
        shot = client.get(f"/capture/{page.id}/screenshot.png")
        assert shot.headers["content-type"] == "image/png"
        dom = client.get(f"/capture/{page.id}/dom")
        assert "script-src 'none'" in dom.headers["content-security-policy"]
        assert dom.headers["content-security-policy"].startswith("sandbox;")
        assert "Something else entirely" in dom.text
