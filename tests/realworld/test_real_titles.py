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
    changed = html.replace(marker, marker + b"Eldre tittel: ", 1)
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
