"""JSON, CSV and JUnit XML renderings of a report."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

from archiver.check.tracking import iso
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


def render_json(report: RunReport) -> str:
    """The report as JSON (``schemas/report.schema.json``)."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_csv(report: RunReport) -> str:
    """One row per finding, every status, for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    insecure = {s.run_id for s in report.sections if s.insecure_tls}
    for f in report.findings:
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
    return out.getvalue()


def render_junit(report: RunReport) -> str:
    """JUnit XML: a test suite per site, a test case per checked page, a failure per open
    violation on it; acknowledged (suppressed) ones are listed in the case's system-out."""
    root = ET.Element("testsuites", name="archiver")
    total = failures = 0
    for section in report.sections:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{section.site} run {section.run_id}",
            timestamp=iso(section.started_at).removesuffix("Z"),
        )
        if section.insecure_tls:
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="insecure_tls", value="true")
        suite_failures = 0
        for page in section.pages:
            case = ET.SubElement(suite, "testcase", classname=section.site, name=page.url)
            notes = []
            for f in section.findings:
                if f.url != page.url:
                    continue
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
                    suite_failures += 1
                elif f.status == "suppressed":
                    reason = (f.suppression or {}).get("reason", "")
                    notes.append(f"suppressed {message} (acknowledged: {reason})")
            if notes:
                ET.SubElement(case, "system-out").text = "\n".join(notes)
        suite.set("tests", str(len(section.pages)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        total += len(section.pages)
        failures += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
