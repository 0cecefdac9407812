"""The index: runs, the crawl frontier, WARC files and one row per capture.

SQLAlchemy Core over SQLite (default, WAL mode, `BEGIN IMMEDIATE` writes, a
busy timeout) or PostgreSQL; the schema is brought up to date by the Alembic
migrations in `archiver/store/migrations` when the index opens. Queries live
here, not in the views or the CLI.
A capture row commits only after its WARC record is flushed, in the same
transaction that advances its WARC file's `committed` length, so the index
never points at bytes that are not there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import SQLAlchemyError

from archiver.errors import ArchiveError


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the index")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False, default="crawl"),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("pid", sa.Integer),
    sa.Column("hostname", sa.String(200)),
    sa.Column("stats", sa.Text, nullable=False, default="{}"),
    sa.Column("error", sa.Text),
)

warc_files = sa.Table(
    "warc_files",
    metadata,
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("committed", sa.BigInteger, nullable=False),
    sa.Column("size", sa.BigInteger),
    sa.Column("sha256", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("stored_at", UTCDateTime),
)

captures = sa.Table(
    "captures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("captured_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(200)),
    sa.Column("payload_digest", sa.String(100), nullable=False, index=True),
    sa.Column("record_type", sa.String(20), nullable=False),
    sa.Column("refers_to", sa.Integer, sa.ForeignKey("captures.id")),
    sa.Column("warc_file", sa.String(300), nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("length", sa.BigInteger, nullable=False),
    sa.Column("etag", sa.String(300)),
    sa.Column("last_modified", sa.String(100)),
    sa.Column("location", sa.Text),
    sa.Column("truncated", sa.String(20)),
    sa.Column("is_page", sa.Boolean, nullable=False, default=True),
    sa.Column("depth", sa.Integer, nullable=False, default=0),
    sa.Index("ix_captures_site_url_time", "site", "canonical_url", "captured_at"),
    sa.Index("ix_captures_page_list", "site", "canonical_url", "is_page", "id"),
)

frontier = sa.Table(
    "frontier",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, default="queued"),
    sa.Column("reason", sa.Text),
    sa.Column("parent", sa.Text),
    sa.Column("redirects", sa.Integer, nullable=False, default=0),
    sa.Column("listed", sa.Boolean, nullable=False, default=False, server_default="0"),
    sa.Column("lastmod", UTCDateTime),
    sa.UniqueConstraint("run_id", "canonical_url", name="uq_frontier_run_url"),
    sa.Index("ix_frontier_run_status", "run_id", "status", "id"),
)

page_models = sa.Table(
    "page_models",
    metadata,
    sa.Column("payload_digest", sa.String(100), primary_key=True),
    sa.Column("extractor_version", sa.String(40), primary_key=True),
    sa.Column("profile", sa.String(80), primary_key=True),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

violations = sa.Table(
    "violations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("capture_id", sa.Integer, sa.ForeignKey("captures.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("pointer", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("captured_at", UTCDateTime, nullable=False),
    sa.Column("pack", sa.String(100)),
    # The viewer's paged lists and the dashboard's new/fixed probes (migration 0004).
    sa.Index("ix_violations_run_url", "run_id", "canonical_url"),
    sa.Index("ix_violations_run_rule", "run_id", "rule", "id"),
    sa.Index("ix_violations_url", "canonical_url", "capture_id"),
    sa.Index("ix_violations_run_fingerprint", "run_id", "fingerprint"),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False, index=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("violations", sa.Integer, nullable=False),
    sa.Column("rules", sa.Text, nullable=False),
)

RUNNING = "running"
COMPLETED = "completed"
INTERRUPTED = "interrupted"
FAILED = "failed"
# A frontier status: a page a recrawl did not fetch because it was not due (its sitemap
# <lastmod> or its history says it is unchanged); its last capture is checked instead.
KEPT = "kept"


@dataclass(frozen=True)
class QueuedUrl:
    """A frontier entry to fetch."""

    canonical_url: str
    url: str
    depth: int
    kind: str  # page | embed | sitemap | robots
    parent: str | None = None
    redirects: int = 0
    listed: bool = False  # a sitemap of the site lists it
    lastmod: datetime | None = None  # its sitemap <lastmod>


def _now() -> datetime:
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


class Index:
    """The archive's index database."""

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

    def insert_ignore(self, table: sa.Table) -> Any:
        if self.engine.dialect.name == "postgresql":
            return pg_dialect.insert(table).on_conflict_do_nothing()
        if self.engine.dialect.name == "sqlite":
            return sqlite_dialect.insert(table).on_conflict_do_nothing()
        return table.insert().prefix_with("IGNORE")

    # -- runs ---------------------------------------------------------------

    def start_run(self, site: str, *, kind: str, pid: int, hostname: str) -> int:
        """Record a new run as running and return its id."""
        with self.begin() as conn:
            result = conn.execute(
                runs.insert().values(
                    site=site,
                    kind=kind,
                    status=RUNNING,
                    started_at=_now(),
                    pid=pid,
                    hostname=hostname,
                    stats="{}",
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(
        self, run_id: int, status: str, stats: dict[str, Any], error: str | None = None
    ) -> None:
        """Mark a run finished with its status and counters."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=status, finished_at=_now(), stats=json.dumps(stats), error=error)
            )

    def resume_run(self, run_id: int, pid: int, hostname: str) -> None:
        """Mark an unfinished run as running again under this process."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(status=RUNNING, pid=pid, hostname=hostname, finished_at=None)
            )

    def unfinished_run(self, site: str, kind: str = "crawl") -> Row[Any] | None:
        """The site's latest run that did not complete (running or interrupted), if any."""
        with self.read() as conn:
            return conn.execute(
                sa.select(runs)
                .where(
                    runs.c.site == site,
                    runs.c.kind == kind,
                    runs.c.status.in_([RUNNING, INTERRUPTED]),
                )
                .order_by(runs.c.id.desc())
                .limit(1)
            ).first()

    def run(self, run_id: int) -> Row[Any] | None:
        """One run by id."""
        with self.read() as conn:
            return conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()

    def latest_run(self, site: str | None = None, *, completed: bool = False) -> Row[Any] | None:
        """The newest run (of a site), optionally only completed ones."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(1)
        if site is not None:
            query = query.where(runs.c.site == site)
        if completed:
            query = query.where(runs.c.status == COMPLETED)
        with self.read() as conn:
            return conn.execute(query).first()

    # -- frontier -----------------------------------------------------------

    def enqueue(self, conn: Connection, run_id: int, items: Iterable[QueuedUrl]) -> None:
        """Add URLs to a run's frontier; a URL already there (by canonical form) is ignored."""
        rows = [
            {
                "run_id": run_id,
                "canonical_url": item.canonical_url,
                "url": item.url,
                "depth": item.depth,
                "kind": item.kind,
                "status": "queued",
                "parent": item.parent,
                "redirects": item.redirects,
                "listed": item.listed,
                "lastmod": item.lastmod,
            }
            for item in items
        ]
        if rows:
            conn.execute(self.insert_ignore(frontier), rows)

    def mark_listed(self, conn: Connection, run_id: int, items: Sequence[QueuedUrl]) -> None:
        """Record that a sitemap lists URLs already in the frontier (found by a link first)."""
        if items:
            conn.execute(
                frontier.update()
                .where(
                    frontier.c.run_id == sa.bindparam("b_run"),
                    frontier.c.canonical_url == sa.bindparam("b_url"),
                )
                .values(listed=True, lastmod=sa.bindparam("b_lastmod")),
                [
                    {"b_run": run_id, "b_url": i.canonical_url, "b_lastmod": i.lastmod}
                    for i in items
                ],
            )

    def queued(
        self,
        run_id: int,
        *,
        after_id: int,
        limit: int,
        kinds: Sequence[str] | None = None,
    ) -> list[tuple[int, QueuedUrl]]:
        """The next queued frontier entries (id order), after `after_id`, of some kinds."""
        query = (
            sa.select(frontier)
            .where(
                frontier.c.run_id == run_id,
                frontier.c.status == "queued",
                frontier.c.id > after_id,
            )
            .order_by(frontier.c.id)
            .limit(limit)
        )
        if kinds is not None:
            query = query.where(frontier.c.kind.in_(kinds))
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [
            (
                r.id,
                QueuedUrl(
                    r.canonical_url,
                    r.url,
                    r.depth,
                    r.kind,
                    r.parent,
                    r.redirects,
                    bool(r.listed),
                    r.lastmod,
                ),
            )
            for r in rows
        ]

    def mark(
        self, conn: Connection, run_id: int, canonical_url: str, status: str, reason: str | None
    ) -> None:
        """Set a frontier entry's outcome: done, failed or skipped (with why)."""
        conn.execute(
            frontier.update()
            .where(frontier.c.run_id == run_id, frontier.c.canonical_url == canonical_url)
            .values(status=status, reason=reason)
        )

    def mark_done(self, conn: Connection, run_id: int, canonical_urls: Sequence[str]) -> None:
        """Set frontier entries of a run done (one statement, many parameter sets)."""
        if canonical_urls:
            conn.execute(
                frontier.update()
                .where(
                    frontier.c.run_id == sa.bindparam("b_run"),
                    frontier.c.canonical_url == sa.bindparam("b_url"),
                )
                .values(status="done", reason=None),
                [{"b_run": run_id, "b_url": url} for url in canonical_urls],
            )

    def frontier_counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """Counts of frontier entries by kind and status."""
        with self.read() as conn:
            rows = conn.execute(
                sa.select(frontier.c.kind, frontier.c.status, sa.func.count())
                .where(frontier.c.run_id == run_id)
                .group_by(frontier.c.kind, frontier.c.status)
            ).all()
        counts: dict[str, dict[str, int]] = {}
        for kind, status, n in rows:
            counts.setdefault(kind, {})[status] = int(n)
        return counts

    def frontier_entries(self, run_id: int, status: str | None = None) -> list[Row[Any]]:
        """Frontier entries of a run, optionally of one status."""
        query = sa.select(frontier).where(frontier.c.run_id == run_id).order_by(frontier.c.id)
        if status is not None:
            query = query.where(frontier.c.status == status)
        with self.read() as conn:
            return list(conn.execute(query).all())

    # -- WARC files ---------------------------------------------------------

    def warc_opened(self, run_id: int, name: str, committed: int) -> None:
        """Record a new `.open` WARC file and how much of it (the warcinfo) is committed."""
        with self.begin() as conn:
            conn.execute(
                warc_files.insert().values(
                    name=name,
                    run_id=run_id,
                    status="open",
                    committed=committed,
                    created_at=_now(),
                )
            )

    def warc_closed(self, name: str, size: int, sha256: str | None) -> None:
        """Record that a WARC file is complete, with its size and file digest."""
        with self.begin() as conn:
            conn.execute(
                warc_files.update()
                .where(warc_files.c.name == name)
                .values(status="closed", size=size, committed=size, sha256=sha256, closed_at=_now())
            )

    def warc_stored(self, name: str) -> None:
        """Record that a closed WARC file is in the store and its digest was verified there."""
        with self.begin() as conn:
            conn.execute(
                warc_files.update().where(warc_files.c.name == name).values(stored_at=_now())
            )

    def warc_file(self, name: str) -> Row[Any] | None:
        """One WARC file by name."""
        with self.read() as conn:
            return conn.execute(sa.select(warc_files).where(warc_files.c.name == name)).first()

    def open_warcs(self, run_ids: Sequence[int] | None = None) -> list[Row[Any]]:
        """WARC files still marked open (of some runs, or all)."""
        query = sa.select(warc_files).where(warc_files.c.status == "open")
        if run_ids is not None:
            query = query.where(warc_files.c.run_id.in_(list(run_ids)))
        with self.read() as conn:
            return list(conn.execute(query).all())

    def warcs(self) -> list[Row[Any]]:
        """Every WARC file the index knows."""
        with self.read() as conn:
            return list(conn.execute(sa.select(warc_files).order_by(warc_files.c.name)).all())

    # -- captures -----------------------------------------------------------

    def add_capture(self, conn: Connection, values: dict[str, Any], committed: int) -> int:
        """Insert a capture row and advance its WARC file's committed length (in `conn`)."""
        # Parameters, not .values(): the compiled statement is cached across captures.
        result = conn.execute(captures.insert(), values)
        conn.execute(
            warc_files.update().where(warc_files.c.name == sa.bindparam("file")),
            {"file": values["warc_file"], "committed": committed},
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def add_captures(
        self, conn: Connection, rows: Sequence[dict[str, Any]], committed: int
    ) -> None:
        """Insert capture rows of one WARC file and advance its committed length (in `conn`)."""
        if not rows:
            return
        conn.execute(captures.insert(), list(rows))
        conn.execute(
            warc_files.update().where(warc_files.c.name == sa.bindparam("file")),
            {"file": rows[-1]["warc_file"], "committed": committed},
        )

    def previous_capture(self, site: str, canonical_url: str) -> Row[Any] | None:
        """The latest full (non-revisit) capture of a URL, for conditional requests."""
        with self.read() as conn:
            return conn.execute(
                sa.select(captures)
                .where(
                    captures.c.site == site,
                    captures.c.canonical_url == canonical_url,
                    captures.c.record_type == "response",
                )
                .order_by(captures.c.captured_at.desc())
                .limit(1)
            ).first()

    def last_capture(self, site: str, canonical_url: str, before_run: int) -> Row[Any] | None:
        """The latest capture of a URL (a revisit too) made by an earlier run: its last fetch."""
        with self.read() as conn:
            return conn.execute(
                sa.select(captures)
                .where(
                    captures.c.site == site,
                    captures.c.canonical_url == canonical_url,
                    captures.c.run_id < before_run,
                )
                .order_by(captures.c.captured_at.desc())
                .limit(1)
            ).first()

    def kept_captures(self, site: str, run_id: int) -> list[Row[Any]]:
        """For each page a run kept (`kept` in its frontier: not fetched, not due), its last
        capture from an earlier run: what the run checks in place of a fetch."""
        latest = sa.alias(captures, "latest")
        newest = (
            sa.select(sa.func.max(latest.c.captured_at))
            .where(
                latest.c.site == captures.c.site,
                latest.c.canonical_url == captures.c.canonical_url,
                latest.c.run_id < run_id,
            )
            .scalar_subquery()
        )
        query = (
            sa.select(captures)
            .join(
                frontier,
                sa.and_(
                    frontier.c.run_id == run_id,
                    frontier.c.status == KEPT,
                    frontier.c.canonical_url == captures.c.canonical_url,
                ),
            )
            .where(captures.c.site == site, captures.c.captured_at == newest)
            .order_by(frontier.c.id)
        )
        with self.read() as conn:
            return list(conn.execute(query).all())

    def has_earlier_captures(self, site: str, run_id: int) -> bool:
        """Whether runs of `site` other than `run_id` archived anything (a first crawl has none)."""
        with self.read() as conn:
            return (
                conn.execute(
                    sa.select(captures.c.id)
                    .where(captures.c.site == site, captures.c.run_id != run_id)
                    .limit(1)
                ).first()
                is not None
            )

    def capture_in_run(self, run_id: int, canonical_url: str) -> Row[Any] | None:
        """The capture of a URL made in a given run, if any."""
        with self.read() as conn:
            return conn.execute(
                sa.select(captures)
                .where(captures.c.run_id == run_id, captures.c.canonical_url == canonical_url)
                .order_by(captures.c.id.desc())
                .limit(1)
            ).first()

    def capture(self, capture_id: int) -> Row[Any] | None:
        """One capture by id."""
        with self.read() as conn:
            return conn.execute(sa.select(captures).where(captures.c.id == capture_id)).first()

    def captures_of_run(self, run_id: int) -> list[Row[Any]]:
        """Every capture of a run, in capture order."""
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(captures).where(captures.c.run_id == run_id).order_by(captures.c.id)
                ).all()
            )

    def payload_capture(self, row: Row[Any]) -> Row[Any]:
        """The capture whose record holds the payload of `row` (itself unless a revisit)."""
        if row.record_type != "revisit" or row.refers_to is None:
            return row
        original = self.capture(row.refers_to)
        if original is None:
            raise ArchiveError(
                f"capture {row.id}: revisit refers to missing capture {row.refers_to}"
            )
        return original

    # -- fixity (archiver verify) -------------------------------------------

    def unfinished_runs(self, site: str) -> list[Row[Any]]:
        """Every run of a site still marked running or interrupted."""
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(runs).where(
                        runs.c.site == site, runs.c.status.in_([RUNNING, INTERRUPTED])
                    )
                ).all()
            )

    def mark_run_interrupted(self, run_id: int, error: str) -> None:
        """Mark a run whose process died as interrupted (it can still be resumed)."""
        with self.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id, runs.c.status == RUNNING)
                .values(status=INTERRUPTED, error=error)
            )

    def site_warcs(self, site: str) -> list[Row[Any]]:
        """The WARC files written by a site's runs."""
        with self.read() as conn:
            return list(
                conn.execute(
                    sa.select(warc_files)
                    .join(runs, runs.c.id == warc_files.c.run_id)
                    .where(runs.c.site == site)
                    .order_by(warc_files.c.name)
                ).all()
            )

    def site_captures(self, site: str) -> Iterator[Row[Any]]:
        """Every capture of a site (the columns fixity needs), streamed in id order."""
        query = (
            sa.select(
                captures.c.id,
                captures.c.run_id,
                captures.c.url,
                captures.c.warc_file,
                captures.c.offset,
                captures.c.length,
                captures.c.payload_digest,
                captures.c.record_type,
            )
            .where(captures.c.site == site)
            .order_by(captures.c.id)
        )
        with self.read() as conn:
            yield from conn.execute(query)  # type: ignore[misc]

    def register_warc(self, name: str, run_id: int, size: int, sha256: str) -> None:
        """Record a closed WARC file the index did not know (index repair)."""
        with self.begin() as conn:
            conn.execute(
                warc_files.insert().values(
                    name=name,
                    run_id=run_id,
                    status="closed",
                    committed=size,
                    size=size,
                    sha256=sha256,
                    created_at=_now(),
                    closed_at=_now(),
                )
            )

    def capture_referenced(self, capture_id: int) -> bool:
        """Whether a violation or a revisit points at a capture."""
        with self.read() as conn:
            return (
                conn.execute(
                    sa.select(violations.c.id).where(violations.c.capture_id == capture_id).limit(1)
                ).first()
                is not None
                or conn.execute(
                    sa.select(captures.c.id).where(captures.c.refers_to == capture_id).limit(1)
                ).first()
                is not None
            )

    def repair_capture(self, capture_id: int, values: dict[str, Any] | None) -> None:
        """Correct a capture row from its WARC record, or delete it (values None)."""
        with self.begin() as conn:
            if values is None:
                conn.execute(captures.delete().where(captures.c.id == capture_id))
            else:
                conn.execute(captures.update().where(captures.c.id == capture_id).values(**values))

    def restore_capture(self, values: dict[str, Any]) -> int:
        """Insert a capture row rebuilt from a WARC record; its frontier entry becomes done."""
        with self.begin() as conn:
            result = conn.execute(captures.insert().values(**values))
            conn.execute(
                frontier.update()
                .where(
                    frontier.c.run_id == values["run_id"],
                    frontier.c.canonical_url == values["canonical_url"],
                )
                .values(status="done", reason=None)
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def frontier_entry(self, run_id: int, canonical_url: str) -> Row[Any] | None:
        """A run's frontier entry for a URL, if any."""
        with self.read() as conn:
            return conn.execute(
                sa.select(frontier).where(
                    frontier.c.run_id == run_id, frontier.c.canonical_url == canonical_url
                )
            ).first()

    def original_capture(self, site: str, url: str, payload_digest: str) -> Row[Any] | None:
        """The latest full capture of a URL with a given payload digest (a revisit's target)."""
        with self.read() as conn:
            return conn.execute(
                sa.select(captures)
                .where(
                    captures.c.site == site,
                    captures.c.url == url,
                    captures.c.payload_digest == payload_digest,
                    captures.c.record_type == "response",
                )
                .order_by(captures.c.captured_at.desc())
                .limit(1)
            ).first()


# -- tracking across runs (archiver/check/tracking.py) ----------------------

tracked_runs = sa.Table(
    "tracked_runs",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("site", sa.String(200), nullable=False, index=True),
    sa.Column("previous_run_id", sa.Integer, sa.ForeignKey("runs.id")),
    sa.Column("tracked_at", UTCDateTime, nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.Column("trigger", sa.String(20), nullable=False),
)

# One row per (run, finding): the finding's status in that run, and a copy of
# the violation as last seen, so a report of any run needs no other table.
findings = sa.Table(
    "findings",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("site", sa.String(200), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("first_seen_run", sa.Integer, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_run", sa.Integer, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("closed_run", sa.Integer),
    sa.Column("note", sa.Text),
    sa.Column("suppression", sa.Text),
    sa.Column("violation", sa.Text, nullable=False),
    sa.Index("ix_findings_site_fingerprint", "site", "fingerprint"),
)


def tracked_run(index: Index, run_id: int) -> Row[Any] | None:
    """The tracking record of a run, if it was tracked."""
    with index.read() as conn:
        return conn.execute(sa.select(tracked_runs).where(tracked_runs.c.run_id == run_id)).first()


def previous_tracked_run(index: Index, site: str, before: int) -> Row[Any] | None:
    """The site's latest tracked run older than `before`."""
    with index.read() as conn:
        return conn.execute(
            sa.select(tracked_runs)
            .where(tracked_runs.c.site == site, tracked_runs.c.run_id < before)
            .order_by(tracked_runs.c.run_id.desc())
            .limit(1)
        ).first()


def untracked_crawl(index: Index, site: str) -> Row[Any] | None:
    """The site's latest crawl run when it completed but was never tracked.

    That is what a run killed after its crawl (before or during check, track
    or report) leaves. None when the latest crawl is unfinished, tracked, or
    was checked and had no page to track (left untracked on purpose).
    """
    with index.read() as conn:
        latest = conn.execute(
            sa.select(runs)
            .where(runs.c.site == site, runs.c.kind == "crawl")
            .order_by(runs.c.id.desc())
            .limit(1)
        ).first()
        if latest is None or latest.status != COMPLETED:
            return None
        tracked = conn.execute(
            sa.select(tracked_runs.c.run_id).where(tracked_runs.c.run_id == latest.id)
        ).first()
        if tracked is not None:
            return None
        checked = conn.execute(
            sa.select(checks.c.pages)
            .where(checks.c.run_id == latest.id)
            .order_by(checks.c.id.desc())
            .limit(1)
        ).first()
        return None if checked is not None and checked.pages == 0 else latest


def latest_tracked_run(index: Index, site: str) -> Row[Any] | None:
    """The site's newest tracked run."""
    with index.read() as conn:
        return conn.execute(
            sa.select(tracked_runs)
            .where(tracked_runs.c.site == site)
            .order_by(tracked_runs.c.run_id.desc())
            .limit(1)
        ).first()


def findings_of_run(index: Index, run_id: int) -> list[Row[Any]]:
    """Every finding recorded for a run (any status)."""
    with index.read() as conn:
        return list(
            conn.execute(
                sa.select(findings)
                .where(findings.c.run_id == run_id)
                .order_by(findings.c.canonical_url, findings.c.rule, findings.c.fingerprint)
            ).all()
        )


def violations_of_run(index: Index, run_id: int) -> list[Row[Any]]:
    """The violations the check stage stored for a run."""
    with index.read() as conn:
        return list(
            conn.execute(
                sa.select(violations).where(violations.c.run_id == run_id).order_by(violations.c.id)
            ).all()
        )


def replace_findings(
    index: Index, run_id: int, record: dict[str, Any], rows: Sequence[dict[str, Any]]
) -> None:
    """Store a run's tracking record and findings, replacing any earlier tracking of it."""
    with index.begin() as conn:
        conn.execute(findings.delete().where(findings.c.run_id == run_id))
        conn.execute(tracked_runs.delete().where(tracked_runs.c.run_id == run_id))
        conn.execute(tracked_runs.insert().values(run_id=run_id, **record))
        if rows:
            conn.execute(findings.insert(), list(rows))
