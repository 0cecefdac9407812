"""`archiver worker`: one process running Dramatiq actors until SIGTERM/SIGINT.

Run as many as the machines allow (a systemd template unit, compose
replicas). On SIGTERM the crawls in this process stop at a safe point (the
fetches in flight are committed, the run is marked interrupted) and their
messages are retried, so another worker resumes them.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Sequence
from types import FrameType

from dramatiq import Worker
from loguru import logger

from archiver.config import Settings
from archiver.queue.cluster import QUEUES, cluster


def serve(settings: Settings, queues: Sequence[str] = QUEUES, threads: int = 2) -> None:
    """Work on `queues` with `threads` worker threads until SIGTERM or SIGINT."""
    node = cluster(settings)
    node.index  # noqa: B018 - open (and upgrade) the index before taking any job
    worker = Worker(node.broker, queues=set(queues), worker_threads=threads, worker_timeout=200)
    # Take a message only when a thread is free: a long crawl must not hold back a queued one.
    worker.queue_prefetch = threads
    stop = threading.Event()

    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.info("{} received: stopping crawls at a safe point", signal.Signals(signum).name)
        node.stop_crawls()
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    worker.start()
    logger.info("worker started: queues {}, {} threads", ",".join(queues), threads)
    # The broker's heartbeat rides on its commands; keep it beating while every thread is busy.
    beat = max(0.5, settings.queue.redeliver_after / 4)
    try:
        while not stop.wait(beat):
            node.heartbeat(queues[0])
    finally:
        worker.stop()
        node.close()
        for s, h in previous.items():
            signal.signal(s, h)
        logger.info("worker stopped")
