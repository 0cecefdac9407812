"""A crawl killed with SIGKILL leaves valid WARCs and a consistent index; the next crawl resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from archiver.demo import DemoServer
from archiver.demo.site import page_paths
from archiver.urls import canonicalize
from tests.helpers import assert_valid_warcs


def _config(tmp_path: Path, server: DemoServer) -> Path:
    path = tmp_path / "archiver.toml"
    path.write_text(
        f"""
[storage]
root = "snapshots"
[crawl]
delay = 0
per_host = 2
concurrency = 4
[[sites]]
name = "demo"
seeds = ["{server.url}en/id4/", "{server.url}no/id4/"]
max_depth = 5
""",
        encoding="utf-8",
    )
    return path


def _captures(db: Path) -> list[tuple[int, str, str]]:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT run_id, canonical_url, record_type FROM captures"
            ).fetchall()
    except sqlite3.OperationalError:  # the crawler has not created its tables yet
        return []


def _wait_for_captures(db: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if db.exists() and len(_captures(db)) >= count:
            return
        time.sleep(0.05)


def test_sigkill_mid_crawl_then_resume_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with DemoServer(latency=0.03) as server:
        config = _config(tmp_path, server)
        db = tmp_path / "snapshots" / "index.sqlite3"
        command = [sys.executable, "-m", "archiver", "crawl", "-c", str(config), "-q"]
        victim = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.DEVNULL)
        try:
            _wait_for_captures(db, 25)
        finally:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
        before = _captures(db)
        assert 25 <= len(before) < 150, "the crawl should have been killed mid-way"
        assert list((tmp_path / "snapshots" / "warcs").rglob("*.open")), "killed while writing"

        resumed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert resumed.returncode == 0, resumed.stderr
        assert "(resumed)" in resumed.stdout

        after = _captures(db)
        assert {run for run, _, _ in after} == {1}
        counts = Counter(url for _, url, _ in after)
        assert max(counts.values()) == 1, [u for u, n in counts.items() if n > 1]
        assert set(before) <= set(after)  # nothing archived before the kill was lost
        expected = {canonicalize(server.url.rstrip("/") + p) for p in page_paths(1, server.today)}
        assert expected <= set(counts)
    assert_valid_warcs(tmp_path / "snapshots")
