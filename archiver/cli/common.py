"""What every `archiver` command shares: the Typer app, common options, exit codes, helpers.

The exit codes (documented in the README) live in `archiver.exitcodes`; the commands
import them from here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from loguru import logger
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from archiver import config as config_module
from archiver import log
from archiver.config import Settings, SiteSettings
from archiver.errors import ArchiverError, ConfigError, LockError
from archiver.exitcodes import EXIT_CUT_SHORT as EXIT_CUT_SHORT
from archiver.exitcodes import EXIT_EVIDENCE as EXIT_EVIDENCE
from archiver.exitcodes import EXIT_FAILED as EXIT_FAILED
from archiver.exitcodes import EXIT_LOCKED as EXIT_LOCKED
from archiver.exitcodes import EXIT_OK as EXIT_OK
from archiver.exitcodes import EXIT_USAGE as EXIT_USAGE
from archiver.exitcodes import EXIT_VIOLATIONS as EXIT_VIOLATIONS
from archiver.exitcodes import combine

if TYPE_CHECKING:
    # Imported where used: `archiver --help` and the light commands stay quick to start.
    from archiver.check.report import Report
    from archiver.crawl.crawler import CrawlResult, CrawlStats
    from archiver.store.index import Index


app = typer.Typer(
    help="Archive government websites into WARC snapshots and check them against publishing rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="archiver.toml to use (default: ./archiver.toml if present)."
    ),
]
SiteOption = Annotated[
    list[str] | None, typer.Option("--site", "-s", help="Only this site (repeatable).")
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Warnings and errors only.")]
FullOption = Annotated[
    bool,
    typer.Option(
        "--full",
        help="Fetch every page (conditionally), not only new, changed and due ones.",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from archiver import __version__

        typer.echo(f"archiver {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,  # before Click asks for a command
        ),
    ] = False,
) -> None:
    """Archive government websites into WARC snapshots and check them against publishing rules."""


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print a console message; control characters (from archived sites) are shown escaped."""
    typer.echo(log.printable(text), err=err, nl=nl)


def load_settings(
    path: Path | None, *, verbose: bool = False, quiet: bool = False, checks: bool = False
) -> Settings:
    """The settings of `path`, with logging set up.

    With `checks` (commands that check pages), the rule packs, every site's
    `rules` and the ignore file are loaded too, so a mistake in them is a
    configuration error (exit 2) before anything runs, not a failed run after
    a long crawl.
    """
    settings = config_module.load(path)
    if checks:
        check_configuration(settings)
    log.setup(settings.log, settings.storage.root, verbose=verbose, quiet=quiet)
    return settings


def check_configuration(settings: Settings) -> None:
    """Load what checking will need; ConfigError naming the file and key of any mistake."""
    from archiver.check.packs import RuleSet
    from archiver.check.tracking import load_ignores
    from archiver.errors import RuleError

    source = settings.source or "config"
    try:
        ruleset = RuleSet.load(settings.rules_dirs)
    except RuleError as exc:
        raise ConfigError(f"{source}: rules_dir: {exc}") from exc
    for index, site in enumerate(settings.sites):
        for position, pack_id in enumerate(site.rules):
            if pack_id not in ruleset.packs:
                known = ", ".join(sorted(ruleset.packs))
                raise ConfigError(
                    f"{source}: sites.[{index}].rules.[{position}]: unknown rule pack "
                    f"{pack_id!r} (known: {known})"
                )
    load_ignores(settings.tracking.ignore_file)


def each_site(
    settings: Settings,
    sites: Sequence[SiteSettings],
    step: Callable[[SiteSettings, Index], int],
    *,
    failed: str = "failed",
) -> int:
    """Run `step` on each site with the index open, and make one exit code of the sites'.

    `step` returns its site's exit code. A site another process has locked counts 4,
    one whose step raised an archiver error counts 3 (logged as `<failed>: <error>`),
    and the other sites go on; a configuration error stops the command (exit 2).
    """
    from archiver.store.index import Index

    index = Index(settings.storage.index_url)
    codes = []
    try:
        for site in sites:
            log = logger.bind(site=site.name)
            try:
                codes.append(step(site, index))
            except LockError as exc:
                log.error("{}", exc)
                codes.append(EXIT_LOCKED)
            except ConfigError:
                raise
            except ArchiverError as exc:
                log.error("{}: {}", failed, exc)
                codes.append(EXIT_FAILED)
    finally:
        index.close()
    return combine(codes)


def check_connections(sites: tuple[SiteSettings, ...]) -> None:
    """Load each site's CA bundles and client certificates and read its secrets before
    anything runs: a problem there is a configuration error (exit 2), not a failed run."""
    from archiver.crawl.transport import connect

    for site in sites:
        connect(site.crawl, site=site)


def crawl_summary(site: str, result: CrawlResult) -> str:
    s = result.stats
    cut = s.cut_short_note()
    return (
        f"{site}: run {result.run_id} {result.status}{' (resumed)' if result.resumed else ''}: "
        f"{s.pages} pages, {s.embeds} embeds, {s.revisits} unchanged, "
        f"{s.kept} kept from their last capture, {s.failed} failed, "
        f"{s.skipped_by_reason()}, {s.warc_bytes:,} WARC bytes in {s.elapsed:.1f}s"
        + (f"; {cut}" if cut else "")
    )


@contextmanager
def progress_display(site: str, enabled: bool) -> Iterator[Callable[[CrawlStats], None]]:
    """A crawl progress callback: a bar on a terminal, else a log line every 10 seconds."""
    if not enabled:
        last = [time.monotonic()]

        def plain(stats: CrawlStats) -> None:
            if time.monotonic() - last[0] >= 10:
                last[0] = time.monotonic()
                logger.bind(site=site).info(
                    "{} fetched, {} failed, {} queued so far",
                    stats.fetched,
                    stats.failed,
                    stats.queued,
                )

        yield plain
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} fetched · {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stderr=True,
    ) as bar:
        task = bar.add_task(site, total=None, failed=0)

        def update(stats: CrawlStats) -> None:
            bar.update(task, completed=stats.fetched, failed=stats.failed)

        yield update


def crawl_site(
    settings: Settings, site_name: str, index: Index, *, progress: bool, full: bool = False
) -> CrawlResult:
    """Crawl one site (only: no check or report) under its lock, with a progress display."""
    site = settings.site(site_name)
    from archiver.crawl.crawler import Crawler
    from archiver.lock import site_lock

    with site_lock(settings, site.name), progress_display(site.name, progress) as on_progress:
        return Crawler(settings, site, index, on_progress=on_progress, full=full).run()


class Format(StrEnum):
    """Output formats of check and check-page."""

    text = "text"
    json = "json"


class FailOn(StrEnum):
    """The lowest severity that makes the exit code 1."""

    error = "error"
    warning = "warning"
    never = "never"


FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report here instead of stdout.")
]
FailOnOption = Annotated[
    FailOn, typer.Option("--fail-on", help="Exit 1 when a violation at or above this is found.")
]


def emit_report(report: Report, fmt: Format, output: Path | None) -> None:
    from archiver.check import render_text

    text = (
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
        if fmt is Format.json
        else render_text(report)
    )
    if output is None:
        # JSON escapes control characters itself; text shows archived subjects.
        show = typer.echo if fmt is Format.json else echo
        show(text, nl=not text.endswith("\n"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def resolve_run(index: Index, site: str, run: str) -> int:
    if run == "latest":
        row = index.latest_run(site, completed=True) or index.latest_run(site)
        if row is None:
            raise ConfigError(f"site {site!r} has no crawl runs yet: run `archiver crawl` first")
        return int(row.id)
    if not run.isdigit():
        raise ConfigError(f"--run: expected 'latest' or a run id, got {run!r}")
    row = index.run(int(run))
    if row is None or row.site != site:
        raise ConfigError(f"--run: no run {run} for site {site!r}")
    return int(row.id)
