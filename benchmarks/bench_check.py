"""Throughput of extraction + checking, against plain parsing, and re-checking cached models.

Usage: python benchmarks/bench_check.py [DIR] [--pack ID] [--runs N] [--url URL] [--size BYTES]

DIR holds *.html files (default: tests/data/pages). Each measure runs N times
over all files, the measures taking turns; the median pages per CPU-second is
reported, with ratios to the BeautifulSoup(lxml) and raw lxml.html parse
baselines. "re-check" validates
already-extracted page models only, as a re-check after a rule change does.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
from bs4 import BeautifulSoup

from archiver.check import RuleSet, check
from archiver.extract import extract


def _rate(pages: list[bytes], work: Callable[[bytes], Any]) -> float:
    """Pages per CPU-second of this process: steal time on a shared VM is not counted."""
    start = time.process_time()
    for payload in pages:
        work(payload)
    return len(pages) / (time.process_time() - start)


def _rates(
    pages: list[bytes], runs: int, work: dict[str, Callable[[bytes], Any]]
) -> dict[str, float]:
    """Median rate of each workload; the workloads take turns within each run, so drift in
    the machine's speed affects them alike."""
    rates: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(runs):
        for name, fn in work.items():
            rates[name].append(_rate(pages, fn))
    return {name: statistics.median(values) for name, values in rates.items()}


def inflate(page: bytes, size: int) -> bytes:
    """A fixture page padded with article paragraphs to about `size` bytes (regjeringen-like)."""
    paragraph = (
        "<p>The Government presented its proposal to the Storting today. The ministry says the "
        "measures will strengthen public services in every county, and that municipalities "
        "will be consulted on the details before the budget is final. {n}</p>\n"
    )
    parts = [page]
    n = 0
    while sum(map(len, parts)) < size:
        parts.append(paragraph.format(n=n).encode())
        n += 1
    padding = b"".join(parts[1:])
    marker = b'<div class="article-body">'
    if marker in page:
        return page.replace(marker, marker + padding, 1)
    return page.replace(b"</body>", padding + b"</body>", 1)


def measure(pages: list[bytes], pack_id: str, url: str, runs: int) -> dict[str, float]:
    """Median pages/s of: raw lxml parse, BeautifulSoup(lxml) parse, extract+check, re-check."""
    pack = RuleSet.load().resolve([pack_id], url)
    at = datetime(2025, 1, 5, tzinfo=UTC)

    def full(payload: bytes) -> Any:
        model = extract(payload, url=url, captured_at=at, profile=pack.profile)
        return check(model, pack)

    models = [extract(p, url=url, captured_at=at, profile=pack.profile) for p in pages]
    model_iter = iter(models * runs)
    return _rates(
        pages,
        runs,
        {
            "raw lxml.html parse": lxml.html.document_fromstring,
            "BeautifulSoup(lxml) parse": lambda b: BeautifulSoup(b, "lxml"),
            "extract + check": full,
            "re-check cached models": lambda _: check(next(model_iter), pack),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=Path("tests/data/pages"))
    parser.add_argument("--pack", default="regjeringen")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", default="https://www.regjeringen.no/en/aktuelt/x/id1/")
    parser.add_argument("--size", type=int, default=0, help="Pad pages to this many bytes.")
    args = parser.parse_args()

    pages = [p.read_bytes() for p in sorted(args.dir.glob("*.html"))]
    if not pages:
        raise SystemExit(f"no *.html files in {args.dir}")
    if args.size:
        pages = [inflate(p, args.size) for p in pages]
    results = measure(pages, args.pack, args.url, args.runs)
    size = sum(len(p) for p in pages) / len(pages)
    print(
        f"{len(pages)} pages, mean {size / 1024:.1f} KiB, "
        f"median of {args.runs} runs, pages per CPU-second"
    )
    bs4_rate = results["BeautifulSoup(lxml) parse"]
    lxml_rate = results["raw lxml.html parse"]
    for name, rate in results.items():
        print(
            f"  {name:<26} {rate:10.1f} pages/s"
            f"   {rate / bs4_rate:6.2f}x bs4   {rate / lxml_rate:6.3f}x lxml"
        )


if __name__ == "__main__":
    main()
