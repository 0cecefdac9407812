"""The storage root fills up: a clear error, no corrupt WARC, an index that agrees."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.config import load
from archiver.store.index import Index
from archiver.store.verify import verify_site
from tests.helpers import run_archiver
from tests.store.localsite import serving, write_config


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_stops_the_crawl_cleanly(small_disk: Path) -> None:
    with serving(pages=400) as site:
        config = write_config(small_disk, site.url)
        result = run_archiver("crawl", "--config", str(config), "-q", cwd=small_disk)
    assert result.returncode == 3
    # Whichever write meets the full disk first, the WARC file's or the index's, says so.
    assert "No space left on device" in result.stderr or "disk is full" in result.stderr
    settings = load(config)
    # The operator makes room (verify writes only when it closes a file the crawl left open,
    # and SQLite wants room for its WAL); then the archive must check out.
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    index = Index(settings.storage.index_url)
    try:
        report = verify_site(settings.storage.root, index, "local")
    finally:
        index.close()
    assert report.ok, [str(p) for p in report.problems]
    assert report.captures > 0
