"""JSON, CSV and JUnit XML renderings of a report, each produced in pieces.

A run of a large site has tens of thousands of findings: the renderers yield
the document a finding (or a page) at a time, so it is written to its file as
it is made rather than held whole in memory a second time.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from archiver.check.tracking import Finding, iso
from archiver.report.model import RunReport

CSV_COLUMNS = (
    "site",
    "run",
    "status",
    "severity",
    "rule",
    "url",
    "subject",
    "message",
    "first_seen",
    "first_seen_run",
    "last_seen",
    "last_seen_run",
    "fixed_in_run",
    "disappeared_in_run",
    "note",
    "suppressed_reason",
    "suppressed_until",
    "evidence",
    "link",
    "fingerprint",
    "insecure_tls",
)


# A spreadsheet runs a cell starting with one of these as a formula; archived
# pages choose subjects and messages (an <img src="=HYPERLINK(…)">), so such
# cells get a leading apostrophe, as OWASP advises against CSV injection.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(row: dict[str, object]) -> dict[str, object]:
    """A CSV row whose cells a spreadsheet shows as text, never evaluates."""
    return {
        key: "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value
        for key, value in row.items()
    }


def render_json(report: RunReport) -> Iterator[str]:
    """The report as JSON (``schemas/report.schema.json``), one violation per line."""
    head = report.to_json(violations=False)
    yield "{\n"
    for key, value in head.items():
        yield f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n"
    yield '  "violations": ['
    for i, f in enumerate(report.findings):
        data = f.to_json()
        data["link"] = report.link(f)
        yield ("\n    " if i == 0 else ",\n    ") + json.dumps(data, ensure_ascii=False)
    yield "\n  ]\n}\n"


def render_csv(report: RunReport) -> Iterator[str]:
    """One row per finding, every status, for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    insecure = {s.run_id for s in report.sections if s.insecure_tls}
    for f in report.findings:
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        link = report.link(f)
        suppression = f.suppression or {}
        writer.writerow(
            spreadsheet_safe(
                {
                    "site": f.site,
                    "run": f.run_id,
                    "status": f.status,
                    "severity": f.severity,
                    "rule": f.rule,
                    "url": f.url,
                    "subject": f.violation.get("subject", ""),
                    "message": f.violation.get("message", ""),
                    "first_seen": iso(f.first_seen_at),
                    "first_seen_run": f.first_seen_run,
                    "last_seen": iso(f.last_seen_at),
                    "last_seen_run": f.last_seen_run,
                    "fixed_in_run": f.closed_run if f.status == "fixed" else "",
                    "disappeared_in_run": f.closed_run if f.status == "disappeared" else "",
                    "note": f.note or "",
                    "suppressed_reason": suppression.get("reason", ""),
                    "suppressed_until": suppression.get("expires", ""),
                    "evidence": json.dumps(f.violation.get("evidence", {}), ensure_ascii=False),
                    "link": link.get("href") or link["label"],
                    "fingerprint": f.fingerprint,
                    # The capture behind the finding was made without verifying TLS.
                    "insecure_tls": "true" if f.run_id in insecure else "",
                }
            )
        )
    yield out.getvalue()


def render_junit(report: RunReport) -> Iterator[str]:
    """JUnit XML: a test suite per site, a test case per checked page, a failure per open
    violation on it; acknowledged (suppressed) ones are listed in the case's system-out."""
    grouped = []
    for section in report.sections:
        by_url: dict[str, list[Finding]] = defaultdict(list)
        for f in section.findings:
            by_url[f.url].append(f)
        failures = sum(f.is_open for p in section.pages for f in by_url.get(p.url, ()))
        grouped.append((section, by_url, failures))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (
        f'<testsuites name="archiver" tests="{sum(len(s.pages) for s in report.sections)}" '
        f'failures="{sum(g[2] for g in grouped)}" errors="0">\n'
    )
    for section, by_url, failures in grouped:
        name = quoteattr(f"{section.site} run {section.run_id}")
        stamp = quoteattr(iso(section.started_at).removesuffix("Z"))
        yield (
            f'  <testsuite name={name} timestamp={stamp} tests="{len(section.pages)}" '
            f'failures="{failures}" errors="0">\n'
        )
        if section.insecure_tls:
            yield (
                "    <properties>\n"
                '      <property name="insecure_tls" value="true" />\n'
                "    </properties>\n"
            )
        for page in section.pages:
            case = ET.Element("testcase", classname=section.site, name=page.url)
            notes = []
            for f in by_url.get(page.url, ()):
                message = f"{f.rule}: {f.violation.get('message', '')}"
                if f.is_open:
                    failure = ET.SubElement(case, "failure", message=message, type=f.severity)
                    link = report.link(f)
                    failure.text = (
                        f"[{f.status}] {f.severity} {f.rule} at {f.violation.get('pointer') or '/'}"
                        f"\nfirst seen run {f.first_seen_run} ({iso(f.first_seen_at)})"
                        f"\nevidence: {json.dumps(f.violation.get('evidence', {}))}"
                        f"\narchived: {link.get('href') or link['label']}"
                    )
                elif f.status == "suppressed":
                    reason = (f.suppression or {}).get("reason", "")
                    notes.append(f"suppressed {message} (acknowledged: {reason})")
            if notes:
                ET.SubElement(case, "system-out").text = "\n".join(notes)
            ET.indent(case, level=2)
            yield "    " + ET.tostring(case, "unicode").rstrip() + "\n"
        yield "  </testsuite>\n"
    yield "</testsuites>\n"
