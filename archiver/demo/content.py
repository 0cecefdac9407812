"""What the demo site publishes, as data: its articles in each phase, with their dates.

Phase 1 is the site as first crawled; phase 2 is the same site after the web
team's fixes (see ``archiver.demo.expected`` for the findings each phase
seeds). Dates are relative to ``today`` so the findings do not drift as the
calendar moves, apart from a few fixed old dates. The types are `archiver.demo.model`.
"""

from __future__ import annotations

import datetime

from archiver.demo.model import Article, Image, Lang

# The departments whose image folders the articles use.
_DEP = ("hod", "kld", "nfd", "ud", "kd", "smk")


def day_first_trap(today: datetime.date) -> datetime.date:
    """A date under a year old read dd/mm/yyyy, but over a year old read mm/dd/yyyy.

    The correct reading is 30–355 days ago; the swapped reading (month and day
    exchanged) lies more than 366 days ago. From 2 December to 3 January no
    such date exists (the swapped reading cannot leave the last year), so the
    first day-≤12 date 300 days back is used: still compliant, just not a
    trap on those days.
    """
    for back in range(30, 356):
        candidate = today - datetime.timedelta(days=back)
        if candidate.day > 12 or candidate.day == candidate.month:
            continue
        swapped = datetime.date(candidate.year, candidate.day, candidate.month)
        if (today - swapped).days > 366:
            return candidate
    candidate = today - datetime.timedelta(days=300)
    while candidate.day > 12:
        candidate -= datetime.timedelta(days=1)
    return candidate


def _img(lang: Lang, topic: int, slug: str, credit: str | None, ext: str = "jpg") -> Image:
    dep = _DEP[topic]
    caption_en = "From the visit. "
    caption_no = "Fra besøket. "
    caption = (caption_en if lang == "en" else caption_no) + credit if credit else None
    return Image(
        src=f"/globalassets/departementene/{dep}/bilder/{slug}.{ext}",
        alt="Illustration" if lang == "en" else "Illustrasjon",
        caption=caption,
    )


def articles(phase: int, today: datetime.date) -> list[Article]:
    """Every article the site publishes in ``phase``, in no particular order."""

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    pmo = "Credit: Ryoko Tsuchiyama / Office of the Prime Minister"
    ntb = "Foto: Torbjørn Kjosvold / NTB"
    fixed = phase >= 2
    result = [
        # Compliant: recent, credited figure.
        Article(
            "en",
            "prime-minister-visits-tromso",
            3001001,
            "Prime Minister visits Tromsø",
            ago(20),
            (
                Image(
                    "/globalassets/departementene/smk/bilder/pm-tromso.jpg",
                    "The Prime Minister in Tromsø",
                    f"The Prime Minister meets students. {pmo}",
                ),
            ),
            topic=5,
        ),
        # age-notice: fixed old date (14/12/2023) and no notice; phase 2 adds the notice.
        Article(
            "en",
            "coastal-ferry-agreement",
            3001002,
            "New agreement on coastal ferries",
            datetime.date(2023, 12, 14),
            (_img("en", 2, "coastal-ferry", "Photo: Hurtigruten"),),
            topic=2,
            notice="shown" if fixed else "none",
            modified=today if fixed else None,
        ),
        # age-notice: old, the notice is there but hidden with style="display:none".
        Article(
            "en",
            "new-rules-for-offshore-wind",
            3001003,
            "New rules for offshore wind",
            ago(500),
            (_img("en", 1, "offshore-wind", "Photo: Equinor"),),
            topic=1,
            notice="display-none",
        ),
        # age-notice: old, the notice exists only inside a <template>.
        Article(
            "en",
            "national-digital-security-strategy",
            3001004,
            "National digital security strategy",
            ago(600),
            (_img("en", 3, "digital-security", pmo),),
            topic=3,
            notice="template",
        ),
        # age-notice-unexpected (warning): recent, but shows the age notice.
        Article(
            "en",
            "budget-agreement-reached",
            3001005,
            "Budget agreement reached",
            ago(45),
            (_img("en", 2, "budget-agreement", pmo),),
            topic=2,
            notice="shown",
        ),
        # photo-credits: a figure with no caption at all; phase 2 adds a credit.
        Article(
            "en",
            "more-funding-for-hospitals",
            3001006,
            "More funding for hospitals",
            ago(60),
            (
                Image(
                    "/globalassets/departementene/hod/bilder/hospital.jpg",
                    "A hospital corridor",
                    "Photo: Helse Nord" if fixed else None,
                ),
            ),
            topic=0,
            modified=today if fixed else None,
        ),
        # photo-credits: the caption has text but no credit phrase.
        Article(
            "en",
            "nordic-ministers-meet-in-bodo",
            3001007,
            "Nordic ministers meet in Bodø",
            ago(75),
            (
                Image(
                    "/globalassets/departementene/ud/bilder/nordic-ministers.jpg",
                    "Nordic ministers",
                    "Nordic ministers gathered in Bodø on Monday.",
                ),
            ),
            topic=3,
        ),
        # consistent-titles: og:title differs from the <h1>.
        Article(
            "en",
            "increased-support-to-ukraine",
            3001008,
            "Norway increases support to Ukraine",
            ago(90),
            (_img("en", 3, "ukraine-support", pmo),),
            topic=3,
            og_title="Norway increases humanitarian aid",
        ),
        # consistent-titles: no <h1> at all; the article is removed (404) in phase 2.
        Article(
            "en",
            "statement-on-fisheries-negotiations",
            3001009,
            "Statement on the fisheries negotiations",
            ago(110),
            (_img("en", 5, "fisheries", "Photo: Norwegian Coast Guard"),),
            topic=5,
            has_h1=False,
        ),
        # undated (info): no visible date and no DC.Date.
        Article(
            "en",
            "guidelines-for-state-grants",
            3001010,
            "Guidelines for state grants",
            None,
            (),
            topic=2,
        ),
        # Compliant trap: "&" is escaped as &amp; in every title.
        Article(
            "en",
            "trade-industry-export-strategy",
            3001011,
            "Trade & industry: a new export strategy",
            ago(15),
            (_img("en", 2, "export-strategy", pmo),),
            topic=2,
        ),
        # Compliant trap: &nbsp; in the <h1>, a plain space elsewhere.
        Article(
            "en",
            "nok-5-million-for-arctic-research",
            3001012,
            "NOK 5 million for Arctic research",
            ago(33),
            (_img("en", 5, "arctic-research", "Photo: Norwegian Polar Institute"),),
            topic=5,
            h1_html="NOK 5&nbsp;million for Arctic research",
        ),
        # Compliant trap: a double space in the <h1>; no ETag / Last-Modified.
        Article(
            "en",
            "minister-of-health-visits-kirkenes",
            3001013,
            "Minister of Health visits Kirkenes",
            ago(40),
            (_img("en", 0, "kirkenes-visit", "Photo: Ministry of Health and Care Services"),),
            topic=0,
            h1_html="Minister of Health  visits Kirkenes",
            validators=False,
        ),
        # Compliant trap: the site suffix in <title> differs in case.
        Article(
            "en",
            "new-centre-for-rural-jobs",
            3001014,
            "New centre for rural jobs",
            ago(50),
            (_img("en", 2, "rural-jobs", pmo),),
            topic=2,
            head_title="New centre for rural jobs - Regjeringen.no",
        ),
        # Compliant trap: decorative images (role, aria-hidden, empty-alt spacer) need no credit.
        Article(
            "en",
            "open-day-in-the-government-quarter",
            3001015,
            "Open day in the Government quarter",
            ago(25),
            (
                _img("en", 5, "open-day", pmo),
                Image("/dist/img/icon-calendar.png", "Calendar", kind="presentation"),
                Image("/dist/img/icon-map.png", "Map", kind="aria-hidden"),
                Image("/dist/img/spacer.png", "", kind="spacer"),
            ),
            topic=5,
        ),
        # Compliant trap: the credit sits in <span class="credit">, not in a figcaption.
        Article(
            "en",
            "apprenticeship-scheme-expanded",
            3001016,
            "Apprenticeship scheme expanded",
            ago(35),
            (
                Image(
                    "/globalassets/departementene/kd/bilder/apprentices.jpg",
                    "Apprentices at work",
                    credit="Photo: Ilja C. Hendel / NTB",
                    kind="span-credit",
                ),
            ),
            topic=4,
        ),
        # Compliant trap: a © credit.
        Article(
            "en",
            "new-national-park-in-finnmark",
            3001017,
            "New national park in Finnmark",
            ago(120),
            (
                Image(
                    "/globalassets/departementene/kld/bilder/national-park.png",
                    "Mountains in Finnmark",
                    "The park covers 1,200 km². © Norwegian Environment Agency",
                ),
            ),
            topic=1,
        ),
        # Compliant: old, with the English notice shown.
        Article(
            "en",
            "climate-plan-presented",
            3001018,
            "Climate plan presented",
            datetime.date(2023, 3, 2),
            (_img("en", 1, "climate-plan", pmo),),
            topic=1,
            notice="shown",
        ),
        # Compliant trap: day-first date; over a year old only if misread month-first.
        Article(
            "en",
            "agreement-on-arctic-research-cooperation",
            3001019,
            "Agreement on Arctic research cooperation",
            day_first_trap(today),
            (_img("en", 5, "arctic-agreement", "Photo: UiT The Arctic University"),),
            topic=5,
        ),
        # Compliant in phase 1; phase 2 drops the credit (photo-credits). No validators.
        Article(
            "en",
            "minister-opens-school-in-bodo",
            3001020,
            "Minister of Education opens new school in Bodø",
            ago(28),
            (
                Image(
                    "/globalassets/departementene/kd/bilder/school-bodo.jpg",
                    "A new school",
                    "Pupils at the opening."
                    if fixed
                    else "Pupils at the opening. Photo: Ministry of Education",
                ),
            ),
            topic=4,
            modified=today if fixed else None,
            validators=False,
        ),
        # Compliant trap: NFD "Å" in <title> and og:title, NFC in the <h1>.
        Article(
            "no",
            "statsministeren-besoker-alesund",
            3002001,
            "Statsministeren besøker Ålesund",
            ago(18),
            (_img("no", 5, "alesund", ntb),),
            topic=5,
            head_title="Statsministeren besøker A\u030alesund - regjeringen.no",
            og_title="Statsministeren besøker A\u030alesund",
        ),
        # Compliant: old, with the Norwegian notice shown and a "Fotograf:" credit.
        Article(
            "no",
            "ny-nasjonal-transportplan",
            3002002,
            "Ny nasjonal transportplan",
            ago(450),
            (_img("no", 2, "transportplan", "Fotograf: Ilja C. Hendel"),),
            topic=2,
            notice="shown",
        ),
        # age-notice: old, the notice has the hidden attribute.
        Article(
            "no",
            "endringer-i-sykehusfinansieringen",
            3002003,
            "Endringer i sykehusfinansieringen",
            ago(420),
            (_img("no", 0, "sykehus", ntb),),
            topic=0,
            notice="hidden-attr",
        ),
        # age-notice: old (05.03.2024), the notice text is only inside a <script>.
        Article(
            "no",
            "ny-strategi-for-hoyere-utdanning",
            3002004,
            "Ny strategi for høyere utdanning",
            datetime.date(2024, 3, 5),
            (_img("no", 4, "hoyere-utdanning", ntb),),
            topic=4,
            notice="script",
        ),
        # photo-credits ×2: two figures, neither credited.
        Article(
            "no",
            "regjeringen-besoker-finnmark",
            3002005,
            "Regjeringen besøker Finnmark",
            ago(55),
            (
                Image(
                    "/globalassets/departementene/smk/bilder/finnmark-1.jpg",
                    "Statsråder i Alta",
                    "Statsrådene i Alta.",
                ),
                Image("/globalassets/departementene/smk/bilder/finnmark-2.png", "Møte i Vadsø"),
            ),
            topic=5,
        ),
        # consistent-titles: <title> differs from the <h1>.
        Article(
            "no",
            "ny-havbruksstrategi-lagt-fram",
            3002006,
            "Ny havbruksstrategi lagt fram",
            ago(65),
            (_img("no", 2, "havbruk", ntb),),
            topic=2,
            head_title="Ny strategi for havbruk - regjeringen.no",
        ),
        # Compliant: no ETag / Last-Modified; unchanged across phases.
        Article(
            "no",
            "flere-larlingplasser-i-staten",
            3002007,
            "Flere lærlingplasser i staten",
            ago(30),
            (_img("no", 4, "larlinger", ntb),),
            topic=4,
            validators=False,
        ),
        # Compliant: recent, credited.
        Article(
            "no",
            "styrket-beredskap-i-nord",
            3002008,
            "Styrket beredskap i nord",
            ago(70),
            (_img("no", 5, "beredskap", "Foto: Forsvaret"),),
            topic=5,
        ),
        # Compliant trap: a © credit in Norwegian.
        Article(
            "no",
            "ny-klimamelding",
            3002009,
            "Ny klimamelding",
            ago(95),
            (_img("no", 1, "klimamelding", "© Klima- og miljødepartementet", "png"),),
            topic=1,
        ),
        # Compliant: fixed old date (14.12.2023) with the Norwegian notice shown.
        Article(
            "no",
            "avtale-om-kystruter",
            3002010,
            "Avtale om kystruter",
            datetime.date(2023, 12, 14),
            (_img("no", 2, "kystruter", ntb),),
            topic=2,
            notice="shown",
        ),
    ]
    removed = {3001009} if phase >= 2 else set()
    return [a for a in result if a.id not in removed]


# Articles present in every phase: only these appear as "related" links, so
# removing an article in phase 2 does not change every other page.
STABLE_IDS = frozenset(range(3001001, 3001021)) - {3001009} | frozenset(range(3002001, 3002011))
