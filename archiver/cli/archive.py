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
    EXIT_EVIDENCE,
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

if TYPE_CHECKING:
    from archiver.config import Settings
    from archiver.evidence import EvidenceResult
    from archiver.evidence.keys import PublicKey


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
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence",
            help="Also check every WARC file against its run's manifest, the manifests' hash "
            "chain and their signatures (exit 6 on a break).",
        ),
    ] = False,
    public_key: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-key",
            help="Trust signatures by this key (PEM; repeatable, e.g. old keys after a "
            "rotation); the \\[evidence] key is trusted too.",
        ),
    ] = None,
    verbose: VerboseOption = False,
    quiet: QuietOption = False,
) -> None:
    """Re-read every WARC record, recompute its digests and check the index against the files."""
    from archiver.evidence import verify_evidence
    from archiver.lock import SiteLock
    from archiver.store.verify import verify_site

    settings = load_settings(config, verbose=verbose, quiet=quiet)
    trusted = _trusted_keys(settings, public_key) if evidence else []

    def verify_one(entry: SiteSettings, index: Index) -> int:
        with SiteLock(settings.storage.root, entry.name):
            result = verify_site(
                settings.storage.root,
                index,
                entry.name,
                repair=repair_index,
                storage=settings.storage,
            )
            # Under the same lock: no run of the site closes while it is checked.
            proof = (
                verify_evidence(settings.storage, index, entry.name, trusted) if evidence else None
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
        if proof is not None and not _report_evidence(proof, bool(trusted)):
            return EXIT_EVIDENCE
        return EXIT_OK if result.ok else EXIT_FAILED

    raise typer.Exit(each_site(settings, settings.select(site or []), verify_one))


def _trusted_keys(settings: Settings, public_keys: list[Path] | None) -> list[PublicKey]:
    """The keys whose signatures count: `--public-key` files and the [evidence] key's half."""
    from archiver.evidence.keys import load_key, load_public_key

    trusted = [load_public_key(path) for path in public_keys or []]
    if settings.evidence.key is not None:
        trusted.append(load_key(settings.evidence.key).public)
    return trusted


def _report_evidence(result: EvidenceResult, trusted: bool) -> bool:
    """Print one site's tamper-evidence check; False on any break."""
    site = result.site
    for problem in result.breaks:
        echo(f"{site}: BROKEN {problem}")
    unsigned = result.manifests - result.signed
    echo(
        f"{site}: evidence {'OK' if result.ok else 'BROKEN'}: {result.manifests} manifest(s) "
        f"({result.signed} signed{', ' + str(unsigned) + ' unsigned' if unsigned else ''}), "
        f"{result.warcs} WARC file(s), {result.bytes:,} bytes, {len(result.breaks)} break(s)"
        + ("" if trusted or not result.signed else "; no trusted key given")
    )
    return result.ok
