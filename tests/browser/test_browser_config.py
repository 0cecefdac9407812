"""`capture` is validated where it is written, and a finding finds its box in a layout map."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.browser.crops import target
from archiver.browser.layout import Box
from archiver.config import load
from archiver.errors import ConfigError

LAYOUT = {
    "elements": [
        {
            "tag": "h1",
            "path": "body > main > h1",
            "box": [40, 100, 1200, 40],
            "text_box": [40, 102, 300, 36],
            "visible": True,
        },
        {
            "tag": "img",
            "path": "body > main > img:nth-of-type(2)",
            "src": "/a.png",
            "current_src": "http://x/a.png",
            "box": [40, 200, 480, 320],
            "visible": True,
        },
        {
            "tag": "img",
            "path": "body > main > img:nth-of-type(1)",
            "src": "/hidden.png",
            "box": [0, 0, 0, 0],
            "visible": False,
        },
    ]
}


def test_an_unknown_capture_value_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[[sites]]\nname = "a"\nseeds = ["https://example.org/"]\ncapture = "chrome"\n')
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message
    assert "sites.[0].capture" in message
    assert "'http', 'browser'" in message


def test_capture_defaults_to_http(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[[sites]]\nname = "a"\nseeds = ["https://example.org/"]\n')
    assert load(path).sites[0].capture == "http"


def test_an_image_is_found_by_its_path_else_by_its_src() -> None:
    by_path = target("photo-credits", {"location": "body > main > img:nth-of-type(2)"}, LAYOUT)
    assert by_path is not None and by_path.box == Box(40, 200, 480, 320)
    by_src = target("photo-credits", {"location": "body > div > img", "src": "/a.png"}, LAYOUT)
    assert by_src is not None and by_src.box == Box(40, 200, 480, 320)
    # An image the reader could not see has nothing to show.
    assert target("photo-credits", {"src": "/hidden.png"}, LAYOUT) is None


def test_a_missing_notice_is_the_place_under_the_heading() -> None:
    where = target("age-notice", {"published": "2020-01-01"}, LAYOUT)
    assert where is not None and where.missing
    assert where.box.y > 102 + 36 and where.box.x == 40
    title = target("consistent-titles", {"source": "h1", "reference": "title"}, LAYOUT)
    assert title is not None and title.box == Box(40, 102, 300, 36)
    assert target("consistent-titles", {"source": "og:title", "reference": "title"}, LAYOUT) is None
