"""Browser capture against the HTTP crawl: pages/s and peak memory on the same local site.

The site is benchmarks/site.py in its own process (news pages of ~40 KB with three
images, a stylesheet, ~20 links each). Each round is one `archiver run` child process
per mode on a fresh archive: `capture = "http"` (crawl, check, track, JSON report) and
`capture = "browser"` (the same, plus every HTML page rendered in Chromium: screenshot,
DOM, layout). Pages/s is HTML pages archived (and, in browser mode, rendered) per
second of the whole run; peak memory is the largest sum of proportional set size
(PSS, shared pages divided among their sharers) over the child's whole process tree
(Chromium's processes included), sampled every 0.1 s from /proc. Medians over the
rounds. Not part of the test suite:

    .venv/bin/python benchmarks/bench_browser.py --pages 100 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tree(pid: int) -> list[int]:
    """`pid` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _pss(pids: list[int]) -> int:
    """Proportional set size of processes, summed: Chromium's processes share most of their
    pages (libraries, the zygote's heap), so summing their RSS would count those many times."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def _run(config: Path) -> tuple[float, int, str]:
    """One `archiver run`: seconds, peak RSS of its process tree, its summary line."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "archiver", "run", "--config", str(config), "-q"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=config.parent,
        )
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _pss(_tree(child.pid)))
                done.wait(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        child.wait()
        done.set()
        sampler.join()
        elapsed = time.monotonic() - started
        out.seek(0)
        lines = out.read().strip().splitlines()
    return elapsed, peak, lines[-1] if lines else ""


def _config(folder: Path, base: str, mode: str, pages: int) -> Path:
    folder.mkdir(parents=True)
    config = folder / "archiver.toml"
    config.write_text(
        f"""[storage]
root = "snapshots"
[crawl]
delay = 0
per_host = 8
[report]
formats = ["json"]
[[sites]]
name = "bench"
seeds = ["{base}/"]
max_pages = {pages}
max_depth = 50
capture = "{mode}"
"""
    )
    return config


def _pages(folder: Path) -> tuple[int, int]:
    """(HTML pages archived, pages rendered) from the run's stored statistics."""
    import sqlite3

    with sqlite3.connect(folder / "snapshots" / "index.sqlite3") as db:
        stats = json.loads(db.execute("select stats from runs order by id desc").fetchone()[0])
    return int(stats["pages"]), int(stats.get("browser", {}).get("rendered", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    site = subprocess.Popen(
        [sys.executable, "benchmarks/site.py", "--pages", "2000", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip().rstrip("/")
        results: dict[str, list[dict[str, float]]] = {"http": [], "browser": []}
        with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
            for round_ in range(args.rounds):
                for mode in ("http", "browser"):
                    folder = Path(tmp) / f"{mode}-{round_}"
                    seconds, peak, summary = _run(_config(folder, base, mode, args.pages))
                    pages, rendered = _pages(folder)
                    row = {
                        "seconds": round(seconds, 2),
                        "pages": pages,
                        "rendered": rendered,
                        "pages_per_s": round(pages / seconds, 2),
                        "peak_pss_mb": round(peak / 2**20, 1),
                    }
                    results[mode].append(row)
                    print(mode, json.dumps(row), summary[:160], flush=True)
        print("\nmedians over", args.rounds, "rounds:")
        for mode, rows in results.items():
            print(
                f"  {mode:8} pages/s {statistics.median(r['pages_per_s'] for r in rows):7.2f}  "
                f"peak PSS {statistics.median(r['peak_pss_mb'] for r in rows):7.1f} MB  "
                f"wall {statistics.median(r['seconds'] for r in rows):6.1f} s  "
                f"pages {statistics.median(r['pages'] for r in rows):.0f}  "
                f"rendered {statistics.median(r['rendered'] for r in rows):.0f}"
            )
    finally:
        site.terminate()
        site.wait()


if __name__ == "__main__":
    main()
