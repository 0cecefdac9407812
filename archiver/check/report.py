"""A report: the violations of one or more pages, as JSON or as text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import archiver
from archiver.check.violation import Violation

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class PageResult:
    """One checked page: which packs applied and what the extractor saw."""

    url: str
    captured_at: str
    packs: tuple[str, ...]
    profile: str
    is_article: bool
    # Set when the page was not fetched in this run: checked from the capture of this time.
    last_fetched: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain mapping, as in ``schemas/report.schema.json``."""
        out: dict[str, Any] = {
            "url": self.url,
            "captured_at": self.captured_at,
            "packs": list(self.packs),
            "profile": self.profile,
            "is_article": self.is_article,
        }
        if self.last_fetched is not None:
            out["last_fetched"] = self.last_fetched
        return out


@dataclass
class Report:
    """Violations plus the pages checked; ``to_json()`` fits ``schemas/report.schema.json``."""

    violations: list[Violation]
    pages: list[PageResult] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def summary(self) -> dict[str, Any]:
        """Counts by severity and by rule."""
        by_severity = Counter(v.severity for v in self.violations)
        return {
            "pages": len(self.pages),
            "violations": len(self.violations),
            "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
            "by_rule": dict(sorted(Counter(v.rule for v in self.violations).items())),
        }

    def to_json(self) -> dict[str, Any]:
        """The whole report as plain JSON-ready data."""
        return {
            "tool": {"name": "archiver", "version": archiver.__version__},
            "generated_at": self.generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "summary": self.summary(),
            "pages": [p.to_json() for p in self.pages],
            "violations": [v.to_json() for v in self.violations],
        }


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_text(report: Report) -> str:
    """A plain-text report for a terminal: one block per page, then a summary line."""
    lines: list[str] = []
    for page in report.pages:
        if len(report.pages) > 1 and not any(v.url == page.url for v in report.violations):
            continue  # in a run, only pages with findings; the summary counts the rest
        kind = "article" if page.is_article else "not an article: article checks skipped"
        lines.append(
            f"{page.url}  (captured {page.captured_at}; packs: {', '.join(page.packs)}; {kind})"
        )
        for v in (v for v in report.violations if v.url == page.url):
            lines.append(f"  {v.severity:<7} {v.rule:<22} {v.pointer or '/'}")
            lines.append(f"          {v.message}")
            for name, value in v.evidence.items():
                if value not in (None, [], ""):
                    lines.append(f"          {name}: {_short(value)}")
    s = report.summary()
    counts = ", ".join(f"{s['by_severity'][sev]} {sev}" for sev in SEVERITIES)
    lines.append(f"{s['violations']} violation(s) ({counts}) on {s['pages']} page(s)")
    return "\n".join(lines) + "\n"
