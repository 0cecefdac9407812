"""One run of one site: lock → crawl → check → track → report → notify.

`run_site` is what `archiver run`, `archiver schedule` and `archiver demo` call.
It holds the site's lock for the whole run, never raises for a site's failure
(the outcome says what happened), and can be stopped at a safe point from
another thread or a signal handler through a `RunControl`: the crawl stops
after the fetches in flight are committed and resumes on the next run.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

from loguru import logger

from archiver.browser import capture_run
from archiver.check.archive import SEVERITY_RANK, ArchiveChecker, CheckResult
from archiver.check.tracking import Finding, Ignore, TrackingResult, load_ignores, track
from archiver.config import Settings, SiteSettings
from archiver.crawl.crawler import Crawler, CrawlResult, CrawlStats
from archiver.errors import ArchiverError, LockError
from archiver.evidence import close_run
from archiver.exitcodes import (
    EXIT_CUT_SHORT,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_VIOLATIONS,
    combine,
)
from archiver.lock import site_lock
from archiver.notify import notify
from archiver.report import write_reports
from archiver.store.index import COMPLETED, Index, untracked_crawl

COMPLETED_RUN, INTERRUPTED_RUN, FAILED_RUN, LOCKED_RUN = (
    "completed",
    "interrupted",
    "failed",
    "locked",
)


class RunControl:
    """A handle to stop a run at a safe point, from another thread or a signal handler."""

    def __init__(self) -> None:
        self.stop_requested = False
        self._crawler: Crawler | None = None
        self._lock = threading.Lock()

    def request_stop(self) -> None:
        """Stop the crawl after the fetches in flight; the stages after it are skipped."""
        with self._lock:
            self.stop_requested = True
            if self._crawler is not None:
                self._crawler.request_stop()

    def attach(self, crawler: Crawler | None) -> None:
        """Route stop requests to this crawler (None: the crawl is over)."""
        with self._lock:
            self._crawler = crawler
            if crawler is not None and self.stop_requested:
                crawler.request_stop()


@dataclass
class SiteRun:
    """What one run of one site did."""

    site: str
    outcome: str
    run_id: int | None = None
    crawl: CrawlResult | None = None
    check: CheckResult | None = None
    tracking: TrackingResult | None = None
    reports: list[Path] = field(default_factory=list)
    notified: dict[str, bool] = field(default_factory=dict)
    error: str | None = None
    elapsed: float = 0.0

    def failing(self, fail_on: str) -> list[Finding]:
        """Open findings (new or persisting) at or above `fail_on` ('never': none)."""
        if self.tracking is None or fail_on == "never":
            return []
        floor = SEVERITY_RANK[fail_on]
        return [
            f
            for f in self.tracking.findings
            if f.is_open and SEVERITY_RANK.get(f.severity, 0) >= floor
        ]

    def exit_code(self, fail_on: str) -> int:
        """This site's exit code: 3 failed or interrupted, 4 locked, 1 violations, 5 the crawl
        was cut short (page cap, trap backstop), else 0."""
        if self.outcome in (FAILED_RUN, INTERRUPTED_RUN):
            return EXIT_FAILED
        if self.outcome == LOCKED_RUN:
            return EXIT_LOCKED
        if self.failing(fail_on):
            return EXIT_VIOLATIONS
        return EXIT_CUT_SHORT if self.crawl and self.crawl.stats.cut_short else EXIT_OK

    def summary(self) -> str:
        """One line for cron mail and logs."""
        run = f"run {self.run_id}" if self.run_id is not None else "run"
        if self.outcome == LOCKED_RUN:
            return f"{self.site}: skipped: {self.error}"
        if self.outcome == FAILED_RUN:
            return f"{self.site}: {run} FAILED after {self.elapsed:.1f}s: {self.error}"
        pages = self.crawl.stats.pages if self.crawl else 0
        if self.outcome == INTERRUPTED_RUN:
            return (
                f"{self.site}: {run} interrupted after {pages} pages in {self.elapsed:.1f}s; "
                "it resumes on the next run"
            )
        assert self.tracking is not None
        c = self.tracking.counts
        open_ = [f for f in self.tracking.findings if f.is_open]
        severities = ", ".join(
            f"{sum(f.severity == s for f in open_)} {s}" for s in ("error", "warning", "info")
        )
        since = (
            f" since run {self.tracking.previous_run_id}"
            if self.tracking.previous_run_id
            else " (first tracked run)"
        )
        report = next((p for p in self.reports if p.suffix == ".html"), None) or next(
            iter(self.reports), None
        )
        crawl = ""
        if self.crawl is not None:
            s = self.crawl.stats
            cut = s.cut_short_note()
            crawl = (
                f"; {s.fetched - s.revisits} URLs fetched in full, {s.revisits} unchanged, "
                f"{s.kept} kept from their last capture; {s.skipped_by_reason()}"
                + (f"; {cut}" if cut else "")
            )
        return (
            f"{self.site}: {run} completed in {self.elapsed:.1f}s: {self.tracking.pages} pages "
            f"checked; {len(open_)} open ({severities}): {c['new']} new, "
            f"{c['persisting']} persisting{since}; {c['fixed']} fixed, "
            f"{c['disappeared']} disappeared, {c['suppressed']} suppressed"
            + crawl
            + (f"; report {report}" if report else "")
        )


def combined_exit_code(runs: list[SiteRun], fail_on: str) -> int:
    """The command's exit code: 3 if any run failed, else 1 on violations, else 5 if a crawl
    was cut short, else 4 if any site was skipped because it was locked, else 0."""
    return combine(r.exit_code(fail_on) for r in runs)


def run_site(
    settings: Settings,
    site: SiteSettings | str,
    index: Index | None = None,
    *,
    wait: float = 0.0,
    control: RunControl | None = None,
    on_progress: Callable[[CrawlStats], None] | None = None,
    trigger: str = "run",
    send_notifications: bool = True,
    full: bool = False,
) -> SiteRun:
    """Run one site end to end under its lock; failures are returned, not raised.

    The crawl resumes an interrupted run of the site. After a completed crawl the
    run is checked, tracked against the previous tracked run, logged (each
    finding once, with its fields bound), reported in the configured formats
    and, when it found new violations, notified. Calling it again for the same
    site makes the next run (that is all the demo needs for "run twice").
    """
    entry = settings.site(site) if isinstance(site, str) else site
    started = time.monotonic()
    outcome = SiteRun(entry.name, "running")
    own_index = index is None
    try:
        with site_lock(settings, entry.name, wait) as lock:
            if lock.took_over is not None:
                logger.bind(site=entry.name).warning(
                    "previous run (pid {}) died; resuming", lock.took_over.get("pid")
                )
            index = index or Index(settings.storage.index_url)
            _crawl_and_finish(settings, entry, index, outcome, control, on_progress, trigger, full)
            if send_notifications:
                notify_run(settings, outcome)
    except LockError as exc:
        outcome.outcome, outcome.error = LOCKED_RUN, str(exc)
    except Exception as exc:
        # A bug in one site's run must not stop the other sites.
        fail(outcome, exc)
    finally:
        if control is not None:
            control.attach(None)
        if own_index and index is not None:
            index.close()
        outcome.elapsed = time.monotonic() - started
    return outcome


def _crawl_and_finish(
    settings: Settings,
    site: SiteSettings,
    index: Index,
    outcome: SiteRun,
    control: RunControl | None,
    on_progress: Callable[[CrawlStats], None] | None,
    trigger: str,
    full: bool,
) -> None:
    ignores = load_ignores(settings.tracking.ignore_file)
    pending = untracked_crawl(index, site.name)
    if pending is not None:
        # The last run died after its crawl: finish that run (check, track,
        # report) instead of crawling again and leaving it unreported.
        logger.bind(site=site.name).warning(
            "run {} was crawled but never tracked: checking, tracking and reporting it",
            pending.id,
        )
        outcome.run_id = pending.id
    else:
        crawler = Crawler(settings, site, index, on_progress=on_progress, full=full)
        if control is not None:
            control.attach(crawler)
        try:
            outcome.crawl = crawler.run()
        finally:
            if control is not None:
                control.attach(None)
        outcome.run_id = outcome.crawl.run_id
        if outcome.crawl.status != COMPLETED:
            outcome.outcome = INTERRUPTED_RUN
            return

    # Sites with capture = "browser": render the run's pages (resumable, like the crawl);
    # before the check, so a pack reading the rendered DOM finds it. (Workers: queue/cluster.)
    def stopping() -> bool:
        return control is not None and control.stop_requested

    capture_run(settings, site, index, outcome.run_id, should_stop=stopping)
    if stopping():
        outcome.outcome = INTERRUPTED_RUN
        return
    finish_run(settings, site, index, outcome, trigger=trigger, ignores=ignores)


# -- the stages after the crawl: one copy, called by `run_site` and by the workers ------------


def finish_run(
    settings: Settings,
    site: SiteSettings,
    index: Index,
    outcome: SiteRun,
    *,
    trigger: str,
    checker: ArchiveChecker | None = None,
    ignores: list[Ignore] | None = None,
) -> None:
    """Check, track and report the completed crawl `outcome.run_id`, under the site's lock.

    What both modes do after a crawl: `run_site` calls it in-process, a worker's
    finish job once every check batch is done (passing the run's cached
    `checker`). Each finding is logged once with its fields bound; a page that
    could not be checked fails the run (after it is tracked and reported), and
    a run with no page checked is left untracked, so the next run compares with
    the last good one. `outcome` says what happened; nothing is raised for it.
    """
    assert outcome.run_id is not None
    run_id = outcome.run_id
    log = logger.bind(site=site.name, run=run_id)
    if outcome.crawl is None:
        outcome.crawl = stored_crawl(index, run_id)
    if ignores is None:
        ignores = load_ignores(settings.tracking.ignore_file)
    # The pipeline logs each violation once, with its tracking status, below.
    checker = checker or ArchiveChecker(settings, index, log_violations=False)
    outcome.check = checker.check_run(site, run_id)
    for problem in outcome.check.errors:
        log.error("check: {}", problem)
    if outcome.check.pages == 0:
        # Nothing reached (site down, robots.txt unreachable): tracking this run would
        # call every finding disappeared. Leave it untracked; the next run compares
        # with the last good one.
        outcome.outcome = FAILED_RUN
        outcome.error = "no page was archived and checked (is the site down?)"
        return
    outcome.tracking = track(
        index,
        site.name,
        run_id,
        ignores=ignores,
        trigger=trigger,
        checked_urls=[p.url for p in outcome.check.report.pages],
    )
    log_findings(outcome.tracking)
    outcome.reports = write_reports(settings, index, site.name, run_id)
    close_run(settings, index, site.name, run_id)
    if outcome.check.errors:
        outcome.outcome = FAILED_RUN
        outcome.error = f"{len(outcome.check.errors)} page(s) could not be checked"
    else:
        outcome.outcome = COMPLETED_RUN


def notify_run(settings: Settings, outcome: SiteRun) -> None:
    """Send the configured notifications of a completed run that found new violations."""
    if outcome.outcome == COMPLETED_RUN and outcome.tracking is not None:
        outcome.notified = notify(
            settings.notify,
            outcome.tracking,
            [str(p) for p in outcome.reports],
            settings.report.viewer_url,
        )


def fail(outcome: SiteRun, exc: Exception) -> None:
    """Mark the run failed by `exc` and log it: ours by its message, a bug with its traceback."""
    log = logger.bind(site=outcome.site, run=outcome.run_id)
    outcome.outcome = FAILED_RUN
    if isinstance(exc, ArchiverError):
        outcome.error = str(exc)
        log.error("run failed: {}", exc)
    else:
        outcome.error = f"internal error: {type(exc).__name__}: {exc}"
        log.opt(exception=exc).error("run failed")


def log_findings(result: TrackingResult) -> None:
    """Log each finding of a tracked run once, with its fields bound (for the JSON log)."""
    for f in result.findings:
        logger.bind(
            site=f.site,
            run=f.run_id,
            rule=f.rule,
            url=f.url,
            severity=f.severity,
            status=f.status,
            fingerprint=f.fingerprint,
            first_seen_run=f.first_seen_run,
            pointer=f.violation.get("pointer", ""),
        ).info(
            "{} {} {} {}: {}",
            f.status,
            f.severity,
            f.rule,
            f.url,
            f.violation.get("message", ""),
        )


def stored_crawl(index: Index, run_id: int) -> CrawlResult | None:
    """How the crawl of `run_id` ended, as its run row stored it (for a run crawled elsewhere:
    by a worker, or by a run that died before checking it)."""
    row = index.run(run_id)
    if row is None:
        return None
    known = {f.name for f in fields(CrawlStats)}
    stored = json.loads(row.stats or "{}")
    stats = CrawlStats(**{k: v for k, v in stored.items() if k in known})
    return CrawlResult(run_id, row.status, stats, resumed=False)
