"""Shared set-up for pipeline and report tests: a config for the demo site, two runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from archiver import config
from archiver.config import Settings
from archiver.demo import EXPECTED, DemoServer
from archiver.pipeline import SiteRun, run_site

SITE = "demo"


def write_config(folder: Path, server: DemoServer, extra: str = "") -> Path:
    """An archiver.toml for the demo site served by `server`."""
    path = folder / "archiver.toml"
    path.write_text(
        f"""
[crawl]
delay = 0
per_host = 4
retries = 0

[report]
viewer_url = "http://127.0.0.1:8080"

{extra}

[[sites]]
name = "{SITE}"
seeds = ["{server.url}en/id4/", "{server.url}no/id4/"]
max_depth = 4
rules = ["regjeringen"]
schedule = "0 3 * * *"
""",
        encoding="utf-8",
    )
    return path


def expected(phase: int) -> set[tuple[str, str, str]]:
    """The demo's seeded findings of a phase, as (path, rule, subject)."""
    return {(e.path, e.rule, e.subject) for e in EXPECTED[phase]}


def key(finding_url: str, rule: str, subject: str) -> tuple[str, str, str]:
    """A finding as (path, rule, subject), comparable with `expected`."""
    return (urlsplit(finding_url).path, rule, subject)


@dataclass
class TwoRuns:
    """The demo site archived in phase 1, then in phase 2."""

    settings: Settings
    server: DemoServer
    first: SiteRun
    second: SiteRun


def two_runs(folder: Path, server: DemoServer) -> TwoRuns:
    """Run the demo site twice, switching it to phase 2 in between."""
    settings = config.load(write_config(folder, server))
    server.set_phase(1)
    first = run_site(settings, SITE)
    server.set_phase(2)
    # No time passes between the phases: the fixes are dated before the first run.
    second = run_site(settings, SITE, full=True)
    return TwoRuns(settings, server, first, second)
