"""The index's tables: runs, WARC files, captures, the frontier, checks and tracking.

One `MetaData` for every backend; the Alembic migrations in
`archiver/store/migrations` bring a database up to it. Rows read from these
tables reach the layers above as the dataclasses of `archiver.store.rows`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the index")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False, default="crawl"),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("pid", sa.Integer),
    sa.Column("hostname", sa.String(200)),
    sa.Column("stats", sa.Text, nullable=False, default="{}"),
    sa.Column("error", sa.Text),
)

warc_files = sa.Table(
    "warc_files",
    metadata,
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("committed", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger),
    sa.Column("sha256", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("stored_at", UTCDateTime),
)

captures = sa.Table(
    "captures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("captured_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(200)),
    sa.Column("payload_digest", sa.String(100), nullable=False, index=True),
    sa.Column("record_type", sa.String(20), nullable=False),
    sa.Column("refers_to", sa.Integer, sa.ForeignKey("captures.id")),
    sa.Column("warc_file", sa.String(300), nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("etag", sa.String(300)),
    sa.Column("last_modified", sa.String(100)),
    sa.Column("location", sa.Text),
    sa.Column("truncated", sa.String(20)),
    sa.Column("is_page", sa.Boolean, nullable=False, default=True),
    sa.Column("depth", sa.Integer, nullable=False, default=0),
    sa.Index("ix_captures_site_url_time", "site", "canonical_url", "captured_at"),
    sa.Index("ix_captures_page_list", "site", "canonical_url", "is_page", "id"),
)

frontier = sa.Table(
    "frontier",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, default="queued"),
    sa.Column("reason", sa.Text),
    sa.Column("parent", sa.Text),
    sa.Column("redirects", sa.Integer, nullable=False, default=0),
    sa.Column("listed", sa.Boolean, nullable=False, default=False, server_default="0"),
    sa.Column("lastmod", UTCDateTime),
    sa.UniqueConstraint("run_id", "canonical_url", name="uq_frontier_run_url"),
    sa.Index("ix_frontier_run_status", "run_id", "status", "id"),
)

page_models = sa.Table(
    "page_models",
    metadata,
    sa.Column("payload_digest", sa.String(100), primary_key=True),
    sa.Column("extractor_version", sa.String(40), primary_key=True),
    sa.Column("profile", sa.String(80), primary_key=True),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

violations = sa.Table(
    "violations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("capture_id", sa.Integer, sa.ForeignKey("captures.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("pointer", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("captured_at", UTCDateTime, nullable=False),
    sa.Column("pack", sa.String(100)),
    # The viewer's paged lists and the dashboard's new/fixed probes (migration 0004).
    sa.Index("ix_violations_run_url", "run_id", "canonical_url"),
    sa.Index("ix_violations_run_rule", "run_id", "rule", "id"),
    sa.Index("ix_violations_url", "canonical_url", "capture_id"),
    sa.Index("ix_violations_run_fingerprint", "run_id", "fingerprint"),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("violations", sa.Integer, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
)

RUNNING = "running"
COMPLETED = "completed"
INTERRUPTED = "interrupted"
FAILED = "failed"
# A frontier status: a page a recrawl did not fetch because it was not due (its sitemap
# <lastmod> or its history says it is unchanged); its last capture is checked instead.
KEPT = "kept"


# -- tracking across runs (archiver/check/tracking.py) ----------------------

tracked_runs = sa.Table(
    "tracked_runs",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("site", sa.String(200), nullable=False, index=True),
    sa.Column("previous_run_id", sa.Integer, sa.ForeignKey("runs.id")),
    sa.Column("tracked_at", UTCDateTime, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
)

# One row per (run, finding): the finding's status in that run, and a copy of
# the violation as last seen, so a report of any run needs no other table.
findings = sa.Table(
    "findings",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("first_seen_run", sa.Integer, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_run", sa.Integer, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("closed_run", sa.Integer),
    sa.Column("note", sa.Text),
    sa.Column("suppression", sa.Text),
    sa.Column("violation", sa.Text, nullable=False),
    sa.Index("ix_findings_site_fingerprint", "site", "fingerprint"),
)
