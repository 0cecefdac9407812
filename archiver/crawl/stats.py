"""What one crawl did, counted as it goes: reported live, stored with the run, summarised."""

from __future__ import annotations

from dataclasses import dataclass, field

# Skipped URLs named per reason in the summary and the report.
SKIP_EXAMPLES = 3


@dataclass
class CrawlStats:
    """Counters of one crawl, reported as it goes and stored with the run."""

    pages: int = 0
    embeds: int = 0
    sitemaps: int = 0
    robots: int = 0
    revisits: int = 0
    failed: int = 0
    skipped: int = 0
    truncated: int = 0
    redirects: int = 0
    warc_bytes: int = 0
    queued: int = 0
    kept: int = 0  # pages not due tonight: not fetched, checked from their last capture
    elapsed: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    # Whether this run's TLS certificates went unverified (the site's insecure_tls):
    # reports and the viewer say so on every capture of the run.
    insecure_tls: bool = False
    # Skipped URLs by reason (robots, scope:*, depth, max-pages, trap:*), a few of each.
    skips: dict[str, int] = field(default_factory=dict)
    skip_examples: dict[str, list[str]] = field(default_factory=dict)
    # Why the crawl stopped short of the whole site (a page cap, a trap backstop).
    cut_short: list[str] = field(default_factory=list)

    def skipped_by_reason(self) -> str:
        """'N skipped (reason count, e.g. URL; …)': the summary line's account of skips."""
        total = sum(self.skips.values())
        if not total:
            return "0 skipped"
        parts = [
            f"{reason} {n}, e.g. {self.skip_examples.get(reason, ['?'])[0]}"
            for reason, n in sorted(self.skips.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return f"{total} skipped ({'; '.join(parts)})"

    def cut_short_note(self) -> str:
        """'' when the crawl covered what it found, else a warning naming what cut it short."""
        if not self.cut_short:
            return ""
        return "CUT SHORT by " + ", ".join(self.cut_short) + ": part of the site is not archived"

    def skip(self, reason: str, url: str, n: int = 1) -> None:
        """Count `n` URLs skipped for `reason`, keeping the first few as examples."""
        self.skips[reason] = self.skips.get(reason, 0) + n
        examples = self.skip_examples.setdefault(reason, [])
        if len(examples) < SKIP_EXAMPLES:
            examples.append(url)

    @property
    def fetched(self) -> int:
        """URLs fetched and archived (any kind)."""
        return self.pages + self.embeds + self.sitemaps + self.robots


@dataclass(frozen=True)
class CrawlResult:
    """How a crawl ended."""

    run_id: int
    status: str
    stats: CrawlStats
    resumed: bool
