"""A run's frontier: the URLs it will fetch, has fetched, or set aside, and why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archiver.store.database import Database
from archiver.store.rows import FrontierEntry
from archiver.store.schema import frontier


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


class FrontierQueries(Database):
    """The `frontier` table: one row per (run, canonical URL)."""

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

    def frontier_entries(self, run_id: int, status: str | None = None) -> list[FrontierEntry]:
        """Frontier entries of a run, optionally of one status."""
        query = sa.select(frontier).where(frontier.c.run_id == run_id).order_by(frontier.c.id)
        if status is not None:
            query = query.where(frontier.c.status == status)
        with self.read() as conn:
            return [FrontierEntry.of(r) for r in conn.execute(query).all()]

    def frontier_entry(self, run_id: int, canonical_url: str) -> FrontierEntry | None:
        """A run's frontier entry for a URL, if any."""
        with self.read() as conn:
            row = conn.execute(
                sa.select(frontier).where(
                    frontier.c.run_id == run_id, frontier.c.canonical_url == canonical_url
                )
            ).first()
        return FrontierEntry.of(row) if row is not None else None


__all__ = ["FrontierQueries", "QueuedUrl"]
