"""Shared fixtures: the demo site and the hostile server, on 127.0.0.1 with a free port."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver import config
from archiver.config import Settings
from archiver.demo import DemoServer
from archiver.store.index import Index
from tests.helpers import MakeSettings
from tests.servers.hostile import HostileServer

# The tests talk to 127.0.0.1 only: a proxy set in the developer's or the CI's environment
# (which the crawler honours, see crawl.trust_env) must not catch their requests.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The demo site in phase 1 for the whole session; do not change its phase."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def fresh_demo_server() -> Iterator[DemoServer]:
    """A demo site of its own, for tests that switch phases or count requests."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    """The hostile server with a normal robots.txt; ``/endless`` stops after 10 s."""
    with HostileServer(endless_seconds=10) as server:
        yield server


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
