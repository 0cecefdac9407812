"""Extraction never crashes and always yields a model valid against page.schema.json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from archiver.check import RuleSet, schemas_dir
from archiver.extract import EXTRACTOR_VERSION, extract
from archiver.extract.dates import add_years, parse_date
from archiver.extract.profile import Profile
from archiver.extract.text import normalise_title
from archiver.extract.titles import strip_suffix

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
AT = datetime(2025, 1, 5, tzinfo=UTC)
URL = "https://www.regjeringen.no/en/x/id1/"


@pytest.fixture(scope="module")
def profile() -> Profile:
    return RuleSet.load().resolve(["regjeringen"], URL).profile


@pytest.fixture(scope="module")
def page_schema() -> Draft202012Validator:
    schema = json.loads((schemas_dir() / "page.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


TAGS = [
    "html",
    "head",
    "body",
    "title",
    "h1",
    "main",
    "figure",
    "figcaption",
    "img",
    "p",
    "script",
    "template",
    "meta",
    "div",
    "span",
    "time",
    "article",
    "header",
    "nav",
]
FRAGMENTS = st.one_of(
    st.sampled_from([f"<{t}>" for t in TAGS] + [f"</{t}>" for t in TAGS]),
    st.sampled_from(
        [
            '<meta property="og:type" content="article">',
            '<div class="article-header">',
            '<span class="date">Date: 31/02/2023</span>',
            '<span class="date">Dato: 05.12.2025</span>',
            '<meta name="DC.Date" content="2023-13-45">',
            '<time datetime="2023-02-29">',
            '<img src="x.jpg" alt="">',
            '<img role="presentation">',
            "<figcaption>Foto: NTB",
            '<script type="application/ld+json">{"headline": [1, {"@graph": null}]',
            "This content is more than 1 year old.",
            "&amp;",
            "&nbsp;",
            "&#0;",
            "&#xD800;",
            "<!--",
            "-->",
            "<![CDATA[",
            '<div hidden style="display:none">',
            "\x00",
            "\ufeff",
        ]
    ),
    st.text(max_size=20),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(FRAGMENTS, max_size=60), raw=st.binary(max_size=200))
def test_garbled_html_gives_a_valid_model(profile, page_schema, parts, raw) -> None:
    for payload in ("".join(parts).encode("utf-8", "surrogatepass"), raw):
        model = extract(payload, url=URL, captured_at=AT, profile=profile)
        errors = [e.message for e in page_schema.iter_errors(model)]
        assert errors == []


def test_real_fixture_models_are_valid(profile, page_schema) -> None:
    for path in sorted(PAGES.glob("*.html")):
        model = extract(path.read_bytes(), url=URL, captured_at=AT, profile=profile)
        assert list(page_schema.iter_errors(model)) == [], path.name
        assert model["extractor"] == {"version": EXTRACTOR_VERSION, "profile": profile.fingerprint}


def test_deeply_nested_and_oversized_html(profile, page_schema) -> None:
    deep = b"<div>" * 20000 + b"<img src='a.jpg' alt='a'>" + b"</div>" * 20000
    model = extract(deep, url=URL, captured_at=AT, profile=profile)
    assert list(page_schema.iter_errors(model)) == []
    small = Profile.from_mapping({"max_bytes": 2048})
    model = extract(b"<p>" + b"x" * 10000, url=URL, captured_at=AT, profile=small)
    assert model["warnings"] == ["payload truncated from 10003 to 2048 bytes"]


@pytest.mark.parametrize(
    ("payload", "content_type", "charset", "how"),
    [
        (
            "<title>Bodø</title>".encode("cp1252"),
            "text/html; charset=ISO-8859-1",
            "cp1252",
            "header",
        ),
        (b'<meta charset="windows-1252"><title>Bod\xf8</title>', None, "cp1252", "meta"),
        (b"\xef\xbb\xbf<title>Bod\xc3\xb8</title>", "text/html; charset=latin-1", "utf-8", "bom"),
        (b"<title>Bod\xc3\xb8</title>", None, "utf-8", "sniffed"),
        (b"<title>Bod\xf8</title>", None, "cp1252", "fallback"),
    ],
)
def test_charset_detection(profile, payload, content_type, charset, how) -> None:
    model = extract(payload, url=URL, captured_at=AT, profile=profile, content_type=content_type)
    assert model["charset"] == {"name": charset, "source": how}
    assert model["titles"]["title"]["raw"] == "Bodø"


def test_invalid_utf8_declared_as_utf8_is_replaced(profile) -> None:
    model = extract(
        b"<title>Bod\xf8 \xff</title>",
        url=URL,
        captured_at=AT,
        profile=profile,
        content_type="text/html; charset=utf-8",
    )
    assert model["titles"]["title"]["raw"] == "Bod\ufffd \ufffd"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jobs &amp; growth", "Jobs & growth"),
        ("Jobs\u00a0and  growth\n", "Jobs and growth"),
        ("A\u030alesund", "Ålesund"),
        ("Title - REGJERINGEN.NO", "Title"),
        ("Title | Government.no", "Title"),
        ("regjeringen.no", "regjeringen.no"),
    ],
)
def test_title_normalisation(raw, expected) -> None:
    suffixes = (" - regjeringen.no", " | {og:site_name}")
    assert strip_suffix(normalise_title(raw), suffixes, "Government.no") == expected


@pytest.mark.parametrize(
    ("text", "formats", "expected"),
    [
        ("Date: 05/12/2025", ("%d/%m/%Y",), date(2025, 12, 5)),
        ("Dato: 03.07.2026", ("%d/%m/%Y", "%d.%m.%Y"), date(2026, 7, 3)),
        ("Date: 31/02/2023", ("%d/%m/%Y",), None),
        ("2023-12-14", ("iso",), date(2023, 12, 14)),
        # 23:30 UTC on 14 December is already the 15th in Oslo.
        ("2023-12-14T23:30:00Z", ("iso",), date(2023, 12, 15)),
        ("no date here", ("iso", "%d.%m.%Y"), None),
    ],
)
def test_date_parsing_is_day_first_and_zone_aware(text, formats, expected) -> None:
    parsed = parse_date(text, formats, ZoneInfo("Europe/Oslo"))
    assert (parsed.day if parsed else None) == expected


def test_leap_day_anniversary_is_28_february() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2023, 3, 1), 1) == date(2024, 3, 1)


@pytest.mark.parametrize("body", [b"/index.html", b"https://www.regjeringen.no/", b"photo.jpg"])
def test_a_body_that_looks_like_a_file_name_is_parsed_quietly(profile, page_schema, body) -> None:
    # Found by the garbled-HTML property test: bs4 warned "looks more like a filename",
    # which a cron run's console would show (and warnings are errors here).
    model = extract(body, url=URL, captured_at=AT, profile=profile)
    assert list(page_schema.iter_errors(model)) == []


def test_an_alt_empty_image_is_content_only_when_the_page_names_it(profile) -> None:
    html = b"""<html><head><title>Marko \xc5\xa0orin</title>
    <script type="application/ld+json">{"@type": "NewsArticle",
      "image": [{"@type": "ImageObject", "url": "/media/lead-1200x630.jpg"}]}</script>
    </head><body><main><h1>Marko \xc5\xa0orin</h1>
    <p><img src="/media/lead.jpg" alt="" width="600" height="400"> Text.</p>
    <p><img src="/cv/marko_sorin_200.jpg" alt="" width="200" height="200"> Text.</p>
    <p><img src="/cv/marko_200.jpg" alt="" width="200" height="200"> Text.</p>
    <p><img src="/media/other.jpg" alt="" width="600" height="400"> Text.</p>
    </main></body></html>"""
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    decorative = {i["src"]: i["decorative"] for i in images}
    assert decorative == {
        "/media/lead.jpg": False,  # JSON-LD ImageObject (a resized copy of it)
        "/cv/marko_sorin_200.jpg": False,  # every word of the heading, accents aside
        "/cv/marko_200.jpg": True,  # one word of it is not a name
        "/media/other.jpg": True,
    }


def test_a_lazy_images_source_is_the_url_its_script_swaps_in(profile) -> None:
    gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
    html = f"""<html><head><title>T</title></head><body><main><h1>T</h1>
    <p><img src="{gif}" data-original="/a.jpg" alt="A"> Text.</p>
    <p><img src="" data-src="/b.jpg" alt="B"> Text.</p>
    <p><img src="/img/lazyloading-placeholder.png" data-srcset="/c.jpg 1x, /c2.jpg 2x"
      alt="C"> Text.</p>
    <p><img src="/d.jpg" data-src="/d-large.jpg" alt="D"> Text.</p>
    <p><img src="{gif}" alt="E"> Text.</p>
    </main></body></html>""".encode()
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    assert [(i["src"], i["content"]) for i in images] == [
        ("/a.jpg", True),
        ("/b.jpg", True),
        ("/c.jpg", True),
        ("/d.jpg", True),  # a real src stays the source
        (gif, False),  # a placeholder with nothing to swap in is no picture
    ]


def test_the_element_after_a_lone_pictures_wrappers_is_its_caption(profile) -> None:
    html = b"""<html><head><title>T</title></head><body><main><h1>T</h1>
    <div class="media"><div><div><picture><img src="/a.jpg" alt="A"></picture></div></div>
      </div><div class="source">(Foto: A. Person)</div>
    <p>Body text long enough to be a paragraph of the article.</p>
    <div class="box"><span>Label</span><div><div><img src="/b.jpg" alt="B"></div></div>
      </div><div>Foto: Not Theirs</div>
    <p>Body text long enough to be a paragraph of the article.</p>
    </main></body></html>"""
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    credits = {i["src"]: i["credit"] for i in images}
    # A wrapper with text of its own ("Label") is a box of more than the picture: the
    # element after it is not read as the picture's caption.
    assert credits == {"/a.jpg": "A. Person", "/b.jpg": None}


def test_a_copyright_icon_before_a_name_credits_the_picture() -> None:
    # As Lower Saxony's fertiliser authority (duengebehoerde-niedersachsen.de, adbar/
    # trafilatura tests/eval) captions its pictures: Font Awesome draws the "©".
    html = """<html><head><title>Sperrfristende</title></head><body><main><h1>Sperrfristende</h1>
    <figure><a href="/big-1.jpg"><picture><img src="/frost.jpg" alt="Frost"></picture></a>
    <figcaption><i class="fas fa-search"></i>Frost: Der Boden muss frostfrei sein.<span>
    <i class="fal fa-copyright fa-sm mr-2"></i>Jelko Djuren</span></figcaption></figure>
    <figure><img src="/water.jpg" alt="Wasser"><figcaption>Überschwemmte Böden
    <span class="copyright-icon"><i class="fal fa-copyright"></i></span></figcaption></figure>
    </main></body></html>"""
    profile = RuleSet.load().resolve(["default"], "https://example.org/").profile
    model = extract(html.encode(), url="https://example.org/a", captured_at=AT, profile=profile)
    credits = {i["src"]: i["credit"] for i in model["images"]}
    # An icon with nothing after it credits nobody.
    assert credits == {"/frost.jpg": "Jelko Djuren", "/water.jpg": None}


def test_a_portrait_on_a_contact_card_is_no_content_image(profile) -> None:
    html = b"""<html><head><title>News item</title></head><body><main><h1>News item</h1>
    <p><img src="/lead.jpg" alt="Anna Berg at the opening"> Body text of the article.</p>
    <div class="contact"><div><img src="/staff/1.jpg" alt="Headshot of Anna Berg"></div>
      <div><b>Anna Berg</b><br>Press officer<br>
      <a href="mailto:anna.berg@example.org">anna.berg@example.org</a></div></div>
    <div class="box"><img src="/staff/2.jpg" alt="Ola Nord"><p>Ola Nord</p>
      <a href="mailto:?subject=Shared">Send by mail</a></div>
    <figure><img src="/staff/3.jpg" alt="Kari Vik"><figcaption>Kari Vik</figcaption>
      <a href="tel:+4712345678">+47 12 34 56 78</a></figure>
    <div><img src="/staff/4.jpg" alt="Per Sol"><p>Per Sol</p>
      <a href="tel:+4787654321">+47 87 65 43 21</a></div>
    </main></body></html>"""
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    assert {i["src"]: i["not_content_reason"] for i in images} == {
        "/lead.jpg": None,
        "/staff/1.jpg": "portrait on a contact card",  # alt naming the person on the card
        "/staff/2.jpg": None,  # a share-by-mail button is no contact
        "/staff/3.jpg": None,  # a figure captioned with the name shows the person
        "/staff/4.jpg": "portrait on a contact card",
    }
    # On the person's own page (headed with the name) the portrait is the page's picture.
    own = html.replace(b"<h1>News item</h1>", b"<h1>Per Sol</h1>")
    images = extract(own, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    assert next(i for i in images if i["src"] == "/staff/4.jpg")["content"] is True


def test_an_audio_players_poster_is_no_content_image(profile) -> None:
    html = b"""<html><head><title>T</title></head><body><main><h1>T</h1>
    <div class="player" data-poster="/art/show.jpg"><div class="poster">
      <img src="/art/show.jpg" alt="Morning show"></div>
      <audio src="https://stream.example.org/live" preload="none"></audio></div>
    <div data-poster="/art/clip.jpg" data-src="/media/clip.mp3">
      <img src="/art/clip.jpg" alt="Clip"></div>
    <div data-poster="/stills/report.jpg"><img src="/stills/report.jpg" alt="Report">
      <video src="/media/report.mp4"></video></div>
    <p><img src="/photo.jpg" alt="Photo"> Text of the article.</p>
    <audio src="/media/interview.mp3" controls></audio>
    </main></body></html>"""
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    assert {i["src"]: i["not_content_reason"] for i in images} == {
        "/art/show.jpg": "poster of an audio player",
        "/art/clip.jpg": "poster of an audio player",  # a player a script builds
        "/stills/report.jpg": None,  # a video's poster is a still of the footage
        "/photo.jpg": None,  # beside an audio clip, but no player names it
    }


def test_a_teaser_cards_picture_is_no_content_image(profile) -> None:
    # Modelled on Lower Saxony's fertiliser authority (duengebehoerde-niedersachsen.de,
    # adbar/trafilatura tests/eval): a grid of news cards, the picture beside a card body
    # titled by an <h3> and laid over by a "Mehr lesen" link to the item.
    card = """<div class="item"><div class="bg-tertiary"><picture>
      <img src="/cache/{n}.jpg" alt="Feld {n}"></picture>
      <div class="card-body"><h3 class="card-title teaser">Meldung {n}</h3>
      <p>Ein kurzer Anrisstext zur Meldung.</p>
      <a class="stretched-link" href="/news/{n}">Mehr lesen...</a></div></div></div>"""
    html = f"""<html><head><title>T</title></head><body><main><h1>Sperrfristen</h1>
    <p>Body text long enough to be a paragraph of the article.</p>
    <div class="grid">{card.format(n=1)}{card.format(n=2)}</div>
    <div class="section"><h2>Karte</h2><img src="/map.png" alt="Karte">
      <p>Die Karte zeigt die Gebiete; Details unter <a href="/gebiete">Gebiete</a>.</p></div>
    <div class="project"><div class="info">KIKA 2015</div><img src="/show.jpg" alt="Show">
      <h3><a href="/preis">Nominierung</a></h3></div>
    <div class="project"><div class="info">ZDF 2014</div><img src="/other.jpg" alt="Other">
      <h3><a href="/preis2">Preis</a></h3></div>
    <div class="file"><h2 class="element-invisible"><a href="/files/a">a.jpg</a></h2>
      <div class="content"><img src="/a.jpg" alt="A"></div></div>
    <div class="file"><h2 class="element-invisible"><a href="/files/b">b.jpg</a></h2>
      <div class="content"><img src="/b.jpg" alt="B"></div></div>
    </main></body></html>"""
    images = extract(html.encode(), url="https://example.org/a/", captured_at=AT, profile=profile)
    assert {i["src"]: i["not_content_reason"] for i in images["images"]} == {
        "/cache/1.jpg": "picture of a teaser card",
        "/cache/2.jpg": "picture of a teaser card",
        "/map.png": None,  # a section of the text, no sibling card
        "/show.jpg": None,  # not titled by its heading (a project's own box)
        "/other.jpg": None,
        "/a.jpg": None,  # a media file's heading only screen readers get (Drupal, fluter.de)
        "/b.jpg": None,
    }


def test_a_video_thumbnail_stays_a_content_image(profile) -> None:
    # Modelled on bayern.de (adbar/htmldate tests/cache; corpus page de-bayern-startseite):
    # YouTube's thumbnails, copied as "ID_mqdefault.jpg", stand in for click-to-load videos.
    # A video's still shows its footage: content, as channel4.com's poster (the corpus's
    # convention); a rule calling them thumbnails was measured and not adopted.
    html = b"""<html><head><title>T</title></head><body><main><h1>Bayern</h1>
    <div id="topvideo"><img src="/wp-content/uploads/yt/Ii2gmar6NYo_mqdefault.jpg"
      alt="Youtube Aktivierung"></div>
    <div class="col1"><a class="fancybox" href="#inlinev1"
      onclick="return loadIframe('player1', 'zoI6v1Mv78Y')">
      <img src="https://i.ytimg.com/vi/zoI6v1Mv78Y/hqdefault.jpg" alt="Besuch"></a></div>
    <p><img src="/uploads/default.jpg" alt="Photo"> Body text of the page.</p>
    </main></body></html>"""
    images = extract(html, url="https://example.org/", captured_at=AT, profile=profile)["images"]
    assert {i["src"]: i["not_content_reason"] for i in images} == {
        "/wp-content/uploads/yt/Ii2gmar6NYo_mqdefault.jpg": None,
        "https://i.ytimg.com/vi/zoI6v1Mv78Y/hqdefault.jpg": None,
        "/uploads/default.jpg": None,
    }


def test_a_picture_alliance_credit_closing_the_caption_credits_the_picture(profile) -> None:
    # Modelled on Deutschlandfunk (adbar/htmldate tests/eval/deutschlandfunk.de.titanic.html):
    # the caption in a <dd> ends "(picture alliance / dpa / Oliver Berg)".
    html = b"""<html><head><title>T</title></head><body><main><h1>Titanic</h1>
    <dl class="largeImage"><dt><img src="/thumbs/precht.jpg" alt="Precht"></dt>
    <dd>Sagt der Publizist Richard David Precht im DLF. (picture alliance / dpa / Oliver Berg)</dd>
    </dl><p>Body text long enough to be a paragraph of the article.</p></main></body></html>"""
    images = extract(html, url="https://example.org/a/", captured_at=AT, profile=profile)["images"]
    assert [i["credit"] for i in images] == ["picture alliance / dpa / Oliver Berg"]


def test_a_logo_file_named_with_its_owner_is_no_content_image(profile) -> None:
    # Modelled on Xinhua's Hebei page (adbar/htmldate tests/eval, archive.org copy): the
    # masthead's "xinhualogo.gif" in a layout table; "…-nologo.jpg" is a photograph.
    html = b"""<html><head><title>T</title></head><body><main><h1>T</h1>
    <table><tr><td><img src="/images/xinhualogo.gif" width="132" height="100"></td></tr></table>
    <p><img src="/photos/hamas-nologo-1518817837.jpg" alt="Photo"> Body text of the page.</p>
    </main></body></html>"""
    images = extract(html, url="https://example.org/", captured_at=AT, profile=profile)["images"]
    assert {i["src"]: i["not_content_reason"] for i in images} == {
        "/images/xinhualogo.gif": "logo or icon",
        "/photos/hamas-nologo-1518817837.jpg": None,
    }
