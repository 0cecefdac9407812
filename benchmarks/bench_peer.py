"""The crawl bench's achievable bound: a minimal client on the same synthetic site.

Eight connections, breadth-first over the site's links (found by a regex), nothing
parsed, written or indexed, no start-up: what any crawler could reach on this machine
against `benchmarks/site.py`, to read `run.py --only crawl`'s ratio against.

    python benchmarks/bench_peer.py [--pages 2000] [--per-host 8] [--latency 0.05] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from run import Site

_HREF = re.compile(r'href="([^"#]+)"')


async def crawl(url: str, per_host: int) -> tuple[int, float]:
    """Requests made and seconds taken to fetch every page reachable from `url`."""
    seen = {url}
    queue: asyncio.Queue[str] = asyncio.Queue()
    queue.put_nowait(url)
    done = 0
    limits = httpx.Limits(max_connections=per_host)
    async with httpx.AsyncClient(limits=limits) as client:

        async def worker() -> None:
            nonlocal done
            while True:
                page = await queue.get()
                try:
                    response = await client.get(page)
                    done += 1
                    for href in _HREF.findall(response.text):
                        link = str(httpx.URL(page).join(href))
                        if link.startswith(url) and link not in seen:
                            seen.add(link)
                            queue.put_nowait(link)
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(per_host)]
        start = time.perf_counter()
        await queue.join()
        elapsed = time.perf_counter() - start
        for task in workers:
            task.cancel()
    return done, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--per-host", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    bound = args.per_host / args.latency
    rates = []
    for _ in range(args.runs):
        site = Site(args.pages, args.latency)
        try:
            requests, elapsed = asyncio.run(crawl(site.url, args.per_host))
        finally:
            site.close()
        rates.append(requests / elapsed)
    rate = statistics.median(rates)
    print(
        f"minimal client: {rate:.1f} requests/s, {rate / bound:.2f}x of {bound:.0f}/s"
        f" (median of {args.runs})"
    )


if __name__ == "__main__":
    main()
