"""The selector prefilter only ever skips selectors that select nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from soupsieve import SelectorSyntaxError

from archiver.check import RuleSet
from archiver.extract.prefilter import Source, requirements

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"

TRICKY = [
    ".Article-Body",  # classes compare case-sensitively; the prefilter folds case
    "#mainContent",
    ":not(.credit) > img",  # a negation requires nothing
    "figure:has(.credit) img",
    ":is(.nope, figcaption)",
    '[title="a,b"]',  # a comma in a value: not split
    "[data-x='(y)']",  # parentheses in a value: not prefiltered
    ".a\\:b",  # an escape: not prefiltered
    'meta[property="OG:TYPE" i]',
    "[role=main]",
    "time[datetime]",
    ".outdated-content-notice",
    "p.entity-class",
    "span.ünïcode",
    "li:nth-child(2n+1) a",
]

ENTITY_PAGE = b"""<html><body><main><p class="entity&#45;class">x</p>
<span class="&#252;n&#239;code">y</span><div title="a,b" data-x="(y)" class="a:b"></div>
<ul><li><a href="/">1</a></li></ul></main></body></html>"""


def _selectors() -> list[str]:
    ruleset = RuleSet.load()
    found: set[str] = set(TRICKY)
    for pack_id in ruleset.packs:
        profile = ruleset.resolve([pack_id], "https://www.regjeringen.no/en/").profile
        found.update(profile.content_selectors, profile.content_exclude)
        found.update(profile.article_selectors, profile.h1_selectors)
        found.update(profile.notice_selectors, profile.credit_selectors)
        found.update(s.selector for s in (*profile.published, *profile.updated) if s.selector)
    return sorted(found)


def _pages() -> list[tuple[str, str]]:
    pages = [(p.name, p.read_bytes().decode("utf-8", "replace")) for p in PAGES.glob("*.html")]
    return [*pages, ("entities", ENTITY_PAGE.decode())]


@pytest.mark.parametrize(("name", "text"), _pages(), ids=lambda v: v if len(v) < 40 else "")
def test_a_skipped_selector_would_have_selected_nothing(name: str, text: str) -> None:
    soup = BeautifulSoup(text, "lxml")
    source = Source(text)
    for selector in _selectors():
        if not source.may_match(selector):
            assert soup.select(selector) == [], (name, selector)


def test_absent_words_are_skipped_and_present_ones_are_not() -> None:
    source = Source(ENTITY_PAGE.decode())
    assert not source.may_match(".outdated-content-notice")
    assert not source.may_match('meta[name="DC.Date.Modified" i]')
    assert not source.may_match("time[datetime]")
    assert source.may_match("p.entity-class")  # written as entity&#45;class
    assert source.may_match("span.ünïcode")
    assert source.may_match(":not(.outdated-content-notice)")
    assert source.may_match(".nope, main")
    assert source.may_match("[data-x='(y)']")  # beyond the simple reading: always run
    assert requirements(".a\\:b") is None
    assert requirements("div.x .y, #z") == (frozenset({"x", "y"}), frozenset({"z"}))


def test_an_invalid_selector_still_raises_on_any_page() -> None:
    with pytest.raises(SelectorSyntaxError):
        Source("<p>nothing here</p>").may_match("div[")
