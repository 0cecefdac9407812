"""A whole site, three nights: first crawl, unchanged recrawl, recrawl after 1 % changed.

The site is tests/servers/wholesite.py in its own process (numeric ids, slugs, dated
paths, `?id=`, a calendar trap, a sitemap index with lastmod). Each night is one
`archiver run` child process (crawl → check → track → report, JSON report only), timed,
with its peak RSS from `wait4`; requests are counted by the site. Not part of the
test suite:

    .venv/bin/python benchmarks/bench_wholesite.py --pages 50000
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.wholesite import content_path  # noqa: E402


def _get(url: str, method: str = "GET") -> str:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.read().decode())


def _night(config: Path, base: str, label: str) -> dict[str, float | int | str]:
    before = int(_get(base + "/__requests"))
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "archiver", "run", "--config", str(config), "-q"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=config.parent,
        )
        # wait4, not communicate(): the child's own peak RSS, not the largest so far.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        out.seek(0)
        text = out.read().strip()
    requests = int(_get(base + "/__requests")) - before
    lines = text.splitlines()
    return {
        "night": label,
        "exit": os.waitstatus_to_exitcode(status),
        "requests": requests,
        "seconds": round(elapsed, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "summary": lines[-1] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="Keep the archive in this folder.")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-wholesite-"))
    folder.mkdir(parents=True, exist_ok=True)
    site = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.wholesite", "--pages", str(args.pages)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        config = folder / "archiver.toml"
        config.write_text(
            f"""
[storage]
root = "snapshots"

[crawl]
delay = 0
per_host = {args.per_host}
concurrency = 16
retries = 0

[report]
formats = ["json"]
dir = "reports"

[tracking]
ignore_file = "ignore.yaml"

[[sites]]
name = "whole"
seeds = ["{base}/"]
max_pages = {args.pages * 2}
max_depth = 100
""",
            encoding="utf-8",
        )
        results = [_night(config, base, "first crawl")]
        results.append(_night(config, base, "unchanged recrawl"))
        changed = [int(n) for n in _get(base + "/__change?fraction=0.01", "POST").split(",")]
        results.append(_night(config, base, "recrawl, 1 % changed"))
        db = sqlite3.connect(folder / "snapshots" / "index.sqlite3")
        runs = [r[0] for r in db.execute("select id from runs order by id")]
        archived = {
            r[0] for r in db.execute("select url from captures where run_id = ?", (runs[0],))
        }
        in_scope = [base + content_path(n) for n in range(args.pages)]
        missing = sum(u not in archived for u in in_scope)
        refetched = {
            r[0]
            for r in db.execute(
                "select url from captures where run_id = ? and record_type = 'response'",
                (runs[2],),
            )
        }
        changed_fetched = sum(base + content_path(n) in refetched for n in changed)
        calendar = sum(
            1
            for (url,) in db.execute(
                "select url from captures where run_id = ? and url like '%/events/%'",
                (runs[0],),
            )
        )
        reports = sorted((folder / "reports").rglob("run-*.json"))
        last = json.loads(reports[-1].read_text(encoding="utf-8"))
        checked = len(last["pages"])
        kept = sum("last_fetched" in p for p in last["pages"])
    finally:
        site.terminate()
        site.wait()
    first = int(results[0]["requests"])
    print(f"site: {args.pages} content pages at {base}; archive in {folder}")
    print(f"content pages archived in the first crawl: {args.pages - missing} / {args.pages}")
    print(f"calendar months archived: {calendar}")
    for r in results:
        share = int(r["requests"]) / first
        print(
            f"{r['night']:<22} exit {r['exit']}  {r['requests']:>7} requests "
            f"({share:6.1%} of the first)  {r['seconds']:>7} s  peak RSS {r['peak_rss_mb']} MB"
        )
        print(f"    {r['summary']}")
    print(f"changed pages fetched in full: {changed_fetched} / {len(changed)}")
    print(f"last report: {checked} pages checked, {kept} of them from their last capture")


if __name__ == "__main__":
    main()
