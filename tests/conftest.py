"""Shared fixtures: the demo site and the hostile server, on 127.0.0.1 with a free port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archiver.demo import DemoServer
from tests.servers.hostile import HostileServer


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
