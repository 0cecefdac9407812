"""The age notice found in text: where a phrase is, however the markup splits it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from archiver.extract.notice import find_notice

PHRASES = ("This content is more than one year old.",)


def notice(html: str) -> dict[str, object]:
    return find_notice(BeautifulSoup(html, "lxml"), PHRASES, ())


def test_a_phrase_in_one_string_is_found_in_its_element() -> None:
    found = notice("<main><p class=n>This content is more than 1 year old.</p></main>")
    assert found["shown"] is True
    assert found["location"] == "body > main > p.n"


def test_a_phrase_split_over_inline_elements_is_found_in_the_element_holding_it_all() -> None:
    # Its first word in an element of its own: the phrase starts there and ends outside.
    found = notice("<div id=a>Note: <b>This</b> content is <em>more than 1 year</em> old.</div>")
    assert found["shown"] is True
    assert found["location"] == "div#a"
    assert found["text"] == "Note: This content is more than 1 year old."


def test_each_notice_is_reported_once_in_document_order_with_hidden_ones_as_evidence() -> None:
    found = notice(
        "<p id=h hidden>This content is more than one year old</p>"
        "<p id=v>Dette: this content is MORE than one year old</p>"
        "<p id=w>This content is more than 1 year old</p>"
    )
    assert found["location"] == "p#v"
    assert [h["location"] for h in found["hidden"]] == ["p#h"]


def test_decomposed_text_matches_the_composed_phrase() -> None:
    # "år" written as a + combining ring (NFD), as some CMSs store it.
    found = find_notice(
        BeautifulSoup("<p>Dette innhaldet er meir enn 1 a\u030ar gammalt.</p>", "lxml"),
        ("Dette innhaldet er meir enn eitt år gammalt.",),
        (),
    )
    assert found["shown"] is True
    assert found["text"] == "Dette innhaldet er meir enn 1 år gammalt."


def test_no_phrase_no_notice() -> None:
    found = notice("<p>This content is more than a decade old</p><p>one year</p>")
    assert found == {
        "shown": False,
        "text": None,
        "location": None,
        "hidden": [],
        "archive": {"shown": False, "text": None, "location": None},
    }
