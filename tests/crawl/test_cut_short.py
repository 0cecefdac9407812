"""A crawl cut short by a page cap or the trap backstop says so, and exits 5 for cron."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_archiver
from tests.servers.wholesite import WholeSite, WholeSiteServer


def _config(folder: Path, url: str, site: str = "", crawl: str = "") -> Path:
    path = folder / "archiver.toml"
    path.write_text(
        f"""
[storage]
root = "snapshots"

[crawl]
delay = 0
per_host = 4
retries = 0
{crawl}

[report]
formats = ["json"]
dir = "reports"

[[sites]]
name = "whole"
seeds = ["{url}/"]
max_depth = 100
{site}
""",
        encoding="utf-8",
    )
    return path


def test_the_trap_backstop_is_loud_and_exits_5(tmp_path: Path) -> None:
    with WholeSiteServer(WholeSite(300)) as server:
        config = _config(tmp_path, server.url, "max_pages = 5000", "max_per_pattern = 2")
        # --fail-on never: the site's old releases carry no age notice (298 true findings),
        # and violations (1) outrank a cut-short crawl (5).
        result = run_archiver(
            "run", "--config", str(config), "-q", "--fail-on", "never", cwd=tmp_path
        )
    assert result.returncode == 5, result.stdout + result.stderr
    assert "CUT SHORT by trap:max-per-pattern" in result.stdout
    assert "max_per_pattern (2) reached" in result.stderr
    [report] = (tmp_path / "reports").rglob("run-*.json")
    run = json.loads(report.read_text(encoding="utf-8"))["runs"][0]
    assert any("max_per_pattern" in w for w in run["crawl"]["warnings"])
    assert run["crawl"]["skipped"]["trap:max-per-pattern"] >= 1
    # Sitemap-listed pages never count towards it: all 300 were checked.
    assert run["pages"] >= 300


def test_a_page_cap_that_cuts_the_crawl_short_exits_5(tmp_path: Path) -> None:
    with WholeSiteServer(WholeSite(300)) as server:
        config = _config(tmp_path, server.url, "max_pages = 50")
        result = run_archiver("crawl", "--config", str(config), "-q", cwd=tmp_path)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "max-pages" in result.stdout and "CUT SHORT by max-pages" in result.stdout


def test_a_whole_crawl_within_its_limits_exits_0(tmp_path: Path) -> None:
    with WholeSiteServer(WholeSite(300)) as server:
        config = _config(tmp_path, server.url, "max_pages = 5000")
        result = run_archiver("crawl", "--config", str(config), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CUT SHORT" not in result.stdout
    assert "robots 1, e.g." in result.stdout
