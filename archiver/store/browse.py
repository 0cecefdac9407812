"""Read-only queries for the snapshot viewer and the WACZ export.

Views stay thin: what the viewer lists (pages, timelines, nearest captures,
violations by run) is asked here, next to the tables. Every query is a read;
the viewer never writes to the index.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Row

from archiver.store.index import Index, captures, checks, page_models, runs, violations


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

    capture: Row[Any]
    changed: bool
    violations: int


@dataclass
class Dashboard:
    """Violations of one run of a site compared with the run checked before it."""

    site: str
    run_id: int | None
    previous_run_id: int | None
    open: list[Row[Any]] = field(default_factory=list)
    new: list[Row[Any]] = field(default_factory=list)
    fixed: list[Row[Any]] = field(default_factory=list)

    def counts(self, key: str) -> list[tuple[str, int, int, int]]:
        """(group, open, new, fixed) counts grouped by `rule` or `section`, sorted by group."""

        def group(row: Row[Any]) -> str:
            return str(row.rule) if key == "rule" else section(row.url)

        opened = Counter(group(r) for r in self.open)
        new = Counter(group(r) for r in self.new)
        fixed = Counter(group(r) for r in self.fixed)
        keys = sorted(set(opened) | set(new) | set(fixed))
        return [(k, opened[k], new[k], fixed[k]) for k in keys]


def section(url: str) -> str:
    """The site section of a URL: its first two path segments (`/en/aktuelt/`)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return "/" + "".join(p + "/" for p in parts[:2]) if parts else "/"


def title_of(model: dict[str, Any]) -> str | None:
    """A page's title for listings: the <h1>, else the <title>."""
    titles = model.get("titles") or {}
    for key in ("h1", "title", "og_title"):
        entry = titles.get(key)
        if entry and entry.get("normalized"):
            return str(entry["normalized"])
    return None


class Browse:
    """The viewer's questions to the index."""

    def __init__(self, index: Index) -> None:
        self.index = index

    # -- sites and runs -------------------------------------------------------

    def sites(self) -> list[str]:
        """Every site that has runs, by name."""
        with self.index.read() as conn:
            return [r[0] for r in conn.execute(sa.select(runs.c.site).distinct()).all()]

    def checked_runs(self, site: str) -> list[int]:
        """Ids of the site's runs that were checked, newest first."""
        with self.index.read() as conn:
            rows = conn.execute(
                sa.select(checks.c.run_id)
                .where(checks.c.site == site)
                .distinct()
                .order_by(checks.c.run_id.desc())
            ).all()
        return [int(r[0]) for r in rows]

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

    def pages(
        self,
        *,
        site: str | None = None,
        query: str = "",
        rule: str = "",
        status: int | None = None,
    ) -> list[PageSummary]:
        """Every archived page URL with its latest capture; filtered by text, rule and status.

        `query` matches the URL or the title (case-insensitive); `rule` keeps
        URLs with an open violation of that rule; open violations are those
        of the site's latest checked run.
        """
        latest = (
            sa.select(
                captures.c.site,
                captures.c.canonical_url,
                sa.func.max(captures.c.id).label("latest_id"),
                sa.func.count().label("n"),
            )
            .where(captures.c.is_page.is_(True))
            .group_by(captures.c.site, captures.c.canonical_url)
        )
        if site:
            latest = latest.where(captures.c.site == site)
        sub = latest.subquery()
        with self.index.read() as conn:
            rows = conn.execute(
                sa.select(captures, sub.c.n)
                .join(sub, captures.c.id == sub.c.latest_id)
                .order_by(captures.c.site, captures.c.canonical_url)
            ).all()
        open_rules: dict[tuple[str, str], list[str]] = {}
        for name in {r.site for r in rows}:
            run_id = self.latest_checked_run(name)
            if run_id is None:
                continue
            with self.index.read() as conn:
                found = conn.execute(
                    sa.select(violations.c.canonical_url, violations.c.rule).where(
                        violations.c.run_id == run_id
                    )
                ).all()
            for url, rule_id in found:
                open_rules.setdefault((name, url), []).append(rule_id)
        titles = self.titles({r.payload_digest for r in rows})
        needle = query.strip().lower()
        out: list[PageSummary] = []
        for r in rows:
            found_rules = open_rules.get((r.site, r.canonical_url), [])
            title = titles.get(r.payload_digest)
            if needle and needle not in r.url.lower() and needle not in (title or "").lower():
                continue
            if rule and rule not in found_rules:
                continue
            if status is not None and r.status != status:
                continue
            out.append(
                PageSummary(
                    site=r.site,
                    canonical_url=r.canonical_url,
                    url=r.url,
                    latest_id=r.id,
                    latest_status=r.status,
                    latest_at=r.captured_at,
                    captures=int(r.n),
                    title=title,
                    open_violations=len(found_rules),
                    rules=tuple(sorted(set(found_rules))),
                )
            )
        return out

    def rules(self) -> list[str]:
        """Every rule id that has violations, for the filter."""
        with self.index.read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.select(violations.c.rule).distinct().order_by(violations.c.rule)
                ).all()
            ]

    def title(self, digest: str) -> str | None:
        """The title of a payload, from any cached page model."""
        return self.titles({digest}).get(digest)

    # -- captures -------------------------------------------------------------

    def timeline(self, canonical_url: str, site: str | None = None) -> list[TimelineEntry]:
        """Every capture of a URL, oldest first, marking content changes and violations."""
        query = (
            sa.select(captures)
            .where(captures.c.canonical_url == canonical_url)
            .order_by(captures.c.captured_at, captures.c.id)
        )
        if site:
            query = query.where(captures.c.site == site)
        with self.index.read() as conn:
            rows = conn.execute(query).all()
            counts: dict[int, int] = dict(
                conn.execute(
                    sa.select(violations.c.capture_id, sa.func.count())
                    .where(violations.c.canonical_url == canonical_url)
                    .group_by(violations.c.capture_id)
                ).all()
            )
        out: list[TimelineEntry] = []
        previous: str | None = None
        for row in rows:
            # A revisit carries the digest of the payload it repeats, so it never "changes".
            changed = previous is not None and row.payload_digest != previous
            out.append(TimelineEntry(row, changed, int(counts.get(row.id, 0))))
            previous = row.payload_digest
        return out

    def nearest(
        self, canonical_url: str, moment: datetime, *, site: str | None = None
    ) -> Row[Any] | None:
        """The capture of a URL closest in time to `moment` (before or after), as pywb does."""
        base = sa.select(captures).where(captures.c.canonical_url == canonical_url)
        if site:
            base = base.where(captures.c.site == site)
        with self.index.read() as conn:
            before = conn.execute(
                base.where(captures.c.captured_at <= moment)
                .order_by(captures.c.captured_at.desc(), captures.c.id.desc())
                .limit(1)
            ).first()
            after = conn.execute(
                base.where(captures.c.captured_at > moment)
                .order_by(captures.c.captured_at, captures.c.id)
                .limit(1)
            ).first()
        if before is None or after is None:
            return before or after
        if moment - before.captured_at <= after.captured_at - moment:
            return before
        return after

    def neighbours(self, row: Row[Any]) -> tuple[Row[Any] | None, Row[Any] | None]:
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
        return before, after

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

    def captures_for_export(self, site: str, run_id: int | None) -> list[Row[Any]]:
        """The captures a WACZ of the site holds (one run, or all), with revisit targets."""
        query = sa.select(captures).where(captures.c.site == site).order_by(captures.c.id)
        if run_id is not None:
            query = query.where(captures.c.run_id == run_id)
        with self.index.read() as conn:
            rows = list(conn.execute(query).all())
            have = {r.id for r in rows}
            wanted = {r.refers_to for r in rows if r.refers_to is not None} - have
            if wanted:
                rows += conn.execute(
                    sa.select(captures).where(captures.c.id.in_(sorted(wanted)))
                ).all()
        return sorted(rows, key=lambda r: r.id)

    # -- violations -----------------------------------------------------------

    def violations_of_capture(self, capture_id: int) -> list[Row[Any]]:
        """The violations recorded against one capture (its latest check)."""
        with self.index.read() as conn:
            return list(
                conn.execute(
                    sa.select(violations)
                    .where(violations.c.capture_id == capture_id)
                    .order_by(violations.c.severity, violations.c.rule, violations.c.id)
                ).all()
            )

    def _run_violations(self, run_id: int) -> list[Row[Any]]:
        with self.index.read() as conn:
            return list(
                conn.execute(
                    sa.select(violations)
                    .where(violations.c.run_id == run_id)
                    .order_by(violations.c.url, violations.c.rule)
                ).all()
            )

    def dashboard(self, site: str, run_id: int | None = None) -> Dashboard:
        """Open, new and fixed violations of a run (default: the latest checked one).

        New: fingerprint absent from the site's previous checked run; fixed:
        present there but absent now.
        """
        checked = self.checked_runs(site)
        if run_id is None:
            run_id = checked[0] if checked else None
        if run_id is None:
            return Dashboard(site, None, None)
        earlier = [r for r in checked if r < run_id]
        previous = earlier[0] if earlier else None
        now = self._run_violations(run_id)
        before = self._run_violations(previous) if previous is not None else []
        now_prints = {v.fingerprint for v in now}
        before_prints = {v.fingerprint for v in before}
        return Dashboard(
            site=site,
            run_id=run_id,
            previous_run_id=previous,
            open=now,
            new=[v for v in now if v.fingerprint not in before_prints],
            fixed=[v for v in before if v.fingerprint not in now_prints],
        )


__all__ = ["Browse", "Dashboard", "PageSummary", "TimelineEntry", "section", "title_of"]
