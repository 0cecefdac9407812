"""Read-only queries for the snapshot viewer and the WACZ export.

Views stay thin: what the viewer lists (pages, timelines, nearest captures,
violations by run) is asked here, next to the tables. Every query is a read;
the viewer never writes to the index. `Browse` puts together the page list
(`pages`), the dashboard (`dashboard`) and, here, one URL's captures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archiver.store.dashboard import DASHBOARD_LISTS, Dashboard, DashboardQueries, section
from archiver.store.pages import PageQueries, PageSummary, title_of
from archiver.store.rows import Capture, StoredViolation
from archiver.store.schema import captures, page_models, violations
from archiver.store.slices import MAX_LIMIT, Slice, cursor, parse_cursor, row_id


@dataclass(frozen=True)
class TimelineEntry:
    """One capture of a URL and whether its content changed since the capture before."""

    capture: Capture
    changed: bool
    violations: int


def _capture(row: sa.Row[Any] | None) -> Capture | None:
    return Capture.of(row) if row is not None else None


class Browse(PageQueries, DashboardQueries):
    """The viewer's questions to the index."""

    def latest_checked_run(self, site: str) -> int | None:
        """The newest run of a site whose violations were recorded."""
        ids = self.checked_runs(site)
        return ids[0] if ids else None

    # -- captures -------------------------------------------------------------

    def timeline(
        self,
        canonical_url: str,
        site: str | None = None,
        *,
        after: str | None = None,
        limit: int = 200,
    ) -> Slice[TimelineEntry]:
        """One page of a URL's captures, oldest first, marking content changes and violations.

        Keyset-paged on (capture time, id); `total` is the number of captures.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        base = sa.select(captures).where(captures.c.canonical_url == canonical_url)
        if site:
            base = base.where(captures.c.site == site)
        order_key = sa.tuple_(captures.c.captured_at, captures.c.id)
        query = base
        previous: str | None = None
        with self.index.read() as conn:
            if after:
                stamp, last_id = parse_cursor(after, 2)
                if not isinstance(stamp, str):
                    raise ValueError(f"not a timeline cursor: {after!r}")
                boundary = (datetime.fromisoformat(stamp), row_id(last_id))
                query = base.where(order_key > sa.tuple_(*boundary))
                before = conn.execute(
                    base.where(order_key <= sa.tuple_(*boundary))
                    .order_by(captures.c.captured_at.desc(), captures.c.id.desc())
                    .limit(1)
                ).first()
                previous = before.payload_digest if before is not None else None
            rows = [
                Capture.of(r)
                for r in conn.execute(
                    query.order_by(captures.c.captured_at, captures.c.id).limit(limit + 1)
                ).all()
            ]
            more = len(rows) > limit
            rows = rows[:limit]
            total_query = sa.select(sa.func.count()).where(
                captures.c.canonical_url == canonical_url
            )
            if site:
                total_query = total_query.where(captures.c.site == site)
            total = int(conn.execute(total_query).scalar() or 0)
            counts: dict[int, int] = dict(
                conn.execute(
                    sa.select(violations.c.capture_id, sa.func.count())
                    .where(
                        violations.c.canonical_url == canonical_url,
                        violations.c.capture_id.in_([r.id for r in rows]),
                    )
                    .group_by(violations.c.capture_id)
                ).all()
            )
        out: list[TimelineEntry] = []
        for row in rows:
            # A revisit carries the digest of the payload it repeats, so it never "changes".
            changed = previous is not None and row.payload_digest != previous
            out.append(TimelineEntry(row, changed, int(counts.get(row.id, 0))))
            previous = row.payload_digest
        next_after = cursor(rows[-1].captured_at, rows[-1].id) if more and rows else None
        return Slice(out, next_after, total)

    def nearest(
        self, canonical_url: str, moment: datetime, *, site: str | None = None
    ) -> Capture | None:
        """The capture of a URL closest in time to `moment` (before or after), as pywb does."""
        base = sa.select(captures).where(captures.c.canonical_url == canonical_url)
        if site:
            base = base.where(captures.c.site == site)
        with self.index.read() as conn:
            before = _capture(
                conn.execute(
                    base.where(captures.c.captured_at <= moment)
                    .order_by(captures.c.captured_at.desc(), captures.c.id.desc())
                    .limit(1)
                ).first()
            )
            after = _capture(
                conn.execute(
                    base.where(captures.c.captured_at > moment)
                    .order_by(captures.c.captured_at, captures.c.id)
                    .limit(1)
                ).first()
            )
        if before is None or after is None:
            return before or after
        if moment - before.captured_at <= after.captured_at - moment:
            return before
        return after

    def neighbours(self, row: Capture) -> tuple[Capture | None, Capture | None]:
        """The captures of the same URL just before and just after `row`."""
        base = sa.select(captures).where(
            captures.c.canonical_url == row.canonical_url, captures.c.site == row.site
        )
        with self.index.read() as conn:
            before = conn.execute(
                base.where(
                    sa.or_(
                        captures.c.captured_at < row.captured_at,
                        sa.and_(captures.c.captured_at == row.captured_at, captures.c.id < row.id),
                    )
                )
                .order_by(captures.c.captured_at.desc(), captures.c.id.desc())
                .limit(1)
            ).first()
            after = conn.execute(
                base.where(
                    sa.or_(
                        captures.c.captured_at > row.captured_at,
                        sa.and_(captures.c.captured_at == row.captured_at, captures.c.id > row.id),
                    )
                )
                .order_by(captures.c.captured_at, captures.c.id)
                .limit(1)
            ).first()
        return _capture(before), _capture(after)

    def page_model(self, digest: str, extractor_version: str, profile: str) -> str | None:
        """The cached page model (JSON text) of a payload, if it was extracted before."""
        with self.index.read() as conn:
            text = conn.execute(
                sa.select(page_models.c.model).where(
                    page_models.c.payload_digest == digest,
                    page_models.c.extractor_version == extractor_version,
                    page_models.c.profile == profile,
                )
            ).scalar()
        return str(text) if text is not None else None

    def captures_for_export(self, site: str, run_id: int | None) -> list[Capture]:
        """The captures a WACZ of the site holds (one run, or all), with revisit targets."""
        query = sa.select(captures).where(captures.c.site == site).order_by(captures.c.id)
        if run_id is not None:
            query = query.where(captures.c.run_id == run_id)
        with self.index.read() as conn:
            rows = [Capture.of(r) for r in conn.execute(query).all()]
            have = {r.id for r in rows}
            wanted = {r.refers_to for r in rows if r.refers_to is not None} - have
            if wanted:
                rows += [
                    Capture.of(r)
                    for r in conn.execute(
                        sa.select(captures).where(captures.c.id.in_(sorted(wanted)))
                    ).all()
                ]
        return sorted(rows, key=lambda r: r.id)

    # -- violations -----------------------------------------------------------

    def violations_of_capture(self, capture_id: int) -> list[StoredViolation]:
        """The violations recorded against one capture (its latest check)."""
        with self.index.read() as conn:
            rows = conn.execute(
                sa.select(violations)
                .where(violations.c.capture_id == capture_id)
                .order_by(violations.c.severity, violations.c.rule, violations.c.id)
            ).all()
        return [StoredViolation.of(r) for r in rows]


__all__ = [
    "DASHBOARD_LISTS",
    "MAX_LIMIT",
    "Browse",
    "Dashboard",
    "PageSummary",
    "Slice",
    "TimelineEntry",
    "cursor",
    "parse_cursor",
    "section",
    "title_of",
]
