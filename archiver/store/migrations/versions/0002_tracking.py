"""Tracking across runs: tracked_runs and findings (archiver/check/tracking.py).

Indexes made by pre-Alembic code from the tracking stage on already have these
tables; they are created here only when missing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "tracked_runs" not in existing:
        op.create_table(
            "tracked_runs",
            sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
            sa.Column("site", sa.String(200), nullable=False),
            sa.Column("previous_run_id", sa.Integer, sa.ForeignKey("runs.id")),
            sa.Column("tracked_at", sa.DateTime, nullable=False),
            sa.Column("pages", sa.Integer, nullable=False),
            sa.Column("counts", sa.Text, nullable=False),
            sa.Column("trigger", sa.String(20), nullable=False),
        )
        op.create_index("ix_tracked_runs_site", "tracked_runs", ["site"])
    if "findings" not in existing:
        op.create_table(
            "findings",
            sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
            sa.Column("fingerprint", sa.String(64), primary_key=True),
            sa.Column("site", sa.String(200), nullable=False),
            sa.Column("status", sa.String(12), nullable=False),
            sa.Column("rule", sa.String(100), nullable=False),
            sa.Column("severity", sa.String(10), nullable=False),
            sa.Column("url", sa.Text, nullable=False),
            sa.Column("canonical_url", sa.Text, nullable=False),
            sa.Column("first_seen_run", sa.Integer, nullable=False),
            sa.Column("first_seen_at", sa.DateTime, nullable=False),
            sa.Column("last_seen_run", sa.Integer, nullable=False),
            sa.Column("last_seen_at", sa.DateTime, nullable=False),
            sa.Column("closed_run", sa.Integer),
            sa.Column("note", sa.Text),
            sa.Column("suppression", sa.Text),
            sa.Column("violation", sa.Text, nullable=False),
        )
        op.create_index("ix_findings_site_fingerprint", "findings", ["site", "fingerprint"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("tracked_runs")
