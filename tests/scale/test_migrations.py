"""The index schema is managed by Alembic on both backends, and old indexes are upgraded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import archiver.evidence.manifest  # noqa: F401  (registers run_manifests in the metadata)
from archiver.store import index as index_module
from archiver.store import migrations
from archiver.store.index import Index, metadata
from tests.scale import pre_alembic


def _backend_only(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    # Full-text search structures a backend keeps for itself (migration 0004): SQLite's FTS5
    # table and its shadow tables, PostgreSQL's stored tsvector; the code never names them.
    if kind == "table" and name and name.startswith("page_texts_fts"):
        return False
    return not (kind == "column" and name == "tsv") and name != "ix_page_texts_tsv"


def _schema_diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _backend_only})
        return list(compare_metadata(context, metadata))


def test_a_new_index_is_created_by_the_migrations_and_matches_the_code(db_url: str) -> None:
    index = Index(db_url)
    try:
        with index.read() as conn:
            assert migrations.current(conn) == migrations.head()
        # Opening an index at head skips Alembic by comparing with HEAD: keep it the newest.
        assert migrations.head() == migrations.HEAD
        # A schema change without a migration fails here: add one under migrations/versions.
        assert _schema_diff(index.engine) == []
    finally:
        index.close()


@pytest.mark.parametrize("with_tracking", [False, True], ids=["08cffaf", "9140f06"])
def test_an_index_made_before_migrations_is_stamped_and_upgraded(
    db_url: str, with_tracking: bool
) -> None:
    old = sa.create_engine(db_url)
    pre_alembic.metadata.create_all(old)
    if with_tracking:  # pre-Alembic code from the tracking stage on created these too
        index_module.tracked_runs.create(old)
        index_module.findings.create(old)
    at = datetime(2026, 1, 2, 3, 4, 5)
    with old.begin() as conn:
        conn.execute(
            pre_alembic.runs.insert().values(
                site="s", kind="crawl", status="completed", started_at=at, stats="{}"
            )
        )
        conn.execute(
            pre_alembic.warc_files.insert().values(
                name="warcs/s/a.warc.gz", run_id=1, status="closed", committed=10, created_at=at
            )
        )
    old.dispose()

    index = Index(db_url)
    try:
        with index.read() as conn:
            assert migrations.current(conn) == migrations.head()
        assert _schema_diff(index.engine) == []
        row = index.warc_file("warcs/s/a.warc.gz")
        assert row is not None and row.committed == 10 and row.stored_at is None
        run = index.run(1)
        assert run is not None and run.started_at == at.replace(tzinfo=UTC)
        index.warc_stored("warcs/s/a.warc.gz")
        stored = index.warc_file("warcs/s/a.warc.gz")
        assert stored is not None and stored.stored_at is not None
        assert index.start_run("s", kind="crawl", pid=1, hostname="h") == 2
    finally:
        index.close()
    # Opening again is a no-op at head.
    Index(db_url).close()
