"""Captures in the index: one row per archived response or revisit.

A capture row commits only after its WARC record is flushed, in the same
transaction that advances its WARC file's `committed` length, so the index
never points at bytes that are not there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from archiver.errors import ArchiveError
from archiver.store.database import Database
from archiver.store.payload import header
from archiver.store.rows import Capture
from archiver.store.schema import KEPT, captures, frontier, violations, warc_files
from archiver.store.warc import Exchange, Written


def exchange_row(
    exchange: Exchange,
    written: Written,
    *,
    run_id: int,
    site: str,
    warc_file: str,
    canonical_url: str,
    is_page: bool,
    depth: int,
    revisit_of: Capture | None = None,
) -> dict[str, Any]:
    """The capture row of an exchange just written to `warc_file` (a revisit of `revisit_of`).

    A revisit keeps its original's validators when the 304 did not repeat them.
    """
    headers = exchange.response_headers
    return {
        "run_id": run_id,
        "site": site,
        "url": exchange.url,
        "canonical_url": canonical_url,
        "captured_at": exchange.started_at,
        "status": exchange.status,
        "content_type": header(headers, "content-type"),
        "payload_digest": written.payload_digest,
        "record_type": "revisit" if revisit_of is not None else "response",
        "refers_to": revisit_of.id if revisit_of is not None else None,
        "warc_file": warc_file,
        "offset": written.offset,
        "length": written.length,
        "etag": header(headers, "etag") or (revisit_of.etag if revisit_of is not None else None),
        "last_modified": header(headers, "last-modified")
        or (revisit_of.last_modified if revisit_of is not None else None),
        "location": header(headers, "location"),
        "truncated": exchange.truncated,
        "is_page": is_page,
        "depth": depth,
    }


class CaptureQueries(Database):
    """The `captures` table: written by the crawler, read by every stage after it."""

    # -- writing --------------------------------------------------------------

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

    # -- reading --------------------------------------------------------------

    def _first(self, query: sa.Select[Any]) -> Capture | None:
        with self.read() as conn:
            row = conn.execute(query).first()
        return Capture.of(row) if row is not None else None

    def _all(self, query: sa.Select[Any]) -> list[Capture]:
        with self.read() as conn:
            return [Capture.of(r) for r in conn.execute(query).all()]

    def capture(self, capture_id: int) -> Capture | None:
        """One capture by id."""
        return self._first(sa.select(captures).where(captures.c.id == capture_id))

    def previous_capture(self, site: str, canonical_url: str) -> Capture | None:
        """The latest full (non-revisit) capture of a URL, for conditional requests."""
        return self._first(
            sa.select(captures)
            .where(
                captures.c.site == site,
                captures.c.canonical_url == canonical_url,
                captures.c.record_type == "response",
            )
            .order_by(captures.c.captured_at.desc())
            .limit(1)
        )

    def last_capture(self, site: str, canonical_url: str, before_run: int) -> Capture | None:
        """The latest capture of a URL (a revisit too) made by an earlier run: its last fetch."""
        return self._first(
            sa.select(captures)
            .where(
                captures.c.site == site,
                captures.c.canonical_url == canonical_url,
                captures.c.run_id < before_run,
            )
            .order_by(captures.c.captured_at.desc())
            .limit(1)
        )

    def capture_in_run(self, run_id: int, canonical_url: str) -> Capture | None:
        """The capture of a URL made in a given run, if any."""
        return self._first(
            sa.select(captures)
            .where(captures.c.run_id == run_id, captures.c.canonical_url == canonical_url)
            .order_by(captures.c.id.desc())
            .limit(1)
        )

    def original_capture(self, site: str, url: str, payload_digest: str) -> Capture | None:
        """The latest full capture of a URL with a given payload digest (a revisit's target)."""
        return self._first(
            sa.select(captures)
            .where(
                captures.c.site == site,
                captures.c.url == url,
                captures.c.payload_digest == payload_digest,
                captures.c.record_type == "response",
            )
            .order_by(captures.c.captured_at.desc())
            .limit(1)
        )

    def payload_capture(self, row: Capture) -> Capture:
        """The capture whose record holds the payload of `row` (itself unless a revisit)."""
        if row.record_type != "revisit" or row.refers_to is None:
            return row
        original = self.capture(row.refers_to)
        if original is None:
            raise ArchiveError(
                f"capture {row.id}: revisit refers to missing capture {row.refers_to}"
            )
        return original

    def captures_of_run(self, run_id: int) -> list[Capture]:
        """Every capture of a run, in capture order."""
        return self._all(
            sa.select(captures).where(captures.c.run_id == run_id).order_by(captures.c.id)
        )

    def kept_captures(self, site: str, run_id: int) -> list[Capture]:
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
        return self._all(
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

    def site_captures(self, site: str) -> Iterator[Capture]:
        """Every capture of a site, streamed in id order (fixity reads them all)."""
        query = sa.select(captures).where(captures.c.site == site).order_by(captures.c.id)
        with self.read() as conn:
            for row in conn.execute(query):
                yield Capture.of(row)

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


__all__ = ["CaptureQueries"]
