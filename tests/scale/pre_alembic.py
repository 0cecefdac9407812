"""The index schema exactly as archiver created it before it had migrations (commit 08cffaf).

Frozen here so the tests can build a pre-Alembic index the way old code did
(`metadata.create_all`, no `alembic_version`) and check it is stamped and upgraded.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    impl = sa.DateTime
    cache_ok = True


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
