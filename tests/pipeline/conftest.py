"""Two runs of the demo site, shared by the tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archiver.demo import DemoServer
from tests.pipeline.helpers import TwoRuns, two_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    """The demo site archived in phase 1 and then phase 2, in a folder of its own."""
    with DemoServer() as server:
        yield two_runs(tmp_path_factory.mktemp("runs"), server)
