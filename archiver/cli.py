"""The `archiver` command: parses options, calls a stage, sets the exit code.

Exit codes (documented in the README):
  0  done, nothing at or above --fail-on
  1  violations at or above --fail-on were found
  2  usage or configuration error
  3  a run failed (a site could not be crawled, checked or reported)
  4  skipped: another process holds the site's lock
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from loguru import logger
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from archiver import config as config_module
from archiver import log
from archiver.check import RuleSet, lint, render_text
from archiver.check.archive import ArchiveChecker, at_or_above
from archiver.check.page import check_page
from archiver.check.report import Report
from archiver.config import Settings
from archiver.crawl.crawler import Crawler, CrawlResult, CrawlStats
from archiver.errors import ArchiverError, ConfigError, LockError
from archiver.pipeline import site_lock
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


@contextmanager
def _progress(site: str, enabled: bool) -> Iterator[Callable[[CrawlStats], None]]:
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


def crawl_site(settings: Settings, site_name: str, index: Index, *, progress: bool) -> CrawlResult:
    """Crawl one site (only: no check or report) under its lock, with a progress display."""
    site = settings.site(site_name)
    with site_lock(settings, site.name), _progress(site.name, progress) as on_progress:
        return Crawler(settings, site, index, on_progress=on_progress).run()


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
            elif result.stats.fetched == 0 and result.stats.failed:
                logger.bind(site=entry.name).error("no URL of the site could be fetched")
                code = EXIT_FAILED
    finally:
        index.close()
    raise typer.Exit(code)


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
        serve(config=root.resolve() / "demo.toml", host="127.0.0.1", port=8080, token=None)


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


def _emit(report: Report, fmt: Format, output: Path | None) -> None:
    text = (
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
        if fmt is Format.json
        else render_text(report)
    )
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")


def _resolve_run(index: Index, site: str, run: str) -> int:
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


@app.command()
def check(
    config: ConfigOption = None,
    site: SiteOption = None,
    run: Annotated[str, typer.Option("--run", help="'latest' or a run id.")] = "latest",
    fmt: FormatOption = Format.text,
    output: OutputOption = None,
    fail_on: FailOnOption = FailOn.error,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Check the archived pages of a crawl run against the sites' rule packs; record violations."""
    settings = _settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
    index = Index(settings.storage.index_url)
    checker = ArchiveChecker(settings, index)
    combined = Report(violations=[])
    code = EXIT_OK
    try:
        for entry in sites:
            if run != "latest" and len(sites) > 1:
                raise ConfigError("--run ID needs exactly one --site")
            run_id = _resolve_run(index, entry.name, run)
            result = checker.check_run(entry, run_id)
            combined.violations.extend(result.report.violations)
            combined.pages.extend(result.report.pages)
            for problem in result.errors:
                logger.bind(site=entry.name).error("{}", problem)
            logger.bind(site=entry.name).info(
                "run {}: {} pages checked ({} from cache), {} violations in {:.2f}s",
                run_id,
                result.pages,
                result.cached,
                len(result.report.violations),
                result.elapsed,
            )
            if result.errors:
                code = EXIT_FAILED
    finally:
        index.close()
    _emit(combined, fmt, output)
    if code == EXIT_OK and at_or_above(combined.violations, fail_on.value):
        code = EXIT_VIOLATIONS
    raise typer.Exit(code)


@app.command("check-page")
def check_page_command(
    source: Annotated[str, typer.Argument(help="An HTML file, or an http(s) URL fetched once.")],
    url: Annotated[
        str | None, typer.Option("--url", help="The page's address when SOURCE is a file.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Reference time, ISO 8601 (default: now)."),
    ] = None,
    rules: Annotated[
        list[str] | None, typer.Option("--rules", help="Rule pack id (repeatable).")
    ] = None,
    rules_dir: Annotated[
        list[Path] | None, typer.Option("--rules-dir", help="Extra folder of rule packs.")
    ] = None,
    fmt: FormatOption = Format.text,
    fail_on: FailOnOption = FailOn.error,
) -> None:
    """Check one HTML file or URL without archiving it (before publishing, or in CI)."""
    moment: datetime | None = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"--at: expected an ISO 8601 time, got {at!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    report = check_page(source, url=url, at=moment, packs=rules or [], rules_dirs=rules_dir or [])
    _emit(report, fmt, None)
    raise typer.Exit(EXIT_VIOLATIONS if at_or_above(report.violations, fail_on.value) else EXIT_OK)


rules_app = typer.Typer(help="Rule packs: list and lint.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("lint")
def rules_lint(
    directory: Annotated[
        list[Path] | None, typer.Argument(help="Folders of rule packs (besides the built-in ones).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Validate rule packs and check schemas; print file:line:column: pointer: problem."""
    dirs = list(directory or [])
    if config is not None or Path(config_module.DEFAULT_CONFIG_NAME).exists():
        dirs = [*config_module.load(config).rules_dirs, *dirs]
    problems = lint(dirs)
    for problem in problems:
        typer.echo(str(problem))
    typer.echo(f"{len(problems)} problem(s)" if problems else "rule packs OK", err=bool(problems))
    raise typer.Exit(EXIT_USAGE if problems else EXIT_OK)


@rules_app.command("list")
def rules_list(config: ConfigOption = None) -> None:
    """List the rule packs that are available, with their checks."""
    dirs: list[Path] = []
    if config is not None or Path(config_module.DEFAULT_CONFIG_NAME).exists():
        dirs = list(config_module.load(config).rules_dirs)
    ruleset = RuleSet.load(dirs)
    for pack_id in sorted(ruleset.packs):
        pack = ruleset.pack(pack_id)
        checks = ", ".join(c.get("id", "?") for c in pack.data.get("checks", []))
        typer.echo(f"{pack_id:<16} {pack.file}  checks: {checks or '(inherited)'}")


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
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Crawl, check, track and report each site in one go (for cron); one summary line per site.

    Exit 0 clean, 1 open violations at or above --fail-on, 3 a run failed or was
    interrupted, 4 a site was skipped because another process holds its lock.
    """
    from archiver.pipeline import RunControl, combined_exit_code, run_site

    settings = _settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
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
            with _progress(entry.name, sys.stderr.isatty() and not quiet) as on_progress:
                result = run_site(
                    settings, entry, wait=wait, control=control, on_progress=on_progress
                )
            results.append(result)
            typer.echo(result.summary())
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

    settings = _settings(config, verbose=verbose, quiet=quiet)
    if list_only:
        for name, times in next_runs(settings).items():
            schedule = settings.site(name).schedule
            when = ", ".join(t.isoformat(timespec="minutes") for t in times)
            typer.echo(f"{name:<20} {schedule:<16} next: {when}")
        raise typer.Exit(EXIT_OK)
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
    from archiver.report import build, render

    settings = _settings(config)
    sites = settings.select(site or [])
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
    if run != "latest" and (len(sites) != 1 or not run.isdigit()):
        raise ConfigError("--run: expected 'latest', or a run id with exactly one --site")
    index = Index(settings.storage.index_url)
    try:
        report = build(settings, index, [s.name for s in sites], run)
    finally:
        index.close()
    text = render(report, fmt.value)
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8", newline="")
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


# -- viewer and export -------------------------------------------------------

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; loopback unless you mean it.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port to listen on (0: any free one).")
    ] = 8080,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="ARCHIVER_TOKEN",
            help="Token every request must carry; required (generated when absent) off loopback.",
        ),
    ] = None,
) -> None:
    """Serve the snapshot viewer (read-only) over the archive's index and WARC files."""
    import secrets
    import socket

    import uvicorn

    from archiver.web import create_app

    settings = _settings(config)
    if host not in LOOPBACK_HOSTS and not token:
        token = secrets.token_urlsafe(24)
    web_app = create_app(settings, token=token)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"--host/--port: cannot listen on {host}:{port}: {exc}") from exc
    bound = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web_app, log_level="warning"))
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"archiver viewer on http://{shown}:{bound}/{f'?token={token}' if token else ''}"
        " (Ctrl-C to stop)"
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        web_app.state.viewer.index.close()
    raise typer.Exit(EXIT_OK)


@app.command()
def export(
    site: Annotated[str, typer.Option("--site", "-s", help="The site to export.")],
    wacz: Annotated[Path, typer.Option("--wacz", help="Write a WACZ package here.")],
    config: ConfigOption = None,
    run: Annotated[
        int | None, typer.Option("--run", help="Only this run (default: every run).")
    ] = None,
) -> None:
    """Export a site's captures as a WACZ package (WARCs, CDXJ index, pages, datapackage)."""
    from archiver.export import export_wacz

    settings = _settings(config)
    settings.site(site)
    index = Index(settings.storage.index_url)
    try:
        if run is not None:
            row = index.run(run)
            if row is None or row.site != site:
                raise ConfigError(f"--run: no run {run} for site {site!r}")
        result = export_wacz(
            settings.storage.root, index, site, wacz, run_id=run, storage=settings.storage
        )
    finally:
        index.close()
    typer.echo(
        f"{result.path}: {result.captures} captures, {result.pages} pages, "
        f"{result.warcs} WARC file(s)"
    )
    raise typer.Exit(EXIT_OK)


# -- distributed work: Dramatiq workers and direct enqueueing ----------------------------


def _cluster_settings(config: Path | None, verbose: bool, quiet: bool) -> Settings:
    settings = _settings(config, verbose=verbose, quiet=quiet)
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
    """Run crawl and check jobs from `[queue] broker` until SIGTERM (see docs/deployment.md)."""
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
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
    for entry in sites:
        enqueue_site(settings, entry.name)
        typer.echo(f"{entry.name}: queued")
    raise typer.Exit(EXIT_OK)


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

    settings = _settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    if not sites:
        raise ConfigError(f"{settings.source or 'config'}: no [[sites]] configured")
    index = Index(settings.storage.index_url)
    code = EXIT_OK
    try:
        for entry in sites:
            try:
                with SiteLock(settings.storage.root, entry.name):
                    result = verify_site(
                        settings.storage.root, index, entry.name, repair=repair_index
                    )
            except LockError as exc:
                logger.bind(site=entry.name).error("{}", exc)
                code = max(code, EXIT_LOCKED) if code != EXIT_FAILED else code
                continue
            for name in result.recovered:
                typer.echo(f"{entry.name}: recovered {name} (cut at its last committed record)")
            for change in result.repaired:
                typer.echo(f"{entry.name}: repaired: {change}")
            for problem in result.problems:
                typer.echo(f"{entry.name}: FAIL {problem}")
            typer.echo(
                f"{entry.name}: {'OK' if result.ok else 'FAILED'}: {result.files} files, "
                f"{result.bytes:,} bytes, {result.records} records, {result.captures} captures, "
                f"{len(result.problems)} problem(s)"
            )
            if not result.ok:
                code = EXIT_FAILED
    finally:
        index.close()
    raise typer.Exit(code)


def main() -> None:
    """Console entry point: run the app, turning our errors into exit codes and clear messages."""
    try:
        # Without standalone mode click returns (not raises) the code of typer.Exit.
        code = app(standalone_mode=False)
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
    except Exception as exc:
        # Usage errors (click's, vendored by typer) arrive here in non-standalone mode.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(EXIT_USAGE)
        raise
    sys.exit(code if isinstance(code, int) else EXIT_OK)
