"""Each mission rule against real fixture pages, including the hard cases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

GENERIC = "https://www.example.gov/news/budget-2024"
CAPTURE_2025 = datetime(2025, 1, 5, 12, 0, tzinfo=UTC)
CAPTURE_2026 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


CASES = [
    # file, capture time, expected rule ids (with counts)
    ("en-old-notice.html", CAPTURE_2025, {}),
    ("en-old-no-notice.html", CAPTURE_2025, {"age-notice": 1}),
    ("en-old-notice-hidden-attr.html", CAPTURE_2025, {"age-notice": 1}),
    ("en-old-notice-display-none.html", CAPTURE_2025, {"age-notice": 1}),
    ("en-old-notice-template.html", CAPTURE_2025, {"age-notice": 1}),
    ("en-old-notice-script.html", CAPTURE_2025, {"age-notice": 1}),
    # 05/12/2025 is 5 December 2025: under a year old on 2026-11-27.
    ("en-dayfirst-recent.html", CAPTURE_2026, {}),
    ("en-dayfirst-recent-notice.html", CAPTURE_2026, {"age-notice-unexpected": 1}),
    # ... and over a year old once past 5 December 2026.
    ("en-dayfirst-recent.html", at("2026-12-06T12:00:00+00:00"), {"age-notice": 1}),
    ("en-dayfirst-recent.html", at("2026-12-05T12:00:00+00:00"), {}),
    # Published 29 Feb 2024: the anniversary is 28 Feb 2025.
    ("en-leap-day.html", at("2025-02-28T12:00:00+00:00"), {}),
    ("en-leap-day.html", at("2025-03-01T12:00:00+00:00"), {"age-notice": 1}),
    # The capture's day is read in Oslo time: 23:30 UTC on the anniversary is the next day there.
    ("en-leap-day.html", at("2025-02-28T23:30:00+00:00"), {"age-notice": 1}),
    ("en-undated.html", CAPTURE_2026, {"undated": 1}),
    ("nb-old-notice.html", CAPTURE_2026, {}),
    ("nb-old-no-notice.html", CAPTURE_2026, {"age-notice": 1}),
    ("nb-latin1.html", CAPTURE_2026, {}),
    ("credit-span.html", CAPTURE_2025, {}),
    ("credit-missing.html", CAPTURE_2025, {"photo-credits": 3}),
    ("titles-normalised.html", CAPTURE_2025, {}),
    ("titles-mismatch.html", CAPTURE_2025, {"consistent-titles": 1}),
    ("no-h1.html", CAPTURE_2025, {"missing-h1": 1}),
    ("no-title.html", CAPTURE_2025, {"missing-title": 1}),
    # Not an article, so no age or date findings; but its hero photo is shown without a
    # credit, and photo-credits (like consistent-titles) applies to every page.
    ("front-page.html", CAPTURE_2026, {"photo-credits": 1}),
    ("listing.html", CAPTURE_2026, {}),
]


@pytest.mark.parametrize(("name", "captured", "expected"), CASES)
def test_findings_per_page(check_file, name, captured, expected) -> None:
    _, violations = check_file(name, captured)
    assert Counter(v.rule for v in violations) == Counter(expected)


def test_uncredited_images_are_named_by_src(check_file) -> None:
    _, violations = check_file("credit-missing.html", CAPTURE_2025)
    srcs = sorted(v.evidence["src"] for v in violations)
    assert srcs == [
        "/globalassets/x/hidden-credit.jpg",
        "/globalassets/x/prefix-only.jpg",
        "/globalassets/x/uncredited.jpg",
    ]
    uncredited = next(v for v in violations if v.subject == "/globalassets/x/uncredited.jpg")
    assert uncredited.severity == "error"
    assert uncredited.evidence["caption"] == "The PM meets students."
    assert uncredited.pointer.startswith("/images/")
    assert "uncredited.jpg" in uncredited.message


def test_logo_and_footer_images_are_outside_the_content(check_file) -> None:
    model, _ = check_file("credit-missing.html", CAPTURE_2025)
    srcs = {image["src"] for image in model["images"]}
    assert "/dist/img/logo-en.svg" not in srcs
    assert "/dist/img/footer-crest.png" not in srcs
    decorative = {i["src"]: i["decorative_reason"] for i in model["images"] if i["decorative"]}
    assert decorative == {
        "/globalassets/x/divider.png": 'role="presentation"',
        "/globalassets/x/icon.svg": 'aria-hidden="true"',
        "/globalassets/x/spacer.gif": 'alt=""',
    }


def test_age_notice_evidence_has_published_date_and_capture_time(check_file) -> None:
    _, [violation] = check_file("en-old-notice-template.html", CAPTURE_2025)
    assert violation.rule == "age-notice"
    assert violation.pointer == "/age_notice/shown"
    assert violation.evidence["published"] == "2023-12-14"
    assert violation.evidence["captured_at"] == "2025-01-05T12:00:00Z"
    assert violation.evidence["hidden_notices"][0]["hidden_reason"] == "inside <template>"


def test_norwegian_dates_and_credits_are_read(check_file) -> None:
    model, _ = check_file("nb-old-notice.html", CAPTURE_2026)
    assert model["language"] == "nb"
    assert model["dates"]["published"]["value"] == "2024-07-03"
    assert model["dates"]["published"]["raw"] == "03.07.2024"
    assert model["age_notice"]["text"] == "Dette innholdet er mer enn ett år gammelt."
    assert model["images"][0]["credit"] == "Torbjørn Kjosvold / NTB"


def test_title_mismatch_evidence_names_the_pair(check_file) -> None:
    _, [violation] = check_file("titles-mismatch.html", CAPTURE_2025)
    assert violation.evidence["source"] == "og_title"
    assert violation.evidence["value"] == "Prime Minister visits Bodø"
    assert violation.evidence["reference_value"] == "Prime Minister visits Tromsø"
    assert violation.subject == f"{violation.evidence['reference']}|og_title"


def test_generic_site_uses_the_default_pack(check_file) -> None:
    model, violations = check_file("generic-article.html", CAPTURE_2025, url=GENERIC)
    assert model["dates"]["published"]["source"].startswith("meta[property")
    assert model["titles"]["title"]["normalized"] == "Budget 2024"
    # Over a year old, and the generic notice phrase counts as shown.
    assert [(v.rule, v.subject) for v in violations] == [("photo-credits", "/img/chart.png")]
    # Captured within the year, the same notice is unexpected.
    _, violations = check_file(
        "generic-article.html", datetime(2023, 6, 1, tzinfo=UTC), url=GENERIC
    )
    assert Counter(v.rule for v in violations) == {"photo-credits": 1, "age-notice-unexpected": 1}


def test_non_article_pages_get_credit_and_title_findings_only(check_file) -> None:
    """A photo shown without a credit, or titles that disagree, are wrong on any page; the
    age notice, the date and the heading are asked of articles only."""
    model, violations = check_file("front-page.html", CAPTURE_2026)
    assert model["is_article"] is False
    assert [(v.rule, v.subject) for v in violations] == [
        ("photo-credits", "/globalassets/front/hero.jpg")
    ]
    model, violations = check_file("listing.html", CAPTURE_2026)
    assert model["is_article"] is False
    assert model["images"][0]["not_content_reason"] == "thumbnail of a listed page"
    assert violations == []
