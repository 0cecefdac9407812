"""Check archived captures: read payloads from WARC, extract (cached), check, record.

Page models are cached in the index by (payload digest, extractor version,
profile fingerprint): an unchanged page is parsed once, and re-checking after
a rule change only validates cached models.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from loguru import logger

from archiver.browser.records import document_of
from archiver.check.engine import check
from archiver.check.packs import ResolvedPack, RuleSet
from archiver.check.report import PageResult, Report
from archiver.check.violation import CaptureRef, Violation
from archiver.config import Settings, SiteSettings
from archiver.errors import ArchiveError, ExtractError
from archiver.extract import EXTRACTOR_VERSION, extract, rebase
from archiver.extract.decode import decode_payload
from archiver.extract.titles import learn_site_suffixes, with_site_suffixes
from archiver.markup import is_checkable_page
from archiver.store import blobs, fulltext
from archiver.store.browse import title_of
from archiver.store.index import Index, checks, page_models, violations
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.rows import Capture

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class CheckResult:
    """What checking one run found."""

    run_id: int
    report: Report
    pages: int = 0
    cached: int = 0
    extracted: int = 0
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def worst(self) -> str | None:
        """The most severe severity found, or None when clean."""
        found = [v.severity for v in self.report.violations]
        return max(found, key=lambda s: SEVERITY_RANK[s]) if found else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ArchiveChecker:
    """Checks the captures of runs against a site's rule packs, caching page models."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        ruleset: RuleSet | None = None,
        *,
        log_violations: bool = True,
    ) -> None:
        self.log_violations = log_violations
        self.settings = settings
        self.index = index
        self.ruleset = ruleset or RuleSet.load(settings.rules_dirs)
        self._packs: dict[tuple[tuple[str, ...], ...], ResolvedPack] = {}
        # A worker's threads share one checker per run: each pack is resolved once.
        self._packs_lock = threading.Lock()

    def _pack(self, site: SiteSettings, url: str) -> ResolvedPack:
        # A check's `urls` patterns make the checks differ from page to page under the same
        # packs, so the key holds the checks that apply here; one object per key keeps its
        # fingerprint (part of the page-model cache key) computed once.
        resolved = self.ruleset.resolve(list(site.rules), url)
        key = (tuple(site.rules), resolved.ids, tuple(c.id for c in resolved.checks))
        with self._packs_lock:
            return self._packs.setdefault(key, resolved)

    def _model(
        self,
        capture: Capture,
        payload_row: Capture,
        pack: ResolvedPack,
        at: datetime | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """The capture's page model and whether it came from the cache; with `at`, re-stated
        at that time (a kept page, checked at tonight's date from its last capture)."""
        model, cached = self._capture_model(capture, payload_row, pack)
        if at is not None:
            model = rebase(model, url=capture.url, captured_at=at, profile=pack.profile)
        return model, cached

    def _capture_model(
        self, capture: Capture, payload_row: Capture, pack: ResolvedPack
    ) -> tuple[dict[str, Any], bool]:
        source, payload_row = document_of(self.index, capture, payload_row, pack.profile.source)
        model, cached = self._document_model(capture, payload_row, pack)
        model["source"] = source
        return model, cached

    def _document_model(
        self, capture: Capture, payload_row: Capture, pack: ResolvedPack
    ) -> tuple[dict[str, Any], bool]:
        key = (payload_row.payload_digest, EXTRACTOR_VERSION, pack.fingerprint)
        with self.index.read() as conn:
            cached = conn.execute(
                sa.select(page_models.c.model).where(
                    page_models.c.payload_digest == key[0],
                    page_models.c.extractor_version == key[1],
                    page_models.c.profile == key[2],
                )
            ).scalar()
        if cached is not None:
            model = rebase(
                json.loads(cached),
                url=capture.url,
                captured_at=capture.captured_at,
                profile=pack.profile,
            )
            return model, True
        record = blobs.read_record(self.settings.storage, payload_row.warc_file, payload_row.offset)
        try:
            body = decode(
                record.payload,
                header(record.headers, "content-encoding"),
                pack.profile.max_bytes * 4,
            )
        except PayloadTooLarge:
            body = record.payload
        model = extract(
            body,
            url=capture.url,
            captured_at=capture.captured_at,
            profile=pack.profile,
            content_type=header(record.headers, "content-type") or payload_row.content_type,
        )
        document, _, _ = decode_payload(
            body, header(record.headers, "content-type") or payload_row.content_type
        )
        fulltext.store_text(self.index, key[0], title_of(model), fulltext.visible_text(document))
        with self.index.begin() as conn:
            conn.execute(
                self.index.insert_ignore(page_models),
                [
                    {
                        "payload_digest": key[0],
                        "extractor_version": key[1],
                        "profile": key[2],
                        "model": json.dumps(model),
                        "created_at": datetime.now(UTC),
                    }
                ],
            )
        return model, False

    def prepare(self, site: SiteSettings, capture_ids: Sequence[int]) -> tuple[int, list[str]]:
        """Extract and cache the page models of some captures: one batch of a distributed check.

        Returns how many models were newly extracted, and the problems met.
        `check_run` then only validates cached models.
        """
        extracted, problems = 0, []
        for capture_id in capture_ids:
            capture = self.index.capture(capture_id)
            if capture is None or not capture.is_page:
                continue
            try:
                payload_row = self.index.payload_capture(capture)
                if not is_checkable_page(payload_row.status, payload_row.content_type):
                    continue
                _, cached = self._model(capture, payload_row, self._pack(site, capture.url))
            except (ArchiveError, ExtractError) as exc:
                problems.append(f"{capture.url}: {exc}")
                continue
            extracted += not cached
        return extracted, problems

    def check_run(self, site: SiteSettings, run_id: int) -> CheckResult:
        """Check every archived HTML page of a run; replaces that run's stored violations.

        Pages the crawl kept (not due tonight, see `archiver.crawl.recrawl`) are checked
        too, from their last capture re-stated at the run's start: an age notice falls due
        on its own, and the result says when the page was last fetched.
        """
        started = time.monotonic()
        log = logger.bind(site=site.name, run=run_id)
        result = CheckResult(run_id, Report(violations=[]))
        rows: list[dict[str, Any]] = []
        run = self.index.run(run_id)
        tonight = run.started_at if run is not None else datetime.now(UTC)
        subjects: list[tuple[Capture, datetime | None]] = [
            (capture, None) for capture in self.index.captures_of_run(run_id)
        ] + [(capture, tonight) for capture in self.index.kept_captures(site.name, run_id)]
        fresh, suffixes = self._learn(site, subjects)
        for capture, at in subjects:
            if not capture.is_page:
                continue
            try:
                payload_row = self.index.payload_capture(capture)
            except ArchiveError as exc:
                result.errors.append(str(exc))
                continue
            if not is_checkable_page(payload_row.status, payload_row.content_type):
                continue
            pack = self._pack(site, capture.url)
            try:
                model, _ = self._model(capture, payload_row, pack, at)
            except (ArchiveError, ExtractError) as exc:
                result.errors.append(f"{capture.url}: {exc}")
                log.error("cannot check {}: {}", capture.url, exc)
                continue
            result.pages += 1
            result.cached += capture.id not in fresh
            result.extracted += capture.id in fresh
            ref = CaptureRef(capture.warc_file, capture.offset, capture.payload_digest, capture.id)
            learned = with_site_suffixes(model, suffixes, pack.profile.title_compare)
            found = check(learned, pack, capture=ref)
            result.report.pages.append(
                PageResult(
                    url=capture.url,
                    captured_at=model["captured_at"],
                    packs=pack.ids,
                    profile=pack.fingerprint,
                    is_article=model["is_article"],
                    last_fetched=None if at is None else _iso(capture.captured_at),
                )
            )
            result.report.violations.extend(found)
            for v in found if self.log_violations else ():
                log.bind(
                    rule=v.rule,
                    severity=v.severity,
                    url=v.url,
                    pointer=v.pointer,
                    subject=v.subject,
                ).info("{} {} {} {}: {}", v.severity, v.rule, v.url, v.pointer or "/", v.message)
            rows.extend(self._row(site, run_id, capture, v, pack) for v in found)
        with self.index.begin() as conn:
            conn.execute(violations.delete().where(violations.c.run_id == run_id))
            if rows:
                conn.execute(violations.insert(), rows)
            conn.execute(
                checks.insert().values(
                    run_id=run_id,
                    site=site.name,
                    checked_at=datetime.now(UTC),
                    pages=result.pages,
                    violations=len(rows),
                    rules=json.dumps(sorted({r for p in result.report.pages for r in p.packs})),
                )
            )
        result.elapsed = time.monotonic() - started
        return result

    def _learn(
        self, site: SiteSettings, subjects: list[tuple[Capture, datetime | None]]
    ) -> tuple[set[int], tuple[str, ...]]:
        """Extract (and cache) every page of a run first: which captures were extracted now,
        and the site suffixes most of their ``<title>``s share (issue #11: a suffix without
        og:site_name, " | News | European Parliament", is learned from the site itself).
        A page that cannot be read is left for the checking pass to report."""
        fresh: set[int] = set()
        titles: list[str | None] = []
        for capture, _ in subjects:
            if not capture.is_page:
                continue
            try:
                payload_row = self.index.payload_capture(capture)
                if not is_checkable_page(payload_row.status, payload_row.content_type):
                    continue
                model, cached = self._capture_model(
                    capture, payload_row, self._pack(site, capture.url)
                )
            except (ArchiveError, ExtractError):
                continue
            if not cached:
                fresh.add(capture.id)
            title = (model.get("titles") or {}).get("title")
            titles.append(title.get("raw") if isinstance(title, dict) else None)
        return fresh, learn_site_suffixes(titles)

    @staticmethod
    def _row(
        site: SiteSettings, run_id: int, capture: Capture, v: Violation, pack: ResolvedPack
    ) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "capture_id": capture.id,
            "site": site.name,
            "rule": v.rule,
            "severity": v.severity,
            "url": v.url,
            "canonical_url": capture.canonical_url,
            "message": v.message,
            "pointer": v.pointer,
            "evidence": json.dumps(v.evidence),
            "subject": v.subject,
            "fingerprint": v.fingerprint(),
            "captured_at": capture.captured_at,
            "pack": ",".join(pack.ids),
        }


def at_or_above(found: Sequence[Violation], fail_on: str) -> list[Violation]:
    """The violations at or above a `--fail-on` level ('never' matches none)."""
    if fail_on == "never":
        return []
    floor = SEVERITY_RANK[fail_on]
    return [v for v in found if SEVERITY_RANK[v.severity] >= floor]
