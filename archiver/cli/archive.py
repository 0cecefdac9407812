"""Commands that write the archive: crawl, demo, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from loguru import logger

from archiver import log
from archiver.cli.common import (
    EXIT_CUT_SHORT,
    EXIT_FAILED,
    EXIT_OK,
    ConfigOption,
    FullOption,
    QuietOption,
    SiteOption,
    VerboseOption,
    app,
    check_connections,
    crawl_site,
    crawl_summary,
    each_site,
    echo,
    load_settings,
)
from archiver.config import SiteSettings

if TYPE_CHECKING:
    from archiver.store.index import Index


@app.command()
def crawl(
    config: ConfigOption = None,
    site: SiteOption = None,
    full: FullOption = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Archive the configured sites (or those named) into WARC files; resumes interrupted crawls.

    Exit 0 done, 3 a crawl failed or was interrupted, 4 a site was locked, 5 a page cap or
    the trap backstop cut a crawl short.
    """
    settings = load_settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    check_connections(sites)
    show_progress = sys.stderr.isatty() and not quiet

    def crawl_one(entry: SiteSettings, index: Index) -> int:
        result = crawl_site(settings, entry.name, index, progress=show_progress, full=full)
        typer.echo(crawl_summary(entry.name, result))
        if result.status != "completed":
            return EXIT_FAILED
        if result.stats.fetched == 0 and result.stats.failed:
            logger.bind(site=entry.name).error("no URL of the site could be fetched")
            return EXIT_FAILED
        return EXIT_CUT_SHORT if result.stats.cut_short else EXIT_OK

    raise typer.Exit(each_site(settings, sites, crawl_one, failed="crawl failed"))


@app.command()
def demo(
    root: Annotated[
        Path, typer.Option("--root", help="Archive root for the demo (the embedded default).")
    ] = Path("snapshots"),
    port: Annotated[
        int, typer.Option("--port", help="Port for the sample site (another is used if busy).")
    ] = 8321,
    serve_viewer: Annotated[
        bool, typer.Option("--serve", help="Then serve the snapshot viewer on 127.0.0.1:8080.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Run the whole job twice on a bundled sample government site served on 127.0.0.1."""
    from archiver.config import LogSettings
    from archiver.demo.run import run_demo

    log.setup(LogSettings(level="WARNING"), root.resolve(), verbose=verbose)
    runs = run_demo(root.resolve(), port, typer.echo)
    if any(run.outcome != "completed" for run in runs):
        raise typer.Exit(EXIT_FAILED)
    if serve_viewer:
        from archiver.cli.web import serve

        serve(config=root.resolve() / "demo.toml", host="127.0.0.1", port=8080, token=None)


# -- archiver verify (fixity) ---------------------------------------------------


@app.command()
def verify(
    config: ConfigOption = None,
    site: SiteOption = None,
    repair_index: Annotated[
        bool,
        typer.Option(
            "--repair-index",
            help="Rebuild index rows from the WARC files (the files are never modified).",
        ),
    ] = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Re-read every WARC record, recompute its digests and check the index against the files."""
    from archiver.lock import SiteLock
    from archiver.store.verify import verify_site

    settings = load_settings(config, verbose=verbose, quiet=quiet)

    def verify_one(entry: SiteSettings, index: Index) -> int:
        with SiteLock(settings.storage.root, entry.name):
            result = verify_site(
                settings.storage.root,
                index,
                entry.name,
                repair=repair_index,
                storage=settings.storage,
            )
        for name in result.recovered:
            echo(f"{entry.name}: recovered {name} (cut at its last committed record)")
        for change in result.repaired:
            echo(f"{entry.name}: repaired: {change}")
        for problem in result.problems:
            echo(f"{entry.name}: FAIL {problem}")
        echo(
            f"{entry.name}: {'OK' if result.ok else 'FAILED'}: {result.files} files, "
            f"{result.bytes:,} bytes, {result.records} records, {result.captures} captures, "
            f"{len(result.problems)} problem(s)"
        )
        return EXIT_OK if result.ok else EXIT_FAILED

    raise typer.Exit(each_site(settings, settings.select(site or []), verify_one))
