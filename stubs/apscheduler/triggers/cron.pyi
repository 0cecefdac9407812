from datetime import datetime, tzinfo

class CronTrigger:
    timezone: tzinfo
    @classmethod
    def from_crontab(cls, expr: str, timezone: str | tzinfo | None = None) -> CronTrigger: ...
    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...
