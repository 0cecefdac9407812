"""Read-only queries for the snapshot viewer and the WACZ export.

Views stay thin: what the viewer lists (pages, timelines, nearest captures,
violations by run) is asked here, next to the tables. Every query is a read;
the viewer never writes to the index.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Row

from archiver.store.fulltext import page_texts
from archiver.store.index import Index, captures, checks, page_models, runs, violations

T = TypeVar("T")
_ListKeys = tuple[list[int], Counter[str], Counter[str]]
# Dashboard lists kept in memory (three per run shown); a 100,000-finding run's is ~4 MB.
_LIST_CACHE = 12
# The most rows one page of any list may ask for.
MAX_LIMIT = 500
DASHBOARD_LISTS = ("new", "fixed", "open")


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


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list: its rows, the cursor of the next page, and the whole list's size."""

    rows: list[T]
    next_after: str | None
    total: int | None = None


def cursor(*values: object) -> str:
    """An opaque keyset cursor for a page boundary (the sort key of the last row shown)."""
    text = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_cursor(text: str, arity: int) -> list[Any]:
    """The values of a cursor made by `cursor`; ValueError when it is not one."""
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"not a page cursor: {text!r}") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValueError(f"not a page cursor: {text!r}")
    return values


def _row_id(value: Any) -> int:
    """A row id from a cursor; ValueError unless it is one a database can hold."""
    if not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"not a row id: {value!r}")
    return value


@dataclass
class Dashboard:
    """Violations of one run of a site compared with the run checked before it.

    Counts come from the database; `rows` is one page of one list (`new`,
    `fixed` or `open`), so a run with 100,000 findings renders as fast as one
    with ten.
    """

    site: str
    run_id: int | None
    previous_run_id: int | None
    totals: dict[str, int] = field(default_factory=dict)
    by_rule: list[tuple[str, int, int, int]] = field(default_factory=list)
    by_section: list[tuple[str, int, int, int]] = field(default_factory=list)
    lists: dict[str, Slice[Row[Any]]] = field(default_factory=dict)

    def counts(self, key: str) -> list[tuple[str, int, int, int]]:
        """(group, open, new, fixed) counts grouped by `rule` or `section`, sorted by group."""
        return self.by_rule if key == "rule" else self.by_section


@functools.lru_cache(maxsize=8192)
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
        # A checked run's lists change only when it is checked again (a new `checks` row):
        # their ids and counts are kept per (list, run, previous run, latest check).
        self._lists: OrderedDict[tuple[Any, ...], _ListKeys] = OrderedDict()
        self._lists_lock = threading.Lock()

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
                boundary = (datetime.fromisoformat(stamp), _row_id(last_id))
                query = base.where(order_key > sa.tuple_(*boundary))
                before = conn.execute(
                    base.where(order_key <= sa.tuple_(*boundary))
                    .order_by(captures.c.captured_at.desc(), captures.c.id.desc())
                    .limit(1)
                ).first()
                previous = before.payload_digest if before is not None else None
            rows = conn.execute(
                query.order_by(captures.c.captured_at, captures.c.id).limit(limit + 1)
            ).all()
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

    def _list_keys(
        self, conn: sa.Connection, which: str, run_id: int, previous: int | None
    ) -> _ListKeys:
        """Ids (ascending), rule counts and section counts of one dashboard list."""
        stamp = conn.execute(
            sa.select(sa.func.max(checks.c.id)).where(checks.c.run_id.in_([run_id, previous or 0]))
        ).scalar()
        key = (which, run_id, previous, stamp)
        with self._lists_lock:
            if key in self._lists:
                self._lists.move_to_end(key)
                return self._lists[key]
        rules: Counter[str] = Counter()
        sections: Counter[str] = Counter()
        ids = []
        for id_, rule_id, url in conn.execute(self._run_list(which, run_id, previous)).all():
            ids.append(int(id_))
            rules[rule_id] += 1
            sections[section(url)] += 1
        found = (ids, rules, sections)
        with self._lists_lock:
            self._lists[key] = found
            while len(self._lists) > _LIST_CACHE:
                self._lists.popitem(last=False)
        return found

    def _run_list(self, which: str, run_id: int, previous: int | None) -> sa.Select[Any]:
        """(id, rule, url) of the `new`, `fixed` or `open` violations of a run, by id."""
        other = violations.alias("other")

        def absent_from(run: int | None) -> sa.ColumnElement[bool]:
            if run is None:
                return sa.true()
            return ~sa.exists().where(
                other.c.run_id == run, other.c.fingerprint == violations.c.fingerprint
            )

        where: sa.ColumnElement[bool]
        if which == "fixed":
            if previous is None:
                where = sa.false()
            else:
                where = sa.and_(violations.c.run_id == previous, absent_from(run_id))
        elif which == "new":
            where = sa.and_(violations.c.run_id == run_id, absent_from(previous))
        else:
            where = violations.c.run_id == run_id
        return (
            sa.select(violations.c.id, violations.c.rule, violations.c.url)
            .where(where)
            .order_by(violations.c.id)
        )

    def dashboard(
        self,
        site: str,
        run_id: int | None = None,
        *,
        after: dict[str, str] | None = None,
        limit: int = 100,
    ) -> Dashboard:
        """Open, new and fixed violations of a run (default: the latest checked one).

        New: fingerprint absent from the site's previous checked run; fixed:
        present there but absent now. Each list is one keyset page (by id) of
        `limit` rows; `after` maps a list's name to its cursor.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        checked = self.checked_runs(site)
        if run_id is None:
            run_id = checked[0] if checked else None
        if run_id is None:
            return Dashboard(site, None, None)
        earlier = [r for r in checked if r < run_id]
        previous = earlier[0] if earlier else None
        board = Dashboard(site=site, run_id=run_id, previous_run_id=previous)
        by_rule: dict[str, Counter[str]] = {}
        by_section: dict[str, Counter[str]] = {}
        with self.index.read() as conn:
            for which in DASHBOARD_LISTS:
                # One pass over the list's (id, rule, url) gives its counts and the ids of
                # the page shown; only those rows are then read whole.
                ids_all, rules, sections = self._list_keys(conn, which, run_id, previous)
                start = (after or {}).get(which)
                first = _row_id(parse_cursor(start, 1)[0]) if start else None
                ids = [i for i in ids_all if first is None or i > first][: limit + 1]
                more = len(ids) > limit
                ids = ids[:limit]
                rows = (
                    conn.execute(
                        sa.select(violations)
                        .where(violations.c.id.in_(ids))
                        .order_by(violations.c.id)
                    ).all()
                    if ids
                    else []
                )
                by_rule[which], by_section[which] = rules, sections
                board.totals[which] = len(ids_all)
                board.lists[which] = Slice(
                    list(rows), cursor(ids[-1]) if more and ids else None, len(ids_all)
                )
        for target, groups in ((board.by_rule, by_rule), (board.by_section, by_section)):
            names = sorted(set().union(*(groups[w] for w in DASHBOARD_LISTS)))
            target.extend(
                (name, groups["open"][name], groups["new"][name], groups["fixed"][name])
                for name in names
            )
        return board


__all__ = [
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
