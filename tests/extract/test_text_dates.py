"""Dates written out in visible text, in the corpus's languages, precision first."""

from __future__ import annotations

from datetime import date

import pytest

from archiver.extract.dates import labelled_date, text_dates


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Published 3 July 2026", date(2026, 7, 3)),
        ("Pressemitteilung vom 25. Januar 2022", date(2022, 1, 25)),
        ("3. juli 2026", date(2026, 7, 3)),
        ("Dato: 03.07.2026", date(2026, 7, 3)),
        ("April 26, 2022", date(2022, 4, 26)),
        ("le 12 déc. 2019", date(2019, 12, 12)),
        ("1er janvier 2021", date(2021, 1, 1)),
        ("12 marzo 2023", date(2023, 3, 12)),
        ("13/12/2025", date(2025, 12, 13)),
        ("2022-04-26", date(2022, 4, 26)),
    ],
)
def test_written_dates_are_read(text: str, day: date) -> None:
    found = text_dates(text)
    assert [(d.day, d.excluded) for d in found] == [(day, False)]


def test_a_slashed_date_whose_day_and_month_could_swap_is_not_guessed() -> None:
    assert text_dates("05/12/2025") == []


@pytest.mark.parametrize(
    "text",
    [
        "Last updated 9 September 2016",
        "Stand 27.01.2022",
        "Sist oppdatert 3. juli 2026",
        "Mis à jour le 12 déc. 2019",
    ],
)
def test_update_dates_are_no_publication_dates(text: str) -> None:
    [found] = text_dates(text)
    assert found.excluded and found.updated


@pytest.mark.parametrize(
    "text",
    [
        "12. mars 2024 – 15. mars 2024",
        "12. mars 2024 til 15. mars 2024",
        "24.01.2022 - 26.01.2022",
        "1.–3. März 2022",
        "1.–3. März 2022",
        "Mai – 3. Juni 2022",
        "March 3, 2022 – April 5, 2022",
    ],
)
def test_a_range_is_no_publication_date(text: str) -> None:
    assert all(d.excluded and not d.updated for d in text_dates(text))


@pytest.mark.parametrize(
    "text",
    [
        "reineckefuchs — 2. Februar 2022",  # author, dash, date (boxen.de)
        "am Mittwoch, 26.01.2022 - 14:30",  # date, dash, time (jagderleben.de)
        "Bern, 17.08.2007 - Rede von Moritz Leuenberger",  # date, dash, text (wbf.admin.ch)
        "Szene – 3. März 2022",  # a word ending like a month ("ene", enero) before the dash
    ],
)
def test_a_dash_beside_a_date_makes_a_range_only_between_dates(text: str) -> None:
    [found] = text_dates(text)
    assert not found.excluded


def test_a_word_starting_like_a_range_word_is_no_range() -> None:
    # "Ausgabejahr" begins with "au" (French "to"): bka.de's "Datum: 26. Januar 2022".
    [found] = text_dates("Datum: 26. Januar 2022 Ausgabejahr: 2022")
    assert not found.excluded


def test_labelled_date_needs_one_agreeing_label() -> None:
    text = "First published: 25 February 2014. Last updated: 9 September 2016."
    assert labelled_date(text).day == date(2014, 2, 25)
    assert labelled_date("Published 1 May 2020 … Published 2 May 2020") is None
    assert labelled_date("The law of 1 May 2020") is None


@pytest.mark.parametrize(
    "text",
    [
        # bmwi.de's topline (adbar/trafilatura tests/eval): date, type and topic, parted
        # by dashes a screen reader reads.
        "24.01.2022 - Meldung - Energiewende im Gebäudebereich",
        "Meldung - 24.01.2022",
    ],
)
def test_a_dash_before_words_makes_no_range(text: str) -> None:
    [found] = text_dates(text)
    assert found.day == date(2022, 1, 24) and not found.excluded


@pytest.mark.parametrize(
    "markup",
    [
        '<meta itemprop="datePublished" content="2022-01-14T09:30:00+01:00">',
        '<span itemprop="datePublished" datetime="2022-01-14">vor 3 Jahren</span>',
    ],
)
def test_schema_org_date_published_in_microdata_dates_the_page(markup: str) -> None:
    # Microdata's datePublished (handwerksblatt.de, ndr.de in htmldate's evaluation set)
    # is read when the pack's earlier sources find nothing.
    from datetime import UTC, datetime

    from archiver.check import RuleSet
    from archiver.extract import extract

    url = "https://example.org/news/item"
    html = f"<html><body><main><h1>Headline</h1><p>Text.</p>{markup}</main></body></html>"
    profile = RuleSet.load().resolve(["default"], url).profile
    model = extract(
        html.encode(), url=url, captured_at=datetime(2026, 1, 1, tzinfo=UTC), profile=profile
    )
    assert model["dates"]["published"]["value"] == "2022-01-14"
    assert "datePublished" in model["dates"]["published"]["source"]
