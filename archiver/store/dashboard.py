"""The dashboard's questions: a run's new, fixed and open violations, counted and paged.

New: fingerprint absent from the site's previous checked run; fixed: present
there but absent now on a page the run still reached (tracking's "disappeared"
findings, on pages gone from the site, are not fixed). Counts come from the
database and one list's ids are kept in memory per checked run, so a run with
100,000 findings renders as fast as one with ten.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from archiver.store.index import Index
from archiver.store.rows import StoredViolation
from archiver.store.schema import checks, findings, violations
from archiver.store.slices import MAX_LIMIT, Slice, cursor, parse_cursor, row_id

_ListKeys = tuple[list[int], Counter[str], Counter[str]]
# Dashboard lists kept in memory (three per run shown); a 100,000-finding run's is ~4 MB.
_LIST_CACHE = 12
DASHBOARD_LISTS = ("new", "fixed", "open")


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
    lists: dict[str, Slice[StoredViolation]] = field(default_factory=dict)

    def counts(self, key: str) -> list[tuple[str, int, int, int]]:
        """(group, open, new, fixed) counts grouped by `rule` or `section`, sorted by group."""
        return self.by_rule if key == "rule" else self.by_section


@functools.lru_cache(maxsize=8192)
def section(url: str) -> str:
    """The site section of a URL: its first two path segments (`/en/aktuelt/`)."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return "/" + "".join(p + "/" for p in parts[:2]) if parts else "/"


class DashboardQueries:
    """Checked runs of a site and their violation lists, cached per (list, run, check)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        # A checked run's lists change only when it is checked again (a new `checks` row):
        # their ids and counts are kept per (list, run, previous run, latest check).
        self._lists: OrderedDict[tuple[Any, ...], _ListKeys] = OrderedDict()
        self._lists_lock = threading.Lock()

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
                # A page the run no longer reached (removed, 404, redirected away) is
                # not fixed: tracking calls its findings "disappeared", and so do we.
                gone = sa.exists().where(
                    findings.c.run_id == run_id,
                    findings.c.fingerprint == violations.c.fingerprint,
                    findings.c.status == "disappeared",
                )
                where = sa.and_(violations.c.run_id == previous, absent_from(run_id), ~gone)
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
        present there but absent now, on a page the run still reached. Each list
        is one keyset page (by id) of `limit` rows; `after` maps a list's name to
        its cursor.
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
                first = row_id(parse_cursor(start, 1)[0]) if start else None
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
                    [StoredViolation.of(r) for r in rows],
                    cursor(ids[-1]) if more and ids else None,
                    len(ids_all),
                )
        for target, groups in ((board.by_rule, by_rule), (board.by_section, by_section)):
            names = sorted(set().union(*(groups[w] for w in DASHBOARD_LISTS)))
            target.extend(
                (name, groups["open"][name], groups["new"][name], groups["fixed"][name])
                for name in names
            )
        return board


__all__ = ["DASHBOARD_LISTS", "Dashboard", "DashboardQueries", "section"]
