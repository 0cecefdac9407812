"""What a report shows: per site, one tracked run with its findings and checked pages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from loguru import logger

import archiver
from archiver.browser.crops import crop_uris
from archiver.check.tracking import OPEN, Finding, TrackingResult, iso, load_tracking
from archiver.config import StorageSettings
from archiver.errors import ArchiveError, ConfigError
from archiver.markup import is_checkable_page
from archiver.store import blobs
from archiver.store.index import Index, latest_tracked_run
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.urls import canonicalize

SEVERITIES = ("error", "warning", "info")
_MAX_IMAGE = 400_000
# Inline images of one report section in all (data: URI characters): a report
# of 10,000 findings stays a file a mail client and a browser open at once;
# findings past the budget link to the viewer instead.
_IMAGE_BUDGET = 1_000_000


@dataclass(frozen=True)
class Page:
    """A page checked in the run."""

    url: str
    captured_at: datetime
    capture_id: int
    # Set when the run did not fetch the page (not due): checked from this older capture.
    last_fetched: datetime | None = None


@dataclass
class Section:
    """One site's run in a report."""

    site: str
    run_id: int
    run_status: str
    started_at: datetime
    finished_at: datetime | None
    tracking: TrackingResult
    pages: list[Page]
    images: dict[str, str] = field(default_factory=dict)
    insecure_tls: bool = False  # the crawl did not verify TLS certificates
    crawl: dict[str, Any] = field(default_factory=dict)  # the crawl's stats, as stored

    @property
    def kept(self) -> int:
        """Pages checked from their last capture (not fetched in this run)."""
        return sum(p.last_fetched is not None for p in self.pages)

    @property
    def skips(self) -> list[dict[str, Any]]:
        """Skipped URLs by reason, most first, with a few examples each."""
        counts: dict[str, int] = self.crawl.get("skips") or {}
        examples: dict[str, list[str]] = self.crawl.get("skip_examples") or {}
        return [
            {"reason": reason, "count": n, "examples": examples.get(reason, [])}
            for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    @property
    def warnings(self) -> list[str]:
        """What cut the crawl short, in words (empty when it covered what it found)."""
        why = {
            "max-pages": "the crawl stopped at max_pages: the rest of the site was not archived",
            "trap:max-per-pattern": (
                "the trap backstop crawl.max_per_pattern was reached: URLs of a pattern "
                "were no longer fetched (list real pages in a sitemap or raise the limit)"
            ),
        }
        return [why.get(c, c) for c in self.crawl.get("cut_short") or []]

    @property
    def findings(self) -> list[Finding]:
        """Every finding of the run (all statuses)."""
        return self.tracking.findings

    def having(self, *statuses: str) -> list[Finding]:
        """The findings with one of these statuses."""
        return self.tracking.having(*statuses)

    def by_rule(self) -> list[dict[str, Any]]:
        """Per rule: its severity and how many findings of each status."""
        rules: dict[str, dict[str, Any]] = {}
        for f in self.findings:
            entry = rules.setdefault(f.rule, {"rule": f.rule, "severity": f.severity, "open": 0})
            entry[f.status] = entry.get(f.status, 0) + 1
            entry["open"] += f.status in OPEN
        return sorted(rules.values(), key=lambda r: (-r["open"], r["rule"]))


@dataclass
class RunReport:
    """The report of one or more sites' runs."""

    sections: list[Section]
    viewer_url: str = ""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def findings(self) -> list[Finding]:
        """Every finding of every section."""
        return [f for s in self.sections for f in s.findings]

    def link(self, finding: Finding) -> dict[str, Any]:
        """Where the archived evidence is: the viewer's page, or the WARC file and offset."""
        capture = finding.violation.get("capture") or {}
        if self.viewer_url and capture.get("capture_id") is not None:
            stamp = _timestamp(finding.last_seen_at)
            return {
                "href": f"{self.viewer_url}/capture/{capture['capture_id']}",
                "wayback": f"{self.viewer_url}/web/{stamp}/{finding.url}",
                "label": f"capture {capture['capture_id']}",
            }
        if capture:
            return {"label": f"{capture['warc_file']} @ {capture['offset']}"}
        return {"label": "(no capture)"}

    def summary(self) -> dict[str, Any]:
        """Counts: open findings by severity and rule, all findings by status."""
        found = self.findings
        open_ = [f for f in found if f.is_open]
        by_rule: dict[str, int] = {}
        for f in open_:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        return {
            "pages": sum(len(s.pages) for s in self.sections),
            "violations": len(open_),
            "by_severity": {s: sum(f.severity == s for f in open_) for s in SEVERITIES},
            "by_rule": dict(sorted(by_rule.items())),
            "by_status": {
                s: sum(f.status == s for f in found)
                for s in ("new", "persisting", "fixed", "suppressed", "disappeared")
            },
        }

    def to_json(self, *, violations: bool = True) -> dict[str, Any]:
        """The report as ``schemas/report.schema.json`` describes it.

        Without `violations`, everything but the list of violations (which the
        JSON renderer then writes one at a time).
        """
        document = {
            "tool": {"name": "archiver", "version": archiver.__version__},
            "generated_at": iso(self.generated_at),
            "summary": self.summary(),
            "runs": [
                {
                    "site": s.site,
                    "run": s.run_id,
                    "previous_run": s.tracking.previous_run_id,
                    "status": s.run_status,
                    "started_at": iso(s.started_at),
                    "finished_at": iso(s.finished_at) if s.finished_at else None,
                    "pages": len(s.pages),
                    "counts": s.tracking.counts,
                    "insecure_tls": s.insecure_tls,
                    "crawl": {
                        "fetched": len(s.pages) - s.kept,
                        "kept": s.kept,
                        "skipped": {k["reason"]: k["count"] for k in s.skips},
                        "skip_examples": {k["reason"]: k["examples"] for k in s.skips},
                        "warnings": s.warnings,
                    },
                }
                for s in self.sections
            ],
            "pages": [
                {"url": p.url, "captured_at": iso(p.captured_at), "site": s.site}
                | ({"last_fetched": iso(p.last_fetched)} if p.last_fetched else {})
                for s in self.sections
                for p in s.pages
            ],
        }
        if violations:
            listed = []
            for f in self.findings:
                data = f.to_json()
                data["link"] = self.link(f)
                listed.append(data)
            document["violations"] = listed
        return document


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _pages(index: Index, site: str, run_id: int, started_at: datetime) -> list[Page]:
    """The run's checked pages: those it fetched, then those it kept from a last capture
    (checked at the run's start, and saying when they were last fetched)."""
    pages = []
    kept = [(c, True) for c in index.kept_captures(site, run_id)]
    for capture, was_kept in [(c, False) for c in index.captures_of_run(run_id)] + kept:
        if not capture.is_page:
            continue
        try:
            payload = index.payload_capture(capture)
        except ArchiveError as exc:
            logger.bind(site=site, run=run_id).error("report: {} left out: {}", capture.url, exc)
            continue
        if is_checkable_page(payload.status, payload.content_type):
            if was_kept:
                pages.append(Page(capture.url, started_at, capture.id, capture.captured_at))
            else:
                pages.append(Page(capture.url, capture.captured_at, capture.id))
    return pages


def _stats(text: str | None) -> dict[str, Any]:
    try:
        stats = json.loads(text or "{}")
    except ValueError:
        return {}
    return stats if isinstance(stats, dict) else {}


def _image(
    index: Index, storage: StorageSettings, site: str, page_url: str, src: str
) -> str | None:
    """The archived image as a data: URI (None when not archived, too big or not an image)."""
    try:
        key = canonicalize(urljoin(page_url, src))
    except ValueError:
        return None
    row = index.previous_capture(site, key)
    if row is None or row.content_type is None or not row.content_type.startswith("image/"):
        return None
    try:
        record = blobs.read_record(storage, row.warc_file, row.offset)
        body = decode(record.payload, header(record.headers, "content-encoding"), _MAX_IMAGE)
    except (ArchiveError, PayloadTooLarge, OSError):
        return None
    if len(body) > _MAX_IMAGE:
        return None
    mime = row.content_type.split(";", 1)[0].strip()
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def section(
    index: Index,
    site: str,
    run: str | int,
    *,
    storage: StorageSettings | None = None,
    images: bool = False,
) -> Section:
    """The report section of a site's tracked run (`run`: 'latest' or an id)."""
    if run == "latest":
        latest = latest_tracked_run(index, site)
        if latest is None:
            raise ConfigError(f"site {site!r} has no tracked runs yet: use `archiver run` first")
        run_id = int(latest.run_id)
    else:
        run_id = int(run)
    row = index.run(run_id)
    tracking = load_tracking(index, site, run_id)
    if row is None or row.site != site or tracking is None:
        raise ConfigError(f"--run: run {run_id} of site {site!r} was not tracked")
    result = Section(
        site=site,
        run_id=run_id,
        run_status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        tracking=tracking,
        pages=_pages(index, site, run_id, row.started_at),
        insecure_tls=bool(json.loads(row.stats or "{}").get("insecure_tls")),
        crawl=_stats(row.stats),
    )
    if images and storage is not None:
        result.images.update(crop_uris(index, storage, result.findings))
        budget = _IMAGE_BUDGET
        # New findings first: their picture is what the reader needs most.
        for f in sorted(result.findings, key=lambda f: (f.status != "new", not f.is_open)):
            src = f.violation.get("evidence", {}).get("src")
            if isinstance(src, str) and src and f"{f.url} {src}" not in result.images:
                uri = _image(index, storage, site, f.url, src)
                if uri and len(uri) <= budget:
                    result.images[f"{f.url} {src}"] = uri
                    budget -= len(uri)
                if budget < _MAX_IMAGE // 8:
                    break
    return result
