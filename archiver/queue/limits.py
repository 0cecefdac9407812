"""Cluster-wide politeness and site locks, held in Redis.

Per host, two limits hold across every worker process and machine:

- at most `per_host` requests in flight: a Redis set of slot holders, each
  tagged with its process. A process proves it is alive by a key it renews
  (`touch`, from the worker's heartbeat); a holder whose process key has
  lapsed is dropped on the next acquire, so a worker killed mid-fetch frees
  its slots within `redeliver_after` seconds. (Dramatiq's
  `ConcurrentRateLimiter` keeps a bare counter whose TTL every other
  worker's release renews, so a killed worker's slots stayed taken and
  blocked the host: the cluster test caught it.)
- at least `delay` seconds between request starts: a Redis-held next-start
  time. A fetch may start only once `next` has passed, and claims its start
  atomically at that moment (`next` := now + `delay`); until then it sleeps
  and asks again. The start is claimed when the fetch is actually awake to
  make it: a start reserved in advance went out late whenever the worker's
  event loop was busy, while the next one went on time, closer than `delay`
  (the cluster test saw it under load). Time is Redis's own clock.

The slots and starts are asked for from the crawler's event loop, through
`redis.asyncio` (a connection per held slot, opened and closed in the loop
that uses it), so waiting on Redis never blocks the other fetches; only the
liveness key (`touch`, from the worker's heartbeat thread) uses a blocking client.

A site lock (`RedisSiteLock`) replaces the local `flock` when work is
distributed (both are `archiver.lock.TryLock`s): a key with a random token and
a TTL, renewed by a thread while held; a worker that dies stops renewing, and
the lock expires.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.asyncio
from loguru import logger

from archiver.errors import LockError
from archiver.lock import TryLock

# KEYS[1] = next-start key; ARGV[1] = delay (ms). Claims a start now and returns minus its
# time (ms on Redis's clock), or returns the ms to wait before asking again (nothing claimed).
_CLAIM_START = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < nxt then
  return nxt - now
end
local delay = tonumber(ARGV[1])
redis.call('SET', KEYS[1], now + delay, 'PX', delay + 60000)
return -now
"""
# KEYS[1] = the host's holders (a set); ARGV = limit, holder token, process-key prefix.
_ACQUIRE_SLOT = """
for _, holder in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local process = string.match(holder, '^(.-)#')
  if redis.call('EXISTS', ARGV[3] .. process) == 0 then
    redis.call('SREM', KEYS[1], holder)
  end
end
if redis.call('SCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SADD', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisHostLimiter:
    """Per-host concurrency and start spacing shared by every worker (see the module docstring).

    `url` is the limits Redis: a blocking client on it renews the liveness key (`touch`),
    and each held slot talks to it through an asyncio client. `alive` (seconds) is how
    long this process counts as alive after a `touch`.
    """

    def __init__(self, url: str, namespace: str, per_host: int, alive: float) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url)
        self.namespace = namespace
        self.per_host = per_host
        self.alive_ms = int(alive * 1000)
        self.process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._serial = itertools.count()
        self.touch()

    def touch(self) -> None:
        """Renew this process's liveness (the worker's heartbeat calls this)."""
        self.client.set(self._alive_key, 1, px=self.alive_ms)

    def close(self) -> None:
        """Close the blocking client (the slots close their own)."""
        self.client.close()

    @property
    def _alive_key(self) -> str:
        return f"{self.namespace}:alive:{self.process}"

    @asynccontextmanager
    async def slot(self, host: str, delay: float) -> AsyncIterator[None]:
        """Hold one of `host`'s slots, started at least `delay` s after the previous start."""
        slots = f"{self.namespace}:host:{host}:slots"
        token = f"{self.process}#{next(self._serial)}"
        args: list[str | int] = [self.per_host, token, f"{self.namespace}:alive:"]
        async with redis.asyncio.Redis.from_url(self.url) as client:
            acquire = client.register_script(_ACQUIRE_SLOT)
            claim = client.register_script(_CLAIM_START)
            await client.set(self._alive_key, 1, px=self.alive_ms)
            while not await acquire(keys=[slots], args=args):
                await asyncio.sleep(0.01 + random.random() * 0.02)
            try:
                key, delay_ms = f"{self.namespace}:host:{host}:next", int(delay * 1000)
                while (answer := int(await claim(keys=[key], args=[delay_ms]))) > 0:
                    await asyncio.sleep(answer / 1000)
                logger.bind(host=host, start_ms=-answer).debug(
                    "host {}: start claimed at {} ms (Redis clock)", host, -answer
                )
                yield
            finally:
                await client.srem(slots, token)


class RedisSiteLock(TryLock):
    """An exclusive lock on one site's runs across the cluster; expires if its holder dies."""

    poll = 0.1

    def __init__(self, client: Any, namespace: str, site: str, ttl: float) -> None:
        self.client = client
        self.key = f"{namespace}:lock:site:{site}"
        self.site = site
        self.ttl_ms = int(ttl * 1000)
        self.token = secrets.token_hex(16)
        self.on_lost: Callable[[], None] | None = None
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def try_acquire(self) -> bool:
        """Set the key if nobody holds it, then keep renewing it from a thread."""
        if not self.client.set(self.key, self.token, nx=True, px=self.ttl_ms):
            return False
        self._stop.clear()
        self._thread = threading.Thread(target=self._keep, name=f"lock-{self.site}", daemon=True)
        self._thread.start()
        return True

    def refusal(self) -> LockError:
        """The site is held by another worker."""
        return LockError(f"site {self.site!r} is being archived by another worker")

    def _keep(self) -> None:
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                renewed = self._renew(keys=[self.key], args=[self.token, self.ttl_ms])
            except Exception:  # Redis unreachable: the lock will lapse, so act as if it has
                renewed = 0
            if not renewed:
                # Expired under us (a long stall): someone else may hold it now. Stop the crawl.
                if self.on_lost is not None:
                    self.on_lost()
                return

    def release(self) -> None:
        """Give the lock up (only if still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._release(keys=[self.key], args=[self.token])
