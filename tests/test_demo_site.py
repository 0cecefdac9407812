"""The demo site serves what the crawler and the checks are written against."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import subprocess
import sys
import threading
import unicodedata
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import httpx
import pytest
from bs4 import BeautifulSoup
from protego import Protego

from archiver.demo import EXPECTED, REMOVED, DemoServer, page_paths, render
from archiver.demo.content import articles, day_first_trap

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
NO_VALIDATORS = {a.path for a in articles(1, datetime.date.today()) if not a.validators}


def _locs(xml: bytes) -> list[str]:
    return [loc.text or "" for loc in ElementTree.fromstring(xml).iterfind(".//sm:loc", NS)]


def _sitemap_urls(client: httpx.Client) -> list[str]:
    urls = []
    for child in _locs(client.get("/sitemap.xml").content):
        body = client.get(child).content
        urls += _locs(gzip.decompress(body) if child.endswith(".gz") else body)
    return urls


@pytest.fixture(scope="module")
def client(demo_server: DemoServer):
    with httpx.Client(base_url=demo_server.url, timeout=5) as client:
        yield client


def test_robots_disallows_search_and_names_the_sitemap(
    client: httpx.Client, demo_server: DemoServer
) -> None:
    robots = Protego.parse(client.get("/robots.txt").text)
    assert not robots.can_fetch(demo_server.url + "en/search/?q=x", "archiver")
    assert not robots.can_fetch(demo_server.url + "no/sok/", "archiver")
    assert robots.can_fetch(demo_server.url + "en/id4/", "archiver")
    assert list(robots.sitemaps) == [demo_server.url + "sitemap.xml"]
    assert 'href="/en/search/?q=' in client.get("/en/id4/").text  # a crawler must skip it


def test_sitemap_index_with_gzipped_child_lists_every_page(
    client: httpx.Client, demo_server: DemoServer
) -> None:
    gz = client.get("/sitemap-no.xml.gz")
    assert gz.content[:2] == b"\x1f\x8b" and "content-encoding" not in gz.headers
    urls = _sitemap_urls(client)
    paths = page_paths(1, demo_server.today)
    assert sorted(urls) == sorted(demo_server.url.rstrip("/") + p for p in paths)
    assert len([p for p in paths if "/aktuelt/" in p and "nyheter" not in p]) == 30


def test_every_sitemap_page_is_html_of_realistic_size(client: httpx.Client) -> None:
    for url in _sitemap_urls(client):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        size = len(response.content)
        is_article = "/aktuelt/" in url and "nyheter" not in url
        assert (36_000 if is_article else 28_000) <= size <= 45_000, (url, size)


def test_every_internal_link_and_image_resolves(
    client: httpx.Client, demo_server: DemoServer
) -> None:
    pages = [urljoin(demo_server.url, p) for p in page_paths(1, demo_server.today)]
    pages.append(demo_server.url + "en/whats-new/news/id2006120/?page=2")
    targets: set[str] = set()
    for page in pages:
        soup = BeautifulSoup(client.get(page).text, "lxml")
        for tag, attr in (("a", "href"), ("img", "src"), ("link", "href")):
            for element in soup.find_all(tag):
                url = urljoin(page, str(element.get(attr))).split("#")[0]
                if url.startswith(demo_server.url) and "/search/" not in url and "/sok/" not in url:
                    targets.add(url)
    for url in targets:
        assert client.get(url).status_code == 200, url
    kinds = {urlsplit(u).path.rsplit(".", 1)[-1] for u in targets if "." in urlsplit(u).path}
    assert {"jpg", "png", "svg", "css", "pdf"} <= kinds


def test_assets_are_valid_files(client: httpx.Client) -> None:
    jpg = client.get("/globalassets/departementene/smk/bilder/pm-tromso.jpg")
    assert jpg.headers["content-type"] == "image/jpeg"
    assert jpg.content[:2] == b"\xff\xd8" and jpg.content[-2:] == b"\xff\xd9"
    png = client.get("/dist/img/footer-coat-of-arms.png").content
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    pdf = client.get("/globalassets/departementene/fin/dokumenter/report.pdf").content
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref:].startswith(b"xref")


def test_conditional_requests(client: httpx.Client) -> None:
    path = "/en/aktuelt/prime-minister-visits-tromso/id3001001/"
    first = client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get(path, headers={"If-Modified-Since": old}).status_code == 200
    assert client.get("/dist/css/main.css", headers={"If-None-Match": "*"}).status_code == 304
    head = client.head(path)
    assert head.content == b"" and head.headers["content-length"] == str(len(first.content))


def test_some_articles_send_no_validators(client: httpx.Client) -> None:
    assert len(NO_VALIDATORS) == 3
    for path in NO_VALIDATORS:
        headers = client.get(path).headers
        assert "etag" not in headers and "last-modified" not in headers


def test_canonicalisation_traps(client: httpx.Client) -> None:
    front = client.get("/en/id4/").text
    assert "?utm_source=frontpage&amp;utm_campaign=news" in front
    assert "?page=2&amp;sort=date" in front and "?sort=date&amp;page=2" in front
    assert "https://www.stortinget.no/" in front
    path = "/en/aktuelt/trade-industry-export-strategy/id3001011/"
    plain = client.get(path).content
    assert client.get(path + "?utm_source=x&utm_medium=y").content == plain
    assert client.get(path.rstrip("/")).status_code == 301
    listing = "/en/whats-new/news/id2006120/"
    assert (
        client.get(listing + "?page=2&sort=date").content == client.get(listing + "?page=2").content
    )
    assert client.get(listing + "?page=9").status_code == 404


def test_expected_findings_point_at_real_pages_and_images(client: httpx.Client) -> None:
    for finding in EXPECTED[1]:
        page = client.get(finding.path)
        assert page.status_code == 200, finding
        if finding.rule == "photo-credits":
            assert f'src="{finding.subject}"' in page.text
            assert client.get(finding.subject).status_code == 200
    rules = {finding.rule for finding in EXPECTED[1]}
    assert rules == {
        "photo-credits",
        "age-notice",
        "age-notice-unexpected",
        "consistent-titles",
        "missing-h1",
        "undated",
    }


def test_seeded_age_notices_match_the_dates(demo_server: DemoServer) -> None:
    today = demo_server.today
    year_ago = today - datetime.timedelta(days=365)
    for article in articles(1, today):
        finding = {f.rule for f in EXPECTED[1] if f.path == article.path}
        if article.published is None:
            assert finding == {"undated"}
            continue
        old = article.published < year_ago
        visible = article.notice == "shown"
        assert ("age-notice" in finding) == (old and not visible), article.path
        assert ("age-notice-unexpected" in finding) == (visible and not old), article.path


@pytest.mark.parametrize("month", range(1, 12))
def test_day_first_trap_is_old_only_when_misread(month: int) -> None:
    today = datetime.date(2026, month, 15)
    trap = day_first_trap(today)
    shown = trap.strftime("%d/%m/%Y")
    day_first = datetime.datetime.strptime(shown, "%d/%m/%Y").date()
    month_first = datetime.datetime.strptime(shown, "%m/%d/%Y").date()
    assert (today - day_first).days < 365 < (today - month_first).days


def test_title_traps_are_equivalent_after_normalisation(client: httpx.Client) -> None:
    soup = BeautifulSoup(
        client.get("/no/aktuelt/statsministeren-besoker-alesund/id3002001/").text, "lxml"
    )
    title, h1 = soup.title.string or "", soup.h1.get_text()
    assert title != unicodedata.normalize("NFC", title)
    assert unicodedata.normalize("NFC", title).removesuffix(" - regjeringen.no") == h1
    nbsp = client.get("/en/aktuelt/nok-5-million-for-arctic-research/id3001012/").text
    assert "<h1>NOK 5&nbsp;million for Arctic research</h1>" in nbsp
    amp = client.get("/en/aktuelt/trade-industry-export-strategy/id3001011/").text
    assert "<title>Trade &amp; industry: a new export strategy - regjeringen.no</title>" in amp


def test_phase_two_fixes_breaks_and_removes(fresh_demo_server: DemoServer) -> None:
    server = fresh_demo_server
    with httpx.Client(base_url=server.url, timeout=5) as client:
        paths = page_paths(1, server.today)
        before = {path: client.get(path).content for path in paths}
        server.set_phase(2)
        after = {path: client.get(path) for path in paths}
    changed = {p for p in paths if after[p].status_code != 200 or after[p].content != before[p]}
    assert {p for p in changed if "/aktuelt/" in p and "nyheter" not in p} == {
        "/en/aktuelt/coastal-ferry-agreement/id3001002/",
        "/en/aktuelt/more-funding-for-hospitals/id3001006/",
        "/en/aktuelt/minister-opens-school-in-bodo/id3001020/",
        *REMOVED[2],
    }
    assert all(after[p].status_code == 404 for p in REMOVED[2])
    ferry = after["/en/aktuelt/coastal-ferry-agreement/id3001002/"].text
    assert '<div class="outdated-content-notice" role="note"><p>This content is more' in ferry
    school = after["/en/aktuelt/minister-opens-school-in-bodo/id3001020/"].text
    assert "<figcaption>Pupils at the opening.</figcaption>" in school
    assert not any(f.path in REMOVED[2] for f in EXPECTED[2])
    assert set(EXPECTED[1]) ^ set(EXPECTED[2])  # something is new, fixed or gone


def test_output_is_deterministic_across_processes() -> None:
    today = datetime.date(2026, 3, 10)
    paths = [*page_paths(1, today), "/sitemap-no.xml.gz", "/dist/img/footer-dss.png"]
    digest = hashlib.sha256()
    for path in paths:
        digest.update(render(path, 1, today).body)  # type: ignore[union-attr]
    script = (
        "import datetime, hashlib; from archiver.demo import page_paths, render\n"
        "t = datetime.date(2026, 3, 10); d = hashlib.sha256()\n"
        "for p in page_paths(1, t) + ['/sitemap-no.xml.gz', '/dist/img/footer-dss.png']:\n"
        "    d.update(render(p, 1, t).body)\n"
        "print(d.hexdigest())\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert other.stdout.strip() == digest.hexdigest()


def test_request_log_shows_concurrency_and_latency() -> None:
    with DemoServer(latency=0.2) as server:
        threads = [
            threading.Thread(target=httpx.get, args=(server.url + "en/id4/",)) for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        records = server.requests.snapshot()
    assert len(records) == 3 and server.requests.max_in_flight() == 3
    assert all(r.end - r.start >= 0.2 and r.status == 200 for r in records)
    assert records[0].headers["Host"] == f"127.0.0.1:{server.port}"
