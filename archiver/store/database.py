"""The index's connection: one engine, its transactions, and the SQLite safeguards.

SQLAlchemy Core over SQLite (default, WAL mode, `BEGIN IMMEDIATE` writes, a
busy timeout) or PostgreSQL; the schema is brought up to date by the Alembic
migrations in `archiver/store/migrations` when the index opens. The queries
live in `runs`, `frontier`, `warcfiles`, `captures` and `tracking`, whose
classes `archiver.store.index.Index` puts together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from archiver.errors import ArchiveError


def now() -> datetime:
    """The current UTC time, as the index stores it."""
    return datetime.now(UTC)


def _enable_sqlite_pragmas(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Take the write lock up front: no deadlock upgrading a read lock later.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "glusterfs", "ceph"}
)


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding `path`, from /proc/mounts (None when unknown)."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    resolved = str(path.resolve())
    best, fstype = "", None
    for line in mounts:
        fields = line.split()
        if (
            len(fields) >= 3
            and (resolved == fields[1] or resolved.startswith(fields[1].rstrip("/") + "/"))
            and len(fields[1]) >= len(best)
        ):
            best, fstype = fields[1], fields[2]
    return fstype


class Database:
    """An open index database: its engine, write transactions and read connections."""

    def __init__(self, url: str) -> None:
        self.url = url
        sa_url = sa.engine.make_url(url)
        if sa_url.get_backend_name() == "sqlite" and sa_url.database not in (None, "", ":memory:"):
            folder = Path(sa_url.database).parent
            folder.mkdir(parents=True, exist_ok=True)
            fstype = _filesystem_type(folder)
            if fstype in _NETWORK_FILESYSTEMS:
                raise ArchiveError(
                    f"index {url}: SQLite on a network filesystem ({fstype}) is unsafe; "
                    "use a local disk or a PostgreSQL index"
                )
        try:
            self.engine = sa.create_engine(url, future=True)
            if self.engine.dialect.name == "sqlite":
                _enable_sqlite_pragmas(self.engine)
            from archiver.store import migrations

            migrations.upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise ArchiveError(f"index {url}: cannot open: {exc}") from exc

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction; errors become ArchiveError."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise ArchiveError(f"index {self.url}: {exc}") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise ArchiveError(f"index {self.url}: {exc}") from exc

    def insert_ignore(self, table: sa.Table) -> sa.Insert:
        """An INSERT of `table` that skips rows whose key is already there (any backend)."""
        if self.engine.dialect.name == "postgresql":
            # Imported here: its ~25 ms are start-up time of every command on SQLite.
            from sqlalchemy.dialects import postgresql as pg_dialect

            return pg_dialect.insert(table).on_conflict_do_nothing()
        if self.engine.dialect.name == "sqlite":
            return sqlite_dialect.insert(table).on_conflict_do_nothing()
        return table.insert().prefix_with("IGNORE")
