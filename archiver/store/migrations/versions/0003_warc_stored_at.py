"""warc_files.stored_at: when a closed WARC file was uploaded to the store and verified.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("warc_files") as batch:
        batch.add_column(sa.Column("stored_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("warc_files") as batch:
        batch.drop_column("stored_at")
