"""Canonical URLs decide what "the same page" is: one fetch per page."""

from __future__ import annotations

import pytest

from archiver.config import CrawlSettings, SiteSettings
from archiver.urls import Scope, canonicalize, clean, pattern_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTPS://WWW.Regjeringen.NO:443/en/", "https://www.regjeringen.no/en/"),
        ("https://www.regjeringen.no/en/#main", "https://www.regjeringen.no/en/"),
        ("https://x.no/a?b=2&a=1", "https://x.no/a?a=1&b=2"),
        ("https://x.no/a?utm_source=nl&utm_medium=mail&id=3", "https://x.no/a?id=3"),
        ("https://x.no/a?fbclid=abc", "https://x.no/a"),
        ("https://x.no/%7Euser/", "https://x.no/~user/"),
        ("https://x.no/a/./b/../c", "https://x.no/a/c"),
        ("https://x.no", "https://x.no/"),
        ("http://x.no:80/", "http://x.no/"),
        ("https://bücher.no/ø", "https://xn--bcher-kva.no/%C3%B8"),
    ],
)
def test_same_page_same_canonical_url(a: str, b: str) -> None:
    assert canonicalize(a) == canonicalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://x.no/a", "https://x.no/A"),
        ("https://x.no/a?page=1", "https://x.no/a?page=2"),
        ("http://x.no/", "https://x.no/"),
        ("https://x.no:8443/", "https://x.no/"),
        ("https://x.no/a%2Fb", "https://x.no/a/b"),
    ],
)
def test_different_pages_stay_different(a: str, b: str) -> None:
    assert canonicalize(a) != canonicalize(b)


@pytest.mark.parametrize("url", ["mailto:a@b.no", "javascript:void(0)", "ftp://x/", "/relative"])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        canonicalize(url)


def test_calendar_urls_share_a_pattern() -> None:
    assert pattern_of("https://x.no/cal/2026/11/") == pattern_of("https://x.no/cal/1999/01/")
    assert pattern_of("https://x.no/en/a/") != pattern_of("https://x.no/en/b/")


def _site(**kw: object) -> SiteSettings:
    base: dict[str, object] = {"name": "s", "seeds": ("https://www.regjeringen.no/en/id4/",)}
    base.update(kw)
    return SiteSettings(**base, crawl=CrawlSettings())  # type: ignore[arg-type]


def test_scope_follows_include_for_pages_but_fetches_embeds_on_the_seed_host() -> None:
    scope = Scope.of(_site(include=(r"^https://www\.regjeringen\.no/en/",)))
    assert scope.refuse("https://www.regjeringen.no/en/aktuelt/x/id1/") is None
    assert scope.refuse("https://www.regjeringen.no/no/aktuelt/x/id1/") == "not-included"
    assert scope.refuse("https://www.regjeringen.no/globalassets/a.jpg", embed=True) is None
    assert scope.refuse("https://www.stortinget.no/", embed=True) == "other-host"


def test_scope_excludes_and_refuses_traps() -> None:
    scope = Scope.of(_site(exclude=(r"/search/",)))
    assert scope.refuse("https://www.regjeringen.no/en/search/?q=x") == "excluded"
    assert scope.refuse("https://www.stortinget.no/en/") == "other-host"
    assert scope.refuse("https://www.regjeringen.no/a/b/a/b/a/b/") == "repeating-path"
    assert scope.refuse("https://www.regjeringen.no/" + "x" * 3000) == "url-too-long"


def test_scope_is_the_seeds_origins_by_default() -> None:
    scope = Scope.of(_site(seeds=("http://127.0.0.1:8321/en/",)))
    assert scope.refuse("http://127.0.0.1:8321/no/") is None
    assert scope.refuse("http://127.0.0.1:8322/no/") == "other-host"
    assert scope.refuse("https://127.0.0.1:8321/no/") == "other-host"
    assert scope.refuse("http://127.0.0.1:8322/a.png", embed=True) == "other-host"
    plain = Scope.of(_site(seeds=("http://www.regjeringen.no/",)))
    assert plain.refuse("https://www.regjeringen.no/en/") is None  # the upgrade servers send
    assert plain.refuse("http://www.regjeringen.no:8080/en/") == "other-host"


@pytest.mark.parametrize(
    ("raw", "fetched"),
    [
        (
            "https://x.no/a?utm_source=listing&b=2&a=1&fbclid=x#top",
            "https://x.no/a?b=2&a=1",
        ),
        ("https://X.no:443/a b/ø?q=a b&x", "https://x.no/a%20b/%C3%B8?q=a%20b&x"),
        ("https://x.no/%7Euser/?%2F=1", "https://x.no/~user/?%2F=1"),
    ],
)
def test_fetched_form_drops_tracking_and_escapes_but_keeps_the_query(
    raw: str, fetched: str
) -> None:
    assert clean(raw) == fetched
    assert canonicalize(clean(raw)) == canonicalize(raw)
