"""Commands that check pages: check, check-page, rules lint/list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    each_site,
    echo,
    emit_report,
    load_settings,
    resolve_run,
)
from archiver.config import SiteSettings
from archiver.errors import ConfigError, RuleError

if TYPE_CHECKING:
    from archiver.check.archive import ArchiveChecker
    from archiver.store.index import Index


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

    settings = load_settings(config, verbose=verbose, quiet=quiet, checks=True)
    sites = settings.select(site or [])
    if run != "latest" and len(sites) > 1:
        raise ConfigError("--run ID needs exactly one --site")
    combined = Report(violations=[])
    checkers: list[ArchiveChecker] = []

    def check_one(entry: SiteSettings, index: Index) -> int:
        if not checkers:
            checkers.append(ArchiveChecker(settings, index))
        run_id = resolve_run(index, entry.name, run)
        result = checkers[0].check_run(entry, run_id)
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
        return EXIT_FAILED if result.errors else EXIT_OK

    code = each_site(settings, sites, check_one, failed="check failed")
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
    config: ConfigOption = None,
    site: Annotated[
        str | None,
        typer.Option(
            "--site",
            "-s",
            help="Fetch as this configured site's crawl does: its proxy, CAs, credentials, "
            "insecure_tls and rule packs.",
        ),
    ] = None,
    proxy: Annotated[
        str | None, typer.Option("--proxy", help="HTTP proxy URL (as crawl.proxy).")
    ] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option("--ca-bundle", help="Extra CAs to trust (as crawl.ca_bundle).")
    ] = None,
    client_cert: Annotated[
        Path | None,
        typer.Option("--client-cert", help="Client certificate for mutual TLS (PEM)."),
    ] = None,
    client_key: Annotated[
        Path | None, typer.Option("--client-key", help="Its private key, if kept apart (PEM).")
    ] = None,
    insecure_tls: Annotated[
        bool, typer.Option("--insecure-tls", help="Do not verify TLS certificates (warned).")
    ] = False,
    no_trust_env: Annotated[
        bool,
        typer.Option(
            "--no-trust-env", help="Ignore *_PROXY, NO_PROXY and SSL_CERT_* (trust_env = false)."
        ),
    ] = False,
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
    # Without --config or --site the page is checked as before: no archiver.toml is read.
    settings = (
        config_module.load(config)
        if config is not None or site is not None
        else config_module.Settings()
    )
    entry = settings.site(site) if site is not None else None
    crawl = entry.crawl if entry is not None else settings.crawl
    given: dict[str, Any] = {
        "proxy": proxy,
        "ca_bundle": str(ca_bundle.resolve()) if ca_bundle else None,
        "client_cert": str(client_cert.resolve()) if client_cert else None,
        "client_key": str(client_key.resolve()) if client_key else None,
        "trust_env": False if no_trust_env else None,
    }
    crawl = replace(crawl, **{k: v for k, v in given.items() if v is not None})
    if insecure_tls or (entry is not None and entry.insecure_tls):
        typer.echo("archiver: warning: TLS certificates are NOT verified (insecure_tls)", err=True)
    packs = rules or (list(entry.rules) if entry is not None else [])
    try:
        report = check_page(
            source,
            url=url,
            at=moment,
            packs=packs,
            rules_dirs=[*settings.rules_dirs, *(rules_dir or [])],
            crawl=crawl,
            site=entry,
            insecure_tls=insecure_tls,
            title_suffixes=title_suffix or [],
        )
    except RuleError as exc:
        # A broken or unknown rule pack is a mistake in what was asked for, not a failed check.
        raise ConfigError(str(exc)) from exc
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
        echo(str(problem))
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
