"""Commands that check pages: check, check-page, rules lint/list."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from loguru import logger

from archiver import config as config_module
from archiver.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    ConfigOption,
    FailOn,
    FailOnOption,
    Format,
    FormatOption,
    OutputOption,
    QuietOption,
    SiteOption,
    VerboseOption,
    app,
    emit_report,
    load_settings,
    resolve_run,
)
from archiver.errors import ConfigError


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
    from archiver.check.archive import ArchiveChecker, at_or_above
    from archiver.check.report import Report
    from archiver.store.index import Index

    settings = load_settings(config, verbose=verbose, quiet=quiet)
    sites = settings.select(site or [])
    index = Index(settings.storage.index_url)
    checker = ArchiveChecker(settings, index)
    combined = Report(violations=[])
    code = EXIT_OK
    try:
        for entry in sites:
            if run != "latest" and len(sites) > 1:
                raise ConfigError("--run ID needs exactly one --site")
            run_id = resolve_run(index, entry.name, run)
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
    emit_report(combined, fmt, output)
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
    title_suffix: Annotated[
        list[str] | None,
        typer.Option(
            "--title-suffix",
            help="A site suffix to strip from titles, e.g. ' | News | European Parliament' "
            "(repeatable; added to the pack's titles.suffixes).",
        ),
    ] = None,
    fmt: FormatOption = Format.text,
    fail_on: FailOnOption = FailOn.error,
) -> None:
    """Check one HTML file or URL without archiving it (before publishing, or in CI)."""
    from archiver.check.archive import at_or_above
    from archiver.check.page import check_page

    moment: datetime | None = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"--at: expected an ISO 8601 time, got {at!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    report = check_page(
        source,
        url=url,
        at=moment,
        packs=rules or [],
        rules_dirs=rules_dir or [],
        title_suffixes=title_suffix or [],
    )
    emit_report(report, fmt, None)
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
    from archiver.check import lint

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
    from archiver.check import RuleSet

    dirs: list[Path] = []
    if config is not None or Path(config_module.DEFAULT_CONFIG_NAME).exists():
        dirs = list(config_module.load(config).rules_dirs)
    ruleset = RuleSet.load(dirs)
    for pack_id in sorted(ruleset.packs):
        pack = ruleset.pack(pack_id)
        checks = ", ".join(c.get("id", "?") for c in pack.data.get("checks", []))
        typer.echo(f"{pack_id:<16} {pack.file}  checks: {checks or '(inherited)'}")
