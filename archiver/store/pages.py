"""The viewer's list of archived pages: one row per URL, filtered and keyset-paged.

Each row is a URL's latest capture, how often it was captured, its title (from
the full-text index or a cached page model) and the rules its open violations
break in its site's latest checked run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from archiver.store.fulltext import page_texts
from archiver.store.index import Index
from archiver.store.schema import captures, checks, page_models, runs, violations
from archiver.store.slices import MAX_LIMIT, Slice, cursor, parse_cursor


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


def title_of(model: dict[str, Any]) -> str | None:
    """A page's title for listings: the <h1>, else the <title>."""
    titles = model.get("titles") or {}
    for key in ("h1", "title", "og_title"):
        entry = titles.get(key)
        if entry and entry.get("normalized"):
            return str(entry["normalized"])
    return None


class PageQueries:
    """Sites, page titles and the page list."""

    index: Index

    def sites(self) -> list[str]:
        """Every site that has runs, by name."""
        with self.index.read() as conn:
            return [r[0] for r in conn.execute(sa.select(runs.c.site).distinct()).all()]

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


__all__ = ["PageQueries", "PageSummary", "title_of"]
