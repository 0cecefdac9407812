"""`archiver.web.rewrite` directly, on real published pages: after rewriting, nothing a browser
would load or follow points at the live web; every address is the viewer's, and signed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from archiver.web.rewrite import OUTLINE_STYLE, Mark, Rewriter

PAGES = sorted((Path(__file__).parents[1] / "realworld" / "pages").glob("*.html"))
TS = "20260101120000"
# What a browser loads or navigates to, listed here independently of archiver.markup.
LOADED = ("src", "href", "srcset", "poster", "action", "background", "formaction", "data")
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)", re.I)
_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)", re.I)
_HREF_TAGS = ("a", "area", "link", "base")
_HARMLESS = ("#", "data:", "javascript:", "mailto:", "tel:", "about:", "blob:")


def _sign(path: str) -> str:
    return path + "?sig=ok"


def _viewer(value: str) -> bool:
    return value.startswith("/web/") and value.endswith("?sig=ok")


def _srcset_urls(value: str) -> list[str]:
    """The candidate URLs of a srcset as a browser splits it (HTML's "parse a srcset
    attribute"): a URL runs to whitespace, so the comma of a data: URL is part of it;
    candidates are parted by a comma after the URL or after its descriptors."""
    urls: list[str] = []
    pos, end = 0, len(value)
    while pos < end:
        while pos < end and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < end and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if not url:
            break
        if url.endswith(","):
            urls.append(url.rstrip(","))
            continue
        urls.append(url)
        depth = 0  # descriptors, up to a comma outside parentheses
        while pos < end and not (value[pos] == "," and depth == 0):
            depth += {"(": 1, ")": -1}.get(value[pos], 0)
            pos += 1
    return urls


def test_srcset_urls_split_as_a_browser_does() -> None:
    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    assert _srcset_urls(f"{gif} 1x, /b.jpg 2x,/c.jpg,  /d.jpg 640w") == [
        gif,
        "/b.jpg",
        "/c.jpg",
        "/d.jpg",
    ]


def _urls(soup: BeautifulSoup) -> list[tuple[str, str]]:
    found = []
    for tag in soup.find_all(True):
        assert isinstance(tag, Tag)
        for attr in LOADED:
            if attr == "href" and tag.name not in _HREF_TAGS:
                continue  # e.g. <button href="…">: no browser follows it
            value = tag.get(attr)
            if not isinstance(value, str) or not value.strip():
                continue
            if attr.endswith("srcset"):
                found += [(f"{tag.name}@{attr}", url) for url in _srcset_urls(value)]
            else:
                found.append((f"{tag.name}@{attr}", value.strip()))
        css = [str(tag.get("style") or "")]
        if tag.name == "style" and tag.string:
            css.append(str(tag.string))
        for text in css:
            found += [
                (f"{tag.name} css", u) for u in _CSS_URL.findall(text) + _IMPORT.findall(text)
            ]
    return found


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_no_address_in_a_replayed_page_leaves_the_archive(page: Path) -> None:
    text = page.read_text(encoding="utf-8", errors="replace")
    rewritten = Rewriter(_sign, TS).html(text, "https://www.example.gov/news/item.html")
    soup = BeautifulSoup(rewritten, "lxml")
    urls = _urls(soup)
    assert urls, "a real page names some URLs"
    escaped = [
        (where, u) for where, u in urls if not (_viewer(u) or u.lower().startswith(_HARMLESS))
    ]
    assert escaped == []
    assert soup.find("base") is None
    assert all(f.get("action") == "#" for f in soup.find_all("form"))
    assert not [
        m for m in soup.find_all("meta") if str(m.get("http-equiv", "")).lower() == "refresh"
    ]


def test_links_open_captures_and_embeds_the_nearest_capture() -> None:
    rewriter = Rewriter(_sign, TS)
    base = "https://www.example.gov/a/page.html"
    assert (
        rewriter.link("other.html", base)
        == f"/web/{TS}/https://www.example.gov/a/other.html?sig=ok"
    )
    assert (
        rewriter.embed("/img/x.png", base)
        == f"/web/{TS}id_/https://www.example.gov/img/x.png?sig=ok"
    )
    assert rewriter.embed("data:image/png;base64,AAAA", base) == "data:image/png;base64,AAAA"
    assert rewriter.link("ftp://files.example.gov/x", base) == "#"
    assert rewriter.srcset("a.png 1x, /b.png 2x", base) == (
        f"/web/{TS}id_/https://www.example.gov/a/a.png?sig=ok 1x, "
        f"/web/{TS}id_/https://www.example.gov/b.png?sig=ok 2x"
    )


def test_a_base_tag_is_followed_then_dropped() -> None:
    page = next(p for p in PAGES if "<base " in p.read_text(encoding="utf-8", errors="replace"))
    text = page.read_text(encoding="utf-8", errors="replace")
    [base_href] = re.findall(r'<base href="([^"]+)"', text)
    rewritten = Rewriter(_sign, TS).html(text, "https://elsewhere.example/")
    assert "https://elsewhere.example/" not in rewritten
    host = re.match(r"https?://[^/]+", base_href)
    assert host is not None and f"/web/{TS}/{host.group(0)}/" in rewritten


def test_nothing_opens_another_window_or_checks_integrity() -> None:
    html = (
        '<html><head><link rel="stylesheet" href="/s.css" integrity="sha384-x" crossorigin>'
        '<script src="/a.js" integrity="sha384-y"></script>'
        '<meta http-equiv="refresh" content="0; url=https://live.example/">'
        '<meta http-equiv="Content-Security-Policy" content="default-src *">'
        '</head><body><a href="/x" target="_blank">x</a>'
        '<form action="https://live.example/search" method="post"><input name="q"></form>'
        "<div style=\"background: url('/bg.png')\">y</div></body></html>"
    )
    soup = BeautifulSoup(Rewriter(_sign, TS).html(html, "https://www.example.gov/"), "lxml")
    assert soup.find("a")["href"] == f"/web/{TS}/https://www.example.gov/x?sig=ok"
    assert "target" not in soup.find("a").attrs
    assert (
        "integrity" not in soup.find("link").attrs and "crossorigin" not in soup.find("link").attrs
    )
    assert "integrity" not in soup.find("script").attrs
    assert soup.find("meta") is None
    assert soup.find("form")["action"] == "#"
    assert f"/web/{TS}id_/https://www.example.gov/bg.png?sig=ok" in soup.find("div")["style"]


def test_violations_are_outlined_by_css_path_or_image_src() -> None:
    html = (
        '<html><head></head><body><main><h1>T</h1><p class="lead">p</p>'
        '<img src="/photo.jpg"></main></body></html>'
    )
    marks = [
        Mark("missing-credit", src="/photo.jpg"),
        Mark("title", selector="main > h1"),
        Mark("title-again", selector="main > h1"),
        Mark("broken", selector="p[[["),  # an unusable path is skipped, not an error
    ]
    soup = BeautifulSoup(Rewriter(_sign, TS).html(html, "https://www.example.gov/", marks), "lxml")
    assert soup.find("h1")["data-archiver-violation"] == "title title-again"
    assert soup.find("img")["data-archiver-violation"] == "missing-credit"
    assert soup.find("p").get("data-archiver-violation") is None
    [style] = soup.find_all("style", attrs={"data-archiver": "outline"})
    assert style.string == OUTLINE_STYLE
    clean = Rewriter(_sign, TS).html(html, "https://www.example.gov/")
    assert "data-archiver-violation" not in clean and OUTLINE_STYLE not in clean


def test_a_link_to_another_scheme_goes_nowhere() -> None:
    rewriter = Rewriter(_sign, TS)
    base = "https://www.example.gov/a/page.html"
    for url in ("whatsapp://send?text=x", "fb-messenger://share/?link=y", "file:///etc/passwd"):
        assert rewriter.link(url, base) == "#"
    assert rewriter.link("mailto:press@example.gov", base) == "mailto:press@example.gov"


def test_every_base_element_goes_and_the_first_href_resolves() -> None:
    page = (
        '<html><head><base target="_blank"><base href="/x/"><base href="/y/"></head>'
        '<body><a href="p.html">p</a><link rel="meta" href="urn:newsml:iptc.org:1"></body></html>'
    )
    soup = BeautifulSoup(Rewriter(_sign, TS).html(page, "https://www.example.gov/a/"), "lxml")
    assert soup.find("base") is None
    assert (
        soup.a is not None
        and soup.a["href"] == f"/web/{TS}/https://www.example.gov/x/p.html?sig=ok"
    )
    assert soup.link is not None and soup.link["href"] == "about:blank"
