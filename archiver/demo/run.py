"""`archiver demo`: archive and check the bundled sample site, served on 127.0.0.1.

The demo uses the embedded default (SQLite index and WARC files under
`./snapshots`), so a new user sees the whole job work with no internet and
no configuration, and can then open the archive with the other commands.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archiver import config
from archiver.check.archive import ArchiveChecker, CheckResult
from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult
from archiver.demo.server import DemoServer
from archiver.lock import SiteLock
from archiver.store.index import Index

DEMO_SITE = "demo-regjeringen"
DEFAULT_PORT = 8321


def free_port(preferred: int) -> int:
    """`preferred` if free on 127.0.0.1 (stable URLs across demo runs), else any free port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_settings(server_url: str, root: Path) -> Settings:
    """Settings for the demo site: the regjeringen rule pack, a quick but polite crawl."""
    return config.parse(
        {
            "storage": {"root": str(root)},
            "crawl": {"delay": 0, "per_host": 4, "concurrency": 8, "timeout": 10},
            "sites": [
                {
                    "name": DEMO_SITE,
                    "seeds": [f"{server_url}en/id4/", f"{server_url}no/id4/"],
                    "sitemaps": [f"{server_url}sitemap.xml"],
                    "max_depth": 5,
                    "rules": ["regjeringen"],
                }
            ],
        },
        source="(demo)",
    )


@dataclass(frozen=True)
class DemoRun:
    """One crawl and check of the demo site."""

    phase: int
    crawl: CrawlResult
    check: CheckResult


def run_once(settings: Settings, index: Index, phase: int) -> DemoRun:
    """Crawl and check the demo site once, under its lock."""
    site = settings.sites[0]
    with SiteLock(settings.storage.root, site.name):
        crawled = Crawler(settings, site, index).run()
        checked = ArchiveChecker(settings, index).check_run(site, crawled.run_id)
    return DemoRun(phase, crawled, checked)


def run_demo(root: Path, port: int, echo: Callable[[str], None]) -> list[DemoRun]:
    """Serve the sample site, archive and check it, and tell the user what happened."""
    runs: list[DemoRun] = []
    with DemoServer(port=free_port(port)) as server:
        settings = demo_settings(server.url, root)
        echo(f"Serving the sample government site at {server.url}")
        index = Index(settings.storage.index_url)
        try:
            run = run_once(settings, index, 1)
            runs.append(run)
            echo(_summary(run))
        finally:
            index.close()
    return runs


def _summary(run: DemoRun) -> str:
    stats, report = run.crawl.stats, run.check.report
    by_rule = report.summary()["by_rule"]
    rules = ", ".join(f"{n} {rule}" for rule, n in by_rule.items()) or "none"
    return (
        f"run {run.crawl.run_id}: archived {stats.pages} pages and {stats.embeds} images/CSS/PDF "
        f"({stats.warc_bytes:,} WARC bytes, {stats.revisits} unchanged); checked {run.check.pages} "
        f"pages: {len(report.violations)} findings ({rules})"
    )
