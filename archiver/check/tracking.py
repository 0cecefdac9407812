"""Track violations across runs: new, persisting, fixed, disappeared or suppressed.

A finding is identified by its violation's fingerprint (rule + canonical URL +
subject). Tracking a run compares its violations with the findings still open
in the site's previous tracked run:

- seen now, open before → ``persisting`` (first seen carried over);
- seen now, not open before → ``new``;
- open before, not seen now, and its page was checked in this run → ``fixed``;
- open before, its page answered 404/410, redirected away, or was not reached
  at all → ``disappeared`` (the page is gone, which is not a fix);
- open before, its page was reached but could not be checked (a 5xx, a failed
  fetch, a body that is no longer HTML) → still ``persisting``, with its last
  seen unchanged and a note saying why it was not re-checked;
- any finding seen now that an active entry of the ignore file matches →
  ``suppressed`` (still listed, with the reason and expiry).

Each run's findings are stored with a copy of the violation as last seen, so
the report of any run reads one table.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from loguru import logger
from sqlalchemy.engine import Row

from archiver.check.violation import canonical_url
from archiver.errors import ArchiveError, ConfigError
from archiver.markup import is_checkable_page
from archiver.store.index import (
    Index,
    findings_of_run,
    previous_tracked_run,
    replace_findings,
    tracked_run,
    violations_of_run,
)

STATUSES = ("new", "persisting", "fixed", "suppressed", "disappeared")
OPEN = frozenset({"new", "persisting"})
_CARRIED = frozenset({"new", "persisting", "suppressed"})


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, as in the reports."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# -- the ignore file ----------------------------------------------------------


@dataclass(frozen=True)
class Ignore:
    """One acknowledged finding (or family of findings) and why.

    It matches by ``fingerprint``, or by ``rule`` plus optional ``url`` (a
    trailing ``*`` matches a prefix) and ``subject``.
    """

    reason: str
    fingerprint: str | None = None
    rule: str | None = None
    url: str | None = None
    subject: str | None = None
    expires: date | None = None
    by: str | None = None

    def active(self, on: date) -> bool:
        """Whether the acknowledgement still holds on that day (it expires at its end)."""
        return self.expires is None or on <= self.expires

    def matches(self, fingerprint: str, rule: str, url: str, subject: str) -> bool:
        """Whether this entry covers a finding."""
        if self.fingerprint is not None:
            return self.fingerprint == fingerprint
        if self.rule is not None and self.rule != rule:
            return False
        if self.subject is not None and self.subject != subject:
            return False
        if self.url is not None:
            if self.url.endswith("*"):
                return canonical_url(url).startswith(canonical_url(self.url[:-1]))
            return canonical_url(self.url) == canonical_url(url)
        return True

    def to_json(self) -> dict[str, Any]:
        """The entry as written in the ignore file (empty fields left out)."""
        data: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "url": self.url,
            "subject": self.subject,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "by": self.by,
        }
        return {k: v for k, v in data.items() if v is not None}


def parse_ignore(item: Any, where: str) -> Ignore:
    """One entry of the ignore file, validated (ConfigError says where and what)."""
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(item).__name__}")
    unknown = set(item) - {"fingerprint", "rule", "url", "subject", "reason", "expires", "by"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    if not isinstance(item.get("reason"), str) or not item["reason"].strip():
        raise ConfigError(f"{where}: 'reason' is required (say why the finding is acknowledged)")
    if not item.get("fingerprint") and not item.get("rule"):
        raise ConfigError(f"{where}: give a 'fingerprint', or a 'rule' (with 'url'/'subject')")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{where}: expires: expected YYYY-MM-DD, got {expires!r}") from None
    elif expires is not None and not isinstance(expires, date):
        raise ConfigError(f"{where}: expires: expected YYYY-MM-DD, got {expires!r}")
    text = {k: str(item[k]) for k in ("fingerprint", "rule", "url", "subject", "by") if item.get(k)}
    return Ignore(reason=item["reason"].strip(), expires=expires, **text)


def load_ignores(path: Path) -> list[Ignore]:
    """Read the ignore file (a missing file means nothing is acknowledged)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read ignore file: {exc}") from exc
    if data is None:
        return []
    items = data.get("ignore") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a top-level 'ignore:' list")
    return [parse_ignore(item, f"{path}: ignore[{i}]") for i, item in enumerate(items)]


def append_ignore(path: Path, entry: Ignore) -> None:
    """Add an entry to the ignore file, keeping what is there (comments included)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    load_ignores(path)  # refuse to append to a broken file
    block = yaml.safe_dump([entry.to_json()], allow_unicode=True, sort_keys=False)
    block = "".join(f"  {line}\n" for line in block.splitlines())
    if "ignore:" not in existing:
        existing = (existing.rstrip("\n") + "\n" if existing.strip() else "") + "ignore:\n"
    elif not existing.endswith("\n"):
        existing += "\n"
    if existing.rstrip().endswith("ignore: []"):
        existing = existing.rstrip()[: -len("[]")].rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(existing + block, encoding="utf-8")


def remove_ignores(path: Path, drop: Callable[[Ignore], bool]) -> list[Ignore]:
    """Take the entries `drop` selects out of the ignore file, keeping the rest as written.

    Each entry's lines, with the comment lines just above it, are cut from the
    text; everything else is kept byte for byte. Returns the removed entries.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    entries = load_ignores(path)  # validates, and refuses a broken file
    if not any(drop(e) for e in entries):
        return []
    root = yaml.compose(text)
    assert isinstance(root, yaml.MappingNode)  # load_ignores read a mapping
    sequence = next(
        value
        for key, value in root.value
        if isinstance(key, yaml.ScalarNode) and key.value == "ignore"
    )
    if sequence.flow_style:
        raise ConfigError(
            f"{path}: 'ignore:' is a [flow-style] list; write one '- ' entry per line to edit it"
        )
    lines = text.splitlines(keepends=True)
    cut: set[int] = set()
    removed: list[Ignore] = []
    for entry, node in zip(entries, sequence.value, strict=True):
        if not drop(entry):
            continue
        first = node.start_mark.line
        while first > 0 and not lines[first].lstrip().startswith("-"):
            first -= 1  # a "-" alone on the line before the entry's first key
        indent = len(lines[first]) - len(lines[first].lstrip())
        while (
            first > 0
            and lines[first - 1].lstrip().startswith("#")
            and len(lines[first - 1]) - len(lines[first - 1].lstrip()) >= indent
        ):
            first -= 1  # the comment written above the entry goes with it
        # Up to the end of the entry's last value (the mapping's own end mark lies at the
        # next entry, past any comment that introduces it).
        end = node.value[-1][1].end_mark if isinstance(node, yaml.MappingNode) else node.end_mark
        last = end.line if end.column == 0 else end.line + 1
        cut.update(range(first, last))
        removed.append(entry)
    kept = "".join(line for number, line in enumerate(lines) if number not in cut)
    if len(removed) == len(entries):
        # An empty 'ignore:' would read as null, not as an empty list.
        kept = re.sub(r"(?m)^ignore:[ \t]*$", "ignore: []", kept, count=1)
    path.write_text(kept, encoding="utf-8")
    load_ignores(path)  # what we wrote must read back
    return removed


def _suppression(ignores: Sequence[Ignore], v: dict[str, Any], today: date) -> Ignore | None:
    for entry in ignores:
        if entry.matches(v["fingerprint"], v["rule"], v["url"], v["subject"]):
            if entry.active(today):
                return entry
            logger.bind(rule=v["rule"], url=v["url"]).info(
                "acknowledgement of {} expired on {}", v["fingerprint"][:12], entry.expires
            )
    return None


# -- findings -----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A tracked violation's state in one run."""

    site: str
    run_id: int
    status: str
    fingerprint: str
    rule: str
    severity: str
    url: str
    canonical_url: str
    first_seen_run: int
    first_seen_at: datetime
    last_seen_run: int
    last_seen_at: datetime
    violation: dict[str, Any]
    closed_run: int | None = None
    note: str | None = None
    suppression: dict[str, Any] | None = None

    @property
    def is_open(self) -> bool:
        """New or persisting (not fixed, gone or acknowledged)."""
        return self.status in OPEN

    @classmethod
    def from_row(cls, row: Row[Any]) -> Finding:
        """A finding from its `findings` row."""
        return cls(
            site=row.site,
            run_id=row.run_id,
            status=row.status,
            fingerprint=row.fingerprint,
            rule=row.rule,
            severity=row.severity,
            url=row.url,
            canonical_url=row.canonical_url,
            first_seen_run=row.first_seen_run,
            first_seen_at=row.first_seen_at,
            last_seen_run=row.last_seen_run,
            last_seen_at=row.last_seen_at,
            violation=json.loads(row.violation),
            closed_run=row.closed_run,
            note=row.note,
            suppression=json.loads(row.suppression) if row.suppression else None,
        )

    def to_row(self) -> dict[str, Any]:
        """The `findings` row."""
        return {
            "run_id": self.run_id,
            "fingerprint": self.fingerprint,
            "site": self.site,
            "status": self.status,
            "rule": self.rule,
            "severity": self.severity,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "first_seen_run": self.first_seen_run,
            "first_seen_at": self.first_seen_at,
            "last_seen_run": self.last_seen_run,
            "last_seen_at": self.last_seen_at,
            "closed_run": self.closed_run,
            "note": self.note,
            "suppression": json.dumps(self.suppression) if self.suppression else None,
            "violation": json.dumps(self.violation, ensure_ascii=False),
        }

    def to_json(self) -> dict[str, Any]:
        """The violation with its tracking fields, as in ``schemas/report.schema.json``."""
        out = dict(self.violation)
        out.update(
            status=self.status,
            site=self.site,
            run=self.run_id,
            first_seen=iso(self.first_seen_at),
            first_seen_run=self.first_seen_run,
            last_seen=iso(self.last_seen_at),
            last_seen_run=self.last_seen_run,
        )
        if self.status == "fixed":
            out["fixed_in_run"] = self.closed_run
        if self.status == "disappeared":
            out["disappeared_in_run"] = self.closed_run
        if self.note:
            out["note"] = self.note
        if self.suppression:
            out["suppression"] = self.suppression
        return out


@dataclass
class TrackingResult:
    """The findings of one tracked run, and the run it was compared with."""

    site: str
    run_id: int
    previous_run_id: int | None
    findings: list[Finding]
    pages: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def having(self, *statuses: str) -> list[Finding]:
        """The findings with one of these statuses."""
        return [f for f in self.findings if f.status in statuses]


def _violation_json(row: Row[Any], capture: Row[Any] | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule": row.rule,
        "severity": row.severity,
        "url": row.url,
        "message": row.message,
        "pointer": row.pointer,
        "evidence": json.loads(row.evidence),
        "subject": row.subject,
        "captured_at": iso(row.captured_at),
        "fingerprint": row.fingerprint,
    }
    if capture is not None:
        data["capture"] = {
            "warc_file": capture.warc_file,
            "offset": capture.offset,
            "digest": capture.payload_digest,
            "capture_id": capture.id,
        }
    return data


def track(
    index: Index,
    site: str,
    run_id: int,
    *,
    ignores: Iterable[Ignore] = (),
    trigger: str = "run",
    today: date | None = None,
    checked_urls: Iterable[str] | None = None,
) -> TrackingResult:
    """Compare a checked run with the site's previous tracked run and store the findings.

    Tracking a run again (after a re-check) replaces its findings; runs are
    compared with the latest tracked run older than them, so tracking them in
    order gives the history. `checked_urls` (the pages the check stage really
    checked) keeps a page that could not be checked from counting as fixed.
    """
    today = today or datetime.now(UTC).date()
    ignore_list = list(ignores)
    previous = previous_tracked_run(index, site, run_id)
    before: dict[str, Finding] = {}
    if previous is not None:
        before = {
            f.fingerprint: f
            for f in map(Finding.from_row, findings_of_run(index, previous.run_id))
            if f.status in _CARRIED
        }

    captures = index.captures_of_run(run_id)
    by_id = {c.id: c for c in captures}
    by_url: dict[str, Row[Any]] = {}
    checked: set[str] = set()
    for capture in captures:
        if not capture.is_page:
            continue
        by_url[capture.canonical_url] = capture
        try:
            payload = index.payload_capture(capture)
        except ArchiveError as exc:
            logger.bind(site=site, run=run_id).error("tracking: {} unread: {}", capture.url, exc)
            continue
        if is_checkable_page(payload.status, payload.content_type):
            checked.add(capture.canonical_url)
    # Pages the crawl kept (not due tonight) were checked from their last capture.
    for capture in index.kept_captures(site, run_id):
        if not capture.is_page:
            continue
        by_id[capture.id] = capture
        by_url[capture.canonical_url] = capture
        try:
            payload = index.payload_capture(capture)
        except ArchiveError as exc:
            logger.bind(site=site, run=run_id).error("tracking: {} unread: {}", capture.url, exc)
            continue
        if is_checkable_page(payload.status, payload.content_type):
            checked.add(capture.canonical_url)
    if checked_urls is not None:
        checked &= {canonical_url(u) for u in checked_urls}
    failed = {r.canonical_url for r in index.frontier_entries(run_id, "failed")}

    out: list[Finding] = []
    seen: set[str] = set()
    for row in violations_of_run(index, run_id):
        if row.fingerprint in seen:
            continue
        seen.add(row.fingerprint)
        violation = _violation_json(row, by_id.get(row.capture_id))
        earlier = before.get(row.fingerprint)
        status = "persisting" if earlier is not None else "new"
        entry = _suppression(ignore_list, violation, today)
        suppression = None
        if entry is not None:
            suppression = {**entry.to_json(), "status": status}
            status = "suppressed"
        out.append(
            Finding(
                site=site,
                run_id=run_id,
                status=status,
                fingerprint=row.fingerprint,
                rule=row.rule,
                severity=row.severity,
                url=row.url,
                canonical_url=row.canonical_url,
                first_seen_run=earlier.first_seen_run if earlier else run_id,
                first_seen_at=earlier.first_seen_at if earlier else row.captured_at,
                last_seen_run=run_id,
                last_seen_at=row.captured_at,
                violation=violation,
                suppression=suppression,
            )
        )

    for fingerprint, earlier in before.items():
        if fingerprint in seen:
            continue
        status, closed, note = _gone(earlier, run_id, by_url, checked, failed, index)
        carried = status == "persisting" and earlier.status == "suppressed"
        out.append(
            Finding(
                site=site,
                run_id=run_id,
                status="suppressed" if carried else status,
                fingerprint=fingerprint,
                rule=earlier.rule,
                severity=earlier.severity,
                url=earlier.url,
                canonical_url=earlier.canonical_url,
                first_seen_run=earlier.first_seen_run,
                first_seen_at=earlier.first_seen_at,
                last_seen_run=earlier.last_seen_run,
                last_seen_at=earlier.last_seen_at,
                violation=earlier.violation,
                closed_run=closed,
                note=note,
                suppression=earlier.suppression if carried else None,
            )
        )

    counts = {s: 0 for s in STATUSES} | dict(Counter(f.status for f in out))
    previous_id = int(previous.run_id) if previous is not None else None
    record: dict[str, Any] = {
        "site": site,
        "previous_run_id": previous_id,
        "tracked_at": datetime.now(UTC),
        "pages": len(checked),
        "counts": json.dumps(counts),
        "trigger": trigger,
    }
    replace_findings(index, run_id, record, [f.to_row() for f in out])
    return TrackingResult(
        site=site,
        run_id=run_id,
        previous_run_id=previous_id,
        findings=out,
        pages=len(checked),
        counts=counts,
    )


def _gone(
    earlier: Finding,
    run_id: int,
    by_url: dict[str, Row[Any]],
    checked: set[str],
    failed: set[str],
    index: Index,
) -> tuple[str, int | None, str | None]:
    """What became of an open finding its run no longer reports: (status, closed run, note)."""
    url = earlier.canonical_url
    if url in checked:
        return "fixed", run_id, None
    capture = by_url.get(url)
    if capture is None:
        if url in failed or not checked:
            return "persisting", None, f"not re-checked in run {run_id}: the fetch failed"
        return "disappeared", run_id, f"page no longer reached in run {run_id}"
    status = index.payload_capture(capture).status
    if status in (404, 410):
        return "disappeared", run_id, f"page answered {status} in run {run_id}"
    if 300 <= status < 400:
        where = f" to {capture.location}" if capture.location else ""
        return "disappeared", run_id, f"page redirected{where} in run {run_id}"
    return "persisting", None, f"not re-checked in run {run_id}: the page answered {status}"


def load_tracking(index: Index, site: str, run_id: int) -> TrackingResult | None:
    """The stored tracking of a run (None when the run was never tracked)."""
    record = tracked_run(index, run_id)
    if record is None:
        return None
    return TrackingResult(
        site=site,
        run_id=run_id,
        previous_run_id=record.previous_run_id,
        findings=[Finding.from_row(r) for r in findings_of_run(index, run_id)],
        pages=record.pages,
        counts=json.loads(record.counts),
    )
