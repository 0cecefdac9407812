"""Distributed work: Dramatiq workers and direct enqueueing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.cli.common import (
    EXIT_OK,
    ConfigOption,
    QuietOption,
    SiteOption,
    VerboseOption,
    app,
    load_settings,
)
from archiver.config import Settings
from archiver.errors import ConfigError

# -- distributed work: Dramatiq workers and direct enqueueing ----------------------------


def _cluster_settings(config: Path | None, verbose: bool, quiet: bool) -> Settings:
    settings = load_settings(config, verbose=verbose, quiet=quiet, checks=True)
    if not settings.queue.broker:
        raise ConfigError(
            f"{settings.source or 'config'}: [queue] broker is not set (e.g. redis://host:6379/0)"
        )
    return settings


@app.command()
def worker(
    config: ConfigOption = None,
    queues: Annotated[
        str, typer.Option("--queues", help="Comma-separated queues to work on: crawl, check.")
    ] = "crawl,check",
    threads: Annotated[
        int, typer.Option("--threads", min=1, help="Jobs this process runs at once.")
    ] = 2,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run crawl and check jobs from the `queue.broker` until SIGTERM (see docs/deployment.md)."""
    from archiver.queue.cluster import QUEUES
    from archiver.queue.worker import serve as serve_worker

    settings = _cluster_settings(config, verbose, quiet)
    chosen = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(chosen) - set(QUEUES))
    if unknown or not chosen:
        raise ConfigError(f"--queues: expected some of {', '.join(QUEUES)}, got {queues!r}")
    serve_worker(settings, chosen, threads)
    raise typer.Exit(EXIT_OK)


@app.command()
def enqueue(
    config: ConfigOption = None,
    site: SiteOption = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Hand the sites (or those named) to the workers now: crawl, check, track, report."""
    from archiver.queue import enqueue_site

    settings = _cluster_settings(config, verbose, quiet)
    sites = settings.select(site or [])
    for entry in sites:
        enqueue_site(settings, entry.name)
        typer.echo(f"{entry.name}: queued")
    raise typer.Exit(EXIT_OK)
