"""The snapshot viewer and WACZ export: serve, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.cli.common import (
    EXIT_OK,
    ConfigOption,
    app,
    load_settings,
    resolve_run,
)
from archiver.errors import ConfigError

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
    import logging
    import secrets
    import socket

    import uvicorn

    from archiver.web import create_app

    settings = load_settings(config)
    if host not in LOOPBACK_HOSTS and not token:
        token = secrets.token_urlsafe(24)
    web_app = create_app(settings, token=token, bind=host)
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
    # A start-up failure of ours is said once, as our error line, not as uvicorn's traceback.
    logging.getLogger("uvicorn.error").addFilter(
        lambda _record: getattr(web_app.state, "startup_error", None) is None
    )
    shown = f"[{host}]" if ":" in host else host
    typer.echo(
        f"archiver viewer on http://{shown}:{bound}/{f'?token={token}' if token else ''}"
        " (Ctrl-C to stop)"
    )
    try:
        server.run(sockets=[sock])
    except SystemExit:
        # uvicorn exits when the app cannot start (its lifespan opens the index): say why.
        failure = getattr(web_app.state, "startup_error", None)
        if failure is not None:
            raise failure from None
        raise
    finally:
        sock.close()
    raise typer.Exit(EXIT_OK)


@app.command()
def export(
    site: Annotated[str, typer.Option("--site", "-s", help="The site to export.")],
    wacz: Annotated[Path, typer.Option("--wacz", help="Write a WACZ package here.")],
    config: ConfigOption = None,
    run: Annotated[
        int | None, typer.Option("--run", help="Only this run (default: every run).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing file (never one the archive uses).")
    ] = False,
    sign: Annotated[
        bool,
        typer.Option(
            "--sign",
            help="Sign datapackage-digest.json with \\[evidence] key (and certificate, if set).",
        ),
    ] = False,
) -> None:
    """Export a site's captures as a WACZ package (WARCs, CDXJ index, pages, datapackage)."""
    from archiver.export import export_wacz
    from archiver.export.destination import check_destination

    settings = load_settings(config)
    settings.site(site)
    wacz = check_destination(wacz, settings, force=force)
    from archiver.store.index import Index

    index = Index(settings.storage.index_url)
    try:
        if run is not None:
            resolve_run(index, site, str(run))
        result = export_wacz(
            settings.storage.root,
            index,
            site,
            wacz,
            run_id=run,
            storage=settings.storage,
            sign=settings.evidence if sign else None,
        )
    finally:
        index.close()
    typer.echo(
        f"{result.path}: {result.captures} captures, {result.pages} pages, "
        f"{result.warcs} WARC file(s)" + (", signed" if sign else "")
    )
    raise typer.Exit(EXIT_OK)


@app.command()
def search(
    phrase: Annotated[str, typer.Argument(help="Words to find, in this order, as published.")],
    config: ConfigOption = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Only this site.")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Only captures on or after this date (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Only captures on or before this date (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Most URLs listed.")] = 50,
    fmt: Annotated[
        str, typer.Option("--format", help="text (one block per URL) or json (one document).")
    ] = "text",
) -> None:
    """Find where the archived pages say PHRASE: each URL with its first and last capture."""
    import json

    from archiver.store import fulltext
    from archiver.store.index import Index

    if fmt not in ("text", "json"):
        raise ConfigError(f"--format: expected text or json, got {fmt!r}")
    try:
        since = fulltext.date_bound(start or "", "--from")
        until = fulltext.date_bound(end or "", "--to", inclusive_end=True)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    settings = load_settings(config)
    if site:
        settings.site(site)
    index = Index(settings.storage.index_url)
    try:
        hits = fulltext.search(index, phrase, site=site, start=since, end=until, limit=limit)
    finally:
        index.close()
    if fmt == "json":
        typer.echo(
            json.dumps(
                [
                    {
                        "site": h.site,
                        "url": h.url,
                        "title": h.title,
                        "first_capture": h.first_at.isoformat(),
                        "last_capture": h.last_at.isoformat(),
                        "captures": h.captures,
                        "latest_capture_id": h.latest_id,
                        "snippet": h.snippet.replace(fulltext.MARK_START, "").replace(
                            fulltext.MARK_END, ""
                        ),
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        raise typer.Exit(EXIT_OK)
    for h in hits:
        snippet = h.snippet.replace(fulltext.MARK_START, "»").replace(fulltext.MARK_END, "«")
        typer.echo(
            f"{_printable(h.url)}\n  {h.captures} capture(s), first {h.first_at:%Y-%m-%d %H:%M} "
            f"UTC, last {h.last_at:%Y-%m-%d %H:%M} UTC (capture {h.latest_id})\n"
            f"  {_printable(snippet)}"
        )
    typer.echo(f"{len(hits)} URL(s) contain {phrase!r}", err=True)
    raise typer.Exit(EXIT_OK)


def _printable(text: str) -> str:
    """Archived text for a terminal: control characters shown as escapes, never obeyed."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode() for ch in text
    )
