"""The HTML report: one self-contained file (inline CSS, JS and images) from a Jinja2 template."""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2

from archiver.browser.crops import crop_key
from archiver.check.tracking import Finding, iso
from archiver.report.model import RunReport, Section
from archiver.store.browse import section as site_section

_TEMPLATES = Path(__file__).parent / "templates"

STATUS_HELP = {
    "new": "seen in this run, not in the previous one",
    "persisting": "seen in this run and the previous one",
    "fixed": "gone from a page that is still there: fixed in this run",
    "disappeared": "the page itself is gone (404/410, redirected or no longer linked); "
    "not counted as fixed",
    "suppressed": "acknowledged in the ignore file; shown, but not counted",
}


def _when(value: Any) -> str:
    return iso(value).replace("T", " ").split(".")[0].removesuffix("Z") + " UTC"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    return env


# The new and fixed lists up front name at most this many findings each; the
# full table below has them all.
UP_FRONT = 100


def _finding_rows(report: RunReport) -> list[list[Any]]:
    """Every finding as one compact row for the table's script (see report.html.j2)."""
    rows = []
    for f in report.findings:
        link = report.link(f)
        evidence = f.violation.get("evidence") or {}
        rows.append(
            [
                f.status,
                f.severity,
                f.rule,
                f.url,
                f.violation.get("message", ""),
                evidence,
                f.first_seen_run,
                _when(f.first_seen_at),
                f.last_seen_run,
                _when(f.last_seen_at),
                link,
                f.note or "",
                (f.suppression or {}).get("reason", ""),
                (f.suppression or {}).get("expires", "") or "",
                f.closed_run,
                f"{f.url} {evidence.get('src')}" if evidence.get("src") else "",
                f.first_seen_at.isoformat(),
                f.last_seen_at.isoformat(),
                crop_key(f.fingerprint),
            ]
        )
    return rows


def _packed(value: Any) -> str:
    """JSON, gzipped and base64-encoded: 10,000 findings fit in a few hundred KB of HTML."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return base64.b64encode(gzip.compress(raw.encode("utf-8"), mtime=0)).decode("ascii")


def _by_section(section: Section) -> list[tuple[str, int, int, int]]:
    """(site section, open, new, fixed) counts, the most open first."""
    opened: Counter[str] = Counter()
    new: Counter[str] = Counter()
    fixed: Counter[str] = Counter()
    for f in section.findings:
        name = site_section(f.url)
        opened[name] += f.is_open
        new[name] += f.status == "new"
        fixed[name] += f.status == "fixed"
    names = sorted(set(opened) | set(fixed), key=lambda n: (-opened[n], -new[n], n))
    return [(n, opened[n], new[n], fixed[n]) for n in names]


def render_html(report: RunReport) -> str:
    """The report as one HTML file a web-team lead can read without the docs."""
    template = _environment().get_template("report.html.j2")

    def image(finding: Finding) -> str | None:
        src = finding.violation.get("evidence", {}).get("src")
        for section in report.sections:
            if section.site == finding.site:
                return section.images.get(f"{finding.url} {src}")
        return None

    return template.render(
        report=report,
        summary=report.summary(),
        status_help=STATUS_HELP,
        link=report.link,
        image=image,
        generated=_when(report.generated_at),
        rules=sorted({f.rule for f in report.findings}),
        up_front=UP_FRONT,
        by_section=_by_section,
        findings_data=_packed(_finding_rows(report)),
        images_json=json.dumps(
            {k: v for s in report.sections for k, v in s.images.items()}, separators=(",", ":")
        ).replace("<", "\\u003c"),
    )
