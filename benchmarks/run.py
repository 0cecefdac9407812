"""Benchmarks of archiver against its peers on this machine; prints a table of ratios.

Usage: python benchmarks/run.py [--runs N] [--only crawl,recrawl,check,memory]
                                [--pages N] [--per-host N] [--memory-pages N] [--no-peers]

- crawl:   `archiver crawl` vs `wget --recursive --warc-file` vs a Scrapy CrawlSpider on a
           synthetic site (benchmarks/site.py, ~40 KB pages, 50 ms latency per response);
- recrawl: WARC bytes a second crawl of the unchanged site adds, archiver vs wget --warc-dedup;
- check:   extraction + checks vs BeautifulSoup(lxml) parsing (benchmarks/bench_check.py);
- memory:  peak RSS of `archiver crawl` over a 50,000-page site (latency 0).

Each figure is the median of --runs runs; peers run in the same invocation. Scrapy is not a
project dependency: `.venv/bin/pip install scrapy` first (the Scrapy column is skipped
without it). Crawlers run as child processes; CPU time is their user+system time (wait4).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
ARCHIVER = str(Path(PY).parent / "archiver")
WGET = shutil.which("wget") or "/usr/bin/wget"

SPIDER = """
import json, sys
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

class Bench(CrawlSpider):
    name = "bench"
    allowed_domains = ["127.0.0.1"]
    start_urls = [{url!r}]
    rules = (Rule(LinkExtractor(), callback="parse_item", follow=True),)
    pages = 0
    custom_settings = {{
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": {concurrency},
        "CONCURRENT_REQUESTS_PER_DOMAIN": {per_host},
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "DEPTH_LIMIT": 0,
        "USER_AGENT": "scrapy-bench",
    }}

    def parse_start_url(self, response):
        return self.parse_item(response)

    def parse_item(self, response):
        if b"html" in (response.headers.get("Content-Type") or b""):
            self.pages += 1
        return None

    def closed(self, reason):
        with open({out!r}, "w") as fh:
            json.dump({{"pages": self.pages,
                        "requests": self.crawler.stats.get_value("downloader/request_count")}}, fh)
"""


@dataclass
class Outcome:
    """One crawler run: HTML pages archived, requests, wall and CPU seconds, peak RSS."""

    pages: int
    requests: int
    wall: float
    cpu: float
    max_rss_mb: float
    warc_bytes: int = 0
    crawl_seconds: float = 0.0  # the run's own span in the index (start-up and exit excluded)


def measured(cmd: list[str], cwd: Path, timeout: float | None = None) -> tuple[float, float, float]:
    """Run a child; return (wall s, CPU s, peak RSS MB). A timeout stops it with SIGTERM."""
    log = (cwd / "child.log").open("ab")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=log)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.send_signal(signal.SIGTERM)
            deadline = None
        time.sleep(0.02)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    log.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


class Site:
    """benchmarks/site.py in a child process."""

    def __init__(self, pages: int, latency: float, size: int = 40_000) -> None:
        self.proc = subprocess.Popen(
            [
                PY,
                str(HERE / "site.py"),
                "--pages",
                str(pages),
                "--latency",
                str(latency),
                "--size",
                str(size),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def archiver_config(work: Path, url: str, per_host: int, max_pages: int) -> Path:
    config = work / "archiver.toml"
    config.write_text(
        f"""[storage]
root = "snapshots"
[crawl]
concurrency = {max(16, per_host * 2)}
per_host = {per_host}
delay = 0
timeout = 30
retries = 0
max_per_pattern = 10000000
[log]
level = "WARNING"
[[sites]]
name = "bench"
seeds = ["{url}"]
max_pages = {max_pages}
max_depth = 1000
""",
        encoding="utf-8",
    )
    return config


def warc_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.warc.gz"))


def run_archiver(work: Path, url: str, per_host: int, max_pages: int = 1_000_000) -> Outcome:
    config = archiver_config(work, url, per_host, max_pages)
    wall, cpu, rss = measured([ARCHIVER, "crawl", "--config", str(config), "-q"], work)
    db = sqlite3.connect(work / "snapshots" / "index.sqlite3")
    run_id = db.execute("SELECT max(id) FROM runs").fetchone()[0]
    pages, requests = db.execute(
        "SELECT sum(content_type LIKE 'text/html%'), count(*) FROM captures WHERE run_id=?",
        (run_id,),
    ).fetchone()
    started, finished = db.execute(
        "SELECT started_at, finished_at FROM runs WHERE id=?", (run_id,)
    ).fetchone()
    db.close()
    span = (_stamp(finished) - _stamp(started)).total_seconds() if finished else 0.0
    return Outcome(pages or 0, requests, wall, cpu, rss, warc_bytes(work / "snapshots"), span)


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run_wget(work: Path, url: str, timeout: float | None, dedup: Path | None = None) -> Outcome:
    name = f"wget{len(list(work.glob('wget*.warc.gz')))}"
    files = work / f"{name}-files"
    cmd = [
        WGET,
        "--recursive",
        "--level=inf",
        "--no-parent",
        "--no-verbose",
        "--no-host-directories",
        f"--warc-file={work / name}",
        "--warc-cdx",
        "-P",
        str(files),
        url,
    ]
    if dedup is not None:
        cmd.insert(1, f"--warc-dedup={dedup}")
    wall, cpu, rss = measured(cmd, work, timeout)
    html = [p for p in files.rglob("*") if p.is_file() and p.suffix in (".html", "")]
    requests = sum(1 for p in files.rglob("*") if p.is_file())
    size = (work / f"{name}.warc.gz").stat().st_size if (work / f"{name}.warc.gz").exists() else 0
    return Outcome(len(html), requests, wall, cpu, rss, size)


def run_scrapy(work: Path, url: str, per_host: int) -> Outcome | None:
    try:
        import scrapy  # noqa: F401
    except ImportError:
        return None
    out = work / "scrapy.json"
    spider = work / "spider.py"
    spider.write_text(
        SPIDER.format(url=url, per_host=per_host, concurrency=max(16, per_host * 2), out=str(out))
    )
    wall, cpu, rss = measured([PY, "-m", "scrapy", "runspider", str(spider)], work)
    data = json.loads(out.read_text())
    return Outcome(data["pages"], data["requests"] or 0, wall, cpu, rss)


def median(outcomes: list[Outcome], attr: str) -> float:
    return statistics.median(getattr(o, attr) for o in outcomes)


def rate(outcomes: list[Outcome]) -> float:
    return statistics.median(o.pages / o.wall for o in outcomes)


def cpu_per_page(outcomes: list[Outcome]) -> float:
    return statistics.median(o.cpu / max(1, o.pages) for o in outcomes)


def bench_crawl(args: argparse.Namespace, rows: list[list[str]]) -> None:
    site = Site(args.pages, args.latency)
    try:
        ours: list[Outcome] = []
        scrapy: list[Outcome] = []
        wget: list[Outcome] = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                ours.append(run_archiver(Path(tmp), site.url, args.per_host))
            if args.no_peers:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                result = run_scrapy(Path(tmp), site.url, args.per_host)
                if result is not None:
                    scrapy.append(result)
            with tempfile.TemporaryDirectory() as tmp:
                wget.append(run_wget(Path(tmp), site.url, timeout=args.wget_seconds or None))
    finally:
        site.close()
    bound = args.per_host / args.latency
    cmd = f"python benchmarks/run.py --only crawl --pages {args.pages} --per-host {args.per_host}"
    if args.no_peers:
        cmd += " --no-peers"
    ours_rate = rate(ours)
    ours_req = statistics.median(o.requests / o.wall for o in ours)
    rows.append(
        [
            "crawl: archiver pages/s",
            f"{ours_rate:.1f}",
            f"{median(ours, 'pages'):.0f} pages, {median(ours, 'wall'):.1f} s",
            cmd,
        ]
    )
    rows.append(
        [
            "crawl: archiver requests/s vs bound",
            f"{ours_req:.1f}",
            f"{ours_req / bound:.2f}x of {bound:.0f}/s (per_host/latency)",
            cmd,
        ]
    )
    spans = [o for o in ours if o.crawl_seconds > 0]
    if spans:
        # The same requests over the run's own span: what the politeness bound governs,
        # without the process's start-up (imports, a new index's migrations) and exit.
        in_crawl = statistics.median(o.requests / o.crawl_seconds for o in spans)
        rows.append(
            [
                "crawl: archiver requests/s in the run",
                f"{in_crawl:.1f}",
                f"{in_crawl / bound:.2f}x of {bound:.0f}/s; "
                f"{median(spans, 'crawl_seconds'):.1f} s of {median(spans, 'wall'):.1f} s wall",
                cmd,
            ]
        )
    rows.append(["crawl: archiver CPU s/page", f"{cpu_per_page(ours) * 1000:.2f} ms", "", cmd])
    if args.no_peers:
        return
    wget_rate = rate(wget)
    rows.append(
        [
            "crawl: wget pages/s",
            f"{wget_rate:.1f}",
            f"archiver {ours_rate / wget_rate:.1f}x wget",
            cmd,
        ]
    )
    rows.append(["crawl: wget CPU s/page", f"{cpu_per_page(wget) * 1000:.2f} ms", "", cmd])
    if scrapy:
        scrapy_rate = rate(scrapy)
        rows.append(
            [
                "crawl: Scrapy pages/s (no WARC)",
                f"{scrapy_rate:.1f}",
                f"archiver {ours_rate / scrapy_rate:.2f}x Scrapy",
                cmd,
            ]
        )
        rows.append(["crawl: Scrapy CPU s/page", f"{cpu_per_page(scrapy) * 1000:.2f} ms", "", cmd])
    else:
        rows.append(["crawl: Scrapy", "skipped", "pip install scrapy", cmd])


def bench_recrawl(args: argparse.Namespace, rows: list[list[str]]) -> None:
    site = Site(args.pages, 0.0)
    ours: list[float] = []
    theirs: list[float] = []
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                first = run_archiver(work, site.url, args.per_host)
                second = run_archiver(work, site.url, args.per_host)
                ours.append((second.warc_bytes - first.warc_bytes) / first.warc_bytes)
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                first = run_wget(work, site.url, None)
                second = run_wget(work, site.url, None, dedup=work / "wget0.cdx")
                theirs.append(second.warc_bytes / first.warc_bytes)
    finally:
        site.close()
    cmd = f"python benchmarks/run.py --only recrawl --pages {args.pages}"
    rows.append(
        [
            "recrawl: archiver bytes added",
            f"{statistics.median(ours):.1%}",
            "of the first crawl's WARC bytes (304 → revisit)",
            cmd,
        ]
    )
    rows.append(
        [
            "recrawl: wget --warc-dedup bytes added",
            f"{statistics.median(theirs):.1%}",
            "of its first crawl's WARC bytes",
            cmd,
        ]
    )


def bench_check(args: argparse.Namespace, rows: list[list[str]]) -> None:
    sys.path.insert(0, str(HERE))
    from bench_check import inflate, measure

    pages_dir = HERE.parent / "tests" / "data" / "pages"
    pages = [inflate(p.read_bytes(), 40_000) for p in sorted(pages_dir.glob("*.html"))]
    result = measure(
        pages, "regjeringen", "https://www.regjeringen.no/en/aktuelt/x/id1/", args.runs
    )
    bs4 = result["BeautifulSoup(lxml) parse"]
    full = result["extract + check"]
    cached = result["re-check cached models"]
    cmd = f"python benchmarks/bench_check.py --size 40000 --runs {args.runs}"
    rows.append(
        [
            "check: BeautifulSoup(lxml) parse",
            f"{bs4:.1f} pages/s",
            f"raw lxml.html: {result['raw lxml.html parse']:.0f} pages/s",
            cmd,
        ]
    )
    rows.append(
        [
            "check: extract + check",
            f"{full:.1f} pages/s",
            f"adds {bs4 / full - 1:.0%} to the bs4 parse time",
            cmd,
        ]
    )
    rows.append(
        [
            "check: re-check cached models",
            f"{cached:.0f} pages/s",
            f"{cached / full:.0f}x the cold figure",
            cmd,
        ]
    )


def bench_memory(args: argparse.Namespace, rows: list[list[str]]) -> None:
    site = Site(args.memory_pages, 0.0, size=args.memory_size)
    results = []
    try:
        for pages in (args.memory_pages // 10, args.memory_pages):
            with tempfile.TemporaryDirectory() as tmp:
                results.append((pages, run_archiver(Path(tmp), site.url, 8, max_pages=pages)))
    finally:
        site.close()
    cmd = f"python benchmarks/run.py --only memory --memory-pages {args.memory_pages}"
    for pages, outcome in results:
        rows.append(
            [
                f"memory: peak RSS, {pages:,}-page crawl",
                f"{outcome.max_rss_mb:.0f} MB",
                f"{outcome.pages:,} HTML pages in {outcome.wall:.0f} s "
                f"({outcome.pages / outcome.wall:.0f}/s)",
                cmd,
            ]
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="crawl,recrawl,check,memory")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument(
        "--wget-seconds", type=float, default=0, help="Stop wget after this long (0: never)."
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="crawl: archiver alone (no wget, no Scrapy)."
    )
    parser.add_argument("--memory-pages", type=int, default=50_000)
    parser.add_argument("--memory-size", type=int, default=10_000)
    args = parser.parse_args()
    rows: list[list[str]] = []
    benches = {
        "crawl": bench_crawl,
        "recrawl": bench_recrawl,
        "check": bench_check,
        "memory": bench_memory,
    }
    for name in args.only.split(","):
        benches[name](args, rows)
        print(f"... {name} done", file=sys.stderr, flush=True)
    machine = platform.processor() or platform.machine()
    print(
        f"{platform.node()} · {machine} · {os.cpu_count()} CPUs · "
        f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d')} · "
        f"median of {args.runs} runs"
    )
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print(f"{row[0]:<{width[0]}}  {row[1]:>{width[1]}}  {row[2]:<{width[2]}}  {row[3]}")


if __name__ == "__main__":
    main()
