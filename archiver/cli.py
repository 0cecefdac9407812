"""The `archiver` command: parses options, calls a stage, sets the exit code.

Exit codes (documented in the README):
  0  done, nothing at or above --fail-on
  1  violations at or above --fail-on were found
  2  usage or configuration error
  3  a run failed (a site could not be crawled, checked or reported)
  4  skipped: another process holds the site's lock
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from loguru import logger
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from archiver import config as config_module
from archiver import log
from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult, CrawlStats
from archiver.errors import ArchiverError, ConfigError, LockError
from archiver.lock import SiteLock
from archiver.store.index import Index

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_FAILED, EXIT_LOCKED = 0, 1, 2, 3, 4

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


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Archive government websites into WARC snapshots and check them against publishing rules."""
    if version:
        from archiver import __version__

        typer.echo(f"archiver {__version__}")
        raise typer.Exit(EXIT_OK)


def _settings(path: Path | None, *, verbose: bool = False, quiet: bool = False) -> Settings:
    settings = config_module.load(path)
    log.setup(settings.log, settings.storage.root, verbose=verbose, quiet=quiet)
    return settings


def _summary(site: str, result: CrawlResult) -> str:
    s = result.stats
    return (
        f"{site}: run {result.run_id} {result.status}{' (resumed)' if result.resumed else ''}: "
        f"{s.pages} pages, {s.embeds} embeds, {s.revisits} unchanged, {s.failed} failed, "
        f"{s.skipped} skipped, {s.warc_bytes:,} WARC bytes in {s.elapsed:.1f}s"
    )


def crawl_site(settings: Settings, site_name: str, index: Index, *, progress: bool) -> CrawlResult:
    """Crawl one site under its lock, with a progress display when asked."""
    site = settings.site(site_name)
    with SiteLock(settings.storage.root, site.name):
        if not progress:
            last = [time.monotonic()]

            def plain(stats: CrawlStats) -> None:
                if time.monotonic() - last[0] >= 10:
                    last[0] = time.monotonic()
                    logger.bind(site=site.name).info(
                        "{} fetched, {} failed, {} queued so far",
                        stats.fetched,
                        stats.failed,
                        stats.queued,
                    )

            return Crawler(settings, site, index, on_progress=plain).run()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} fetched · {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            redirect_stderr=True,
        ) as bar:
            task = bar.add_task(site.name, total=None, failed=0)

            def update(stats: CrawlStats) -> None:
                bar.update(task, completed=stats.fetched, failed=stats.failed)

            return Crawler(settings, site, index, on_progress=update).run()


@app.command()
def crawl(
    config: ConfigOption = None,
    site: SiteOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Archive the configured sites (or those named) into WARC files; resumes interrupted crawls."""
    settings = _settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
    index = Index(settings.storage.index_url)
    code = EXIT_OK
    try:
        for entry in sites:
            try:
                result = crawl_site(
                    settings, entry.name, index, progress=sys.stderr.isatty() and not quiet
                )
            except LockError as exc:
                logger.bind(site=entry.name).error("{}", exc)
                code = max(code, EXIT_LOCKED) if code != EXIT_FAILED else code
                continue
            except ArchiverError as exc:
                logger.bind(site=entry.name).error("crawl failed: {}", exc)
                code = EXIT_FAILED
                continue
            typer.echo(_summary(entry.name, result))
            if result.status != "completed":
                code = EXIT_FAILED
    finally:
        index.close()
    raise typer.Exit(code)


def main() -> None:
    """Console entry point: run the app, turning our errors into exit codes and clear messages."""
    try:
        app(standalone_mode=False)
    except ConfigError as exc:
        typer.echo(f"archiver: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except ArchiverError as exc:
        typer.echo(f"archiver: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("archiver: aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(EXIT_USAGE)
        raise
