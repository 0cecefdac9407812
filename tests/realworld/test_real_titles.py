"""Title fixes of issue #11 on the real pages that showed them: which sources are compared
(``titles.compare``), and a site suffix of several segments.

Pages come from the real-page corpus (tests/realworld/truth/*.json); the regjeringen.no
starters live in ../shared/realpages and are skipped when it is absent (CI has it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from archiver.check.packs import RuleSet
from archiver.extract import extract
from archiver.extract.titles import learn_site_suffixes, with_site_suffixes
from benchmarks.accuracy import run_case
from tests.realworld.test_real_extraction import CASES, case, model

THOMAS = sorted(c.stem for c in CASES if c.family == "thomas.loc.gov")


def _titles(stem: str, html: bytes, pack: str) -> dict[str, Any]:
    page = case(stem)
    url = page.truth["url"]
    profile = RuleSet.load().resolve([pack], url).profile
    return extract(html, url=url, captured_at=page.at, profile=profile)["titles"]


# Dublin Core names the bill on THOMAS; the default pack does not compare it.


def test_corpus_has_the_thomas_bill_pages() -> None:
    assert len(THOMAS) == 6


@pytest.mark.parametrize("stem", THOMAS)
def test_thomas_dc_title_is_recorded_but_not_compared(stem: str) -> None:
    titles = model(stem)["titles"]
    # DC.Title "H.R.718 - Abstinence Education Reallocation Act of 2013" names the bill,
    # <title> and <h1> the page ("Bill Summary & Status … All Information").
    assert titles["dc_title"]["raw"] != titles["h1"]["raw"]
    assert titles["mismatches"] == []
    assert ("consistent-titles", "") not in run_case(case(stem))


def test_the_default_pack_compares_every_displayed_title_but_dc_title() -> None:
    profile = RuleSet.load().resolve(["default"], "https://example.org/").profile
    assert profile.title_compare == (
        "title",
        "h1",
        "og_title",
        "twitter_title",
        "jsonld_headline",
        "jsonld_name",
    )


def test_the_regjeringen_pack_compares_its_dc_title() -> None:
    # Real regjeringen.no pages carry DC.Title with the clean title: the pack opts in.
    stem = "regj-no-horing-id3167072"
    html = case(stem).path.read_bytes()
    assert _titles(stem, html, "regjeringen")["mismatches"] == []
    marker = b'<meta name="DC.Title" content="'
    assert html.count(marker) == 1
    # Not "Eldre tittel: " (a kicker prefix ending in ": " reads as the same headline).
    changed = html.replace(marker, marker + b"Eldre tittel ", 1)
    [mismatch] = _titles(stem, changed, "regjeringen")["mismatches"]
    assert mismatch["source"] == "dc_title"
    assert _titles(stem, changed, "default")["mismatches"] == []


# A site suffix of two segments: " | Æviágrip þingmanna frá 1845 | Alþingi".

ALTHINGI = "is-althingi-thingmadur-kolbeinn-proppe-2017"


def test_a_two_segment_suffix_is_stripped_after_the_site_name() -> None:
    # og:site_name "Alþingi" takes " | Alþingi" off; the <h1> "Kolbeinn Óttarsson Proppé"
    # shows that " | Æviágrip þingmanna frá 1845" is the site's too.
    titles = model(ALTHINGI)["titles"]
    assert titles["title"]["normalized"] == "Kolbeinn Óttarsson Proppé"
    assert titles["inferred_suffix"] == " | Æviágrip þingmanna frá 1845"
    assert titles["mismatches"] == []
    assert ("consistent-titles", "") not in run_case(case(ALTHINGI))


def test_a_real_difference_survives_the_two_segment_suffix() -> None:
    html = case(ALTHINGI).path.read_bytes()
    assert html.count(b"<title>Kolbeinn") == 1
    changed = html.replace(b"<title>Kolbeinn", b"<title>Ferill Kolbeinn", 1)
    [mismatch] = _titles(ALTHINGI, changed, "default")["mismatches"]
    assert mismatch["source"] == "title"
    # No other title reads "Ferill Kolbeinn Óttarsson Proppé", so nothing shows where the
    # site's suffix starts: the title keeps it, and the difference is still reported.
    assert mismatch["value"] == "Ferill Kolbeinn Óttarsson Proppé | Æviágrip þingmanna frá 1845"


def test_a_run_strips_what_is_left_of_a_learned_two_segment_suffix() -> None:
    # Without page-level inference, " | Alþingi" (og:site_name) is gone and the run's
    # " | Æviágrip þingmanna frá 1845 | Alþingi" no longer matches whole: its leading
    # segment is stripped because the raw <title> ends with all of it.
    page = case(ALTHINGI)
    profile = RuleSet.load().resolve(["default"], page.truth["url"]).profile
    profile = replace(profile, infer_suffix=False)
    alone = extract(
        page.path.read_bytes(), url=page.truth["url"], captured_at=page.at, profile=profile
    )
    assert len(alone["titles"]["mismatches"]) == 1
    learnt = learn_site_suffixes(
        [
            "Kolbeinn Óttarsson Proppé | Æviágrip þingmanna frá 1845 | Alþingi",
            "Katrín Jakobsdóttir | Æviágrip þingmanna frá 1845 | Alþingi",
            "Bjarni Benediktsson | Æviágrip þingmanna frá 1845 | Alþingi",
        ]
    )
    assert learnt[0] == " | Æviágrip þingmanna frá 1845 | Alþingi"
    titles = with_site_suffixes(alone, learnt)["titles"]
    assert titles["title"]["normalized"] == "Kolbeinn Óttarsson Proppé"
    assert titles["mismatches"] == []


def test_a_learned_suffix_never_adds_a_finding() -> None:
    # THOMAS titles end " - All Information - THOMAS (Library of Congress)" on every bill
    # page, but the <h1> ends "All Information" too: stripping the learned suffix's
    # leading segment would make the titles differ, so the model is kept.
    models = [model(stem) for stem in THOMAS]
    learnt = learn_site_suffixes(m["titles"]["title"]["raw"] for m in models)
    assert learnt[0] == " - All Information - THOMAS (Library of Congress)"
    for one in models:
        assert with_site_suffixes(one, learnt)["titles"]["mismatches"] == []


# German headings: hidden text, a dated topline, and kicker and headline in any order.

BMBF = "de-bmbf-pm-directions-2022"
MDR = "de-mdr-thueringen-autohaeuser-2020"
TAGESSCHAU = "de-tagesschau-rheinmetall-datenleck-2020"
BMBF_HEADLINE = (
    "Stark-Watzinger: Forschungsprojekt legt Grundstein für Datenschutzzertifizierung "
    "von Bildungsprodukten"
)


def test_the_heading_is_read_without_hidden_text_and_its_dated_topline() -> None:
    # h1 = headline span, an aural ": ", small.c-topline (aural "Datum:", <time>,
    # "Pressemitteilung: 6/2022"); <title> and og:title end " - BMBF", og:site_name is longer.
    titles = model(BMBF)["titles"]
    assert " ".join(titles["h1"]["raw"].split()) == BMBF_HEADLINE
    assert titles["inferred_suffix"] == " - BMBF"
    assert titles["mismatches"] == []
    assert ("consistent-titles", "") not in run_case(case(BMBF))


def test_a_title_kicker_other_than_the_heading_s_is_set_aside() -> None:
    # <h1> "Nach Corona-Lockerungen" + "Autohäuser …"; <title>/og:title "Corona-Lockerungen:
    # Autohäuser … | MDR.DE" with no og:site_name.
    titles = model(MDR)["titles"]
    assert titles["mismatches"] == []
    assert titles["title"]["normalized"] == titles["h1"]["normalized"]
    assert titles["h1"]["normalized"] == "Autohäuser rechnen mit langsamem Anlaufen des Geschäfts"
    assert ("consistent-titles", "") not in run_case(case(MDR))


def test_another_headline_behind_the_kicker_is_still_reported() -> None:
    html = case(MDR).path.read_bytes()
    old = "<title>Corona-Lockerungen: Autohäuser rechnen".encode()
    assert html.count(old) == 1
    changed = html.replace(old, "<title>Corona-Lockerungen: Werkstätten rechnen".encode(), 1)
    assert [m["source"] for m in _titles(MDR, changed, "default")["mismatches"]] == ["title"]


def test_kicker_and_headline_in_three_orders_agree() -> None:
    # h1 kicker + headline; <title> "kicker: headline | tagesschau.de"; og:title and
    # twitter:title "headline - kicker".
    titles = model(TAGESSCHAU)["titles"]
    assert titles["mismatches"] == []
    assert {titles[k]["normalized"] for k in ("title", "h1", "og_title", "twitter_title")} == {
        "Daten von Rheinmetall gehackt"
    }
    assert ("consistent-titles", "") not in run_case(case(TAGESSCHAU))


def test_a_changed_og_title_among_the_three_orders_is_reported() -> None:
    html = case(TAGESSCHAU).path.read_bytes()
    old = b'<meta property="og:title" content="Daten von Rheinmetall'
    assert html.count(old) == 1
    changed = html.replace(old, b'<meta property="og:title" content="Daten von Siemens', 1)
    assert [m["source"] for m in _titles(TAGESSCHAU, changed, "default")["mismatches"]] == [
        "og_title"
    ]


def test_a_style_and_hidden_colon_before_the_kicker_leave_the_og_title_finding() -> None:
    # Canton of Bern: <h1><style/><span>Medienmitteilung der … <span class=css-…>:</span>
    # </span>Impfen …</h1>; og:title "Medienmitteilungen" belongs to the listing.
    titles = model("ch-be-mm-impfen-boostern-2022")["titles"]
    assert titles["h1"]["normalized"] == titles["title"]["normalized"]
    assert [m["source"] for m in titles["mismatches"]] == ["og_title"]


def test_an_aural_category_label_and_mehr_still_differ() -> None:
    # BMJV: h1 kicker "<span class=aural>Thema </span>Verbraucherschutz", headline "Mehr
    # Transparenz bei Preisanpassungen"; <title> "BMJV | Transparenz bei Preisanpassungen".
    titles = model("de-bmjv-verbraucherportal-preisanpassung")["titles"]
    assert "Thema" not in titles["h1"]["raw"]
    assert len(titles["mismatches"]) == 1
