"""frontier.listed and frontier.lastmod: what the site's sitemaps say about a queued page.

A page a sitemap lists is never taken for a trap, and its <lastmod> lets a recrawl keep
the last capture of an unchanged page instead of fetching it again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.add_column(sa.Column("listed", sa.Boolean, nullable=False, server_default="0"))
        batch.add_column(sa.Column("lastmod", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("frontier") as batch:
        batch.drop_column("lastmod")
        batch.drop_column("listed")
