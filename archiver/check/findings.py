"""Findings: a tracked violation's state in one run, and one run's tracking result.

A finding is identified by its violation's fingerprint (rule + canonical URL +
subject); its status in a run is one of `STATUSES`. Each is stored with a copy
of the violation as last seen (`findings` table), so the report of any run
reads one table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from archiver.store.rows import StoredFinding

STATUSES = ("new", "persisting", "fixed", "suppressed", "disappeared")
OPEN = frozenset({"new", "persisting"})


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, as in the reports."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
    def from_row(cls, row: StoredFinding) -> Finding:
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

    def to_row(self) -> StoredFinding:
        """The `findings` row."""
        return StoredFinding(
            run_id=self.run_id,
            fingerprint=self.fingerprint,
            site=self.site,
            status=self.status,
            rule=self.rule,
            severity=self.severity,
            url=self.url,
            canonical_url=self.canonical_url,
            first_seen_run=self.first_seen_run,
            first_seen_at=self.first_seen_at,
            last_seen_run=self.last_seen_run,
            last_seen_at=self.last_seen_at,
            closed_run=self.closed_run,
            note=self.note,
            suppression=json.dumps(self.suppression) if self.suppression else None,
            violation=json.dumps(self.violation, ensure_ascii=False),
        )

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


__all__ = ["OPEN", "STATUSES", "Finding", "TrackingResult", "iso"]
