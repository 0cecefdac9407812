"""The `archiver` command: parses options, calls a stage, sets the exit code.

One module per group of commands; `common` holds the app, shared options and
the exit codes (documented in the README). A command's module registers it on
the app when imported; `archiver <command>` imports only the module of that
command (`COMMANDS`), so `archiver crawl` does not pay for the others' start-up.
"""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Sequence

import typer

from archiver.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app, echo
from archiver.errors import ArchiverError, ConfigError

__all__ = ["COMMANDS", "app", "load_commands", "main"]

# Each command (or command group) → the module under archiver/cli that defines it; all
# are imported in this order, which `archiver --help` keeps. A test checks it against the app.
COMMANDS = {
    "crawl": "archive",
    "demo": "archive",
    "verify": "archive",
    "check": "checks",
    "check-page": "checks",
    "rules": "checks",
    "worker": "cluster",
    "enqueue": "cluster",
    "keygen": "evidence",
    "run": "runs",
    "schedule": "runs",
    "report": "runs",
    "ignore": "runs",
    "serve": "web",
    "export": "web",
    "search": "web",
}


def load_commands(args: Sequence[str] = ()) -> None:
    """Register the command `args` name on the app, or all commands when they name none
    (`archiver`, `--help`, `--version`) or one not in `COMMANDS` (click's usage error)."""
    # The root takes only flags, so the first argument that is not one is the command.
    name = next((arg for arg in args if not arg.startswith("-")), None)
    modules = [COMMANDS[name]] if name in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(f"archiver.cli.{module}")


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
    load_commands(sys.argv[1:])
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
