"""The field's tools are the judge: two crawls of a local site, replayed and indexed by them.

The second crawl meets ETags and Last-Modified, so most of its captures are
revisits; the latest capture of every page (what a user opens) must replay in
pywb and in ReplayWeb.page with status 200, its title and its images. Every
WARC file passes `warcio check`, and our CDXJ is cdxj-indexer's, byte for byte.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.export.wacz import cdxj_lines
from archiver.store.browse import Browse
from archiver.store.index import Index
from archiver.store.warc import REVALIDATED, REVALIDATED_HEADER
from tests.helpers import assert_valid_warcs, run_archiver
from tests.interop import replay
from tests.interop.site import DISALLOWED, InteropSite
from tests.store.localsite import write_config

PAGES = 7  # the pages InteropSite serves that robots.txt allows
CDXJ_INDEXER = Path(sys.executable).parent / "cdxj-indexer"


@dataclass(frozen=True)
class Archive:
    root: Path
    config: Path
    wacz: Path
    requests: list[str]
    other_origin_requests: list[str]

    @property
    def warcs(self) -> list[Path]:
        return sorted((self.root / "warcs").rglob("*.warc.gz"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    replay.ensure_tools()
    tmp = tmp_path_factory.mktemp("interop")
    with InteropSite() as other, InteropSite(other_origin=other.url.rstrip("/")) as site:
        config = write_config(tmp, site.url)
        for _ in range(2):
            result = run_archiver("run", "-c", str(config), "--fail-on", "never", cwd=tmp)
            assert result.returncode == 0, result.stdout + result.stderr
        requests, other_requests = list(site.requests), list(other.requests)
    # The site is gone: whatever replays below comes from the archive.
    wacz = tmp / "local.wacz"
    result = run_archiver(
        "export", "-c", str(config), "--site", "local", "--wacz", str(wacz), cwd=tmp
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Archive(tmp / "snapshots", config, wacz, requests, other_requests)


def _records(archive: Archive) -> list[tuple[str, dict[str, str]]]:
    out = []
    for path in archive.warcs:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, dict(record.rec_headers.headers)))
    return out


def _latest(archive: Archive) -> list[replay.Capture]:
    items = replay.latest_captures(archive.root, "local")
    assert len(items) == PAGES, [c.url for c in items]
    return items


def test_second_crawl_meets_validators_and_writes_replayable_revisits(archive: Archive) -> None:
    revalidated = [
        headers
        for rec_type, headers in _records(archive)
        if rec_type == "revisit" and headers.get(REVALIDATED_HEADER) == REVALIDATED
    ]
    # Every page and image of the second run was answered 304.
    assert len(revalidated) >= PAGES
    assert all(h["WARC-Profile"].endswith("/identical-payload-digest") for h in revalidated)


def test_pywb_replays_the_latest_capture_of_every_page(archive: Archive) -> None:
    items = _latest(archive)
    with replay.pywb(archive.warcs) as collection:
        results = replay.replay_pywb(collection, items)
    failed = [(r.capture.url, r.status, r.title, r.problems) for r in results if not r.ok]
    assert not failed
    lazy = next(c for c in items if c.url.endswith("/lazy.html"))
    assert any(i.endswith("/img/lazy.png") for i in lazy.images)


@pytest.mark.browser
def test_replayweb_page_replays_the_latest_capture_of_every_page(archive: Archive) -> None:
    items = _latest(archive)
    with replay.replayweb_site(archive.wacz) as (app, wacz_url):
        results = replay.replay_replayweb(app, wacz_url, items)
    failed = [(r.capture.url, r.status, r.title, r.problems) for r in results if not r.ok]
    assert not failed


def test_warcio_check_passes_on_every_warc(archive: Archive) -> None:
    assert len(assert_valid_warcs(archive.root)) >= 2


def test_cdxj_is_byte_identical_to_cdxj_indexer(archive: Archive) -> None:
    theirs = subprocess.run(
        [str(CDXJ_INDEXER), "--sort", *(p.name for p in archive.warcs)],
        cwd=archive.warcs[0].parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    index = Index(f"sqlite:///{archive.root / 'index.sqlite3'}")
    try:
        ours = "\n".join(cdxj_lines(Browse(index).captures_for_export("local", None))) + "\n"
    finally:
        index.close()
    assert ours == theirs
    assert "/a%20b.html" in ours and "/caf%C3%A9.html" in ours and "?q=tax%20rules" in ours


def test_gzip_encoded_robots_txt_is_obeyed(archive: Archive) -> None:
    asked = set(archive.requests)
    assert "/robots.txt" in asked
    assert not asked & set(DISALLOWED)
    assert "/no/aktuelt/" in asked  # the same path without the forbidden query


def test_another_origin_on_the_seed_host_is_out_of_scope(archive: Archive) -> None:
    assert archive.other_origin_requests == []


def test_no_tracking_parameter_url_in_warc_index_or_report(archive: Archive) -> None:
    assert not [r for r in archive.requests if r.startswith("/news.html?")]
    uris = [h.get("WARC-Target-URI", "") for _, h in _records(archive)]
    assert any(u.endswith("/news.html") for u in uris)
    index = Index(f"sqlite:///{archive.root / 'index.sqlite3'}")
    try:
        rows = Browse(index).captures_for_export("local", None)
    finally:
        index.close()
    urls = uris + [r.url for r in rows] + [r.canonical_url for r in rows]
    assert not [u for u in urls if " " in u]
    tree = archive.config.parent.rglob("*")
    reports = [p for p in tree if p.is_file() and "reports" in p.parts]
    assert reports
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in reports]
    for text in [*urls, *texts]:
        assert "utm_" not in text and "fbclid" not in text, text[:200]


def test_archiver_verify_accepts_the_revisits(archive: Archive) -> None:
    result = run_archiver("verify", "-c", str(archive.config), cwd=archive.config.parent)
    assert result.returncode == 0, result.stdout + result.stderr
