"""Crawling the demo government site: each in-scope page once, robots obeyed, revisits."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from warcio.archiveiterator import ArchiveIterator

from archiver.crawl.sitemaps import parse_sitemap
from archiver.demo import DemoServer
from archiver.demo.site import page_paths
from archiver.store import warc
from archiver.store.index import captures, frontier
from archiver.urls import canonicalize
from tests.helpers import MakeSettings, assert_valid_warcs, crawl


def _page_captures(index: object, run_id: int) -> Counter[str]:
    with index.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            sa.select(captures.c.canonical_url).where(
                captures.c.run_id == run_id, captures.c.is_page.is_(True)
            )
        ).all()
    return Counter(r[0] for r in rows)


def test_demo_site_is_archived_once_per_page(
    fresh_demo_server: DemoServer, make_settings: MakeSettings, index_for: object
) -> None:
    server = fresh_demo_server
    settings = make_settings(
        [server.url + "en/id4/", server.url + "no/id4/"], site={"max_depth": 5}
    )
    index = index_for(settings)  # type: ignore[operator]
    result = crawl(settings, index)

    assert result.status == "completed"
    pages = _page_captures(index, result.run_id)
    assert max(pages.values()) == 1, [u for u, n in pages.items() if n > 1]
    expected = {canonicalize(server.url.rstrip("/") + p) for p in page_paths(1, server.today)}
    assert expected <= set(pages), sorted(expected - set(pages))
    # robots.txt forbids the search pages the site links to: never requested.
    requested = server.requests.paths()
    assert not [p for p in requested if p.startswith(("/en/search", "/no/sok"))]
    with index.read() as conn:
        skipped = (
            conn.execute(sa.select(frontier.c.url).where(frontier.c.reason == "robots"))
            .scalars()
            .all()
        )
    assert any("/en/search/" in u for u in skipped)
    # Out-of-scope hosts (stortinget.no, …) are neither fetched nor queued.
    with index.read() as conn:
        hosts = {u.split("/")[2] for u in conn.execute(sa.select(frontier.c.url)).scalars()}
    assert hosts == {f"127.0.0.1:{server.port}"}
    # Images, CSS and the PDF are archived but not parsed for links.
    assert result.stats.embeds >= 10
    with index.read() as conn:
        types = set(conn.execute(sa.select(captures.c.content_type)).scalars())
    assert {"image/png", "image/jpeg", "application/pdf", "text/css"} <= {
        (t or "").split(";")[0] for t in types
    }
    # robots.txt names the sitemap index; it and both sitemaps (one gzipped) are archived
    # and their entries queued.
    with index.read() as conn:
        sitemap_urls = set(
            conn.execute(
                sa.select(captures.c.url).where(captures.c.url.like("%sitemap%"))
            ).scalars()
        )
        gz = conn.execute(
            sa.select(captures).where(captures.c.url == server.url + "sitemap-no.xml.gz")
        ).one()
    assert {server.url + p for p in ("sitemap.xml", "sitemap-en.xml", "sitemap-no.xml.gz")} <= (
        sitemap_urls
    )
    record = warc.read_record(settings.storage.root / gz.warc_file, gz.offset)
    listed = {canonicalize(u) for u in parse_sitemap(record.payload).pages}
    assert listed and listed <= set(pages)  # every page the gzipped sitemap lists was archived
    files = assert_valid_warcs(settings.storage.root)
    with files[0].open("rb") as fh:
        first = next(iter(ArchiveIterator(fh)))
        assert first.rec_type == "warcinfo"


def test_unchanged_full_recrawl_writes_revisits_and_grows_under_ten_percent(
    fresh_demo_server: DemoServer, make_settings: MakeSettings, index_for: object
) -> None:
    server = fresh_demo_server
    settings = make_settings(
        [server.url + "en/id4/", server.url + "no/id4/"], site={"max_depth": 5}
    )
    index = index_for(settings)  # type: ignore[operator]
    first = crawl(settings, index)
    server.requests.clear()
    second = crawl(settings, index, full=True)

    assert second.run_id != first.run_id
    assert second.stats.pages == first.stats.pages  # links are followed through revisits
    assert second.stats.revisits >= second.stats.pages + second.stats.embeds - 2
    growth = second.stats.warc_bytes / first.stats.warc_bytes
    assert growth < 0.10, f"recrawl grew the archive by {growth:.1%}"
    conditional = [r for r in server.requests.snapshot() if "If-None-Match" in r.headers]
    assert len(conditional) >= second.stats.pages
    with index.read() as conn:
        revisits = conn.execute(
            sa.select(captures).where(
                captures.c.run_id == second.run_id, captures.c.record_type == "revisit"
            )
        ).all()
    assert revisits and all(r.refers_to is not None for r in revisits)
    assert_valid_warcs(settings.storage.root)


def test_changed_page_is_captured_again_in_full(
    fresh_demo_server: DemoServer, make_settings: MakeSettings, index_for: object
) -> None:
    server = fresh_demo_server
    settings = make_settings([server.url + "en/id4/"], site={"max_depth": 5})
    index = index_for(settings)  # type: ignore[operator]
    crawl(settings, index)
    server.set_phase(2)
    # The demo dates its phase-2 edits before the first run: only --full sees them at once.
    second = crawl(settings, index, full=True)
    with index.read() as conn:
        rows = conn.execute(
            sa.select(captures.c.url, captures.c.record_type, captures.c.status).where(
                captures.c.run_id == second.run_id
            )
        ).all()
    by_url = {url: (kind, status) for url, kind, status in rows}
    school = next(u for u in by_url if "minister-opens-school-in-bodo" in u)
    assert by_url[school] == ("response", 200)
    # The removed page is no longer linked from the site: not captured again as a 200.
    assert not [u for u, (_, status) in by_url.items() if "fisheries" in u and status == 200]
