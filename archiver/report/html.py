"""The HTML report: one self-contained file (inline CSS, JS and images) from a Jinja2 template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from archiver.check.tracking import Finding, iso
from archiver.report.model import RunReport

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
    )
