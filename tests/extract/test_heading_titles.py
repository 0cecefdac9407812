"""The heading's title (hidden text, a dated topline and a kicker set aside) and titles that
say the same headline with a kicker or a site suffix (issue #11)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from archiver.check import RuleSet
from archiver.extract import extract
from archiver.extract.header import heading_kicker, heading_text
from archiver.extract.text import collapse

URL = "https://www.example.org/news/item.html"
AT = datetime(2025, 1, 5, tzinfo=UTC)


def _h1(html: str) -> Tag:
    h1 = BeautifulSoup(html, "html.parser").h1
    assert h1 is not None
    return h1


def _titles(title: str, h1: str, og: str | None = None, pack: str = "default") -> Any:
    og_tag = f'<meta property="og:title" content="{og}">' if og is not None else ""
    html = f"<html><head><title>{title}</title>{og_tag}</head><body><main>{h1}</main></body></html>"
    profile = RuleSet.load().resolve([pack], URL).profile
    return extract(html.encode(), url=URL, captured_at=AT, profile=profile)["titles"]


def _sources(titles: Any) -> list[str]:
    return [m["source"] for m in titles["mismatches"]]


@pytest.mark.parametrize(
    "hidden",
    [
        '<span class="aural">: </span>',
        '<span class="sr-only">Pressemitteilung:</span>',
        '<span class="visually-hidden">Zum Artikel</span>',
        '<span class="visuallyhidden">Zum Artikel</span>',
        '<span class="element-invisible">Zum Artikel</span>',
    ],
)
def test_text_only_screen_readers_get_is_not_the_heading(hidden: str) -> None:
    assert collapse(heading_text(_h1(f"<h1>{hidden}Neue Regeln für Schulen</h1>"))) == (
        "Neue Regeln für Schulen"
    )


def test_aria_hidden_text_is_seen_and_set_aside_text_parts_words() -> None:
    # aria-hidden hides from screen readers what sighted readers see.
    h1 = _h1(
        "<h1><span>Coronavirus und andere Zoonosen</span>"
        '<span aria-hidden="true"> – </span><span>Wie Umweltzerstörung Epidemien begünstigt</span>'
        "</h1>"
    )
    assert collapse(heading_text(h1)) == (
        "Coronavirus und andere Zoonosen – Wie Umweltzerstörung Epidemien begünstigt"
    )
    h1 = _h1('<h1><span>Kicker</span><span class="sr-only">: </span><span>Headline</span></h1>')
    assert collapse(heading_text(h1)) == "Kicker Headline"


def test_a_heading_that_is_all_hidden_text_keeps_it() -> None:
    # Only when other heading text remains: a visually hidden <h1> is judged elsewhere.
    h1 = _h1('<h1><span class="sr-only">Navigation und Service</span></h1>')
    assert collapse(heading_text(h1)) == "Navigation und Service"


def test_a_dated_topline_inside_the_heading_is_not_its_title() -> None:
    h1 = _h1(
        "<h1><span>Forschungsprojekt legt Grundstein für Zertifizierung</span>"
        '<span class="aural">: </span><small class="c-topline"><span class="aural">Datum:'
        '</span><time datetime="2022-01-26">26.01.2022</time>'
        "<span>Pressemitteilung: 6/2022</span></small></h1>"
    )
    assert collapse(heading_text(h1)) == "Forschungsprojekt legt Grundstein für Zertifizierung"


def test_only_the_time_goes_when_its_element_holds_most_of_the_heading() -> None:
    # The <time> sits in the headline's own element: setting that aside would leave only
    # the kicker, so the <time> alone goes.
    h1 = _h1(
        "<h1><span>Berlin</span> <span>Neue Regeln für alle Schulen im Land "
        "<time>26.01.2022</time></span></h1>"
    )
    assert collapse(heading_text(h1)) == "Berlin Neue Regeln für alle Schulen im Land"


def test_the_kicker_is_read_without_hidden_text_or_a_style_before_it() -> None:
    h1 = _h1(
        "<h1><style>.k{display:block}</style><span>Medienmitteilung der Direktion "
        '<span class="sr-only">:</span></span>Impfen ist noch möglich</h1>'
    )
    assert heading_kicker(h1) == "Medienmitteilung der Direktion"


def test_a_kicker_title_and_a_kicker_element_say_the_same_headline() -> None:
    titles = _titles(
        "Corona-Lockerungen: Autohäuser rechnen mit langsamem Anlaufen | MDR.DE",
        '<h1><span class="dachzeile">Nach Corona-Lockerungen</span>'
        '<span class="headline">Autohäuser rechnen mit langsamem Anlaufen</span></h1>',
        "Corona-Lockerungen: Autohäuser rechnen mit langsamem Anlaufen | MDR.DE",
    )
    assert titles["mismatches"] == []
    assert titles["title"]["normalized"] == "Autohäuser rechnen mit langsamem Anlaufen"


def test_headline_and_kicker_in_any_order_agree() -> None:
    titles = _titles(
        "Interne Unterlagen im Netz: Daten von Rheinmetall gehackt | tagesschau.de",
        "<h1><span>Interne Unterlagen im Netz</span>"
        "<span>Daten von Rheinmetall gehackt</span></h1>",
        "Daten von Rheinmetall gehackt - Interne Unterlagen im Netz",
    )
    assert titles["mismatches"] == []


def test_a_different_headline_behind_the_same_kicker_is_reported() -> None:
    titles = _titles(
        "Corona-Lockerungen: Werkstätten öffnen wieder | MDR.DE",
        "<h1><span>Nach Corona-Lockerungen</span><span>Autohäuser rechnen mit Anlaufen</span></h1>",
        "Corona-Lockerungen: Autohäuser rechnen mit Anlaufen | MDR.DE",
    )
    assert _sources(titles) == ["title"]


def test_a_real_difference_is_reported() -> None:
    titles = _titles("Budget figures for 2020", "<h1>Something else entirely</h1>")
    assert _sources(titles) == ["h1"]


def test_a_kicker_prefix_in_the_title_alone_is_set_aside() -> None:
    titles = _titles(
        "Pressemitteilung: Endlich mehr Beschleunigung wagen! - Verband",
        "<h1>Endlich mehr Beschleunigung wagen!</h1>",
        "Pressemitteilung: Endlich mehr Beschleunigung wagen!",
    )
    assert titles["mismatches"] == []


def test_a_spaced_colon_parts_a_site_not_a_kicker() -> None:
    # "X : Site" ends in the site; the <h1> naming the site is still a difference.
    assert (
        _titles(
            "Ein Quantensprung für Nordhausen : 06.11.2023",
            "<h1>Ein Quantensprung für Nordhausen</h1>",
        )["mismatches"]
        == []
    )
    titles = _titles("Muffin Grundrezept : Muffin Rezepte", "<h1>Muffin Rezepte</h1>")
    assert _sources(titles) == ["h1"]


def test_the_heading_itself_is_never_cut() -> None:
    # A byline caught in a broken <h1> after " - " is no site suffix.
    titles = _titles(
        "Two candidates to contest the party's top post",
        "<h1>Two candidates to contest the party's top post - by A. Writer April 21, 2022</h1>",
    )
    assert _sources(titles) == ["h1"]


def test_a_one_word_core_makes_no_agreement() -> None:
    titles = _titles(
        "Ministerium: Kontakt | Amt",
        "<h1><span>Service</span><span>Kontakt</span></h1>",
    )
    assert len(titles["mismatches"]) == 1


@pytest.mark.parametrize(
    ("title", "h1", "og"),
    [
        # A heading set in capitals in the markup (fixtures of adbar/trafilatura show it).
        ("Transformationslabor Ernährung", "<h1>TRANSFORMATIONSLABOR ERNÄHRUNG</h1>", None),
        # Title case in the <title>, sentence case in the share card.
        (
            "Who Won the Republican Debate? Who Cares",
            "<h1>Who won the Republican debate? Who cares</h1>",
            "Who won the Republican debate? Who cares",
        ),
    ],
)
def test_titles_differing_only_in_case_agree(title: str, h1: str, og: str | None) -> None:
    assert _titles(title, h1, og)["mismatches"] == []


def test_a_real_difference_in_capitals_is_still_reported() -> None:
    titles = _titles("Budget figures for 2020", "<h1>BUDGET FIGURES FOR 2021</h1>")
    assert _sources(titles) == ["h1"]


def _titles_at(url: str, title: str, h1: str, og: str, site: str) -> Any:
    head = (
        f"<title>{title}</title><meta property='og:title' content='{og}'>"
        f"<meta property='og:site_name' content='{site}'>"
    )
    html = f"<html><head>{head}</head><body><main>{h1}</main></body></html>"
    profile = RuleSet.load().resolve(["default"], url).profile
    return extract(html.encode(), url=url, captured_at=AT, profile=profile)["titles"]


GRUENE = "https://www.gruene-bundestag.de/themen/klimaschutz/cop26-in-glasgow"


def test_a_site_name_after_a_colon_is_a_suffix_when_the_host_names_it() -> None:
    # As gruene-bundestag.de (TYPO3; adbar/trafilatura tests/eval) titles its pages: the
    # site after ": ", and an og:site_name that words it otherwise.
    titles = _titles_at(
        GRUENE,
        "COP26 in Glasgow: Grüne im Bundestag",
        "<h1>COP26 in Glasgow</h1>",
        "COP26 in Glasgow",
        "Bundestagsfraktion Bündnis 90/Die Grünen",
    )
    assert titles["mismatches"] == []


@pytest.mark.parametrize(
    ("url", "title"),
    [
        # A subtitle after the colon is part of the title, and differs from the heading.
        (GRUENE, "COP26 in Glasgow: Was jetzt kommt"),
        # The same words on a site they do not name.
        ("https://www.example.org/news/cop26", "COP26 in Glasgow: Grüne im Bundestag"),
    ],
)
def test_words_after_a_colon_that_do_not_name_the_site_still_differ(url: str, title: str) -> None:
    titles = _titles_at(url, title, "<h1>COP26 in Glasgow</h1>", "COP26 in Glasgow", "Example")
    assert _sources(titles) == ["title"]


def test_a_heading_hidden_by_a_german_class_name_is_not_the_page_heading() -> None:
    # bayern.de heads its menus for screen readers: <h1 class="unsichtbar">.
    titles = _titles(
        "Sicherheit in Bayern",
        '<h1 class="unsichtbar">Metanavigation - Service-Menue</h1><h1>Sicherheit in Bayern</h1>',
    )
    assert titles["h1"]["raw"] == "Sicherheit in Bayern"
    assert titles["mismatches"] == []


def test_a_subheading_showing_the_title_after_the_sites_prefix_is_the_pages_headline() -> None:
    # As bmas.de (GSB; adbar/trafilatura tests/eval) shows a news item: no <h1>, the
    # headline in an <h2> under the date, the <title> "BMAS - " and the headline.
    html = """<html><head><title>BMAS  -  Änderung der Anforderungen an Nachweise</title>
    </head><body><nav><h2>Änderung der Anforderungen</h2></nav><main><article>
    <div><time datetime="2022-01-26">26. Januar 2022</time></div>
    <div><h2>Änderung der Anforderungen an Nachweise</h2></div><p>Text.</p>
    </article></main></body></html>"""
    profile = RuleSet.load().resolve(["default"], URL).profile
    model = extract(html.encode(), url=URL, captured_at=AT, profile=profile)
    assert model["is_article"] and model["article_signals"] == ["dated-headline"]
    assert model["dates"]["published"]["value"] == "2022-01-26"
    assert model["titles"]["h1"] is None  # so an article without an <h1>: missing-h1


def test_a_paragraph_ending_like_the_title_is_no_headline() -> None:
    html = """<html><head><title>Site - Änderung der Anforderungen an Nachweise</title>
    </head><body><main><p>26. Januar 2022</p><p>Änderung der Anforderungen an Nachweise</p>
    </main></body></html>"""
    profile = RuleSet.load().resolve(["default"], URL).profile
    found = extract(html.encode(), url=URL, captured_at=AT, profile=profile)
    # No headline: the page is at most a dated document by its one date standing alone.
    assert found["article_signals"] == ["dated-page"]


def test_a_date_read_from_metadata_that_the_page_labels_makes_an_article() -> None:
    # As bmel.de (GSB; adbar/trafilatura tests/eval) dates a news item: below the text,
    # "Erschienen am" (for screen readers) before a <time> whose datetime is read first.
    def model(label: str) -> Any:
        html = f"""<html><head><title>BMEL - 15. Zukunftsforum</title></head><body><main>
        <h1>15. Zukunftsforum</h1><p>{"Der Minister hat das Forum eröffnet. " * 12}</p>
        <p><span class="aural">{label}</span> <time datetime="2022-01-26">26. Jan 2022</time>
        </p></main></body></html>"""
        profile = RuleSet.load().resolve(["default"], URL).profile
        return extract(html.encode(), url=URL, captured_at=AT, profile=profile)

    assert model("Erschienen am")["article_signals"] == ["labelled-date"]
    # Without the label the same date is no evidence of an article (an event's day).
    assert not model("Termin")["is_article"]
