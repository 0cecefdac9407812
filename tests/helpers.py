"""Helpers for tests: crawl a site, check WARC files the way other tools would."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult
from archiver.store.index import Index

MakeSettings = Callable[..., Settings]
# The `archiver` command as cron starts it: a child process, a fresh interpreter.
ARCHIVER = [sys.executable, "-c", "from archiver.cli import main; main()"]


def missing_service(reason: str) -> NoReturn:
    """Skip a test whose service (PostgreSQL, Redis, Chromium) is missing; in CI, fail it.

    CI (`CI=true`, set by .ci/run and by CI systems) provides every service, so a
    missing one is a broken CI set-up that must not pass green.
    """
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: every service must be there)", pytrace=False)
    pytest.skip(reason)


def run_archiver(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `archiver ARGS…` to completion, capturing its output (exit code not checked)."""
    return subprocess.run(
        [*ARCHIVER, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def crawl(settings: Settings, index: Index, *, full: bool = False) -> CrawlResult:
    return Crawler(settings, settings.sites[0], index, full=full).run()


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
