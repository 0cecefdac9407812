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
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from loguru import logger

from archiver.check.findings import OPEN, STATUSES, Finding, TrackingResult, iso
from archiver.check.ignores import (
    Ignore,
    active_ignore,
    append_ignore,
    load_ignores,
    parse_ignore,
    remove_ignores,
)
from archiver.check.violation import canonical_url
from archiver.errors import ArchiveError
from archiver.markup import is_checkable_page
from archiver.store.index import (
    Index,
    findings_of_run,
    previous_tracked_run,
    replace_findings,
    tracked_run,
    violations_of_run,
)
from archiver.store.rows import Capture, StoredViolation, TrackedRun

_CARRIED = frozenset({"new", "persisting", "suppressed"})


def _violation_json(row: StoredViolation, capture: Capture | None) -> dict[str, Any]:
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
    by_url: dict[str, Capture] = {}
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
        entry = active_ignore(ignore_list, violation, today)
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
    record = TrackedRun(
        run_id=run_id,
        site=site,
        previous_run_id=previous_id,
        tracked_at=datetime.now(UTC),
        pages=len(checked),
        counts=json.dumps(counts),
        trigger=trigger,
    )
    replace_findings(index, record, [f.to_row() for f in out])
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
    by_url: dict[str, Capture],
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


__all__ = [
    "OPEN",
    "STATUSES",
    "Finding",
    "Ignore",
    "TrackingResult",
    "append_ignore",
    "iso",
    "load_ignores",
    "load_tracking",
    "parse_ignore",
    "remove_ignores",
    "track",
]
