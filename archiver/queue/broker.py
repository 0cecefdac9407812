"""The Dramatiq broker of an archive: Redis (RabbitMQ optional), with the archive's namespace."""

from __future__ import annotations

import time
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import GroupCallbacks
from dramatiq.rate_limits.backends import RedisBackend

from archiver.config import QueueSettings


class _RedisBroker(RedisBroker):
    """Dramatiq's Redis broker, with queue maintenance on a clock instead of by chance.

    Maintenance is what hands the unacknowledged messages of a dead worker
    back to the queue. Upstream runs it on a random 0.1 % of commands, which
    can take minutes on a quiet cluster; here each process runs it at most
    every half heartbeat timeout, so a killed worker's job is redelivered
    within about `redeliver_after` seconds.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)  # type: ignore[no-untyped-call]
        self._next_maintenance = 0.0

    def _should_do_maintenance(self, command: str) -> int:
        now = time.monotonic()
        if command in ("ack", "nack") or now < self._next_maintenance:
            return 0
        self._next_maintenance = now + self.heartbeat_timeout / 2000
        return 1


def limits_client(settings: QueueSettings) -> Any:
    """A Redis client for locks and rate limits."""
    return redis.Redis.from_url(settings.limits_url)


def make_broker(settings: QueueSettings) -> Any:
    """A broker for `[queue] broker`, with group callbacks backed by the limits Redis."""
    client = limits_client(settings)
    if settings.broker.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker: Any = RabbitmqBroker(url=settings.broker)
    else:
        broker = _RedisBroker(
            url=settings.broker,
            namespace=settings.namespace,
            heartbeat_timeout=int(settings.redeliver_after * 1000),
        )
    broker.add_middleware(GroupCallbacks(RedisBackend(client=client)))
    return broker
