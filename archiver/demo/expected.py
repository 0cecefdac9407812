"""The compliance findings the demo site seeds, per phase, as data.

A check of a capture of phase ``n`` must produce exactly ``EXPECTED[n]``:
every seeded finding, and none on the compliant traps (escaped or NFD
titles, decorative and header/footer images, ``<span class="credit">``, ©
and Norwegian credits, an old Norwegian item with its notice, the day-first
date). Subjects follow the rule packs: the image ``src`` for photo-credits,
``age-notice`` for both age rules, ``published-date`` for undated,
``{reference}|{source}`` for titles, ``h1`` for a missing <h1>. Rule ids and
subjects are those the ``check`` branch's rule packs report for these pages
(checked by running its ``check_page`` over every page of both phases).

Phase 2 is the site after the web team's fixes: coastal-ferry-agreement
gained its notice and more-funding-for-hospitals its credit (fixed);
minister-opens-school-in-bodo lost its credit (new); the fisheries statement
was removed and answers 404 (disappeared); everything else persists.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Rule = Literal[
    "photo-credits",
    "age-notice",
    "age-notice-unexpected",
    "consistent-titles",
    "missing-h1",
    "undated",
]


class Expected(NamedTuple):
    """One finding a check of the demo site must report."""

    path: str
    rule: Rule
    subject: str


_EN = "/en/aktuelt/"
_NO = "/no/aktuelt/"

_PERSISTING = [
    # Old, the notice is present but hidden with style="display:none".
    Expected(f"{_EN}new-rules-for-offshore-wind/id3001003/", "age-notice", "age-notice"),
    # Old, the notice exists only inside a <template>.
    Expected(f"{_EN}national-digital-security-strategy/id3001004/", "age-notice", "age-notice"),
    # Old Norwegian item, the notice has the hidden attribute.
    Expected(f"{_NO}endringer-i-sykehusfinansieringen/id3002003/", "age-notice", "age-notice"),
    # Old Norwegian item, the notice text is only inside a <script>.
    Expected(f"{_NO}ny-strategi-for-hoyere-utdanning/id3002004/", "age-notice", "age-notice"),
    # Recent, yet shows the age notice (warning).
    Expected(f"{_EN}budget-agreement-reached/id3001005/", "age-notice-unexpected", "age-notice"),
    # The caption has text but no credit phrase.
    Expected(
        f"{_EN}nordic-ministers-meet-in-bodo/id3001007/",
        "photo-credits",
        "/globalassets/departementene/ud/bilder/nordic-ministers.jpg",
    ),
    # Two content images without credit: one finding each.
    Expected(
        f"{_NO}regjeringen-besoker-finnmark/id3002005/",
        "photo-credits",
        "/globalassets/departementene/smk/bilder/finnmark-1.jpg",
    ),
    Expected(
        f"{_NO}regjeringen-besoker-finnmark/id3002005/",
        "photo-credits",
        "/globalassets/departementene/smk/bilder/finnmark-2.png",
    ),
    # og:title (and DC.Title, which mirrors it) say "humanitarian aid"; <title>
    # and <h1> say "support to Ukraine": one finding per differing source.
    Expected(
        f"{_EN}increased-support-to-ukraine/id3001008/", "consistent-titles", "title|og_title"
    ),
    Expected(
        f"{_EN}increased-support-to-ukraine/id3001008/", "consistent-titles", "title|dc_title"
    ),
    # <title> "Ny strategi for havbruk", the <h1> "Ny havbruksstrategi lagt fram".
    Expected(f"{_NO}ny-havbruksstrategi-lagt-fram/id3002006/", "consistent-titles", "h1|title"),
    # No visible date and no DC.Date (info).
    Expected(f"{_EN}guidelines-for-state-grants/id3001010/", "undated", "published-date"),
]

EXPECTED: dict[int, list[Expected]] = {
    1: [
        *_PERSISTING,
        # Published 14/12/2023 and no notice at all (fixed in phase 2).
        Expected(f"{_EN}coastal-ferry-agreement/id3001002/", "age-notice", "age-notice"),
        # A figure with no caption at all (fixed in phase 2).
        Expected(
            f"{_EN}more-funding-for-hospitals/id3001006/",
            "photo-credits",
            "/globalassets/departementene/hod/bilder/hospital.jpg",
        ),
        # An article without an <h1> (the page is removed in phase 2).
        Expected(f"{_EN}statement-on-fisheries-negotiations/id3001009/", "missing-h1", "h1"),
    ],
    2: [
        *_PERSISTING,
        # The caption lost its credit in phase 2 (new).
        Expected(
            f"{_EN}minister-opens-school-in-bodo/id3001020/",
            "photo-credits",
            "/globalassets/departementene/kd/bilder/school-bodo.jpg",
        ),
    ],
}

# Pages that answer 404 in a phase although an earlier phase published them.
REMOVED: dict[int, list[str]] = {
    1: [],
    2: [f"{_EN}statement-on-fisheries-negotiations/id3001009/"],
}
