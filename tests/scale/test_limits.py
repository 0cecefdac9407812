"""The cluster-wide politeness and site locks of `archiver.queue.limits`, on the local Redis.

Each limit is judged by what Redis holds (slot holders, the claimed start times), not by
the clock of the test: the spacing of starts is read from the start each holder claimed.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator

import pytest
import redis

from archiver.errors import LockError
from archiver.queue.limits import RedisHostLimiter, RedisSiteLock


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def test_no_more_than_per_host_fetches_hold_a_host_at_once(
    redis_url: str, namespace: str, client: redis.Redis
) -> None:
    limiter = RedisHostLimiter(redis_url, namespace, per_host=2, alive=30)
    held, most = 0, 0

    async def fetch(release: asyncio.Event, inside: asyncio.Event) -> None:
        nonlocal held, most
        async with limiter.slot("example.test", delay=0):
            held += 1
            most = max(most, held)
            inside.set()
            await release.wait()
            held -= 1

    async def main() -> None:
        release = asyncio.Event()
        insides = [asyncio.Event() for _ in range(5)]
        tasks = [asyncio.create_task(fetch(release, inside)) for inside in insides]
        # Two get in; the others keep asking while the two hold their slots.
        await asyncio.wait_for(_first(insides, 2), timeout=10)
        for _ in range(20):
            await asyncio.sleep(0.01)
            assert held == 2
        release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=10)

    asyncio.run(main())
    limiter.close()
    assert most == 2 and held == 0
    assert client.scard(f"{namespace}:host:example.test:slots") == 0


async def _first(events: list[asyncio.Event], count: int) -> None:
    while sum(e.is_set() for e in events) < count:
        await asyncio.sleep(0.005)


def test_starts_are_claimed_at_least_delay_apart_across_limiters(
    redis_url: str, namespace: str, client: redis.Redis
) -> None:
    # Two processes' limiters on one host: each start claims `next` = its start + delay.
    first = RedisHostLimiter(redis_url, namespace, per_host=1, alive=30)
    second = RedisHostLimiter(redis_url, namespace, per_host=1, alive=30)
    next_key = f"{namespace}:host:example.test:next"
    claimed: list[int] = []

    async def fetch(limiter: RedisHostLimiter) -> None:
        async with limiter.slot("example.test", delay=0.05):
            # With one slot, nobody else claims while this one is held: `next` is ours.
            claimed.append(int(client.get(next_key)) - 50)

    async def main() -> None:
        await asyncio.gather(*(fetch(lim) for lim in [first, second] * 4))

    asyncio.run(main())
    first.close()
    second.close()
    claimed.sort()
    assert len(claimed) == 8
    assert all(b - a >= 50 for a, b in itertools.pairwise(claimed)), claimed


def test_a_dead_process_frees_its_slot_once_its_liveness_lapses(
    redis_url: str, namespace: str, client: redis.Redis
) -> None:
    dead = RedisHostLimiter(redis_url, namespace, per_host=1, alive=0.5)
    live = RedisHostLimiter(redis_url, namespace, per_host=1, alive=30)
    dead_alive = f"{namespace}:alive:{dead.process}"

    async def main() -> bool:
        holding = dead.slot("example.test", delay=0)
        await holding.__aenter__()  # taken, and never given back: the process "dies"
        try:
            async with live.slot("example.test", delay=0):
                # The slot was handed over only once the holder's liveness key was gone.
                return not client.exists(dead_alive)
        finally:
            await holding.__aexit__(None, None, None)

    assert asyncio.run(asyncio.wait_for(main(), timeout=20))
    dead.close()
    live.close()


def test_site_lock_refuses_a_second_holder_until_released(
    namespace: str, client: redis.Redis
) -> None:
    first = RedisSiteLock(client, namespace, "site", ttl=5)
    second = RedisSiteLock(client, namespace, "site", ttl=5)
    first.acquire()
    with pytest.raises(LockError, match="being archived by another worker"):
        second.acquire(wait=0.2)
    first.release()
    with second:
        assert client.get(f"{namespace}:lock:site:site") == second.token.encode()
    assert client.get(f"{namespace}:lock:site:site") is None


def test_site_lock_is_renewed_while_held_and_says_when_it_is_lost(
    redis_url: str, namespace: str, client: redis.Redis
) -> None:
    lock = RedisSiteLock(client, namespace, "site", ttl=0.3)
    lost = threading.Event()
    lock.on_lost = lost.set
    lock.acquire()
    key = f"{namespace}:lock:site:site"
    try:
        # Renewed every ttl/3: the key outlives several TTLs while the holder is alive.
        for _ in range(3):
            ttl_before = client.pttl(key)
            assert 0 < ttl_before <= 300
            assert not lost.wait(0.3)
            assert client.get(key) == lock.token.encode()
        client.set(key, "someone-else")  # taken by another worker after a stall
        assert lost.wait(10)
    finally:
        lock.release()
    assert client.get(key) == b"someone-else"  # the release leaves another holder's lock
