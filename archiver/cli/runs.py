"""Unattended runs: run, schedule, report, ignore."""

from __future__ import annotations

import signal
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from loguru import logger

from archiver import config as config_module
from archiver.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    ConfigOption,
    FailOn,
    FailOnOption,
    FullOption,
    OutputOption,
    QuietOption,
    SiteOption,
    VerboseOption,
    app,
    check_connections,
    echo,
    load_settings,
    progress_display,
)
from archiver.errors import ConfigError

# -- unattended runs, schedules, tracked reports and acknowledgements ---------------------


@app.command("run")
def run_command(
    config: ConfigOption = None,
    site: SiteOption = None,
    fail_on: FailOnOption = FailOn.error,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for a site's lock (default: skip at once)."),
    ] = 0.0,
    full: FullOption = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Crawl, check, track and report each site in one go (for cron); one summary line per site.

    Exit 0 clean, 1 open violations at or above --fail-on, 3 a run failed or was
    interrupted, 4 a site was skipped because another process holds its lock, 5 a page
    cap or the trap backstop cut a crawl short (part of a site is not archived).
    """
    from archiver.pipeline import RunControl, combined_exit_code, run_site

    settings = load_settings(config, verbose=verbose, quiet=quiet, checks=True)
    sites = settings.select(site or [])
    check_connections(sites)
    control = RunControl()

    def stop(signum: int, _frame: object) -> None:
        logger.warning("{} received: stopping at a safe point", signal.Signals(signum).name)
        control.request_stop()

    previous = signal.signal(signal.SIGTERM, stop)
    results = []
    try:
        for entry in sites:
            if control.stop_requested:
                break
            with progress_display(entry.name, sys.stderr.isatty() and not quiet) as on_progress:
                result = run_site(
                    settings,
                    entry,
                    wait=wait,
                    control=control,
                    on_progress=on_progress,
                    full=full,
                )
            results.append(result)
            echo(result.summary())
    finally:
        signal.signal(signal.SIGTERM, previous)
    code = combined_exit_code(results, fail_on.value)
    if control.stop_requested and len(results) < len(sites):
        code = EXIT_FAILED
    raise typer.Exit(code)


@app.command("schedule")
def schedule_command(
    config: ConfigOption = None,
    list_only: Annotated[
        bool, typer.Option("--list", help="Print each site's next run times and exit.")
    ] = False,
    now: Annotated[
        bool, typer.Option("--now", help="Also run every site once right away.")
    ] = False,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run each site on its cron `schedule` until SIGTERM/SIGINT (which stop at a safe point)."""
    from archiver.schedule import Scheduler, next_runs

    settings = load_settings(config, verbose=verbose, quiet=quiet, checks=True)
    if list_only:
        for name, times in next_runs(settings).items():
            schedule = settings.site(name).schedule
            when = ", ".join(t.isoformat(timespec="minutes") for t in times)
            typer.echo(f"{name:<20} {schedule:<16} next: {when}")
        raise typer.Exit(EXIT_OK)
    check_connections(settings.sites)
    Scheduler(settings, run_now=now).serve()
    raise typer.Exit(EXIT_OK)


class ReportFormat(StrEnum):
    """Formats of `archiver report`."""

    html = "html"
    json = "json"
    csv = "csv"
    junit = "junit"


@app.command("report")
def report_command(
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")],
    config: ConfigOption = None,
    site: SiteOption = None,
    run: Annotated[str, typer.Option("--run", help="'latest' or a run id.")] = "latest",
    output: OutputOption = None,
) -> None:
    """Render the report of tracked runs (new, persisting, fixed, disappeared, suppressed)."""
    from archiver.report import build, render_chunks

    settings = load_settings(config)
    sites = settings.select(site or [])
    if run != "latest" and (len(sites) != 1 or not run.isdigit()):
        raise ConfigError("--run: expected 'latest', or a run id with exactly one --site")
    from archiver.store.index import Index

    index = Index(settings.storage.index_url)
    try:
        report = build(settings, index, [s.name for s in sites], run)
    finally:
        index.close()
    chunks = render_chunks(report, fmt.value)
    if output is None:
        last = ""
        for chunk in chunks:
            sys.stdout.write(chunk)
            last = chunk or last
        if not last.endswith("\n"):
            sys.stdout.write("\n")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as out:
            out.writelines(chunks)
    raise typer.Exit(EXIT_OK)


ignore_app = typer.Typer(
    help="Acknowledge findings (kept in tracking.ignore_file).", no_args_is_help=True
)
app.add_typer(ignore_app, name="ignore")


@ignore_app.command("add")
def ignore_add(
    reason: Annotated[str, typer.Option("--reason", help="Why the finding is acknowledged.")],
    fingerprint: Annotated[
        str | None, typer.Option("--fingerprint", help="The finding's fingerprint.")
    ] = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Or: a rule id …")] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="… on this page (a trailing * matches a prefix).")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="… about this subject.")] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day it holds (YYYY-MM-DD).")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who acknowledged it.")] = None,
    config: ConfigOption = None,
) -> None:
    """Acknowledge a finding: it stays in reports as suppressed and no longer fails runs."""
    from archiver.check.tracking import append_ignore, parse_ignore

    settings = config_module.load(config)
    raw = {
        "reason": reason,
        "fingerprint": fingerprint,
        "rule": rule,
        "url": url,
        "subject": subject,
        "expires": expires,
        "by": by,
    }
    entry = parse_ignore({k: v for k, v in raw.items() if v is not None}, "archiver ignore add")
    append_ignore(settings.tracking.ignore_file, entry)
    typer.echo(f"acknowledged in {settings.tracking.ignore_file}: {entry.to_json()}")


@ignore_app.command("remove")
def ignore_remove(
    fingerprint: Annotated[
        str | None, typer.Option("--fingerprint", help="Remove the entry for this fingerprint.")
    ] = None,
    rule: Annotated[
        str | None, typer.Option("--rule", help="Or: entries for this rule id …")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="… with exactly this url …")] = None,
    subject: Annotated[
        str | None, typer.Option("--subject", help="… and exactly this subject.")
    ] = None,
    expired: Annotated[
        bool, typer.Option("--expired", help="Remove every entry whose expiry date has passed.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Withdraw acknowledgements: their findings count (and fail runs) again from the next run."""
    from archiver.check.tracking import Ignore, remove_ignores

    if not (fingerprint or rule or expired):
        raise ConfigError(
            "ignore remove: give --fingerprint, --rule (with --url/--subject) or --expired"
        )
    settings = config_module.load(config)
    today = datetime.now(UTC).date()

    def drop(entry: Ignore) -> bool:
        if expired and not entry.active(today):
            return True
        if fingerprint is not None:
            return entry.fingerprint == fingerprint
        if rule is not None:
            return (
                entry.fingerprint is None
                and entry.rule == rule
                and (url is None or entry.url == url)
                and (subject is None or entry.subject == subject)
            )
        return False

    path = settings.tracking.ignore_file
    removed = remove_ignores(path, drop)
    for entry in removed:
        typer.echo(f"removed from {path}: {entry.to_json()}")
    if not removed:
        typer.echo(f"no acknowledgement in {path} matches", err=True)
        raise typer.Exit(EXIT_USAGE)


@ignore_app.command("list")
def ignore_list(config: ConfigOption = None) -> None:
    """List the acknowledged findings, marking expired entries."""
    from archiver.check.tracking import load_ignores

    settings = config_module.load(config)
    today = datetime.now(UTC).date()
    entries = load_ignores(settings.tracking.ignore_file)
    for entry in entries:
        what = entry.fingerprint or " ".join(x for x in (entry.rule, entry.url, entry.subject) if x)
        state = "expired" if not entry.active(today) else f"until {entry.expires or 'revoked'}"
        typer.echo(f"{what}  [{state}]  {entry.reason}")
    typer.echo(f"{len(entries)} acknowledgement(s) in {settings.tracking.ignore_file}", err=True)
