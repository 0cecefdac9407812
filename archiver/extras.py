"""Optional dependencies: which settings need which extra, and a clear error when it is missing.

The embedded setup (SQLite, local WARC files, one process) needs none. The
distributed one needs the `scale` extra (`pip install 'archiver[scale]'`):
psycopg for a PostgreSQL index, Dramatiq and Redis for `[queue] broker`, s3fs
for WARC files on S3. Each is imported only where it is used; the settings are
checked here when they are read, so a missing extra is a configuration error
(exit 2) naming the setting and the extra, not an import error mid-run.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from archiver.errors import ConfigError

if TYPE_CHECKING:
    from archiver.config import QueueSettings, SiteSettings, StorageSettings

SCALE = "scale"
BROWSER = "browser"


def chromium_path() -> str:
    """The Chromium that browser capture drives: Debian's, or $ARCHIVER_CHROMIUM."""
    return os.environ.get("ARCHIVER_CHROMIUM", "/usr/bin/chromium")


def require(module: str, extra: str, needed_for: str) -> None:
    """Import `module`, or raise ConfigError saying `needed_for` needs `extra`."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"{needed_for} needs the '{extra}' extra ({module} is not installed): "
            f"pip install 'archiver[{extra}]'"
        ) from None


def check_settings(storage: StorageSettings, queue: QueueSettings, source: str) -> None:
    """Raise ConfigError when a setting needs an extra that is not installed."""
    scheme = storage.index.split(":", 1)[0].lower()
    if scheme in ("postgresql", "postgresql+psycopg", "postgres"):
        require("psycopg", SCALE, f"{source}: storage.index (a PostgreSQL index)")
    if queue.broker:
        require("dramatiq", SCALE, f"{source}: queue.broker")
        require("redis", SCALE, f"{source}: queue.broker")
    if storage.warcs.lower().startswith(("s3://", "s3a://")):
        require("s3fs", SCALE, f"{source}: storage.warcs (WARC files on S3)")


def check_sites(sites: Iterable[SiteSettings], source: str) -> None:
    """Raise ConfigError when a site's capture needs what is not installed.

    Checked when the config is read, so a nightly run with `capture = "browser"`
    stops at once (exit 2) instead of after the whole crawl.
    """
    for index, site in enumerate(sites):
        if site.capture != "browser":
            continue
        where = f'{source}: sites.[{index}].capture ("browser", site {site.name!r})'
        require("playwright", BROWSER, where)
        require("PIL", BROWSER, where)
        chromium = chromium_path()
        if not os.access(chromium, os.X_OK):
            raise ConfigError(
                f"{where} needs Chromium at {chromium} (apt-get install chromium); "
                "set ARCHIVER_CHROMIUM to use another path"
            )
        return


__all__ = ["BROWSER", "SCALE", "check_settings", "check_sites", "chromium_path", "require"]
