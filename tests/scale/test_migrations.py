"""The index schema is managed by Alembic on both backends, and old indexes are upgraded."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

# Imported for what they register in the metadata: run_manifests, page_texts.
import archiver.evidence.manifest
import archiver.store.fulltext  # noqa: F401
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


# -- a new SQLite index is created from the snapshot of the migrations' schema ---------

SNAPSHOT_HEADER = (
    "-- The schema of a new SQLite index at revision {head}, as the migrations create it\n"
    "-- (sqlite_master in order). Written by `python -m tests.scale.test_migrations`;\n"
    "-- tests/scale/test_migrations.py fails when it differs. Do not edit.\n\n"
)


def _sqlite_master(engine: sa.Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        )
        return [(r.type, r.name, r.tbl_name, r.sql) for r in rows]


def _migrated(path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        migrations.migrate(conn)
    return engine


def snapshot_text(engine: sa.Engine) -> str:
    """The snapshot file for the index `engine` holds: every statement SQLite keeps in
    `sqlite_master` except those it runs itself (automatic indexes, FTS5 shadow tables)."""
    with engine.connect() as conn:
        shadow = {r.name for r in conn.exec_driver_sql("PRAGMA table_list") if r.type == "shadow"}
    statements = [
        sql for _, name, _, sql in _sqlite_master(engine) if sql is not None and name not in shadow
    ]
    return SNAPSHOT_HEADER.format(head=migrations.HEAD) + "".join(f"{s};\n\n" for s in statements)


def test_a_new_sqlite_index_has_the_schema_the_migrations_create(tmp_path: Path) -> None:
    migrated = _migrated(tmp_path / "migrated.sqlite3")
    fast = Index(f"sqlite:///{tmp_path / 'fast.sqlite3'}")
    try:
        snapshot = migrations.sqlite_snapshot()
        assert snapshot.is_file() and snapshot.read_text(encoding="utf-8") == snapshot_text(
            migrated
        ), "the SQLite snapshot is stale: run `python -m tests.scale.test_migrations`"
        assert sorted(p.name for p in snapshot.parent.glob("sqlite_*.sql")) == [snapshot.name]
        assert _sqlite_master(fast.engine) == _sqlite_master(migrated)
        with fast.read() as conn:
            assert migrations.current(conn) == migrations.HEAD
        # The index works as one the migrations made: a run, and a page found by full text.
        run = fast.start_run("s", kind="crawl", pid=1, hostname="h")
        assert fast.run(run) is not None
        with fast.read() as conn:
            conn.exec_driver_sql("SELECT * FROM page_texts_fts WHERE page_texts_fts MATCH 'x'")
    finally:
        fast.close()
        migrated.dispose()


def test_opening_a_sqlite_index_does_not_import_alembic(tmp_path: Path) -> None:
    # Start-up time of every `archiver` command: importing and running Alembic costs ~0.15 s.
    code = (
        "import sys; from archiver.store.index import Index\n"
        "for _ in range(2): Index(sys.argv[1]).close()  # new, then at head\n"
        "assert 'alembic' not in sys.modules, 'alembic imported'\n"
    )
    url = f"sqlite:///{tmp_path / 'index.sqlite3'}"
    subprocess.run([sys.executable, "-c", code, url], check=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        engine = _migrated(Path(scratch) / "index.sqlite3")
        for old in migrations.sqlite_snapshot().parent.glob("sqlite_*.sql"):
            old.unlink()
        migrations.sqlite_snapshot().write_text(snapshot_text(engine), encoding="utf-8")
        engine.dispose()
        print(f"wrote {migrations.sqlite_snapshot()}")
