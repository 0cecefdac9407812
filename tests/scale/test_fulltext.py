"""Full-text search of archived pages, on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from archiver.store import fulltext
from archiver.store.browse import Browse
from archiver.store.index import Index, captures

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _capture(conn, run_id: int, url: str, digest: str, at: datetime, **extra: object) -> None:
    conn.execute(
        captures.insert().values(
            run_id=run_id,
            site="gov",
            url=url,
            canonical_url=url,
            captured_at=at,
            status=200,
            content_type="text/html; charset=utf-8",
            payload_digest=digest,
            record_type=extra.pop("record_type", "response"),
            warc_file="gov/x.warc.gz",
            offset=0,
            length=1,
            is_page=True,
            **extra,
        )
    )


@pytest.fixture
def index(db_url: str):
    index = Index(db_url)
    run_id = index.start_run("gov", kind="crawl", pid=1, hostname="h")
    pages = {
        "sha256:a": ("Ferry news", "The minister opened the new coastal ferry route in Tromsø."),
        "sha256:b": ("Ferry news", "The minister opened the new coastal ferry route on Friday."),
        "sha256:c": ("Budget", "Budget 2027: the coastal ferry subsidy <script>x</script> rises."),
    }
    for digest, (title, text) in pages.items():
        fulltext.store_text(index, digest, title, text)
    with index.begin() as conn:
        # /ferry said "in Tromsø" on day 0 and 1 (the second a revisit), then changed.
        _capture(conn, run_id, "https://gov.test/ferry", "sha256:a", T0)
        _capture(
            conn,
            run_id,
            "https://gov.test/ferry",
            "sha256:a",
            T0 + timedelta(days=1),
            record_type="revisit",
        )
        _capture(conn, run_id, "https://gov.test/ferry", "sha256:b", T0 + timedelta(days=2))
        _capture(conn, run_id, "https://gov.test/budget", "sha256:c", T0 + timedelta(days=3))
    yield index
    index.close()


def test_a_phrase_is_found_with_its_first_and_last_capture_and_a_marked_snippet(index) -> None:
    hits = fulltext.search(index, "coastal ferry route in Tromsø")
    assert [h.url for h in hits] == ["https://gov.test/ferry"]
    hit = hits[0]
    assert (hit.first_at, hit.last_at, hit.captures) == (T0, T0 + timedelta(days=1), 2)
    marked = re.findall(f"{fulltext.MARK_START}(.*?){fulltext.MARK_END}", hit.snippet)
    assert "Tromsø" in " ".join(marked) and "minister" not in " ".join(marked)


def test_words_out_of_order_are_not_the_phrase_and_case_does_not_matter(index) -> None:
    assert fulltext.search(index, "ferry coastal") == []
    assert {h.url for h in fulltext.search(index, "COASTAL FERRY")} == {
        "https://gov.test/ferry",
        "https://gov.test/budget",
    }


def test_newest_first_and_bounded_by_site_and_dates(index) -> None:
    hits = fulltext.search(index, "coastal ferry")
    assert [h.url for h in hits] == ["https://gov.test/budget", "https://gov.test/ferry"]
    ferry = hits[1]
    assert (ferry.first_at, ferry.last_at, ferry.captures) == (T0, T0 + timedelta(days=2), 3)
    assert fulltext.search(index, "coastal ferry", site="other") == []
    early = fulltext.search(index, "coastal ferry", end=T0 + timedelta(days=1))
    assert [(h.url, h.captures) for h in early] == [("https://gov.test/ferry", 1)]
    late = fulltext.search(index, "coastal ferry", start=T0 + timedelta(days=3))
    assert [h.url for h in late] == ["https://gov.test/budget"]


def test_query_syntax_is_taken_as_words_not_operators(index) -> None:
    # FTS5 / tsquery operators in user input must not error or change the meaning.
    assert fulltext.search(index, 'coastal" OR "budget') == []
    assert fulltext.search(index, "ferry NOT") == []
    assert [h.url for h in fulltext.search(index, "subsidy <script>x</script> rises")] == [
        "https://gov.test/budget"
    ]


def test_the_page_list_pages_by_keyset_and_shows_indexed_titles(index) -> None:
    browse = Browse(index)
    first = browse.pages(limit=1)
    assert [p.url for p in first.rows] == ["https://gov.test/budget"]
    assert first.rows[0].title == "Budget" and first.total == 2
    assert first.next_after is not None
    second = browse.pages(limit=1, after=first.next_after)
    assert [(p.url, p.captures) for p in second.rows] == [("https://gov.test/ferry", 3)]
    assert second.next_after is None
    assert [p.url for p in browse.pages(descending=True).rows] == [
        "https://gov.test/ferry",
        "https://gov.test/budget",
    ]
    assert [p.url for p in browse.pages(query="budg").rows] == ["https://gov.test/budget"]
    with pytest.raises(ValueError):
        browse.pages(after="not-a-cursor")


def test_visible_text_leaves_out_scripts_styles_and_comments() -> None:
    text = fulltext.visible_text(
        "<html><head><title>T</title><style>p{}</style></head><body><div><a>Nav</a><h1>Head</h1>"
        "<p>One <b>bold</b> word<!-- hidden --></p><script>var secret = 1;</script>"
        "<noscript>enable js</noscript><p>Two\x02</p></div></body></html>"
    )
    assert text == "Nav Head One bold word Two"
