"""SIGKILL a crawl at random moments: the next run resumes, verify passes, nothing lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.config import load
from archiver.crawl.crawler import Crawler
from archiver.store.index import Index
from archiver.store.verify import verify_site
from tests.helpers import ARCHIVER
from tests.store.localsite import LocalSite, serving, write_config

TRIALS = 20
PAGES = 40


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with serving(pages=PAGES) as served:
        yield served


def _crawl_and_kill(config: Path, after: float) -> int:
    proc = subprocess.Popen(
        [*ARCHIVER, "crawl", "--config", str(config), "-q"],
        cwd=config.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        proc.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode


@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_then_resume_loses_and_doubles_nothing(
    trial: int, site: LocalSite, tmp_path: Path
) -> None:
    rng = random.Random(trial)
    # 0.04 s between request starts: the 42 requests take > 1.6 s after a start-up of ~0.5 s,
    # so the kill (somewhere in 0.4-1.6 s) always finds the crawl running, never finished.
    config = write_config(tmp_path, site.url, delay=0.04)
    started = time.monotonic()
    code = _crawl_and_kill(config, rng.uniform(0.4, 1.6))
    assert code == -signal.SIGKILL, f"the crawl was not killed: it exited {code}"
    settings = load(config)
    index = Index(settings.storage.index_url)
    try:
        result = Crawler(settings, settings.site("local"), index).run()
        assert result.status == "completed"
        db = sqlite3.connect(settings.storage.root / "index.sqlite3")
        runs = db.execute("SELECT id FROM runs").fetchall()
        assert len(runs) == 1, "the killed run was resumed, not restarted"
        doubled = db.execute(
            "SELECT canonical_url, count(*) FROM captures GROUP BY run_id, canonical_url "
            "HAVING count(*) > 1"
        ).fetchall()
        assert doubled == []
        pages = db.execute(
            "SELECT count(*) FROM captures WHERE content_type LIKE 'text/html%'"
        ).fetchone()[0]
        assert pages == PAGES + 1  # the pages and the home page
        left = db.execute("SELECT count(*) FROM frontier WHERE status='queued'").fetchone()[0]
        assert left == 0
        db.close()
        report = verify_site(settings.storage.root, index, "local")
        assert report.ok, [str(p) for p in report.problems]
        assert not list((settings.storage.root / "warcs" / "local").glob("*.open"))
    finally:
        index.close()
    assert time.monotonic() - started < 15, f"trial took too long (exit {code})"
