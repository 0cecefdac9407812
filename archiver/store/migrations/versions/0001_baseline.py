"""Baseline: the index as archiver created it before migrations (metadata.create_all).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("pid", sa.Integer),
        sa.Column("hostname", sa.String(200)),
        sa.Column("stats", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_site", "runs", ["site"])
    op.create_table(
        "warc_files",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("committed", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("closed_at", sa.DateTime),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("captured_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("content_type", sa.String(200)),
        sa.Column("payload_digest", sa.String(100), nullable=False),
        sa.Column("record_type", sa.String(20), nullable=False),
        sa.Column("refers_to", sa.Integer, sa.ForeignKey("captures.id")),
        sa.Column("warc_file", sa.String(300), nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("etag", sa.String(300)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("location", sa.Text),
        sa.Column("truncated", sa.String(20)),
        sa.Column("is_page", sa.Boolean, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
    )
    op.create_index("ix_captures_run_id", "captures", ["run_id"])
    op.create_index("ix_captures_payload_digest", "captures", ["payload_digest"])
    op.create_index(
        "ix_captures_site_url_time", "captures", ["site", "canonical_url", "captured_at"]
    )
    op.create_table(
        "frontier",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("depth", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("parent", sa.Text),
        sa.Column("redirects", sa.Integer, nullable=False),
        sa.UniqueConstraint("run_id", "canonical_url", name="uq_frontier_run_url"),
    )
    op.create_index("ix_frontier_run_status", "frontier", ["run_id", "status", "id"])
    op.create_table(
        "page_models",
        sa.Column("payload_digest", sa.String(100), primary_key=True),
        sa.Column("extractor_version", sa.String(40), primary_key=True),
        sa.Column("profile", sa.String(80), primary_key=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("capture_id", sa.Integer, sa.ForeignKey("captures.id"), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("canonical_url", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("pointer", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("captured_at", sa.DateTime, nullable=False),
        sa.Column("pack", sa.String(100)),
    )
    op.create_index("ix_violations_run_id", "violations", ["run_id"])
    op.create_index("ix_violations_capture_id", "violations", ["capture_id"])
    op.create_index("ix_violations_fingerprint", "violations", ["fingerprint"])
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("violations", sa.Integer, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
    )
    op.create_index("ix_checks_run_id", "checks", ["run_id"])


def downgrade() -> None:
    for table in ("checks", "violations", "page_models", "frontier", "captures", "warc_files"):
        op.drop_table(table)
    op.drop_table("runs")
