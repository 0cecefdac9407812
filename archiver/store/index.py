"""The index: runs, the crawl frontier, WARC files and one row per capture.

`Index` is the one object the stages hold: it opens the database
(`archiver.store.database`) and answers the questions of each table, whose
queries live in their own modules (`runs`, `frontier`, `warcfiles`,
`captures`, with tracking's in `tracking`). Every read returns the frozen
dataclasses of `archiver.store.rows`, never a SQLAlchemy row. The tables and
status names are re-exported here for the stages and tests that name them.
"""

from __future__ import annotations

from archiver.store.captures import CaptureQueries
from archiver.store.frontier import FrontierQueries, QueuedUrl
from archiver.store.rows import (
    Capture,
    FrontierEntry,
    Run,
    StoredFinding,
    StoredViolation,
    TrackedRun,
    WarcFile,
)
from archiver.store.runs import RunQueries
from archiver.store.schema import (
    COMPLETED,
    FAILED,
    INTERRUPTED,
    KEPT,
    RUNNING,
    UTCDateTime,
    captures,
    checks,
    findings,
    frontier,
    metadata,
    page_models,
    runs,
    tracked_runs,
    violations,
    warc_files,
)
from archiver.store.tracking import (
    findings_of_run,
    latest_tracked_run,
    previous_tracked_run,
    replace_findings,
    tracked_run,
    untracked_crawl,
    violations_of_run,
)
from archiver.store.warcfiles import WarcFileQueries


class Index(RunQueries, FrontierQueries, WarcFileQueries, CaptureQueries):
    """The archive's index database: `Index(url)` opens (and migrates) it."""


__all__ = [
    "COMPLETED",
    "FAILED",
    "INTERRUPTED",
    "KEPT",
    "RUNNING",
    "Capture",
    "FrontierEntry",
    "Index",
    "QueuedUrl",
    "Run",
    "StoredFinding",
    "StoredViolation",
    "TrackedRun",
    "UTCDateTime",
    "WarcFile",
    "captures",
    "checks",
    "findings",
    "findings_of_run",
    "frontier",
    "latest_tracked_run",
    "metadata",
    "page_models",
    "previous_tracked_run",
    "replace_findings",
    "runs",
    "tracked_run",
    "tracked_runs",
    "untracked_crawl",
    "violations",
    "violations_of_run",
    "warc_files",
]
