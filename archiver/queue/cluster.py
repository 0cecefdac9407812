"""Crawl and check work as Dramatiq actors; what `archiver worker` runs and the scheduler feeds.

Work is split so that no two workers ever work on one site at once and
nothing is done twice:

- **crawl** (queue `crawl`): one message per due site. The worker takes the
  site's Redis lock, crawls (resuming the site's unfinished run from its
  frontier in the index, exactly as `archiver crawl` does after a crash)
  with per-host politeness held in Redis, then fans the check out.
- **check** (queue `check`): one message per batch of `check_batch` page
  captures: read each payload from the WARC store, extract its page model
  and cache it in the index (the expensive part).
- **finish** (queue `check`): once every batch is done (a Dramatiq group
  completion callback), under the site lock, the stages `run_site` runs after
  its crawl (`archiver.pipeline.finish_run`, the same functions): check the
  run against its cached models, track and log the findings, write reports
  and notify; one summary line logs the outcome and the exit code
  `archiver run` would give.

Each process builds a run's `ArchiveChecker` (which reads every rule pack
and schema) once, and its threads share it for the run's batches and finish.

A worker killed mid-job never acknowledges its message; Redis hands it to
another worker after `redeliver_after` seconds, when the dead worker's site
lock has expired too. A redelivered crawl resumes the run; one whose run
has since completed only makes sure the check was sent; batches and the
finish step replace what they write, so running them twice changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import dramatiq
from loguru import logger

from archiver.browser import capture_run
from archiver.check.archive import ArchiveChecker
from archiver.config import Settings
from archiver.crawl.crawler import Crawler
from archiver.errors import ArchiverError, CrawlInterrupted, LockError
from archiver.pipeline import FAILED_RUN, SiteRun, fail, finish_run, notify_run
from archiver.queue.broker import limits_client, make_broker
from archiver.queue.limits import RedisHostLimiter, RedisSiteLock
from archiver.store.index import COMPLETED, Index, checks

CRAWL_QUEUE, CHECK_QUEUE = "crawl", "check"
QUEUES = (CRAWL_QUEUE, CHECK_QUEUE)
_WEEK_MS = 7 * 24 * 3600 * 1000
# Runs whose checker a process keeps (a worker checks one or two runs at a time).
_CHECKERS_KEPT = 4

__all__ = ["CHECK_QUEUE", "CRAWL_QUEUE", "QUEUES", "Cluster", "CrawlInterrupted", "cluster"]


class Cluster:
    """The broker, the actors and what they share in one process (settings, index, Redis)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.queue.broker:
            raise ArchiverError("[queue] broker is not set: there is no cluster to talk to")
        self.settings = settings
        self.broker = make_broker(settings.queue)
        self.redis = limits_client(settings.queue)
        self._index: Index | None = None
        self._index_lock = threading.Lock()
        self._crawlers: set[Crawler] = set()
        self._limiters: set[RedisHostLimiter] = set()
        self._checkers: OrderedDict[int, ArchiveChecker] = OrderedDict()
        self._checkers_lock = threading.Lock()
        self.alive = settings.queue.redeliver_after
        self.stopping = False
        options: dict[str, Any] = {"broker": self.broker, "time_limit": _WEEK_MS}
        self.crawl = dramatiq.actor(
            actor_name="archiver.crawl",
            queue_name=CRAWL_QUEUE,
            max_retries=5,
            min_backoff=1000,
            **options,
        )(self._crawl)
        self.check = dramatiq.actor(
            actor_name="archiver.check",
            queue_name=CHECK_QUEUE,
            max_retries=3,
            priority=0,
            **options,
        )(self._check)
        self.finish = dramatiq.actor(
            actor_name="archiver.finish",
            queue_name=CHECK_QUEUE,
            max_retries=3,
            priority=0,
            **options,
        )(self._finish)

    # -- shared state ---------------------------------------------------------

    @property
    def index(self) -> Index:
        """The index, opened once per process (its engine pools connections for the threads)."""
        with self._index_lock:
            if self._index is None:
                self._index = Index(self.settings.storage.index_url)
            return self._index

    def close(self) -> None:
        """Release the index and Redis connections."""
        if self._index is not None:
            self._index.close()
        self.broker.close()

    def checker(self, run_id: int) -> ArchiveChecker:
        """The run's checker: built once per process (it reads every rule pack and schema),
        shared by the threads checking the run's batches and finishing it."""
        with self._checkers_lock:
            found = self._checkers.get(run_id)
            if found is None:
                found = ArchiveChecker(self.settings, self.index, log_violations=False)
                self._checkers[run_id] = found
                while len(self._checkers) > _CHECKERS_KEPT:
                    self._checkers.popitem(last=False)
            self._checkers.move_to_end(run_id)
            return found

    def _forget_checker(self, run_id: int) -> None:
        with self._checkers_lock:
            self._checkers.pop(run_id, None)

    def site_lock(self, site: str) -> RedisSiteLock:
        """The cluster-wide lock on a site's runs."""
        return RedisSiteLock(
            self.redis, self.settings.queue.namespace, site, self.settings.queue.redeliver_after
        )

    def heartbeat(self, queue: str) -> None:
        """Tell the broker and the host limiters this process is alive (every few seconds)."""
        if hasattr(self.broker, "do_qsize"):
            self.broker.do_qsize(queue)
        for limiter in list(self._limiters):
            limiter.touch()

    def stop_crawls(self) -> None:
        """Ask every crawl in this process to stop at a safe point (worker shutdown)."""
        self.stopping = True
        for crawler in list(self._crawlers):
            crawler.request_stop()

    # -- enqueueing -----------------------------------------------------------

    def enqueue_site(self, site: str) -> None:
        """Queue a crawl of `site` (then its check); the scheduler calls this for a due site."""
        self.settings.site(site)
        self.crawl.send(site, time.time())

    def _enqueue_check(self, site: str, run_id: int) -> None:
        pages = [c.id for c in self.index.captures_of_run(run_id) if c.is_page]
        size = self.settings.queue.check_batch
        batches = [pages[i : i + size] for i in range(0, len(pages), size)]
        finish = self.finish.message(site, run_id)
        if not batches:
            self.broker.enqueue(finish)
            return
        group = dramatiq.group(
            [self.check.message(site, run_id, b) for b in batches], broker=self.broker
        )  # type: ignore[no-untyped-call]
        group.add_completion_callback(finish)  # type: ignore[no-untyped-call]
        group.run()  # type: ignore[no-untyped-call]
        logger.bind(site=site, run=run_id).info(
            "check of {} pages sent in {} batches", len(pages), len(batches)
        )

    # -- actors -----------------------------------------------------------------

    def _crawl(self, site_name: str, requested_at: float) -> None:
        site = self.settings.site(site_name)
        log = logger.bind(site=site.name)
        latest = self.index.latest_run(site.name)
        if (
            latest is not None
            and latest.status == COMPLETED
            and latest.finished_at is not None
            and latest.finished_at.timestamp() >= requested_at
        ):
            # Redelivered after the crawl completed (the worker died before acknowledging).
            if not self._checked(int(latest.id)):
                self._enqueue_check(site.name, int(latest.id))
            return
        lock = self.site_lock(site.name)
        try:
            lock.acquire(wait=self.settings.queue.redeliver_after + 5)
        except LockError as exc:
            log.warning("{}; this request is dropped", exc)
            return
        limiter = RedisHostLimiter(
            self.settings.queue.limits_url,
            self.settings.queue.namespace,
            site.crawl.per_host,
            self.alive,
        )
        self._limiters.add(limiter)
        crawler = Crawler(self.settings, site, self.index, limiter=limiter)
        lock.on_lost = crawler.request_stop
        self._crawlers.add(crawler)
        try:
            if self.stopping:
                crawler.request_stop()
            result = crawler.run()
            if result.status == COMPLETED:  # capture = "browser": render, under the site lock
                capture_run(
                    self.settings,
                    site,
                    self.index,
                    result.run_id,
                    should_stop=lambda: self.stopping,
                )
        finally:
            self._crawlers.discard(crawler)
            self._limiters.discard(limiter)
            limiter.close()
            lock.release()
        s = result.stats
        log.bind(run=result.run_id).info(
            "run {} {}{}: {} pages, {} embeds, {} failed in {:.1f}s",
            result.run_id,
            result.status,
            " (resumed)" if result.resumed else "",
            s.pages,
            s.embeds,
            s.failed,
            s.elapsed,
        )
        if result.status != COMPLETED:
            raise CrawlInterrupted(f"{site.name}: run {result.run_id} {result.status}")
        self._enqueue_check(site.name, result.run_id)

    def _checked(self, run_id: int) -> bool:
        with self.index.read() as conn:
            return (
                conn.execute(checks.select().where(checks.c.run_id == run_id)).first() is not None
            )

    def _check(self, site_name: str, run_id: int, capture_ids: list[int]) -> None:
        site = self.settings.site(site_name)
        extracted, problems = self.checker(run_id).prepare(site, capture_ids)
        log = logger.bind(site=site.name, run=run_id)
        # The finish step meets these pages again and logs each problem once, as run_site does.
        for problem in problems:
            log.debug("check batch: {}", problem)
        log.debug("batch of {}: {} page models extracted", len(capture_ids), extracted)

    def _finish(self, site_name: str, run_id: int) -> None:
        site = self.settings.site(site_name)
        outcome = SiteRun(site.name, "running", run_id=run_id)
        started = time.monotonic()
        lock = self.site_lock(site.name)
        # Held by another worker (the site's next crawl): LockError, and Dramatiq retries.
        lock.acquire()
        try:
            finish_run(
                self.settings,
                site,
                self.index,
                outcome,
                trigger="queue",
                checker=self.checker(run_id),
            )
            notify_run(self.settings, outcome)
        except ArchiverError as exc:
            fail(outcome, exc)
        except Exception as exc:
            # Not ours (a bug, a lost database connection): logged as `run_site` does, and
            # the message is retried; the stages replace what they write.
            fail(outcome, exc)
            raise
        finally:
            lock.release()
            self._forget_checker(run_id)
            outcome.elapsed = time.monotonic() - started
            logger.bind(
                site=site.name,
                run=run_id,
                outcome=outcome.outcome,
                exit_code=outcome.exit_code("error"),
            ).log("ERROR" if outcome.outcome == FAILED_RUN else "INFO", "{}", outcome.summary())


_clusters: dict[Settings, Cluster] = {}


def cluster(settings: Settings) -> Cluster:
    """The process's Cluster for these settings (created once)."""
    if settings not in _clusters:
        _clusters[settings] = Cluster(settings)
    return _clusters[settings]
