"""A signed archive of the demo site (two runs), and fresh copies of it to tamper with."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from archiver import config
from archiver.demo import DemoServer
from archiver.evidence.keys import generate
from archiver.pipeline import COMPLETED_RUN, run_site
from tests.pipeline.helpers import SITE, write_config
from tests.scale.conftest import bucket, db_url, namespace, redis_url, s3_endpoint

# Shared with tests/scale: an empty index on each backend, Redis, moto S3.
__all__ = ["bucket", "db_url", "namespace", "redis_url", "s3_endpoint"]

SIGNED = '[evidence]\nkey = "signing.pem"\n'


@pytest.fixture(scope="module")
def signed_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with archiver.toml, signing.pem and the demo site archived twice (runs 1, 2)."""
    folder = tmp_path_factory.mktemp("signed")
    generate(folder / "signing.pem", "ecdsa-p384")
    with DemoServer() as server:
        settings = config.load(write_config(folder, server, SIGNED))
        server.set_phase(1)
        first = run_site(settings, SITE)
        server.set_phase(2)
        second = run_site(settings, SITE, full=True)
    assert (first.outcome, second.outcome) == (COMPLETED_RUN, COMPLETED_RUN), (
        first.error,
        second.error,
    )
    yield folder


@pytest.fixture
def archive_copy(signed_archive: Path, tmp_path: Path) -> Callable[[], Path]:
    """A copy of the signed archive's folder, to change; returns its archiver.toml."""

    def copy() -> Path:
        target = tmp_path / "copy"
        shutil.copytree(signed_archive, target)
        return target / "archiver.toml"

    return copy
