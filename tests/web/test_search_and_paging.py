"""The viewer's search box and paged lists, and `archiver search`, on a checked archive."""

from __future__ import annotations

import json
import re

from starlette.testclient import TestClient

from tests.helpers import run_archiver
from tests.web.conftest import Archived


def test_search_finds_the_phrase_in_the_capture_that_said_it(
    client: TestClient, archived: Archived
) -> None:
    page = client.get("/search", params={"q": "visited Tromsø on Thursday"})
    assert page.status_code == 200
    hits = re.findall(r'<li class="hit">.*?</li>', page.text, re.S)
    assert len(hits) == 1
    # Only the first crawl said it this way: the link goes to that capture.
    assert f'href="/capture/{archived.capture(1, "/en/tromso/")}"' in hits[0]
    assert "<mark>" in hits[0] and "1 capture:" in hits[0]
    changed = client.get("/search", params={"q": "Tromsø and Alta"}).text
    assert f'href="/capture/{archived.capture(2, "/en/tromso/")}"' in changed


def test_search_does_not_index_scripts_and_escapes_what_it_shows(client: TestClient) -> None:
    assert '<li class="hit">' not in client.get("/search", params={"q": "parent.cookie"}).text
    shown = client.get("/search", params={"q": "script did not run"}).text
    assert '<li class="hit">' in shown and "<script>" not in shown.split("<main", 1)[1]


def test_search_rejects_bad_dates_with_a_400(client: TestClient) -> None:
    assert client.get("/search", params={"q": "ferry", "from": "yesterday"}).status_code == 400
    bounded = client.get("/search", params={"q": "coastal ferry", "to": "2000-01-01"}).text
    assert '<li class="hit">' not in bounded


def test_page_list_pages_with_a_stable_cursor(client: TestClient) -> None:
    first = client.get("/", params={"limit": "2"}).text
    assert first.count('class="timeline-link"') == 2
    next_href = re.search(r'class="next-page" rel="next" href="([^"]+)"', first)
    assert next_href is not None
    rest = client.get(next_href.group(1).replace("&amp;", "&")).text
    shown = set(re.findall(r'class="url">([^<]+)<', first))
    assert shown and not shown & set(re.findall(r'class="url">([^<]+)<', rest))
    assert client.get("/", params={"limit": "0"}).status_code == 400
    assert client.get("/", params={"after": "garbage"}).status_code == 400


def test_violations_lists_are_paged(client: TestClient) -> None:
    page = client.get("/violations", params={"limit": "1"}).text
    more = re.findall(r'class="next-page" href="([^"]+)"', page)
    assert more, "a run with more than one open violation offers a next page"
    again = client.get(more[0].replace("&amp;", "&").split("#")[0])
    assert again.status_code == 200 and "back to the first rows" in again.text


def test_cli_search_prints_each_url_once_with_its_dates(archived: Archived) -> None:
    out = run_archiver(
        "search", "coastal ferry", "-c", str(archived.config_file), "--format", "json"
    )
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert [h["url"] for h in hits] == [archived.site_url + "en/ferry/"]
    assert hits[0]["captures"] == 2 and hits[0]["first_capture"] < hits[0]["last_capture"]
    text = run_archiver("search", "coastal ferry", "-c", str(archived.config_file))
    assert text.returncode == 0 and "»coastal ferry«" in text.stdout.replace("« »", " ")
    bad = run_archiver("search", "x", "-c", str(archived.config_file), "--from", "soon")
    assert bad.returncode == 2 and "--from" in bad.stderr
