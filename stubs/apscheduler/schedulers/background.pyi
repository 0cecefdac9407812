from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from apscheduler.job import Job
from apscheduler.triggers.cron import CronTrigger

class BackgroundScheduler:
    timezone: tzinfo
    def __init__(
        self,
        *,
        timezone: str | tzinfo | None = None,
        executors: Mapping[str, object] | None = None,
        job_defaults: Mapping[str, object] | None = None,
        daemon: bool = True,
    ) -> None: ...
    @property
    def running(self) -> bool: ...
    def start(self, paused: bool = False) -> None: ...
    def shutdown(self, wait: bool = True) -> None: ...
    def add_job(
        self,
        func: Callable[..., object],
        trigger: CronTrigger | str | None = None,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        id: str | None = None,
        name: str | None = None,
        *,
        next_run_time: datetime | None = ...,
        misfire_grace_time: int | None = ...,
        coalesce: bool = ...,
        max_instances: int = ...,
        replace_existing: bool = False,
    ) -> Job: ...
    def get_jobs(self, jobstore: str | None = None) -> list[Job]: ...
