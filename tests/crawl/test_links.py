"""Links out of an HTML page: every element that names one, whatever else it carries."""

from __future__ import annotations

from archiver.crawl.links import html_links

BASE = "https://x.example/dir/page.html"


def test_pages_and_embeds_in_document_order_from_every_kind_of_element() -> None:
    html = b"""<!DOCTYPE html><html><head>
    <link rel="Stylesheet" href="/s.css"><link rel="alternate" href="/feed">
    <style>@import "imp.css"; body { background: url('/bg.png') }</style>
    <script src="app.js"></script></head><body>
    <p>text <b>bold</b></p><div class="x" style="background:url(inline.gif)">d</div>
    <a href="a.html">a</a><a name="anchor">no href</a><a href="#top">fragment</a>
    <a href="mailto:x@x.example">mail</a><area href="/map"><iframe src="frame.html"></iframe>
    <img src="i.png" srcset="i1.png 1x, i2.png 2x" data-src="lazy.png">
    <picture><source data-srcset="s1.webp 1x"></picture><div data-srcset="d.png 2x"></div>
    <video poster="p.jpg" src="v.mp4"></video><object data="o.svg"></object>
    <svg><a href="/in-svg">svg</a></svg><A HREF="UPPER.html">upper</A>
    </body></html>"""
    links = html_links(html, BASE)
    root = "https://x.example/"
    assert links.pages == [
        f"{root}dir/a.html",
        f"{root}map",
        f"{root}dir/frame.html",
        f"{root}in-svg",
        f"{root}dir/UPPER.html",
    ]
    assert links.embeds == [
        f"{root}s.css",
        f"{root}dir/imp.css",
        f"{root}bg.png",
        f"{root}dir/app.js",
        f"{root}dir/inline.gif",
        f"{root}dir/i.png",
        f"{root}dir/lazy.png",
        f"{root}dir/i1.png",
        f"{root}dir/i2.png",
        f"{root}dir/s1.webp",
        f"{root}dir/d.png",
        f"{root}dir/v.mp4",
        f"{root}dir/p.jpg",
        f"{root}dir/o.svg",
    ]


def test_a_base_element_and_an_empty_document() -> None:
    links = html_links(b"<base href='https://y.example/sub/'><a href='z'>z</a>", BASE)
    assert links.pages == ["https://y.example/sub/z"]
    assert not html_links(b"", BASE) and not html_links(b"<!-- only -->", BASE)


def test_a_lazy_image_the_checks_judge_is_fetched_and_replayed() -> None:
    """vaticannews.va keeps its lead picture in data-original behind a data: GIF; the
    photo-credits check judges that URL, so the crawler fetches it and the viewer points
    it into the archive (one table, archiver.markup, for all three)."""
    from archiver.web.rewrite import Rewriter

    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    html = (
        f'<img src="{gif}" data-original="/lead.jpg">'
        f'<picture><source srcset="{gif}" data-original-set="/lead-2x.jpg 2x"></picture>'
    )
    links = html_links(html.encode(), BASE)
    assert "https://x.example/lead.jpg" in links.embeds
    assert "https://x.example/lead-2x.jpg" in links.embeds
    rewritten = Rewriter(lambda path: path, "20260101000000").html(html, BASE)
    assert 'data-original="/web/20260101000000id_/https://x.example/lead.jpg"' in rewritten
    assert "/web/20260101000000id_/https://x.example/lead-2x.jpg 2x" in rewritten
