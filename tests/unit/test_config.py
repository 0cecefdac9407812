"""A bad archiver.toml is refused with the file, the key and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archiver import config
from archiver.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_loads() -> None:
    settings = config.load(REPO / "archiver.toml")
    site = settings.site("regjeringen-en")
    assert site.seeds == ("https://www.regjeringen.no/en/id4/",)
    assert site.rules == ("regjeringen",)
    assert settings.storage.root == REPO / "snapshots"
    assert settings.storage.index_url.endswith("snapshots/index.sqlite3")


def test_site_inherits_crawl_defaults_and_overrides_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[crawl]\nper_host = 3\ndelay = 0\n[[sites]]\nname = "a"\nseeds = ["http://127.0.0.1/"]\n'
        "[sites.crawl]\ndelay = 2\n",
    )
    site = config.load(path).site("a")
    assert site.crawl.per_host == 3
    assert site.crawl.delay == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[crawl]\nper_host = 'two'\n", r"crawl\.per_host: expected integer, got str 'two'"),
        ("[crawl]\nperhost = 2\n", r"crawl: unknown key 'perhost' \(expected one of: .*per_host"),
        ("[[sites]]\nname = 'a'\n", r"sites\.\[0\]: 'seeds' is a required property"),
        (
            "[[sites]]\nname = 'a'\nseeds = ['ftp://x/']\n",
            r"sites\.\[0\]\.seeds\.\[0\]: 'ftp://x/' does not match",
        ),
        ("[crawl]\nconcurrency = 0\n", r"crawl\.concurrency: 0 is less than the minimum of 1"),
        ("[[sites]]\nname='a'\nseeds=['http://x/']\ninclude=['(']\n", r"sites\.\[0\]\.include"),
        ("[crawl\nper_host = 2\n", r"not valid TOML: .*line 1"),
        (
            "[[sites]]\nname='a'\nseeds=['http://x/']\n[[sites]]\nname='a'\nseeds=['http://y/']\n",
            r"duplicate site name\(s\): a",
        ),
    ],
)
def test_bad_config_names_file_key_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert re.search(expected, message), message


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        config.load(tmp_path / "nope.toml")


def test_unknown_site_lists_known_sites() -> None:
    settings = config.load(REPO / "archiver.toml")
    with pytest.raises(ConfigError, match=r"no site named 'x' \(sites: regjeringen-en\)"):
        settings.site("x")
