"""Politeness per host: how many requests at once, how far apart, and its robots.txt rules.

Each host (scheme, name and port, see `host_key`) has `per_host` request slots
and a delay between the starts of two requests; a robots.txt `Crawl-delay`
longer than the configured delay replaces it. A `HostLimiter` (the cluster's
Redis limiter) adds politeness across processes inside the host's own slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from loguru import logger

from archiver.config import CrawlSettings
from archiver.crawl.fetcher import Fetched, Fetcher
from archiver.crawl.robots import Robots
from archiver.urls import host_key


class HostLimiter(Protocol):
    """Politeness beyond this process: wraps each fetch (the cluster-wide per-host limits)."""

    def slot(self, host: str, delay: float) -> AbstractAsyncContextManager[None]:
        """Hold one of the host's request slots, started at least `delay` s after the last."""
        ...


class Host:
    """Politeness state of one host: in-flight slots, the next start time, its robots.txt."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.delay = delay
        self.next_start = 0.0
        self.gate = asyncio.Lock()
        self.robots: Robots | None = None
        self.robots_lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Take a slot, then wait until `delay` has passed since the last request started."""
        await self.slots.acquire()
        async with self.gate:
            wait = self.next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_start = time.monotonic() + self.delay

    def release(self) -> None:
        """Give the slot back (the request is done)."""
        self.slots.release()


class Politeness:
    """The hosts one crawl talks to, and the rules it keeps with each."""

    def __init__(
        self, crawl: CrawlSettings, limiter: HostLimiter | None = None, *, site: str = ""
    ) -> None:
        self.crawl = crawl
        self.limiter = limiter
        self._hosts: dict[str, Host] = {}
        self._log = logger.bind(site=site) if site else logger

    def host(self, url: str) -> Host:
        """The politeness state of the host serving `url`."""
        key = host_key(url)
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = Host(self.crawl.per_host, self.crawl.delay)
        return state

    async def fetch(self, fetcher: Fetcher, url: str, headers: dict[str, str]) -> Fetched:
        """GET `url` through `fetcher` in one of its host's slots (and the limiter's)."""
        state = self.host(url)
        await state.acquire()
        try:
            if self.limiter is None:
                return await fetcher.fetch(url, headers)
            async with self.limiter.slot(host_key(url), state.delay):
                return await fetcher.fetch(url, headers)
        finally:
            state.release()

    async def robots(self, url: str, load: Callable[[str], Awaitable[Robots]]) -> Robots:
        """The robots.txt rules of `url`'s host, loaded once per crawl by `load(url)`.

        Its `Crawl-delay` for our user agent becomes the host's delay when longer.
        """
        state = self.host(url)
        if state.robots is not None:
            return state.robots
        async with state.robots_lock:
            if state.robots is None:
                robots = await load(url)
                delay = robots.crawl_delay(self.crawl.user_agent)
                if delay > state.delay:
                    self._log.info("{}: robots.txt Crawl-delay {}s", host_key(url), delay)
                    state.delay = delay
                state.robots = robots
            return state.robots
