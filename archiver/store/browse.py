"""Read-only queries for the snapshot viewer and the WACZ export.

Views stay thin: what the viewer lists (pages, timelines, nearest captures,
violations by run) is asked here, next to the tables. Every query is a read;
the viewer never writes to the index.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archiver.store.dashboard import DASHBOARD_LISTS, Dashboard, DashboardQueries, section
from archiver.store.fulltext import page_texts
from archiver.store.rows import Capture, StoredViolation
from archiver.store.schema import captures, checks, page_models, runs, violations
from archiver.store.slices import MAX_LIMIT, Slice, cursor, parse_cursor, row_id


@dataclass(frozen=True)
class PageSummary:
    """One archived URL: its latest capture, how often it was captured, its open violations."""

    site: str
    canonical_url: str
    url: str
    latest_id: int
    latest_status: int
    latest_at: datetime
    captures: int
    title: str | None
    open_violations: int
    rules: tuple[str, ...]


@dataclass(frozen=True)
class TimelineEntry:
    """One capture of a URL and whether its content changed since the capture before."""

    capture: Capture
    changed: bool
    violations: int


def title_of(model: dict[str, Any]) -> str | None:
    """A page's title for listings: the <h1>, else the <title>."""
    titles = model.get("titles") or {}
    for key in ("h1", "title", "og_title"):
        entry = titles.get(key)
        if entry and entry.get("normalized"):
            return str(entry["normalized"])
    return None


def _capture(row: sa.Row[Any] | None) -> Capture | None:
    return Capture.of(row) if row is not None else None


class Browse(DashboardQueries):
    """The viewer's questions to the index."""

    # -- sites and runs -------------------------------------------------------

    def sites(self) -> list[str]:
        """Every site that has runs, by name."""
        with self.index.read() as conn:
            return [r[0] for r in conn.execute(sa.select(runs.c.site).distinct()).all()]

    def latest_checked_run(self, site: str) -> int | None:
        """The newest run of a site whose violations were recorded."""
        ids = self.checked_runs(site)
        return ids[0] if ids else None

    # -- pages ----------------------------------------------------------------

    def titles(self, digests: set[str]) -> dict[str, str]:
        """Titles of payloads by digest, from cached page models (one query)."""
        if not digests:
            return {}
        out: dict[str, str] = {}
        with self.index.read() as conn:
            rows = conn.execute(
                sa.select(page_models.c.payload_digest, page_models.c.model)
                .where(page_models.c.payload_digest.in_(sorted(digests)))
                .order_by(page_models.c.created_at)
            ).all()
        for digest, text in rows:
            title = title_of(json.loads(text))
            if title:
                out[digest] = title
        return out

    def latest_checked_runs(self, sites: Iterable[str]) -> dict[str, int]:
        """Each site's newest checked run (sites without one are left out)."""
        wanted = sorted(set(sites))
        if not wanted:
            return {}
        with self.index.read() as conn:
            rows = conn.execute(
                sa.select(checks.c.site, sa.func.max(checks.c.run_id))
                .where(checks.c.site.in_(wanted))
                .group_by(checks.c.site)
            ).all()
        return {str(site): int(run_id) for site, run_id in rows}

    def pages(
        self,
        *,
        site: str | None = None,
        query: str = "",
        rule: str = "",
        status: int | None = None,
        after: str | None = None,
        limit: int = 100,
        descending: bool = False,
    ) -> Slice[PageSummary]:
        """One page of archived page URLs with their latest capture, in URL order.

        Keyset-paged on (site, canonical URL), so a shared link shows the same
        rows however many captures arrive meanwhile. `query` matches the URL
        or any title it had (case-insensitive); `rule` keeps URLs with an open
        violation of that rule; open violations are those of each site's latest
        checked run. Filtering and paging happen in the database: only the rows
        shown are read into Python. `total` counts the archived URLs (of the
        site), without the filters.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        key = (captures.c.site, captures.c.canonical_url)
        grouped = (
            sa.select(
                captures.c.site,
                captures.c.canonical_url,
                sa.func.max(captures.c.id).label("latest_id"),
                sa.func.count().label("n"),
            )
            .where(captures.c.is_page.is_(True))
            .group_by(*key)
        )
        if site:
            grouped = grouped.where(captures.c.site == site)
        if after:
            last = parse_cursor(after, 2)
            if not all(isinstance(value, str) for value in last):
                raise ValueError(f"not a page cursor: {after!r}")
            boundary = sa.tuple_(*key)
            grouped = grouped.where(
                boundary < sa.tuple_(*last) if descending else boundary > sa.tuple_(*last)
            )
        with self.index.read() as conn:
            sites = (
                [site]
                if site
                else [r[0] for r in conn.execute(sa.select(runs.c.site).distinct()).all()]
            )
        latest_runs = self.latest_checked_runs(sites)
        if rule:
            # A filter on the URL itself: applied before grouping, like the cursor.
            grouped = grouped.where(
                sa.tuple_(captures.c.site, captures.c.canonical_url).in_(
                    sa.select(violations.c.site, violations.c.canonical_url).where(
                        violations.c.run_id.in_(sorted(latest_runs.values())),
                        violations.c.rule == rule,
                    )
                )
            )
        grouped = grouped.order_by(*((c.desc() for c in key) if descending else key))
        needle = query.strip().lower()
        if needle:
            # Before grouping too: the URL, or the title of any of its captures, matches.
            titled = sa.select(page_texts.c.payload_digest).where(
                sa.func.lower(page_texts.c.title).contains(needle, autoescape=True)
            )
            grouped = grouped.where(
                sa.or_(
                    sa.func.lower(captures.c.url).contains(needle, autoescape=True),
                    captures.c.payload_digest.in_(titled),
                )
            )
        if status is None:
            # Nothing to judge on the latest capture: the database stops grouping after one
            # page of URLs (a streamed index scan on ix_captures_page_list).
            grouped = grouped.limit(limit + 1)
        sub = grouped.subquery()
        select = (
            sa.select(captures, sub.c.n, page_texts.c.title.label("indexed_title"))
            .join(sub, captures.c.id == sub.c.latest_id)
            .outerjoin(page_texts, page_texts.c.payload_digest == captures.c.payload_digest)
        )
        order = (
            (sub.c.site.desc(), sub.c.canonical_url.desc())
            if descending
            else (sub.c.site, sub.c.canonical_url)
        )
        if status is not None:
            select = select.where(captures.c.status == status)
        with self.index.read() as conn:
            rows = conn.execute(select.order_by(*order).limit(limit + 1)).all()
            total_query = sa.select(sa.func.count()).select_from(
                sa.select(*key).where(captures.c.is_page.is_(True)).group_by(*key).subquery()
            )
            if site:
                total_query = sa.select(sa.func.count()).select_from(
                    sa.select(*key)
                    .where(captures.c.is_page.is_(True), captures.c.site == site)
                    .group_by(*key)
                    .subquery()
                )
            total = int(conn.execute(total_query).scalar() or 0)
            more = len(rows) > limit
            rows = rows[:limit]
            open_rules: dict[tuple[str, str], list[str]] = {}
            for name, run_id in latest_runs.items():
                urls = [r.canonical_url for r in rows if r.site == name]
                if not urls:
                    continue
                found = conn.execute(
                    sa.select(violations.c.canonical_url, violations.c.rule).where(
                        violations.c.run_id == run_id, violations.c.canonical_url.in_(urls)
                    )
                ).all()
                for url, rule_id in found:
                    open_rules.setdefault((name, url), []).append(rule_id)
        fallback = self.titles({r.payload_digest for r in rows if r.indexed_title is None})
        out: list[PageSummary] = []
        for r in rows:
            found_rules = open_rules.get((r.site, r.canonical_url), [])
            out.append(
                PageSummary(
                    site=r.site,
                    canonical_url=r.canonical_url,
                    url=r.url,
                    latest_id=r.id,
                    latest_status=r.status,
                    latest_at=r.captured_at,
                    captures=int(r.n),
                    title=r.indexed_title or fallback.get(r.payload_digest),
                    open_violations=len(found_rules),
                    rules=tuple(sorted(set(found_rules))),
                )
            )
        next_after = cursor(rows[-1].site, rows[-1].canonical_url) if more and rows else None
        return Slice(out, next_after, total)

    def rules(self) -> list[str]:
        """Every rule id with violations in a site's latest checked run, for the filter."""
        latest = self.latest_checked_runs(self.sites())
        if not latest:
            return []
        with self.index.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.select(violations.c.rule)
                    .where(violations.c.run_id.in_(sorted(latest.values())))
                    .distinct()
                    .order_by(violations.c.rule)
                ).all()
            ]

    def title(self, digest: str) -> str | None:
        """The title of a payload, from any cached page model."""
        return self.titles({digest}).get(digest)

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
