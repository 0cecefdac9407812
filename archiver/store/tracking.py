"""Tracking rows in the index: which runs were tracked, and each run's findings.

The comparison itself lives in `archiver.check.tracking`; these are the reads
and the one write it needs, with `untracked_crawl` for the pipeline's resume
and `latest_tracked_run` for the reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from archiver.store.database import Database
from archiver.store.rows import Run, StoredFinding, StoredViolation, TrackedRun
from archiver.store.schema import COMPLETED, checks, findings, runs, tracked_runs, violations


def _tracked(index: Database, query: sa.Select[Any]) -> TrackedRun | None:
    with index.read() as conn:
        row = conn.execute(query).first()
    return TrackedRun.of(row) if row is not None else None


def tracked_run(index: Database, run_id: int) -> TrackedRun | None:
    """The tracking record of a run, if it was tracked."""
    return _tracked(index, sa.select(tracked_runs).where(tracked_runs.c.run_id == run_id))


def previous_tracked_run(index: Database, site: str, before: int) -> TrackedRun | None:
    """The site's latest tracked run older than `before`."""
    return _tracked(
        index,
        sa.select(tracked_runs)
        .where(tracked_runs.c.site == site, tracked_runs.c.run_id < before)
        .order_by(tracked_runs.c.run_id.desc())
        .limit(1),
    )


def latest_tracked_run(index: Database, site: str) -> TrackedRun | None:
    """The site's newest tracked run."""
    return _tracked(
        index,
        sa.select(tracked_runs)
        .where(tracked_runs.c.site == site)
        .order_by(tracked_runs.c.run_id.desc())
        .limit(1),
    )


def untracked_crawl(index: Database, site: str) -> Run | None:
    """The site's latest crawl run when it completed but was never tracked.

    That is what a run killed after its crawl (before or during check, track
    or report) leaves. None when the latest crawl is unfinished, tracked, or
    was checked and had no page to track (left untracked on purpose).
    """
    with index.read() as conn:
        row = conn.execute(
            sa.select(runs)
            .where(runs.c.site == site, runs.c.kind == "crawl")
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
        latest = Run.of(row) if row is not None else None
        if latest is None or latest.status != COMPLETED:
            return None
        tracked = conn.execute(
            sa.select(tracked_runs.c.run_id).where(tracked_runs.c.run_id == latest.id)
        ).first()
        if tracked is not None:
            return None
        pages = conn.execute(
            sa.select(checks.c.pages)
            .where(checks.c.run_id == latest.id)
            .order_by(checks.c.id.desc())
            .limit(1)
        ).scalar()
        return None if pages == 0 else latest


def findings_of_run(index: Database, run_id: int) -> list[StoredFinding]:
    """Every finding recorded for a run (any status)."""
    with index.read() as conn:
        rows = conn.execute(
            sa.select(findings)
            .where(findings.c.run_id == run_id)
            .order_by(findings.c.canonical_url, findings.c.rule, findings.c.fingerprint)
        ).all()
    return [StoredFinding.of(r) for r in rows]


def violations_of_run(index: Database, run_id: int) -> list[StoredViolation]:
    """The violations the check stage stored for a run."""
    with index.read() as conn:
        rows = conn.execute(
            sa.select(violations).where(violations.c.run_id == run_id).order_by(violations.c.id)
        ).all()
    return [StoredViolation.of(r) for r in rows]


def replace_findings(index: Database, record: TrackedRun, rows: Sequence[StoredFinding]) -> None:
    """Store a run's tracking record and findings, replacing any earlier tracking of it."""
    with index.begin() as conn:
        conn.execute(findings.delete().where(findings.c.run_id == record.run_id))
        conn.execute(tracked_runs.delete().where(tracked_runs.c.run_id == record.run_id))
        conn.execute(tracked_runs.insert(), [dataclasses.asdict(record)])
        if rows:
            conn.execute(findings.insert(), [dataclasses.asdict(row) for row in rows])


__all__ = [
    "findings_of_run",
    "latest_tracked_run",
    "previous_tracked_run",
    "replace_findings",
    "tracked_run",
    "untracked_crawl",
    "violations_of_run",
]
