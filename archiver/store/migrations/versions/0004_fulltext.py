"""Full-text search of archived pages, and the indexes the viewer's paged lists need.

`page_texts` holds the visible text of each distinct HTML payload (keyed by its
digest, so a revisit or an unchanged page costs nothing). SQLite searches it
through an FTS5 external-content table kept in step by triggers; PostgreSQL
through a GIN index on a stored `simple` tsvector (no stemming: archived pages come
in many languages, and an auditor searches for the words as published).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_texts",
        sa.Column("payload_digest", sa.String(100), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE page_texts_fts USING fts5("
            "title, text, content='page_texts', content_rowid='rowid', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER page_texts_ai AFTER INSERT ON page_texts BEGIN "
            "INSERT INTO page_texts_fts(rowid, title, text) "
            "VALUES (new.rowid, new.title, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER page_texts_ad AFTER DELETE ON page_texts BEGIN "
            "INSERT INTO page_texts_fts(page_texts_fts, rowid, title, text) "
            "VALUES ('delete', old.rowid, old.title, old.text); END"
        )
    elif dialect == "postgresql":
        # Stored, so a phrase match rechecks positions without re-parsing every candidate.
        op.execute(
            "ALTER TABLE page_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', title || ' ' || text)) STORED"
        )
        op.execute("CREATE INDEX ix_page_texts_tsv ON page_texts USING gin (tsv)")
    # The page list groups captures by URL in index order and stops after one page.
    op.create_index("ix_captures_page_list", "captures", ["site", "canonical_url", "is_page", "id"])
    op.create_index("ix_violations_run_url", "violations", ["run_id", "canonical_url"])
    op.create_index("ix_violations_run_rule", "violations", ["run_id", "rule", "id"])
    op.create_index("ix_violations_url", "violations", ["canonical_url", "capture_id"])
    # New and fixed are "fingerprint (not) in the other run": one probe per finding.
    op.create_index("ix_violations_run_fingerprint", "violations", ["run_id", "fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_violations_run_fingerprint", "violations")
    op.drop_index("ix_violations_url", "violations")
    op.drop_index("ix_violations_run_rule", "violations")
    op.drop_index("ix_violations_run_url", "violations")
    op.drop_index("ix_captures_page_list", "captures")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE page_texts_fts")
    op.drop_table("page_texts")
