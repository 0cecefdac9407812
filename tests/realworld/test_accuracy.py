"""Accuracy on the real-page corpus can only go up: per-rule floors, and regjeringen.no exact.

The floors are the precision and recall reached when they were last raised (see
docs/benchmarks.md, `benchmarks/accuracy.py`); raise them as the checker improves, and
never lower one to make a change pass: a lower figure is a regression on real pages.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from benchmarks.accuracy import Score, load_corpus, score

# rule: (precision, recall) floors, every page checked with its own pack. Measured on the
# 81-page corpus of 28 Nov 2026 (1.00 precision on its first 64 pages); still missed
# there: elperuano.pe's page that JavaScript fills in (no h1, no date, no article signal
# in the served HTML: missing-h1 and undated), and the Assemblée nationale amendment (no
# h1, no headline that repeats the <title>, its date a lone block above the text: no
# precise article signal, so age-notice and missing-h1 are missed).
FLOORS = {
    # Lowered from (1.0, 1.0) on round 6's six state-media pages: 5 false findings left
    # (inform.kz's exchange-rate arrows and editors' photos), measured 19/5/0 after
    # extractor version 6; see docs/benchmarks.md. Lowered to 0.76 on 97 pages (19/6/0) when
    # RFE/RL's live-audio page arrived: its player poster (programme artwork) is labelled
    # non-content and the checker flags it. Raised to 0.82 (19/4/0) when a <header> that is
    # the banner landmark (HTML-AAM) was excluded wherever it sits: inform.kz's arrows.
    # Lowered to (0.71, 0.95) on round 7's 103 pages (20/8/1): Yle's name-only caption credits
    # ('Hanna Matikainen / Lehtikuva'), Czech Radio's captions in a div beside the picture's
    # link, and YJC's lead picture dropped as an interface graphic (class 'image_btn').
    # Lowered again on the 131 pages after round 7's own rule (28 public-body pages of new site
    # families, labelled before any run, two homepages' labels corrected after it — see
    # docs/benchmarks.md "Round 7"): photo-credits 43/29/19 (teasers of a homepage, an
    # agency page and a right column taken for content, name-only and sibling credits,
    # <noscript> and data-lg pictures the model never sees), consistent-titles 17/3/1 (a hidden
    # first h1, ' l ' and ': ' suffix separators), missing-h1 7/1/5 (pages with no article
    # signal; a breadcrumb h1), age-notice 24/0/2 (Deutschlandfunk: no signal, no date found).
    # Raised on the same 131 pages after the round's fixes (headings for screen readers and
    # logos, a breadcrumb <h1>, a subline; pictures in <noscript>, data-* URLs, teaser cards;
    # credits in rights markup, picture boxes, agency lines): photo-credits 62/5/0,
    # consistent-titles 17/0/1, missing-h1 9/0/3.
    "photo-credits": (1.0, 1.0),
    "age-notice": (1.0, 0.96),
    "age-notice-unexpected": (1.0, 1.0),
    "undated": (1.0, 1.0),
    "consistent-titles": (1.0, 0.94),
    "missing-h1": (1.0, 0.91),
    "missing-title": (1.0, 1.0),
}
# Whole-corpus figures over every rule: a change that trades one rule for another shows here.
# Lowered at 10:45 UTC 28 Nov 2026 when 17 pages from 8 new sources (US, CA, AU, NL, FR, IS,
# DK, EE) arrived after the extractor was tuned: what they show is in docs/benchmarks.md.
# Raised on 28 Nov 2026 when titles.compare left dc_title out and the two-part Alþingi suffix
# was stripped (consistent-titles 13/0/0), and again after the image fixes (photo-credits
# 12/0/0; overall 46/0/4), and on the 89 pages of round 5 (overall 51/0/4). Lowered in
# precision on the 95 pages of round 6 (overall 58/5/4, P 0.921, R 0.935), and on its 97 pages
# (58/6/4, P 0.906, R 0.935). Raised with the banner-landmark exclusion (58/4/4, P 0.935).
# Lowered on round 7's 103 pages (63/8/5, P 0.887, R 0.926): see photo-credits above; and on
# its 131 pages after the round's own rule (91/33/28, P 0.734, R 0.765). Raised after the
# round's fixes (112/5/7, P 0.957, R 0.941).
OVERALL = (1.0, 0.97)


@pytest.fixture(scope="module")
def corpus_score() -> Score:
    cases, missing = load_corpus()
    if not cases:
        pytest.skip("no corpus pages on this machine")
    if missing:
        # The floors are figures of the whole corpus; a part of it scores differently.
        if os.environ.get("CI") == "true":
            pytest.fail(f"{len(missing)} corpus pages missing; CI has shared/ beside the clone")
        pytest.skip(f"{len(missing)} corpus pages are in ../shared/, not beside this clone")
    return score(cases)


@pytest.mark.parametrize("rule", sorted(FLOORS))
def test_rule_precision_and_recall_hold_their_floor(corpus_score: Score, rule: str) -> None:
    tally = corpus_score.rules.get(rule)
    if tally is None:
        pytest.skip(f"no labelled or reported {rule} finding in the corpus")
    precision, recall = FLOORS[rule]
    assert tally.precision >= precision, f"{rule} false findings: {tally.false}"
    assert tally.recall >= recall, f"{rule} missed findings: {tally.missed}"


def test_overall_precision_and_recall_hold_their_floor(corpus_score: Score) -> None:
    overall = corpus_score.overall
    assert overall.precision >= OVERALL[0], overall.false
    assert overall.recall >= OVERALL[1], overall.missed


def test_regjeringen_pages_are_exact_with_the_regjeringen_pack() -> None:
    cases, _missing = load_corpus()
    pages = [c for c in cases if c.family == "regjeringen.no"]
    if not pages:
        pytest.skip("no regjeringen.no pages on this machine")
    result = score(pages, pack="regjeringen")
    assert result.overall.false == []
    assert result.overall.missed == []


def test_regjeringen_pages_a_year_later_are_exact_too() -> None:
    """At their capture none of the regjeringen.no pages is due a notice; 13 months later
    each hearing is (no notice shown), the listing still is not (no article)."""
    cases, _missing = load_corpus()
    pages = [c for c in cases if c.family == "regjeringen.no"]
    if not pages:
        pytest.skip("no regjeringen.no pages on this machine")
    later = []
    for page in pages:
        at = page.at.replace(year=page.at.year + 1, month=min(page.at.month + 1, 12))
        expected = [{"rule": "age-notice"}] if page.truth["article"] else []
        truth = {**page.truth, "at": at.isoformat(), "expected": expected}
        later.append(replace(page, truth=truth))
    result = score(later, pack="regjeringen")
    assert result.overall.false == []
    assert result.overall.missed == []
    assert result.overall.tp == sum(1 for p in pages if p.truth["article"]) > 0
