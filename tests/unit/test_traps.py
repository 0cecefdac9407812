"""Trap verdicts: behaviour, not URL shape; sitemap-listed URLs are never traps."""

from __future__ import annotations

import random
from datetime import date

from archiver.crawl.traps import (
    NEAR_DUPLICATE_RUN,
    NEAR_DUPLICATE_SIMILARITY,
    TrapGuard,
    _bottom_k,
    near_copies,
    out_of_range,
    similarity,
    sketch,
    url_dates,
)

TODAY = date(2026, 11, 28)


def test_dates_are_read_from_paths_and_date_like_query_parameters() -> None:
    assert url_dates("https://x.no/events/2026/11/") == [(2026, 11)]
    assert url_dates("https://x.no/cal?date=2031-02-01") == [(2031, 2)]
    assert url_dates("https://x.no/cal?year=1890&month=3") == [(1890, 1)]
    assert url_dates("https://x.no/agenda/20990101") == []  # compact dates only in queries
    assert url_dates("https://x.no/cal?d=20990101") == [(2099, 1)]
    # Numeric ids are not dates.
    assert url_dates("https://x.no/en/aktuelt/release-123/id4000123/") == []
    assert url_dates("https://x.no/node/2024") == []


def test_calendars_are_bounded_a_year_ahead_and_at_1990() -> None:
    assert not out_of_range("https://x.no/events/2027/11/", TODAY)
    assert out_of_range("https://x.no/events/2028/01/", TODAY)
    assert not out_of_range("https://x.no/news/1996/05/first-web-site", TODAY)
    assert out_of_range("https://x.no/events/1989/12/", TODAY)


def test_numeric_id_pages_never_trip_the_guard() -> None:
    guard = TrapGuard(max_per_pattern=200_000, today=TODAY)
    for n in range(3_000):
        url = f"https://x.no/en/aktuelt/release-{n}/id{4000000 + n}/"
        assert guard.verdict(url, listed=False) is None
        text = f"<main><h1>Release {n}</h1><p>{' '.join(str(n * k) for k in range(40))}</p></main>"
        guard.observe(url, sketch(text.encode()), listed=False)
    assert guard.backstops == []


def test_near_identical_pages_of_one_pattern_make_it_barren() -> None:
    guard = TrapGuard(max_per_pattern=200_000, today=TODAY)
    body = b"<main><h1>Events in March 2020</h1><p>No events this month.</p></main>"
    for month in range(1, NEAR_DUPLICATE_RUN + 2):
        url = f"https://x.no/events/2020/{month:02d}/"
        assert guard.verdict(url, listed=False) is None
        guard.observe(url, sketch(body.replace(b"March", b"May"), dated=True), listed=False)
    assert guard.verdict("https://x.no/events/2019/01/", listed=False) == "trap:near-duplicate"
    # The site's own sitemap overrules the guard.
    assert guard.verdict("https://x.no/events/2019/02/", listed=True) is None


def test_query_key_permutations_are_a_trap_past_a_bound() -> None:
    guard = TrapGuard(max_per_pattern=200_000, today=TODAY)
    keys = [f"k{i}" for i in range(20)]
    verdicts = [guard.verdict(f"https://x.no/search?{k}=1&q=a", listed=False) for k in keys]
    assert verdicts[:16] == [None] * 16
    assert set(verdicts[16:]) == {"trap:query-permutations"}


def test_the_backstop_names_its_pattern() -> None:
    guard = TrapGuard(max_per_pattern=3, today=TODAY)
    verdicts = [guard.verdict(f"https://x.no/s/{n}", listed=False) for n in range(5)]
    assert verdicts == [None, None, None, "trap:max-per-pattern", "trap:max-per-pattern"]
    assert guard.backstops == ["x.no/s/N?"]
    assert guard.verdict("https://x.no/s/99", listed=True) is None


def test_sketches_tell_different_pages_apart() -> None:
    a = sketch(b"<p>" + b" ".join(b"alpha%d beta gamma" % i for i in range(50)) + b"</p>")
    b = sketch(b"<p>" + b" ".join(b"delta%d epsilon zeta" % i for i in range(50)) + b"</p>")
    assert similarity(a, a) == 1.0
    assert similarity(a, b) < 0.2


def _page(rng: random.Random, words: list[bytes], changed: int) -> bytes:
    text = [rng.choice(words) for _ in range(300)]
    for i in rng.sample(range(300), changed):
        text[i] = b"other%d" % rng.randrange(10**6)
    return b"<html><body><main><p>" + b" ".join(text) + b"</p></main></body></html>"


def test_near_copies_is_the_similarity_threshold_without_the_sorting() -> None:
    rng = random.Random(7)
    words = [b"word%d" % i for i in range(40)] + ["ordø%d".encode() % i for i in range(5)]
    base = _page(rng, words, 0)
    pages = [base.replace(b"<p>", b"<p>" + b"x " * n) for n in range(3)]
    pages += [_page(random.Random(n % 4), words, n) for n in range(40)]
    verdicts = set()
    for a in map(sketch, pages):
        for b in map(sketch, pages):
            expected = similarity(a, b) >= NEAR_DUPLICATE_SIMILARITY
            assert near_copies(a, b) == expected
            verdicts.add(expected)
    assert verdicts == {True, False}  # both sides of the threshold were exercised


def test_words_keep_utf8_letters_whole_and_dated_pages_drop_digits_and_months() -> None:
    one = sketch("<p>Høring om budsjett for januar 2026 i kommunen Ås</p>".encode())
    other = sketch("<p>Høring om budsjett for februar 2027 i kommunen Ås</p>".encode())
    assert similarity(one, other) < 1.0
    dated_one = sketch(
        "<p>Høring om budsjett for januar 2026 i kommunen Ås</p>".encode(), dated=True
    )
    dated_other = sketch(
        "<p>Høring om budsjett for februar 2027 i kommunen Ås</p>".encode(), dated=True
    )
    assert dated_one == dated_other
    assert sketch("<p>Høring om budsjett</p>".encode()) != sketch(b"<p>H ring om budsjett</p>")


def test_only_the_main_content_is_sketched_whatever_the_tags_case() -> None:
    body = b" ".join(b"paragraph word%d text" % i for i in range(60))
    one = sketch(b"<nav>home news about</nav><MAIN class=x>" + body + b"</main >tail one")
    other = sketch(b"<nav>other links here</nav><main>" + body + b"</MAIN>tail two")
    menu = b" ".join(b"menu%d item" % i for i in range(300))
    unclosed = sketch(b"<nav>" + menu + b"</nav><main>" + body)
    assert one == other
    closed = sketch(b"<nav>" + menu + b"</nav><main>" + body + b"</main>")
    assert closed == one
    assert similarity(one, unclosed) < 0.5  # no end tag: the whole page is sketched


def test_the_prefiltered_bottom_k_is_the_bottom_k_of_every_shingle() -> None:
    rng = random.Random(3)
    vocabulary = [b"w%d" % i for i in range(500)]
    texts = [[rng.choice(vocabulary) for _ in range(n)] for n in (0, 2, 3, 40, 129, 130, 5000)]
    # A page repeating a few words has few distinct shingles: fewer than the sketch's size
    # pass the bar, and the set of every shingle is used instead.
    texts += [[b"a", b"b", b"c"] * 2000, [b"a", b"b"] * 3000 + vocabulary[:40]]
    for words in texts:
        shingles = set(map(hash, zip(words, words[1:], words[2:], strict=False)))
        assert _bottom_k(words) == frozenset(sorted(shingles)[:32])
