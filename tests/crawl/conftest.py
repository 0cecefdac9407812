"""Helpers for crawl tests: settings for a site on a loopback server, and WARC checks."""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver import config
from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult
from archiver.store.index import Index

MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    """Settings for one site `s` with these seeds; keywords override [crawl] and the site."""

    def make(seeds: list[str], *, site: dict[str, Any] | None = None, **crawl: Any) -> Settings:
        crawl_settings = {"delay": 0, "per_host": 4, "timeout": 10, **crawl}
        data = {
            "storage": {"root": str(tmp_path / "snapshots")},
            "crawl": crawl_settings,
            "sites": [{"name": "s", "seeds": seeds, "rules": ["regjeringen"], **(site or {})}],
        }
        return config.parse(data, base_dir=tmp_path)

    return make


@pytest.fixture
def index_for() -> Iterator[Callable[[Settings], Index]]:
    opened: list[Index] = []

    def open_index(settings: Settings) -> Index:
        idx = Index(settings.storage.index_url)
        opened.append(idx)
        return idx

    yield open_index
    for idx in opened:
        idx.close()


def crawl(settings: Settings, index: Index) -> CrawlResult:
    return Crawler(settings, settings.sites[0], index).run()


def assert_valid_warcs(root: Path) -> list[Path]:
    """Every closed WARC under root passes `gzip -t` and warcio's own checker; none is left open."""
    files = sorted((root / "warcs").rglob("*.warc.gz"))
    assert files, "no WARC files written"
    assert not list((root / "warcs").rglob("*.open"))
    for path in files:
        with gzip.open(path) as fh:
            while fh.read(1 << 20):
                pass
        code = "import sys; from warcio.cli import main; sys.exit(main(['check', sys.argv[1]]))"
        result = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, (
            f"warcio check failed on {path}: {result.stdout}{result.stderr}"
        )
    return files
