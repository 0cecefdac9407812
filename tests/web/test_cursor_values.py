"""A page cursor is read from the URL: well-formed ones holding the wrong values are a 400."""

from __future__ import annotations

from starlette.testclient import TestClient

from archiver.store.slices import cursor


def test_cursors_with_values_of_the_wrong_type_are_refused(client: TestClient) -> None:
    url = client.get("/").text.split('class="url">', 1)[1].split("<", 1)[0]
    timeline = client.get("/timeline", params={"url": url, "after": cursor(1, 2)})
    assert timeline.status_code == 400 and "not a timeline cursor" in timeline.text
    pages = client.get("/", params={"after": cursor("site", {"a": 1})})
    assert pages.status_code == 400 and "not a page cursor" in pages.text
    # The cursor a page hands out still works.
    first = client.get("/timeline", params={"url": url, "limit": "1"})
    assert first.status_code == 200
