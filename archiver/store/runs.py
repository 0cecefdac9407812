"""Runs in the index: started, finished, resumed, interrupted, and found again."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from archiver.store.database import Database, now
from archiver.store.rows import Run
from archiver.store.schema import COMPLETED, INTERRUPTED, RUNNING, runs


class RunQueries(Database):
    """The `runs` table: one row per crawl or check run of a site."""

    def start_run(self, site: str, *, kind: str, pid: int, hostname: str) -> int:
        """Record a new run as running and return its id."""
        with self.begin() as conn:
            result = conn.execute(
                runs.insert().values(
                    site=site,
                    kind=kind,
                    status=RUNNING,
                    started_at=now(),
                    pid=pid,
                    hostname=hostname,
                    stats="{}",
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(
        self, run_id: int, status: str, stats: dict[str, Any], error: str | None = None
    ) -> None:
        """Mark a run finished with its status and counters."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=status, finished_at=now(), stats=json.dumps(stats), error=error)
            )

    def resume_run(self, run_id: int, pid: int, hostname: str) -> None:
        """Mark an unfinished run as running again under this process."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=RUNNING, pid=pid, hostname=hostname, finished_at=None)
            )

    def mark_run_interrupted(self, run_id: int, error: str) -> None:
        """Mark a run whose process died as interrupted (it can still be resumed)."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id, runs.c.status == RUNNING)
                .values(status=INTERRUPTED, error=error)
            )

    def _one_run(self, query: sa.Select[Any]) -> Run | None:
        with self.read() as conn:
            row = conn.execute(query).first()
        return Run.of(row) if row is not None else None

    def run(self, run_id: int) -> Run | None:
        """One run by id."""
        return self._one_run(sa.select(runs).where(runs.c.id == run_id))

    def unfinished_run(self, site: str, kind: str = "crawl") -> Run | None:
        """The site's latest run that did not complete (running or interrupted), if any."""
        return self._one_run(
            sa.select(runs)
            .where(
                runs.c.site == site,
                runs.c.kind == kind,
                runs.c.status.in_([RUNNING, INTERRUPTED]),
            )
            .order_by(runs.c.id.desc())
            .limit(1)
        )

    def latest_run(self, site: str | None = None, *, completed: bool = False) -> Run | None:
        """The newest run (of a site), optionally only completed ones."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(1)
        if site is not None:
            query = query.where(runs.c.site == site)
        if completed:
            query = query.where(runs.c.status == COMPLETED)
        return self._one_run(query)

    def unfinished_runs(self, site: str) -> list[Run]:
        """Every run of a site still marked running or interrupted."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(runs).where(
                    runs.c.site == site, runs.c.status.in_([RUNNING, INTERRUPTED])
                )
            ).all()
        return [Run.of(r) for r in rows]


__all__ = ["RunQueries"]
