"""The `archiver` command: parses options, calls a stage, sets the exit code.

One module per group of commands; `common` holds the app, shared options and
the exit codes (documented in the README).
"""

from __future__ import annotations

import gc
import sys

import typer

# Importing the command modules registers their commands on the app.
from archiver.cli import archive, checks, cluster, evidence, runs, web
from archiver.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app, echo
from archiver.errors import ArchiverError, ConfigError

__all__ = ["app", "archive", "checks", "cluster", "evidence", "main", "runs", "web"]


def main() -> None:
    """Console entry point: run the app, turning our errors into exit codes and clear messages."""
    code = _run()
    # Everything is closed by now (WARC files, the index; the log sinks are closed by
    # loguru's atexit handler). Frozen objects are left out of the interpreter's last
    # garbage collections, which otherwise walk and free what the ~900 imported modules
    # hold: ~0.2 s of every command's exit (docs/benchmarks.md).
    gc.freeze()
    sys.exit(code)


def _run() -> int:
    try:
        # Without standalone mode click returns (not raises) the code of typer.Exit.
        code = app(standalone_mode=False)
    except ConfigError as exc:
        echo(f"archiver: {exc}", err=True)
        return EXIT_USAGE
    except ArchiverError as exc:
        echo(f"archiver: {exc}", err=True)
        return EXIT_FAILED
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("archiver: aborted", err=True)
        return 130
    except Exception as exc:
        # Usage errors (click's, vendored by typer) arrive here in non-standalone mode.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            return EXIT_USAGE
        raise
    return code if isinstance(code, int) else EXIT_OK
