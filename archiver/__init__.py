"""archiver: archive government websites into WARC snapshots and check them against rules."""

from __future__ import annotations

from archiver.errors import (
    ArchiveError,
    ArchiverError,
    ConfigError,
    ExtractError,
    FetchError,
    RuleError,
)

__version__ = "0.1.0"

__all__ = [
    "ArchiveError",
    "ArchiverError",
    "ConfigError",
    "ExtractError",
    "FetchError",
    "RuleError",
    "__version__",
]
