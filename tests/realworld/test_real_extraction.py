"""Each extraction fix of issue #11, pinned on the real page that showed the failure.

Pages come from the real-page corpus (tests/realworld/truth/*.json); the starter pages live
in ../shared/realpages beside the repository and are skipped when it is absent (CI has it).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from archiver.check import schemas_dir
from archiver.check.packs import RuleSet
from archiver.extract import extract
from archiver.extract.titles import learn_site_suffixes, with_site_suffixes
from benchmarks.accuracy import Case, expected_of, load_corpus, model_of, run_case
from tests.helpers import run_archiver

CASES, MISSING = load_corpus()
BY_STEM = {case.stem: case for case in CASES}


def case(stem: str) -> Case:
    if stem not in BY_STEM:
        if os.environ.get("CI") == "true" or stem not in MISSING:
            pytest.fail(f"corpus page {stem} not found")
        pytest.skip(f"{stem}: ../shared/realpages not beside the repository")
    return BY_STEM[stem]


def model(stem: str, **kwargs: Any) -> dict[str, Any]:
    return model_of(case(stem), **kwargs)


# 1. Age notices: the real nynorsk notice, matched tolerantly; the historical-archive banner.

REAL_NYNORSK_NOTICE = (
    "Dette innhaldet er meir enn 1 år gammalt. Informasjonen kan derfor vere utdatert."
)


def _regjeringen(stem: str, html: bytes, at: datetime) -> dict[str, Any]:
    page = case(stem)
    url = page.truth["url"]
    profile = RuleSet.load().resolve(["regjeringen"], url).profile
    return extract(html, url=url, captured_at=at, profile=profile)


def _with_banner(stem: str, banner: str) -> bytes:
    html = case(stem).path.read_bytes()
    marker = b'<main id="mainContent" tabindex="-1">'
    assert marker in html
    return html.replace(marker, marker + f"<div class='notice'>{banner}</div>".encode(), 1)


def test_real_nynorsk_age_notice_is_recognised_on_an_old_regjeringen_page() -> None:
    at = datetime(2027, 8, 1, tzinfo=UTC)
    stem = "regj-nn-hoyring-id3168525"
    bare = _regjeringen(stem, case(stem).path.read_bytes(), at)
    assert bare["age"]["over_one_year"] is True
    assert bare["age_notice"]["shown"] is False
    shown = _regjeringen(stem, _with_banner(stem, REAL_NYNORSK_NOTICE), at)
    assert shown["age_notice"]["shown"] is True
    assert shown["age_notice"]["text"] == REAL_NYNORSK_NOTICE


def test_historical_archive_banner_counts_as_the_notice_with_the_regjeringen_pack() -> None:
    at = datetime(2027, 8, 1, tzinfo=UTC)
    stem = "regj-no-horing-id3167072"
    banner = "Historisk arkiv <span>Publisert under: Regjeringen Støre</span>"
    found = _regjeringen(stem, _with_banner(stem, banner), at)["age_notice"]
    assert found["shown"] is True
    assert found["archive"]["shown"] is True
    # The site's menu links to "Historisk arkiv" on every page: that is no banner.
    plain = _regjeringen(stem, case(stem).path.read_bytes(), at)["age_notice"]
    assert plain["archive"]["shown"] is False


# 2. Site suffixes without og:site_name, learnt from the page's own titles.


def test_european_parliament_suffix_is_learnt_and_the_clean_h1_agrees() -> None:
    titles = model("ep-press-20190712IPR56948")["titles"]
    assert titles["inferred_suffix"] == " | News | European Parliament"
    assert titles["mismatches"] == []
    assert titles["title"]["normalized"] == titles["h1"]["normalized"]


def test_a_real_difference_survives_suffix_learning() -> None:
    mismatches = model("ep-press-20241212IPR25960")["titles"]["mismatches"]
    assert [(m["reference"], m["source"]) for m in mismatches] == [("title", "h1")]


def test_govuk_publication_suffix_with_its_section_is_learnt() -> None:
    titles = model("govuk-publication-ilr-check-data")["titles"]
    assert titles["inferred_suffix"] == " - Publications - GOV.UK"
    assert titles["mismatches"] == []


def test_a_run_learns_the_suffix_most_of_its_titles_share() -> None:
    # The European Parliament's pages in the corpus, as one run would see them: press
    # releases end " | News | European Parliament", a member's page " | MEPs | …".
    pages = [c for c in CASES if c.family == "europarl.europa.eu"]
    if len(pages) < 5:
        pytest.skip("../shared/realpages not beside the repository")
    titles = [model_of(c)["titles"]["title"]["raw"] for c in pages]
    learnt = learn_site_suffixes(titles)
    assert learnt[:2] == (" | News | European Parliament", " | European Parliament")
    odd = with_site_suffixes(model("ep-press-20241212IPR25960"), learnt)["titles"]
    assert [(m["reference_value"], m["value"]) for m in odd["mismatches"]] == [
        (
            "EP paves way for the use of EU funds to finance natural disaster recovery",
            "Parliament paves way for the use of EU funds to finance natural disaster recovery",
        )
    ]


def test_a_leading_article_does_not_make_titles_differ() -> None:
    # GOV.UK organisation page: the logo heading "The Scottish Government", the <title>
    # "Scottish Government - GOV.UK".
    titles = model("govuk-organisation-scottish-government")["titles"]
    assert titles["inferred_suffix"] == " - GOV.UK"
    assert titles["mismatches"] == []


def test_mluk_suffix_is_stripped_although_og_site_name_is_the_whole_title() -> None:
    titles = model("de-mluk-brandenburg-erlegungspraemie")["titles"]
    assert titles["title"]["normalized"].endswith("Jagdjahr 2020/2021")
    assert titles["mismatches"] == []


# 3. Article detection beyond og:type=article and JSON-LD.


@pytest.mark.parametrize(
    "stem", ["at-bundeskanzleramt-raab", "govuk-publication-ilr-check-data", "jm-jis-aice-2022"]
)
def test_dated_content_header_with_h1_is_an_article(stem: str) -> None:
    found = model(stem)
    assert found["is_article"] is True
    assert "dated-h1" in found["article_signals"]


@pytest.mark.parametrize("stem", ["de-bundesrat-weremember", "regj-no-horing-id3167072"])
def test_news_marked_og_type_website_is_an_article_by_its_dated_header(stem: str) -> None:
    # bundesrat.de and regjeringen.no say og:type=website; the default pack, no site pack.
    found = model(stem, pack="default")
    assert found["is_article"] is True
    assert found["article_signals"] == ["dated-h1"]


def test_a_listing_page_is_not_an_article() -> None:
    assert model("regj-nn-hoyringar-listing-id1763")["is_article"] is False


def test_a_news_item_served_without_its_content_is_an_undated_article_without_h1() -> None:
    # elperuano.pe serves a skeleton: JavaScript fills in the headline, date and text. The
    # URL is an item under a news path, the metadata an item's (og:title, og:image), and
    # the archived page shows neither a headline nor a date: both findings are true of it.
    stem = "pe-elperuano-noticia-152832"
    found = model(stem)
    assert found["article_signals"] == ["unshown-item"]
    assert found["titles"]["h1"] is None and found["dates"]["published"] is None
    assert run_case(case(stem)) == {("missing-h1", ""), ("undated", "")}


def test_a_document_without_headline_dated_by_a_date_standing_alone_is_an_article() -> None:
    # The Assemblée nationale's amendment: no h1, no element repeating the <title>, no
    # metadata date; "21 novembre 2014" stands alone in its own block above the text.
    stem = "fr-assemblee-nationale-amendement-cl4-2014"
    found = model(stem)
    assert found["article_signals"] == ["dated-page"]
    assert found["dates"]["published"]["value"] == "2014-11-21"
    assert found["dates"]["published"]["source"] == "alone"
    assert run_case(case(stem)) == {("age-notice", ""), ("missing-h1", "")}


def test_a_date_alone_counts_only_once_and_not_after_an_update_word() -> None:
    stem = "fr-assemblee-nationale-amendement-cl4-2014"
    lone = b'class="dateamend">21 novembre 2014 </div>'
    # Two dates standing alone are a list of dated items: neither is the document's.
    second = lone + b"<div>3 d&eacute;cembre 2014</div>"
    assert _served(stem, (lone, second))["dates"]["published"] is None
    # Nor is the same date twice (teasers of one day).
    again = lone + b"<div>21 novembre 2014</div>"
    assert _served(stem, (lone, again))["dates"]["published"] is None
    # A date after an update word is the last change, not the publication.
    updated = b'class="dateamend">Mis &agrave; jour&nbsp;: <span>21 novembre 2014</span></div>'
    assert _served(stem, (lone, updated))["is_article"] is False


def _served(stem: str, *edits: tuple[bytes, bytes], url: str | None = None) -> dict[str, Any]:
    """The default pack's model of a corpus page with ``edits`` made to its HTML."""
    page = case(stem)
    html = page.path.read_bytes()
    for old, new in edits:
        assert old in html
        html = html.replace(old, new)
    url = url or page.truth["url"]
    profile = RuleSet.load().resolve(["default"], url).profile
    return extract(html, url=url, captured_at=page.at, profile=profile)


def test_an_unshown_item_needs_an_item_url_item_metadata_and_no_headline() -> None:
    stem = "pe-elperuano-noticia-152832"
    item = b"https://elperuano.pe/noticia/152832-logran-evacuar-a-otros-50-civiles"
    assert _served(stem)["is_article"] is True
    # A section under the same news path ("/noticia/politica") is no item.
    listing = "https://elperuano.pe/noticia/politica"
    assert _served(stem, (item, listing.encode()), url=listing)["is_article"] is False
    # Nor is an item under a path that is no news path.
    shop = "https://elperuano.pe/tienda/152832-logran-evacuar-a-otros-50-civiles"
    assert _served(stem, (item, shop.encode()), url=shop)["is_article"] is False
    # og:title with neither og:image nor a large Twitter card does not describe an item.
    pictureless = (b'property="og:image"', b'property="og:x"'), (b"summary_large_image", b"summary")
    assert _served(stem, *pictureless)["is_article"] is False
    # A page that shows its headline is judged by its header (dated or not), not its URL.
    headline = b"<div class=titular>Logran evacuar a otros 50 civiles</div><main"
    assert _served(stem, (b"<main", headline))["is_article"] is False


def test_og_type_article_without_any_date_is_no_article() -> None:
    # The European Parliament sets og:type=article on a member's profile page; its only
    # <time> is the date of birth ("Date of birth : <time datetime=1969-05-02>").
    found = model("eu-ep-mep-aaltola-home")
    assert found["dates"]["published"] is None
    assert found["is_article"] is False
    # Not an article, so no age or date findings; its uncredited portrait still counts.
    assert run_case(case("eu-ep-mep-aaltola-home")) == {
        ("photo-credits", "https://www.europarl.europa.eu/mepphoto/256810.jpg")
    }


# 4. Dates in visible text, precision first.


@pytest.mark.parametrize(
    ("stem", "day", "source"),
    [
        ("de-mluk-brandenburg-erlegungspraemie", "2022-01-02", "near-h1"),
        ("jm-jis-aice-2022", "2022-04-26", "near-h1"),
        ("govuk-publication-nhs-special-measures", "2014-08-04", "near-h1"),
        ("govuk-publication-uk-guarantees", "2013-10-22", "labelled"),
        ("de-bka-pm-telegram", "2022-01-26", "near-h1"),
        ("de-thw-frauen-im-thw", "2021-10-11", "near-h1"),
    ],
)
def test_publication_date_read_from_visible_text(stem: str, day: str, source: str) -> None:
    published = model(stem)["dates"]["published"]
    assert (published["value"], published["source"]) == (day, source)


def test_an_update_date_in_the_header_is_not_the_publication_date() -> None:
    # The header says only "Updated 16 June 2014"; the footer "Published: 22 October 2013".
    assert model("govuk-publication-uk-guarantees")["dates"]["published"]["value"] != "2014-06-16"


# 5. The content area.


def test_breadcrumb_h1_is_skipped_and_soft_hyphens_removed() -> None:
    h1 = model("de-bundesrat-weremember")["titles"]["h1"]
    assert "Sie sind hier" not in h1["normalized"]
    assert "Erinnerung an die Opfer der NS-Verbrechen" in h1["normalized"]
    assert "\u00ad" not in h1["normalized"]


def test_sidebar_graphic_in_aside_is_outside_the_content() -> None:
    images = model("de-mluk-brandenburg-erlegungspraemie")["images"]
    assert not [i for i in images if "KLIMA" in i["src"]]


def test_regjeringen_real_chrome_is_excluded() -> None:
    page = case("regj-no-horing-id3167072")
    found = model_of(page)
    assert found["content_area"]["selector"] == "#mainContent"
    # No image of the real header, footer or article sidebar counts as content.
    assert [i for i in found["images"] if i["content"] and not i["decorative"]] == []


# 6. Credits and content images.


def test_credit_ends_with_its_line_and_alt_empty_captioned_image_is_content() -> None:
    image = model("jm-jis-aice-2022")["images"][0]
    assert image["credit"] == "Yhomo Hutchinson"
    assert image["decorative"] is False


def test_a_site_banner_header_deep_in_wrappers_holds_no_content_images() -> None:
    # inform.kz: the page's <header> (exchange-rate arrows, an ad banner) sits in a wrapper
    # div, not under <body>; not inside article/main/section, it is the banner landmark.
    images = model("kz-kazinform-sko-ptitsefabrika-2020")["images"]
    sources = {i["src"] for i in images}
    assert not any(s.endswith(("/lenta/img/up.png", "/lenta/img/down.png")) for s in sources)
    assert not any("banners/" in s for s in sources)
    # A <header> inside the article (the entry header with its lead picture) stays content.
    lead = model("jm-jis-aice-2022")["images"][0]
    assert lead["content"] is True


def test_quelle_is_a_credit_keyword() -> None:
    images = model("de-umweltbundesamt-eu-taxonomie")["images"]
    credited = [i for i in images if "eu-fahnen" in i["src"]]
    assert credited[0]["credit"] == "jorisvo / Fotolia.com"


def test_a_news_agency_style_credit_closing_the_caption_is_a_credit() -> None:
    # cbc.ca: "… in Toronto. (Evan Mitsui/CBC)" with no keyword before the name.
    images = model("ca-cbc-crea-housing-2022")["images"]
    photos = [i for i in images if "real-estate-sign" in i["src"] or "earl-hypolite" in i["src"]]
    assert len(photos) == 2
    assert {i["credit"] for i in photos} == {"Evan Mitsui/CBC", "Darek Zdzienicki/CBC"}


def test_a_gallery_is_credited_by_one_collective_line() -> None:
    images = model("de-berliner-feuerwehr-ehrenzeichen")["images"]
    gallery = [i for i in images if i["content"] and i["credit_source"] == "gallery"]
    assert len(gallery) >= 10
    assert {i["credit"] for i in gallery} == {"Berliner Feuerwehr"}


def test_a_picture_in_a_definition_term_is_captioned_by_its_description() -> None:
    # stuttgart.de: <dl><dt><a class=highslide><img></a></dt><dd>… Foto: Stuttgart
    # Marketing</dd></dl>; the magnifier icon beside the picture is no content image.
    images = model("de-stuttgart-bohnenviertel")["images"]
    photo = next(i for i in images if i["src"].endswith("33161.jpg"))
    assert photo["credit"] == "Stuttgart Marketing"
    assert photo["caption"] == "Cafe im Bohnenviertel. Foto: Stuttgart Marketing"
    assert all(not i["content"] for i in images if "magnify" in i["src"])


def test_separate_copyright_elements_credit_each_gallery_image() -> None:
    images = model("de-bundesrat-weremember")["images"]
    content = [i for i in images if i["content"] and not i["decorative"] and not i["hidden"]]
    assert content
    assert all(i["credit"] for i in content)
    teaser = [i for i in images if i["src"].endswith("teaser.jpg?__blob=normal&v=3")]
    assert teaser and all(not i["content"] for i in teaser)


# 7. Invisible characters (and the whole page, checked as check-page checks it).


def test_bundesrat_titles_agree_after_soft_hyphens_prefix_and_kicker() -> None:
    assert model("de-bundesrat-weremember")["titles"]["mismatches"] == []


def test_findings_follow_the_capture_time() -> None:
    page = case("ep-press-20250204IPR26689")
    later = replace(page, truth={**page.truth, "at": "2026-06-01T00:00:00Z"})
    assert ("age-notice", "") not in run_case(page)
    assert ("age-notice", "") in run_case(later)


def test_check_page_title_suffix_flag_strips_a_suffix_no_other_title_shows() -> None:
    # eawag.ch's <title> is the generic "News - Eawag": a real inconsistency with the
    # headline, but its " - Eawag" is the site's suffix, which the flag names.
    page = case("ch-eawag-news-elektron")
    args = ["check-page", str(page.path), "--url", page.truth["url"], "--at", page.truth["at"]]

    def titles(*extra: str) -> list[tuple[str, str]]:
        done = run_archiver(*args, *extra, "--format", "json")
        assert done.returncode == 1, done.stderr
        found = json.loads(done.stdout)["violations"]
        return [
            (v["evidence"]["source"], v["evidence"]["value"])
            for v in found
            if v["rule"] == "consistent-titles"
        ]

    assert titles() == [("title", "News - Eawag")]
    assert titles("--title-suffix", " - Eawag") == [("title", "News")]


def test_every_corpus_page_model_is_valid_against_the_page_schema() -> None:
    schema = json.loads((schemas_dir() / "page.schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for page in CASES:
        assert list(validator.iter_errors(model_of(page))) == [], page.stem


def test_skip_link_heading_is_not_the_page_heading_and_the_dateline_is_read() -> None:
    # thw.de has no <main>: the body's first <h1> is the skip links' "Hauptnavigation".
    found = model("de-thw-frauen-im-thw")
    assert found["titles"]["h1"]["normalized"].startswith("Frauen im THW")
    assert found["dates"]["published"]["value"] == "2021-10-11"


def test_site_and_section_prefix_separated_by_slashes_is_learnt() -> None:
    titles = model("de-bundespraesident-rede-rau-2003")["titles"]
    assert titles["inferred_prefix"].startswith("www.bundespraesident.de: Der Bundespräsident")
    assert titles["mismatches"] == []


# Pages the corpus grew by while these fixes were made.


def test_a_headline_without_h1_dates_the_page_and_the_missing_h1_is_found() -> None:
    # xinhuanet.com: no <h1>; div.h-title repeats the <title> before its "-新华网" and
    # "2020-02-19 20:29:58" stands under it.
    found = model("cn-xinhua-wuhan-2020")
    assert found["article_signals"] == ["dated-headline"]
    assert found["dates"]["published"]["value"] == "2020-02-19"
    assert found["titles"]["h1"] is None
    assert {k for k, _ in run_case(case("cn-xinhua-wuhan-2020"))} == {
        "missing-h1",
        "age-notice",
        "photo-credits",
    }


def test_chinese_credit_after_the_picture_and_share_graphics() -> None:
    images = {i["src"].rsplit("/", 1)[-1]: i for i in model("cn-xinhua-wuhan-2020")["images"]}
    assert images["1125597921_15821148894141n.jpg"]["credit"] == "新华社记者 才扬"
    assert images["1125597921_15821149269271n.jpg"]["credit"] is None
    assert images["wx.png"]["content"] is False
    assert all(not i["content"] for name, i in images.items() if not name)


def test_a_bare_date_label_and_a_truncated_twitter_title() -> None:
    # dw.com (French): "Date 23.05.2011" in the item's facts below the text; twitter:title
    # cut short with "..."; <title> and og:title end in different suffixes.
    found = model("de-dw-fr-guinee-elephants-2011")
    assert found["article_signals"] == ["labelled-date"]
    assert found["dates"]["published"]["value"] == "2011-05-23"
    assert found["titles"]["mismatches"] == []


def test_a_site_prefix_with_a_bar_and_no_spaces() -> None:
    titles = model("jp-nhk-easy-taibatsu")["titles"]
    assert titles["inferred_prefix"] == "NEWS WEB EASY|"
    assert titles["mismatches"] == []


def test_an_unclosed_element_in_noscript_does_not_hide_the_page() -> None:
    # parcoabruzzo.it opens <noscript><div id="mms_nojava"></noscript> and closes the div in
    # another <noscript> at the end: a browser running scripts shows the whole page.
    images = model("it-parcoabruzzo-orso-2020")["images"]
    chart = next(i for i in images if i["src"].endswith("PNALMnov58354-img1.jpg"))
    assert (chart["hidden"], chart["content"], chart["credit"]) == (False, True, None)
    spacer = next(i for i in images if i["alt"] == "Slide fotografica")
    assert spacer["not_content_reason"] == "spacer over a CSS background"


def test_the_shown_date_wins_over_a_placeholder_datetime() -> None:
    # OEIL: <time datetime="2018-07-01T20:00:00">13/11/2025</time>.
    published = model("eu-ep-oeil-summary-befit-2025")["dates"]["published"]
    assert (published["value"], published["raw"]) == ("2025-11-13", "13/11/2025")


def test_a_date_without_a_year_takes_the_one_year_the_page_writes_with_it() -> None:
    # NHK NEWS WEB EASY: "[06月24日 11時30分]" under the headline; the year only in
    # <body id="news20190624_k10011959621000">.
    found = model("jp-nhk-easy-taibatsu")
    assert found["dates"]["published"]["value"] == "2019-06-24"
    assert ("age-notice", "") in run_case(case("jp-nhk-easy-taibatsu"))


def test_the_first_article_element_is_not_taken_for_the_content() -> None:
    # helmholtz-klima.de: the document's first <article> is the header picture's, before
    # role=main; the one being read holds the h1 and nests teaser <article>s of others.
    found = model("de-helmholtz-klima-cop27-2022")
    assert found["content_area"]["selector"] == "[role=main]"
    assert found["titles"]["h1"]["normalized"] == "Kein Kipppunkt zugunsten des Klimaschutzes"
    teasers = [i for i in found["images"] if "/styles/teaser/" in i["src"]]
    assert len(teasers) == 3 and not any(i["content"] for i in teasers)


def test_a_content_selector_the_page_lacks_does_not_stop_the_search_for_the_h1s_area() -> None:
    # riigikogu.ee: no <main>; an EMPTY <article> closes div#main, which holds the h1 and
    # the member's portrait. A page without <main> went straight to the first selector
    # that matched anything (the empty <article>) and the portrait was never seen.
    page = case("ee-riigikogu-saadik-sorin-2017")
    found = model_of(page)
    assert found["content_area"]["selector"] == "#main"
    portrait = [i for i in found["images"] if "/uploads/ems/" in i["src"]]
    assert len(portrait) == 1 and portrait[0]["content"] and not portrait[0]["credit"]
    assert ("photo-credits", portrait[0]["url"]) in run_case(page)


def test_a_viewers_zoom_button_and_empty_placeholder_sheet_are_no_content_images() -> None:
    # gemeenteraad.denhelder.nl: the presentation viewer holds <img src="/md/zoomDoc.gif"
    # alt="afbeelding vergroten"> and <img src="/md/empty.jpg" alt="laden..."> (a sheet a
    # script fills during a broadcast). Their file names say what they are; camelCase
    # words count ("zoomDoc"). thw.de's magnifier "lightbox_lupe.png" beside each photo
    # (a link to the larger picture) is a button too, not a second content image.
    page = case("nl-denhelder-commissie-bestuur-middelen-2015-10-05")
    images = model_of(page)["images"]
    viewer = [i for i in images if i["src"] in ("/md/zoomDoc.gif", "/md/empty.jpg")]
    assert len(viewer) == 2
    assert all(i["not_content_reason"] == "interface graphic" for i in viewer)
    assert not [f for f in run_case(page) if f[0] == "photo-credits"]
    thw = model("de-thw-frauen-im-thw")["images"]
    loupes = [i for i in thw if "lightbox_lupe" in i["src"]]
    assert len(loupes) == 5 and not any(i["content"] for i in loupes)
    assert all(i["content"] and i["credit"] for i in thw if "/bilderstrecke_" in i["src"])


def test_pictures_in_folders_of_icons_avatars_and_smilies_and_loaders_are_no_content() -> None:
    # Markup as adbar/htmldate's and adbar/trafilatura's fixtures show it (osthessen-news.de's
    # weather widget, a gravatar beside a comment, WordPress smilies, idw-online.de's
    # loading.gif, a print plugin's button), set into thw.de's real content area; a photo
    # whose class says how it loads ("disable-lazy-loading", greator.com) stays content.
    widgets = (
        b'<div id="main"> <img src="//static.osthessen-news.de/wetter/icons/04d.png" alt="">'
        b'<img src="https://secure.gravatar.com/avatar/9bed1cfc39d8b0140bd733f3d97e15a6?s=96">'
        b'<img src="https://www.golfpost.de/wp-includes/images/smilies/frownie.png" alt=":(">'
        b'<img src="https://files.idw-online.de/loading.gif" alt="Bitte warten">'
        b'<img src="/wp-content/plugins/print/images/printer_famfamfam.gif" alt="Drucken">'
        b'<img src="/media/flags-of-europe-2022.jpg" alt="Flaggen Europas">'
        b'<img src="/uploads/innere-zufriedenheit.jpg" alt="Zufriedenheit"'
        b' class="ct-image disable-lazy-loading">'
    )
    images = {
        i["src"]: i
        for i in _served("de-thw-frauen-im-thw", (b'<div id="main"> ', widgets))["images"]
    }
    graphics = [src for src, i in images.items() if not i["content"]]
    assert set(graphics) >= {
        "//static.osthessen-news.de/wetter/icons/04d.png",
        "https://secure.gravatar.com/avatar/9bed1cfc39d8b0140bd733f3d97e15a6?s=96",
        "https://www.golfpost.de/wp-includes/images/smilies/frownie.png",
        "https://files.idw-online.de/loading.gif",
        "/wp-content/plugins/print/images/printer_famfamfam.gif",
    }
    # A folder is named so, not a file: "flags-of-europe-2022.jpg" is a photograph.
    assert images["/media/flags-of-europe-2022.jpg"]["content"]
    assert images["/uploads/innere-zufriedenheit.jpg"]["content"]


def test_a_flag_set_in_the_heading_is_a_symbol_not_a_photograph() -> None:
    # auswaertiges-amt.de: <h1><span>Italien: Reise- und Sicherheitshinweise</span><span
    # class="heading__flag"><picture><img alt="Italien"></picture></span></h1>.
    stem = "de-auswaertiges-amt-reisehinweise-italien-2021"
    flag = next(i for i in model(stem)["images"] if "italien-node-picture" in i["src"])
    assert flag["not_content_reason"] == "symbol in a heading"
    assert not [f for f in run_case(case(stem)) if "italien-node-picture" in f[1]]
    # A photograph linked inside a heading (WordPress's <h2><a href="….jpg"><img
    # class="alignleft">) is misplaced markup, not a symbol: it stays content.
    linked = _served(
        stem,
        (b'<span class="heading__flag">', b'<span class="heading__flag"><a href="/big.jpg">'),
        (b"</picture>\n  </span>", b"</picture></a>\n  </span>"),
    )
    photo = next(i for i in linked["images"] if "italien-node-picture" in i["src"])
    assert photo["content"] is True


def test_homepage_cover_cards_and_section_banners_are_teasers() -> None:
    # deutschland.de's homepage (Drupal 8): a lone cover card <article about="/en/keeping-
    # europe-together"> (picture, h3, one link elsewhere) and three section headers (picture,
    # label, h2, a line, at most a "show overview" link) above sliders of teaser cards.
    stem = "de-deutschland-de-en-startseite-2017"
    images = model(stem)["images"]
    reasons = {
        name: next(i["not_content_reason"] for i in images if name in i["src"])
        for name in ("Topic-Oberthema-Europa", "Grafik_SoticktDeutschland", "Region_Arabische",
                     "Master_Grafik_Spezial")
    }  # fmt: skip
    assert reasons == {
        "Topic-Oberthema-Europa": "picture of a teaser card",
        "Grafik_SoticktDeutschland": "banner of a section of teasers",
        "Region_Arabische": "banner of a section of teasers",
        "Master_Grafik_Spezial": "banner of a section of teasers",
    }
    # The quiz's pictures (a form, not a link) stay content; the page's findings are the labels'.
    assert sum(1 for i in images if "quiz-federal-foreign-office" in i["src"] and i["content"]) == 6
    assert run_case(case(stem)) <= expected_of(case(stem))


def test_an_alt_empty_picture_the_page_names_as_its_own_is_content() -> None:
    # channel4.com: the video's poster still, <img alt="">, is the page's og:image (a
    # resized copy, "-1920x1080") and its JSON-LD thumbnailURL: the page's own picture,
    # not decoration, and it has no credit.
    page = case("gb-channel4-gaza-rafah-2023")
    images = model_of(page)["images"]
    still = next(i for i in images if i["src"].endswith("/L1lW6NFF_image.png"))
    assert still["alt"] == "" and not still["decorative"] and still["content"]
    assert ("photo-credits", still["url"]) in run_case(page)
    # The reporter's byline avatar (alt="", not named by the page) stays decoration.
    avatar = next(i for i in images if "lindesy-hilsum" in i["src"])
    assert avatar["decorative"] or not avatar["content"]


def test_an_alt_empty_portrait_named_after_the_pages_heading_is_content() -> None:
    # thedanishparliament.dk: <h1>Benny Engelbrecht</h1> and beside it <img alt=""
    # src="…/Benny_Engelbrecht_133.jpg.ashx">, with no visible credit (the photographer is
    # named only in the href of the high-resolution download). The other three member
    # pages have no portrait at all, which is why the checker was right on them.
    page = case("dk-folketinget-en-member-engelbrecht-2017")
    portrait = next(i for i in model_of(page)["images"] if "Benny_Engelbrecht_133" in i["src"])
    assert portrait["alt"] == "" and not portrait["decorative"] and portrait["content"]
    assert ("photo-credits", portrait["url"]) in run_case(page)
    # CBC's byline avatars (alt="", named after the reporter, not the headline) stay
    # decoration.
    cbc = model("ca-cbc-crea-housing-2022")["images"]
    assert all(i["decorative"] for i in cbc if "pete-evans" in i["src"])


def test_a_lazy_loaded_picture_is_seen_by_the_url_its_script_swaps_in() -> None:
    # vaticannews.va: the lead <img> of figure.article__image has src = a 1x1 data: GIF
    # and the real picture in data-original (its <noscript> copy, which a browser running
    # scripts never shows, is dropped before parsing). The picture is uncredited (its
    # caption span only describes it), which the checker missed while it saw no source.
    page = case("va-vaticannews-de-kolbe-auschwitz-2022")
    images = model_of(page)["images"]
    lead = next(i for i in images if "KOLBE%20103.jpg" in i["src"])
    assert lead["src"].endswith("cq5dam.thumbnail.cropped.750.422.jpeg")
    assert lead["content"] and not lead["decorative"] and lead["credit"] is None
    assert ("photo-credits", lead["url"]) in run_case(page)
    # The sidebar banners (src="" and data-original) are teasers linking elsewhere, and
    # no other image of the page becomes a finding.
    banners = [i for i in images if "/shoulder_banners/" in i["src"]]
    assert len(banners) == 7 and not any(i["content"] for i in banners)
    assert [f for f in run_case(page) if f[0] == "photo-credits"] == [
        ("photo-credits", lead["url"])
    ]


def test_a_credit_after_a_lone_pictures_stack_of_wrappers_credits_it() -> None:
    # cducsu.de: div.head__media > div > div.idle > div.idle__template > picture > img, and
    # after div.head__media its sibling div.head__image-source "(Quelle: Foto Steven
    # Vangermain)". The wrappers hold no text and no other image, so the element after the
    # outermost one is the picture's caption, as the paragraph after a picture alone in
    # its paragraph is. The MP's person card after the text (a link to his profile) stays
    # a teaser, not a content image.
    page = case("de-cducsu-wasserstoff-2021")
    images = model_of(page)["images"]
    lead = next(i for i in images if "/n670x680/" in i["src"])
    assert lead["content"] and lead["credit"] == "Foto Steven Vangermain"
    card = next(i for i in images if "/n135x180/" in i["src"])
    assert not card["content"]
    assert not [f for f in run_case(page) if f[0] == "photo-credits"]
    # eawag.ch: the same shape (an alt="" image in text-less wrappers, the caption
    # "… (Foto: Andreas Voegelin, Eawag)" after them): credited, the caption's closing
    # parenthesis left out.
    eawag = model("ch-eawag-news-elektron")["images"]
    oxide = next(i for i in eawag if "csm_eisenoxid" in i["src"])
    assert oxide["credit"] == "Andreas Voegelin, Eawag" and not oxide["decorative"]


def test_a_caption_after_an_empty_overlay_link_credits_the_picture_in_lithuanian() -> None:
    # lrt.lt: div.media-block__container > [div.media-block__wrapper > img, an empty
    # a.media-block__link overlay], then div.media-block__description "Euras / E.
    # Blaževič/LRT nuotr." The empty overlay is part of the stack of wrappers, not the
    # caption; "nuotr." (nuotrauka, photo) after the photographer is the credit. The same
    # photo in the click-to-open lightbox is credited by its own description line.
    page = case("lt-lrt-verslas-vvp-aukcionas-2020")
    images = model_of(page)["images"]
    lead = next(i for i in images if i["src"].endswith("-756x425.jpg"))
    assert lead["content"] and lead["credit"] == "Euras / E. Blaževič/LRT"
    lightbox = next(i for i in images if i["src"].endswith("-1287x836.jpg"))
    # (its counter span "1 / 1" has no space before the credit span, so the two run together)
    assert lightbox["credit"].endswith("E. Blaževič/LRT")
    # The lightbox's thumbnail strip (…-150x84.jpg, no caption) shows the same picture in
    # another size: credited by the credit of its other copy.
    thumbnail = next(i for i in images if i["src"].endswith("-150x84.jpg"))
    assert thumbnail["credit"] and thumbnail["credit_source"] == "same picture credited"
    assert not [f for f in run_case(page) if f[0] == "photo-credits"]


def test_a_sidebar_div_named_aside_holds_no_content_images() -> None:
    # lrt.lt: the right column is div.page__aside inside <main> (no <aside> element), its
    # "Populiariausi" list div.news-list--aside of ten teaser thumbnails. A class that
    # names a sidebar excludes its pictures as an <aside> would.
    page = case("lt-lrt-verslas-vvp-aukcionas-2020")
    teasers = [i for i in model_of(page)["images"] if i["src"].endswith("-393x221.jpg")]
    assert len(teasers) == 10 and not any(i["content"] for i in teasers)
    flagged = {f[1] for f in run_case(page) if f[0] == "photo-credits"}
    assert not flagged & {i["url"] for i in teasers}


def test_the_portraits_on_contact_cards_are_no_content_images() -> None:
    # inform.kz: "Сотрудники онлайн" (staff online), one card per editor on duty:
    # div > [div.emp_title, div.emp_photo > img alt=<name>, div.emp_data > name, phone,
    # mailto link]. The portrait of a contact is not a picture of the article's.
    page = case("kz-kazinform-sko-ptitsefabrika-2020")
    images = model_of(page)["images"]
    editors = [i for i in images if "/editors_photo/" in i["src"]]
    assert len(editors) == 3
    assert {i["not_content_reason"] for i in editors} == {"portrait on a contact card"}
    lead = next(i for i in images if i["src"].endswith("201201133440160a3725092i.jpg"))
    assert lead["content"] is True
    # The article's own uncredited picture is the one photo-credits finding left (labelled).
    assert [f[1] for f in run_case(page) if f[0] == "photo-credits"] == [lead["url"]]


def test_an_audio_players_poster_is_no_content_image() -> None:
    # slobodnaevropa.org (RFE/RL, Pangea CMS): a live-audio item; div.c-sticky-container
    # names the programme's artwork in data-poster and holds the <audio> player whose
    # div.c-mmp__poster shows it. A sound has no picture: the poster is artwork.
    page = case("us-rferl-slobodnaevropa-jutarnji-program-2020")
    images = model_of(page)["images"]
    poster = next(i for i in images if i["src"].endswith("_w250_r1.jpg"))
    assert poster["content"] is False
    assert poster["not_content_reason"] == "poster of an audio player"
    assert not [f for f in run_case(page) if f[0] == "photo-credits"]
    # A video's poster is a still of the footage: channel4.com's stays a content image.
    still = model("gb-channel4-gaza-rafah-2023")["images"][0]
    assert still["src"].endswith("L1lW6NFF_image.png") and still["content"] is True


# Round 7's pages (issue #11): headings a reader does not see as the page's.


def test_a_hidden_welcome_heading_with_a_state_prefix_is_not_the_page_heading() -> None:
    # auswaertiges-amt.de: h1.is-aural "Willkommen auf den Seiten des Auswärtigen Amts"
    # comes first in the source; the page heading is h1.heading__title.
    m = model("de-auswaertiges-amt-reisehinweise-italien-2021")
    assert m["titles"]["h1"]["normalized"] == "Italien: Reise- und Sicherheitshinweise"
    assert m["titles"]["mismatches"] == []


def test_a_logo_heading_is_not_the_page_heading_and_a_lone_l_separates_the_site() -> None:
    # KBS World: the header's h1.logo "KBS WORLD" comes first; the <title> ends
    # " l KBS WORLD" (a lower-case L for a bar).
    m = model("kr-kbs-world-cold-wave-2023")
    headline = "Colder Temperatures Forecast for Wed. after Cold Wave Alert Tues."
    assert m["titles"]["h1"]["normalized"] == headline
    assert m["titles"]["title"]["normalized"] == headline
    assert m["titles"]["mismatches"] == []


def test_a_breadcrumb_heading_repeating_the_title_is_the_pages_heading() -> None:
    # hessenschau.de: the only <h1> is the breadcrumb's last item, the headline itself.
    page = case("de-hessenschau-buchmesse-yuecel-2019")
    m = model_of(page)
    assert m["titles"]["h1"]["normalized"].startswith("Die Minze als Mutmacher")
    assert not {rule for rule, _ in run_case(page)} & {"missing-h1", "consistent-titles"}
    # bundesrat.de's breadcrumb heading "Sie sind hier:" repeats no title: still skipped.
    assert model("de-bundesrat-weremember")["titles"]["h1"]["normalized"] != "Sie sind hier:"


def test_a_subline_heading_right_under_the_headline_dates_it() -> None:
    # ARD Mediathek: the only <h1> is hidden; the visible headline is an <h3> whose <h4>
    # subline reads "16.10.2019 betrifft: … ∙ SWR Fernsehen": a dated item, missing-h1.
    page = case("de-ard-mediathek-betrifft-nahrungsergaenzung-2019")
    m = model_of(page)
    assert m["article_signals"] == ["dated-headline"]
    assert m["dates"]["published"]["value"] == "2019-10-16"
    assert ("missing-h1", "") in run_case(page)


def test_a_news_dateline_place_date_dash_dates_the_page() -> None:
    # wbf.admin.ch: "Bern, 17.08.2007 - Rede von Moritz Leuenberger beim SP-Städtegipfel,
    # Basel, 18. August 2007" under the heading. The dash after the date is a dateline's,
    # not a range's, and the place-date-dash dateline wins over the event's date after it.
    published = model("ch-wbf-rede-staedteschutz-2007")["dates"]["published"]
    assert published["value"] == "2007-08-17" and published["source"] == "near-h1"


def test_pictures_only_in_noscript_that_a_script_shows_are_seen() -> None:
    # ndr.de: every picture is <div class="image-container"><noscript data-basename=…>
    # <img src=…></noscript></div>, with no placeholder beside it: a script builds the
    # image from the <noscript>, so a reader sees it. A <noscript> holding only images is
    # kept; its copy beside an <img> placeholder (hessenschau.de's data: GIF with
    # data-srcset) is not, so no picture is counted twice.
    page = case("de-ndr-sport-eintracht-braunschweig-2019")
    images = model_of(page)["images"]
    shown = [i for i in images if i["content"] and i["src"].endswith("_v-einspaltig.jpg")]
    assert len(shown) == 12 and all(i["credit"] is None for i in shown)
    assert {f[1] for f in run_case(page) if f[0] == "photo-credits"} == {i["url"] for i in shown}
    hr = model("de-hessenschau-buchmesse-yuecel-2019")["images"]
    assert len(hr) == len({i["url"] for i in hr}) == 4 and all(i["credit"] for i in hr)


def test_a_lazy_placeholders_real_url_in_a_data_attribute_of_its_own() -> None:
    # slf.ch: <img src="…/lazyloading-placeholder.png" data-lg="/fileadmin/…png"
    # data-md=… data-sm=… data-xs=…>: the script's own size attributes name the chart.
    page = case("ch-slf-wochenbericht-2022-01-14")
    images = model_of(page)["images"]
    assert not any("lazyloading-placeholder" in i["src"] for i in images)
    profile = next(i for i in images if i["src"].endswith("csm_3_Profile_50294e9782.png"))
    assert profile["content"] and profile["credit"] is None
    assert ("photo-credits", profile["url"]) in run_case(page)
    # "Abbildung 7: Schneehöhenverlauf …": a numbered figure of the report, though its link
    # opens the station's page; not a teaser.
    robiei = next(i for i in images if i["src"].endswith("csm_7_Robiei_de_9ee127df28.png"))
    assert robiei["content"] and ("photo-credits", robiei["url"]) in run_case(page)


def test_a_delayed_image_div_a_video_poster_and_banner_strips() -> None:
    # bbc.com: pictures are <div class="js-delayed-image-load" data-src=… data-alt=…>, an
    # image a script builds; the BBC's own map is one, uncredited. The video's poster
    # <img class="media-placeholder …"> is a still of the footage, not a placeholder
    # graphic. The "more about coronavirus" banner strips (1920x228, 1920x33) are no
    # pictures.
    page = case("gb-bbc-news-new-york-burials-2020")
    images = model_of(page)["images"]
    by_end = {i["src"].rsplit("/", 1)[-1]: i for i in images}
    assert by_end["_111749633_optimised-usmapcircles_jh_10apr-nc.png"]["content"] is True
    assert by_end["p088xsnd.jpg"]["content"] is True
    assert by_end["_111746561_061002826-1.jpg"]["credit"] == "Reuters"
    strips = [i for i in images if "cps_web_banner" in i["src"]]
    assert len(strips) == 2 and not any(i["content"] for i in strips)
    flagged = {f[1] for f in run_case(page) if f[0] == "photo-credits"}
    assert {by_end["p088xsnd.jpg"]["url"]} <= flagged
    assert not flagged & {i["url"] for i in strips}


def test_a_header_holding_the_pages_heading_is_no_teaser() -> None:
    # swr.de: the item's own header is div.aquarium-panoramateaser > header > [picture,
    # h1]: the pack's [class*=teaser] does not make the lead picture a teaser, since the
    # element holds the page's headline. The teasers below stay teasers.
    page = case("de-swr-sport-mtv-stuttgart-rivers-2021")
    images = model_of(page)["images"]
    lead = images[0]
    assert "imago1002167683h" in lead["src"] and lead["content"] and lead["credit"] is None
    assert [f[1] for f in run_case(page) if f[0] == "photo-credits"] == [lead["url"]]
    assert not any(i["content"] for i in images[1:])


def test_the_pages_own_picture_is_no_button_whatever_its_class() -> None:
    # yjc.ir: the item's picture <img class="image_btn"> is its og:image; "btn" in a class
    # says button, but a page's declared picture is none.
    page = case("ir-yjc-yazd-havades-2020")
    picture = next(i for i in model_of(page)["images"] if "11873218_743" in i["src"])
    assert picture["content"] and picture["credit"] is None
    assert ("photo-credits", picture["url"]) in run_case(page)


@pytest.mark.parametrize(
    "stem",
    [
        "fi-yle-uutiset-kaamos-2020",  # itemprop=copyrightHolder "Hanna Matikainen / Lehtikuva"
        "fi-yle-uutiset-metsateollisuus-2020",
        "cz-radio-prague-fr-prymula-2020",  # the credit in a small box beside the picture's link
        "ru-sputnik-arabic-egypt-corona-2020",
        "de-deutschlandfunk-precht-zukunft-der-arbeit-2017",  # "(picture alliance / dpa / …)"
        "cu-telepinar-licenciados-educacion-2020",  # "Foto Name" without a colon
        "gb-bbc-news-new-york-burials-2020",  # a line that is only the agency: "Reuters"
    ],
)
def test_credits_in_rights_markup_picture_boxes_and_agency_lines_are_read(stem: str) -> None:
    page = case(stem)
    found = {f for f in run_case(page) if f[0] == "photo-credits"}
    assert found == {f for f in expected_of(page) if f[0] == "photo-credits"}
