"""Alembic migrations of the index, shipped inside the package and applied when it opens.

`upgrade(engine)` brings any index to the head revision: a new database is
created by the migrations, an index made before migrations existed (it has
the tables but no `alembic_version`) is stamped at the baseline first, and
one already at head costs two small queries and does not import Alembic
(`HEAD` names the newest revision; a test checks it against Alembic's graph).
A new SQLite index skips Alembic too: `sqlite_<HEAD>.sql` holds the schema the
migrations create, statement by statement as SQLite keeps it in `sqlite_master`,
and is replayed in one transaction (~5 ms instead of ~150 ms of importing and
running Alembic). The migrations stay the source of truth: a test builds an
index both ways and compares their `sqlite_master`, and rewrites the file.
Concurrent openers are serialised
(`BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), so several
workers starting at once upgrade the index exactly once.
"""

from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).resolve().parent
BASELINE = "0001"
# The newest revision in versions/: bump it with every new migration (tests/scale checks).
HEAD = "0006"
# Any fixed number: the key of the advisory lock that serialises upgrades on PostgreSQL.
_PG_LOCK_KEY = 0x61726368


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    """The newest revision shipped with this version of archiver, from Alembic's graph."""
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(conn: Connection) -> str | None:
    """The revision an index is at (None when it has no `alembic_version`)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def sqlite_snapshot() -> Path:
    """The file of SQL statements that creates a SQLite index at `HEAD` (module docstring)."""
    return HERE / f"sqlite_{HEAD}.sql"


def snapshot_statements(text: str) -> list[str]:
    """The statements of a schema snapshot, in order (a trigger's body stays whole)."""
    statements, pending = [], ""
    for line in text.splitlines(keepends=True):
        if not pending and line.startswith("--"):
            continue  # the file's header
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";"))
            pending = ""
    return statements


def _create_at_head(conn: Connection) -> bool:
    """Create an empty SQLite database's schema at `HEAD` from the snapshot; False (nothing
    done) when the database is not empty or no snapshot of `HEAD` ships with this version."""
    snapshot = sqlite_snapshot()
    if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one() or not (
        snapshot.is_file()
    ):
        return False
    for statement in snapshot_statements(snapshot.read_text(encoding="utf-8")):
        conn.exec_driver_sql(statement)
    conn.execute(sa.text("INSERT INTO alembic_version VALUES (:head)"), {"head": HEAD})
    return True


def upgrade(engine: Engine) -> None:
    """Bring the index to the head revision (see the module docstring)."""
    with engine.connect() as conn:
        if sa.inspect(conn).has_table("alembic_version"):
            stored = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            if list(stored) == [HEAD]:
                return
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite" and _create_at_head(conn):
            return
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        migrate(conn)


def migrate(conn: Connection) -> None:
    """Run the migrations from the database's revision to head, in the caller's transaction."""
    from alembic import command

    revision = current(conn)
    if revision == head():
        return
    config = _config(conn)
    if revision is None and sa.inspect(conn).has_table("runs"):
        # Made by archiver before it had migrations: its tables are the baseline.
        command.stamp(config, BASELINE)
    command.upgrade(config, "head")
