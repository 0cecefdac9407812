"""HTML for the demo site, in the markup of www.regjeringen.no.

Every page shares the real site's heavy chrome (icon sprite, mega-menu,
breadcrumbs, footer, cookie dialog), which is why an article weighs about
40 KB. Nothing here depends on the phase except through the data it is given.
"""

from __future__ import annotations

import datetime
import random
from html import escape as _escape

from archiver.demo.model import TOPICS, Article, Image, Lang
from archiver.demo.text import heading, paragraphs


def escape(text: str, quote: bool = False) -> str:
    """HTML-escape ``text``; quotes only when it goes into an attribute."""
    return _escape(text, quote=quote)


SITE: dict[Lang, dict[str, str]] = {
    "en": {
        "home": "/en/id4/",
        "news": "/en/whats-new/news/id2006120/",
        "about": "/en/about-government/id443300/",
        "contact": "/en/contact/id2000009/",
        "search": "/en/search/",
        "topics": "/en/topics/",
        "site_name": "Government.no",
        "other_home": "/no/id4/",
        "other_lang": "Norsk",
        "home_label": "Home",
        "news_label": "News",
        "about_label": "About the Government",
        "contact_label": "Contact",
        "type": "Press release",
        "date_label": "Date",
        "notice": "This content is more than 1 year old.",
        "related": "Related",
        "report": "Read the report (PDF)",
        "press": "Press contact",
    },
    "no": {
        "home": "/no/id4/",
        "news": "/no/aktuelt/nyheter/id1150/",
        "about": "/no/om-regjeringen/id443300/",
        "contact": "/no/kontakt/id2000009/",
        "search": "/no/sok/",
        "topics": "/no/tema/",
        "site_name": "Regjeringen.no",
        "other_home": "/en/id4/",
        "other_lang": "English",
        "home_label": "Forsiden",
        "news_label": "Nyheter",
        "about_label": "Om regjeringen",
        "contact_label": "Kontakt",
        "type": "Pressemelding",
        "date_label": "Dato",
        "notice": "Dette innholdet er mer enn ett år gammelt.",
        "related": "Relatert",
        "report": "Les rapporten (PDF)",
        "press": "Pressekontakt",
    },
}

MINISTRIES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "Office of the Prime Minister",
        "Ministry of Agriculture and Food",
        "Ministry of Children and Families",
        "Ministry of Climate and Environment",
        "Ministry of Culture and Equality",
        "Ministry of Defence",
        "Ministry of Digitalisation and Public Governance",
        "Ministry of Education and Research",
        "Ministry of Energy",
        "Ministry of Finance",
        "Ministry of Foreign Affairs",
        "Ministry of Health and Care Services",
        "Ministry of Justice and Public Security",
        "Ministry of Labour and Social Inclusion",
        "Ministry of Local Government and Regional Development",
        "Ministry of Trade, Industry and Fisheries",
        "Ministry of Transport",
    ),
    "no": (
        "Statsministerens kontor",
        "Landbruks- og matdepartementet",
        "Barne- og familiedepartementet",
        "Klima- og miljødepartementet",
        "Kultur- og likestillingsdepartementet",
        "Forsvarsdepartementet",
        "Digitaliserings- og forvaltningsdepartementet",
        "Kunnskapsdepartementet",
        "Energidepartementet",
        "Finansdepartementet",
        "Utenriksdepartementet",
        "Helse- og omsorgsdepartementet",
        "Justis- og beredskapsdepartementet",
        "Arbeids- og inkluderingsdepartementet",
        "Kommunal- og distriktsdepartementet",
        "Nærings- og fiskeridepartementet",
        "Samferdselsdepartementet",
    ),
}

REPORT_PDF = "/globalassets/departementene/fin/dokumenter/report.pdf"
OUT_OF_SCOPE = (
    ("https://www.stortinget.no/en/In-English/", "The Storting"),
    ("https://lovdata.no/register/lover", "Lovdata"),
)


def topic_path(lang: Lang, index: int) -> str:
    """The URL path of topic ``index`` in ``lang``."""
    _, slug, number = TOPICS[lang][index]
    return f"{SITE[lang]['topics']}{slug}/id{number}/"


def display_date(lang: Lang, value: datetime.date) -> str:
    """The date as the site shows it: dd/mm/yyyy in English, dd.mm.yyyy in Norwegian."""
    return value.strftime("%d/%m/%Y" if lang == "en" else "%d.%m.%Y")


def _sprite() -> str:
    # The real site inlines an SVG icon sprite on every page.
    rng = random.Random("sprite")
    symbols = []
    for number in range(64):
        points = " ".join(f"{rng.randint(0, 24)}.{rng.randint(0, 99)}" for _ in range(40))
        symbols.append(
            f'<symbol id="icon-{number}" viewBox="0 0 24 24"><path d="M{points}z"/></symbol>'
        )
    return (
        '<svg class="sprite" style="display:none" aria-hidden="true">' + "".join(symbols) + "</svg>"
    )


_SPRITE = _sprite()


def _mega_menu(lang: Lang) -> str:
    site = SITE[lang]
    items = []
    for index, (name, slug, _) in enumerate(TOPICS[lang]):
        path = topic_path(lang, index)
        blurb = " ".join(paragraphs(f"menu:{slug}", lang, 2))
        links = "".join(
            f'<li><a href="{path}#{anchor}">{escape(label)}</a></li>'
            for anchor, label in (
                ("policy", "Policy"),
                ("documents", "Documents"),
                ("news", "News"),
            )
        )
        items.append(
            f'<li class="mega-menu-item"><a href="{path}">{escape(name)}</a>'
            f'<div class="mega-menu"><p>{escape(blurb)}</p><ul>{links}</ul></div></li>'
        )
    ministries = "".join(
        f'<li><a href="{site["about"]}#dep-{number}">{escape(name)}</a></li>'
        for number, name in enumerate(MINISTRIES[lang])
    )
    return (
        '<nav class="main-nav" aria-label="Main"><ul class="topics">'
        + "".join(items)
        + f'</ul><ul class="ministries">{ministries}</ul>'
        f'<ul class="shortcuts"><li><a href="{site["news"]}">{site["news_label"]}</a></li>'
        f'<li><a href="{site["about"]}">{site["about_label"]}</a></li>'
        f'<li><a href="{site["contact"]}">{site["contact_label"]}</a></li></ul></nav>'
    )


def _footer(lang: Lang) -> str:
    site = SITE[lang]
    outside = "".join(f'<li><a href="{url}">{label}</a></li>' for url, label in OUT_OF_SCOPE)
    text = escape(paragraphs("footer", lang, 1)[0])
    return (
        '<footer class="site-footer">'
        '<img src="/dist/img/footer-coat-of-arms.png" alt="Coat of arms">'
        f"<p>{text}</p><ul>"
        f'<li><a href="{site["about"]}">{site["about_label"]}</a></li>'
        f'<li><a href="{site["contact"]}#press">{site["contact_label"]}</a></li>'
        f"{outside}</ul>"
        '<img src="/dist/img/footer-dss.png" alt="Government Administration Services">'
        "</footer>"
    )


def _cookie_dialog(lang: Lang) -> str:
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs("cookies", lang, 3))
    return f'<div class="cookie-consent" role="dialog" hidden>{text}<button>OK</button></div>'


def layout(
    lang: Lang,
    *,
    head_title: str,
    og_title: str,
    og_type: str,
    dc_date: datetime.date | None,
    crumbs: list[tuple[str, str]],
    main: str,
) -> str:
    """A whole page: head, header with mega-menu, breadcrumbs, ``main``, footer."""
    site = SITE[lang]
    dc = f'<meta name="DC.Date" content="{dc_date.isoformat()}">\n' if dc_date else ""
    trail = "".join(
        f'<li><a href="{path}">{escape(label)}</a></li>' if path else f"<li>{escape(label)}</li>"
        for path, label in crumbs
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"en" if lang == "en" else "nb"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(head_title, quote=False)}</title>\n"
        f'<meta property="og:title" content="{escape(og_title, quote=True)}">\n'
        f'<meta property="og:site_name" content="{site["site_name"]}">\n'
        f'<meta property="og:type" content="{og_type}">\n'
        f'<meta name="DC.Title" content="{escape(og_title, quote=True)}">\n'
        f"{dc}"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/dist/css/main.css">\n'
        "</head>\n<body>\n"
        f"{_SPRITE}\n"
        f'<header class="site-header"><a href="{site["home"]}">'
        f'<img src="/dist/img/logo-{lang}.svg" alt="{site["site_name"]}"></a>'
        f"{_mega_menu(lang)}"
        f'<form class="search" action="{site["search"]}"><input name="q"></form>'
        f'<a class="lang-switch" href="{site["other_home"]}">{site["other_lang"]}</a></header>\n'
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>{trail}</ol></nav>\n'
        f'<main id="mainContent">\n{main}\n</main>\n'
        f"{_footer(lang)}\n{_cookie_dialog(lang)}\n</body></html>\n"
    )


def _notice(article: Article) -> str:
    text = SITE[article.lang]["notice"]
    hiding = {"display-none": ' style="display:none"', "hidden-attr": " hidden"}
    markup = (
        f'<div class="outdated-content-notice" role="note"{hiding.get(article.notice, "")}>'
        f"<p>{text}</p></div>"
    )
    if article.notice in ("shown", "display-none", "hidden-attr"):
        return f"  {markup}\n"
    if article.notice == "template":
        return f'  <template id="outdated-notice">{markup}</template>\n'
    if article.notice == "script":
        return f'  <script>window.outdatedNotice = "{text}";</script>\n'
    return ""


def _image(image: Image) -> str:
    src, alt = image.src, escape(image.alt, quote=True)
    if image.kind == "presentation":
        return f'<img class="icon" src="{src}" alt="{alt}" role="presentation">'
    if image.kind == "aria-hidden":
        return f'<span class="icon" aria-hidden="true"><img src="{src}" alt="{alt}"></span>'
    if image.kind == "spacer":
        return f'<img src="{src}" alt="" width="1" height="1">'
    if image.kind == "span-credit":
        credit = escape(image.credit or "")
        credit_span = f'<span class="credit">{credit}</span>'
        return f'<div class="image"><img src="{src}" alt="{alt}">{credit_span}</div>'
    caption = f"<figcaption>{escape(image.caption)}</figcaption>" if image.caption else ""
    return f'<figure class="image"><img src="{src}" alt="{alt}">{caption}</figure>'


def article_page(article: Article, related: list[Article]) -> str:
    """A press release in the markup the regjeringen.no rule pack is written for."""
    lang, site = article.lang, SITE[article.lang]
    h1 = article.h1_html if article.h1_html is not None else escape(article.title)
    header = (
        f'<header class="article-header"><h1>{h1}</h1></header>'
        if article.has_h1
        else ('<header class="article-header"></header>')
    )
    date = (
        f' <span class="date">{site["date_label"]}: {display_date(lang, article.published)}</span>'
        if article.published
        else ""
    )
    body = paragraphs(article.path, lang, 17)
    images = [_image(image) for image in article.images]
    parts = [*images[:1], f'<p class="lead">{escape(body[0])}</p>']
    for number, text in enumerate(body[1:], start=1):
        if number == 4:
            parts.append(f"<h2>{heading(article.path, lang)}</h2>")
        if number == 5:
            parts.extend(images[1:])
        parts.append(f"<p>{escape(text)}</p>")
    facts = "".join(f"<li>{escape(p)}</li>" for p in paragraphs(article.path + ":facts", lang, 2))
    parts.append(
        f'<div class="fact-box"><h2>{heading(article.path + ":facts", lang)}</h2>'
        f"<ul>{facts}</ul></div>"
    )
    parts.append(
        f'<p><a href="{REPORT_PDF}">{site["report"]}</a> · '
        f'<a href="{site["contact"]}#press">{site["press"]}</a>: Kari Nordmann, +47 22 24 90 90</p>'
    )
    links = "".join(
        f'<li><a href="{other.path}{suffix}">{escape(other.title)}</a></li>'
        for other, suffix in zip(
            related, ("", "#mainContent", "?utm_source=related&amp;utm_medium=web"), strict=False
        )
    )
    main = (
        '  <div class="article-header-wrapper">\n'
        f"    {header}\n"
        f'    <div class="article-info"><span class="type">{site["type"]} |</span>{date}</div>\n'
        "  </div>\n"
        f"{_notice(article)}"
        '  <div class="article-body">\n    ' + "\n    ".join(parts) + "\n  </div>\n"
        f'  <aside class="related-links"><h2>{site["related"]}</h2><ul>{links}</ul></aside>'
    )
    return layout(
        lang,
        head_title=article.head_title or f"{article.title} - regjeringen.no",
        og_title=article.og_title or article.title,
        og_type="article",
        dc_date=article.published,
        crumbs=[
            (site["home"], site["home_label"]),
            (site["news"], site["news_label"]),
            ("", article.title),
        ],
        main=main,
    )


def _teasers(lang: Lang, items: list[Article], utm: bool = False) -> str:
    rows = []
    for number, article in enumerate(items):
        # A tracking parameter on one link: the same page under another URL.
        suffix = "?utm_source=frontpage&amp;utm_campaign=news" if utm and number == 0 else ""
        date = display_date(lang, article.published) if article.published else ""
        image = (
            f'<img class="teaser-image" src="{article.images[0].src}" alt="">'
            if article.images
            else ""
        )
        rows.append(
            f'<li class="teaser">{image}'
            f'<a href="{article.path}{suffix}">{escape(article.title)}</a>'
            f' <span class="date">{date}</span></li>'
        )
    return '<ul class="teasers">' + "".join(rows) + "</ul>"


def front_page(lang: Lang, latest: list[Article]) -> str:
    """The front page: latest news, topics, a search link (disallowed) and outside links."""
    site = SITE[lang]
    topics = "".join(
        f'<li><a href="{topic_path(lang, i)}">{escape(name)}</a></li>'
        for i, (name, _, _) in enumerate(TOPICS[lang])
    )
    intro = "".join(f"<p>{escape(p)}</p>" for p in paragraphs(f"front:{lang}", lang, 3))
    outside = "".join(f'<li><a href="{url}">{label}</a></li>' for url, label in OUT_OF_SCOPE)
    main = (
        f"<h1>{site['site_name']}</h1>{intro}"
        f'<section class="latest">{_teasers(lang, latest, utm=True)}'
        f'<p><a href="{site["news"]}">{site["news_label"]}</a> · '
        f'<a href="{site["news"]}?page=2&amp;sort=date">2</a> · '
        f'<a href="{site["news"]}?sort=date&amp;page=2">2</a></p></section>'
        f'<section class="topics"><ul>{topics}</ul></section>'
        f'<p><a href="{site["search"]}?q=statsbudsjettet">Search</a></p>'
        f'<ul class="external">{outside}</ul>'
    )
    return layout(
        lang,
        head_title=f"{site['site_name']} - regjeringen.no",
        og_title=site["site_name"],
        og_type="website",
        dc_date=None,
        crumbs=[("", site["home_label"])],
        main=main,
    )


def listing_page(lang: Lang, items: list[Article], page: int, pages: int) -> str:
    """One page of the news listing, with numbered pagination links."""
    site = SITE[lang]
    nav = "".join(
        f"<li><span>{n}</span></li>"
        if n == page
        else f'<li><a href="{site["news"]}?page={n}">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    main = (
        f"<h1>{site['news_label']}</h1>{_teasers(lang, items)}"
        f'<nav class="pagination"><ul>{nav}</ul></nav>'
    )
    return layout(
        lang,
        head_title=f"{site['news_label']} - regjeringen.no",
        og_title=site["news_label"],
        og_type="website",
        dc_date=None,
        crumbs=[(site["home"], site["home_label"]), ("", site["news_label"])],
        main=main,
    )


def topic_page(lang: Lang, index: int, items: list[Article]) -> str:
    """A topic page: an introduction and the topic's articles."""
    site = SITE[lang]
    name, slug, _ = TOPICS[lang][index]
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs(f"topic:{slug}", lang, 4))
    main = (
        f'<h1>{escape(name)}</h1><section id="policy">{text}</section>'
        f'<section id="news">{_teasers(lang, items)}</section>'
        f'<section id="documents"><p><a href="{REPORT_PDF}">{site["report"]}</a></p></section>'
    )
    return layout(
        lang,
        head_title=f"{name} - regjeringen.no",
        og_title=name,
        og_type="website",
        dc_date=None,
        crumbs=[(site["home"], site["home_label"]), ("", name)],
        main=main,
    )


def plain_page(lang: Lang, key: str) -> str:
    """An undated, non-article page: about, contact or (disallowed) search."""
    site = SITE[lang]
    label = site.get(f"{key}_label", "Search" if lang == "en" else "Søk")
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs(f"{key}:{lang}", lang, 5))
    ministries = ""
    if key == "about":
        ministries = (
            "<ul>"
            + "".join(
                f'<li id="dep-{n}">{escape(name)}</li>' for n, name in enumerate(MINISTRIES[lang])
            )
            + "</ul>"
        )
    if key == "contact":
        mail = "postmottak@smk.dep.no"
        text += f'<p id="press">+47 22 24 90 90 · <a href="mailto:{mail}">{mail}</a></p>'
    main = f"<h1>{escape(label)}</h1>{text}{ministries}"
    return layout(
        lang,
        head_title=f"{label} - regjeringen.no",
        og_title=label,
        og_type="website",
        dc_date=None,
        crumbs=[(site["home"], site["home_label"]), ("", label)],
        main=main,
    )
