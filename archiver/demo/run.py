"""`archiver demo`: run the whole job twice on the bundled sample site, served on 127.0.0.1.

The first run archives the site as it is; then the site "fixes" some pages and
breaks another, and the second run shows what is new, fixed and gone. The demo
uses the embedded default (SQLite index and WARC files under `./snapshots`)
and writes `snapshots/demo.toml`, so every other command can open its archive.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from archiver import config
from archiver.config import Settings
from archiver.demo.server import DemoServer
from archiver.pipeline import SiteRun, run_site
from archiver.store.index import Index

DEMO_SITE = "demo-regjeringen"
DEFAULT_PORT = 8321
VIEWER_URL = "http://127.0.0.1:8080"


def free_port(preferred: int) -> int:
    """`preferred` if free on 127.0.0.1 (stable URLs across demo runs), else any free port."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_config(server_url: str) -> str:
    """The demo's archiver.toml (paths relative to the archive root it is written into)."""
    return f"""# Written by `archiver demo`: the bundled sample site, archived under this folder.
[storage]
root = "."

[crawl]
delay = 0
per_host = 4
concurrency = 8
timeout = 10

[report]
dir = "reports"
viewer_url = "{VIEWER_URL}"

[[sites]]
name = "{DEMO_SITE}"
seeds = ["{server_url}en/id4/", "{server_url}no/id4/"]
sitemaps = ["{server_url}sitemap.xml"]
max_depth = 5
rules = ["regjeringen"]
"""


def write_config(root: Path, server_url: str) -> tuple[Path, Settings]:
    """Write `<root>/demo.toml` for this server and load it."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "demo.toml"
    path.write_text(demo_config(server_url), encoding="utf-8")
    return path, config.load(path)


def run_demo(root: Path, port: int, echo: Callable[[str], None]) -> list[SiteRun]:
    """Serve the sample site, run the pipeline on it before and after its "fixes", and report."""
    runs: list[SiteRun] = []
    with DemoServer(port=free_port(port)) as server:
        path, settings = write_config(root, server.url)
        echo(f"Serving the sample government site at {server.url}")
        index = Index(settings.storage.index_url)
        try:
            for phase, what in ((1, "as published"), (2, "after the web team's fixes")):
                server.set_phase(phase)
                echo(f"\nRun {len(runs) + 1}: the site {what}")
                # The demo's clock does not move between its runs: the "fixes" carry dates
                # from before the first run, so the second run fetches every page (--full)
                # instead of trusting lastmod as a nightly recrawl does.
                run = run_site(settings, DEMO_SITE, index, trigger="demo", full=phase == 2)
                runs.append(run)
                echo(run.summary())
                if run.error:
                    echo(f"  error: {run.error}")
        finally:
            index.close()
    html = [p for p in runs[-1].reports if p.suffix == ".html"] if runs else []
    echo("")
    if html:
        echo(f"HTML report (new and fixed findings up front): {html[0]}")
    echo(f"Archive: {root} (WARC files under warcs/, index in index.sqlite3)")
    me = _invoked_as()
    echo(f"Config for other commands: {path}  (e.g. {me} report -c {path} --format csv)")
    echo(
        f"Snapshot viewer: {me} serve -c {path}  then open {VIEWER_URL}/  "
        f"(or run `{me} demo --serve`)"
    )
    return runs


def _invoked_as() -> str:
    """How to type this command again: `archiver` when it is on PATH, else the path used
    (a fresh `.venv/bin/archiver demo` is not on PATH until the venv is activated)."""
    used = sys.argv[0]
    on_path = shutil.which("archiver")
    if not used or not os.path.isfile(used):
        return "archiver"
    if on_path is not None and os.path.samefile(on_path, used):
        return "archiver"
    relative = os.path.relpath(used)
    return relative if not relative.startswith("..") else used
