"""`archiver schedule`: a long-running APScheduler 3.x process, one cron job per site.

Jobs coalesce missed runs into one, never overlap (``max_instances=1``, and the
site lock besides, so a cron-driven `archiver run` cannot overlap them either)
and run late by at most ``schedule.misfire_grace_time`` seconds. On SIGTERM or
SIGINT every crawl in progress is asked to stop at a safe point (the fetches in
flight are committed, the run is marked interrupted), the scheduler waits for
the jobs to return and the process exits 0; the next run resumes the crawl.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from loguru import logger

from archiver.config import Settings, SiteSettings
from archiver.errors import ConfigError
from archiver.pipeline import RunControl, SiteRun, run_site


def trigger_of(site: SiteSettings, timezone: str) -> CronTrigger:
    """The site's cron trigger; a bad expression or zone is a ConfigError."""
    try:
        return CronTrigger.from_crontab(site.schedule, timezone=timezone)
    except (ValueError, LookupError) as exc:
        raise ConfigError(
            f"sites.{site.name}.schedule: invalid cron expression {site.schedule!r} "
            f"or schedule.timezone {timezone!r}: {exc}"
        ) from exc


def next_runs(
    settings: Settings, count: int = 3, now: datetime | None = None
) -> dict[str, list[datetime]]:
    """The next `count` run times of every site."""
    out: dict[str, list[datetime]] = {}
    for site in settings.sites:
        trigger = trigger_of(site, settings.schedule.timezone)
        times: list[datetime] = []
        previous: datetime | None = None
        moment = now or datetime.now(trigger.timezone)
        for _ in range(count):
            fire = trigger.get_next_fire_time(previous, moment)
            if fire is None:
                break
            times.append(fire)
            previous, moment = fire, fire
        out[site.name] = times
    return out


class Scheduler:
    """The scheduler process: one job per site, and a graceful stop."""

    def __init__(
        self,
        settings: Settings,
        *,
        run_now: bool = False,
        on_result: Callable[[SiteRun], None] | None = None,
    ) -> None:
        if not settings.sites:
            raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
        self.settings = settings
        self.on_result = on_result
        self.controls: dict[str, RunControl] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.scheduler = BackgroundScheduler(
            timezone=settings.schedule.timezone,
            executors={"default": ThreadPoolExecutor(max(1, len(settings.sites)))},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.schedule.misfire_grace_time,
            },
        )
        for site in settings.sites:
            options: dict[str, Any] = {}
            if run_now:
                options["next_run_time"] = datetime.now(self.scheduler.timezone)
            self.scheduler.add_job(
                self._job,
                trigger_of(site, settings.schedule.timezone),
                args=[site.name],
                id=site.name,
                name=f"archive {site.name}",
                **options,
            )

    def _job(self, name: str) -> None:
        if self._stopping.is_set():
            return
        control = RunControl()
        with self._lock:
            self.controls[name] = control
        try:
            result = run_site(self.settings, name, control=control, trigger="schedule")
        finally:
            with self._lock:
                self.controls.pop(name, None)
        logger.bind(site=name).info("{}", result.summary())
        if self.on_result is not None:
            self.on_result(result)

    def start(self) -> None:
        """Start firing jobs in background threads."""
        self.scheduler.start()
        for job in self.scheduler.get_jobs():
            logger.bind(site=job.id).info("scheduled; next run {}", job.next_run_time)

    def stop(self) -> None:
        """Ask running crawls to stop at a safe point and wait for their jobs to return."""
        self._stopping.set()
        with self._lock:
            controls = list(self.controls.values())
        for control in controls:
            control.request_stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT, then stop gracefully."""
        stop = threading.Event()

        def handler(signum: int, _frame: FrameType | None) -> None:
            logger.info("{} received: stopping at a safe point", signal.Signals(signum).name)
            stop.set()

        previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            while not stop.wait(1.0):
                pass
        finally:
            self.stop()
            for s, h in previous.items():
                signal.signal(s, h)
        logger.info("scheduler stopped")
