"""Politeness per host, on its own: slots, the delay between starts, robots.txt once."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

from archiver.config import CrawlSettings
from archiver.crawl.politeness import Host, Politeness
from archiver.crawl.robots import Robots


def test_requests_to_one_host_start_at_least_delay_apart_and_hold_per_host_slots() -> None:
    starts: list[float] = []
    busy = 0
    most = 0

    async def request(host: Host) -> None:
        nonlocal busy, most
        await host.acquire()
        try:
            starts.append(time.monotonic())
            busy += 1
            most = max(most, busy)
            await asyncio.sleep(0)
            busy -= 1
        finally:
            host.release()

    async def main() -> None:
        host = Host(per_host=2, delay=0.05)
        await asyncio.gather(*(request(host) for _ in range(5)))

    asyncio.run(main())
    assert len(starts) == 5
    gaps = [b - a for a, b in pairwise(starts)]
    assert min(gaps) >= 0.05 - 0.002  # monotonic clock granularity
    assert most <= 2


def test_slots_bound_requests_in_flight_even_without_a_delay() -> None:
    in_flight = 0

    async def main() -> None:
        host = Host(per_host=3, delay=0)
        gate = asyncio.Event()

        async def request() -> None:
            nonlocal in_flight
            await host.acquire()
            in_flight += 1
            await gate.wait()
            in_flight -= 1
            host.release()

        tasks = [asyncio.create_task(request()) for _ in range(7)]
        while in_flight < 3:
            await asyncio.sleep(0)
        for _ in range(10):  # the other four had every chance to start
            await asyncio.sleep(0)
        assert in_flight == 3
        gate.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert in_flight == 0


def test_robots_txt_is_loaded_once_per_host_and_its_crawl_delay_slows_the_host() -> None:
    loads: list[str] = []
    politeness = Politeness(CrawlSettings(user_agent="archiver-test", delay=0.1))

    async def load(url: str) -> Robots:
        loads.append(url)
        await asyncio.sleep(0)
        body = b"User-agent: *\nCrawl-delay: 3\nDisallow: /private/\n"
        return Robots.from_response(200, body)

    async def main() -> list[Robots]:
        urls = ["https://a.example/x", "https://a.example/y", "https://a.example/private/z"]
        return await asyncio.gather(*(politeness.robots(u, load) for u in urls))

    found = asyncio.run(main())
    assert loads == ["https://a.example/x"]
    assert found[0] is found[1] is found[2]
    assert not found[0].allowed("https://a.example/private/z", "archiver-test")
    assert politeness.host("https://a.example/other").delay == 3
    assert politeness.host("https://b.example/").delay == 0.1  # another host keeps its own
