"""run_manifests: each closed run's manifest, the index's copy of the per-site hash chain.

One row per run: the canonical JSON written beside the WARC files, its SHA-256,
the run it chains to and the id of the key that signed it (archiver/evidence).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_manifests",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("previous_run_id", sa.Integer),
        sa.Column("key_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    op.create_index("ix_run_manifests_site", "run_manifests", ["site"])


def downgrade() -> None:
    op.drop_index("ix_run_manifests_site", table_name="run_manifests")
    op.drop_table("run_manifests")
