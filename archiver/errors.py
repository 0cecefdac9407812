"""One exception tree for everything archiver raises on purpose.

::

    ArchiverError
     ├── ConfigError    archiver.toml is missing, malformed or invalid
     ├── FetchError     a URL could not be fetched (after retries)
 │    └── AddressRefused  its host resolves to a non-public address
     ├── ArchiveError   a WARC file or the index cannot be read or written
     │    └── PayloadTooLarge  an archived body decodes past its size cap
     ├── CrawlInterrupted  a distributed crawl stopped before its frontier was empty
     ├── ExtractError   an archived payload cannot be turned into a page model
     ├── RuleError      a rule pack or check schema is malformed
     └── LockError      another run holds the site's lock

Errors from httpx, warcio, jsonschema and SQLAlchemy are converted where they
enter our code, and carry what a user needs to act: the file and the line or
JSON pointer of a bad setting, the URL that failed, the WARC path and offset.
"""

from __future__ import annotations

__all__ = [
    "AddressRefused",
    "ArchiveError",
    "ArchiverError",
    "ConfigError",
    "CrawlInterrupted",
    "ExtractError",
    "FetchError",
    "LockError",
    "PayloadTooLarge",
    "RuleError",
]


class ArchiverError(Exception):
    """Base class of every error archiver raises on purpose."""


class ConfigError(ArchiverError):
    """The configuration file is missing, malformed, or does not fit its schema."""


class FetchError(ArchiverError):
    """A URL could not be fetched."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class AddressRefused(FetchError):
    """A URL's host resolves to an address the crawl may not reach (private, loopback)."""


class ArchiveError(ArchiverError):
    """A WARC file or the index cannot be read or written."""


class PayloadTooLarge(ArchiveError):
    """Decoding an archived body would produce more than the allowed number of bytes."""


class CrawlInterrupted(ArchiverError):
    """A crawl stopped before its frontier was empty (worker shutdown, lost lock); retried."""


class ExtractError(ArchiverError):
    """An archived payload cannot be turned into a page model."""


class RuleError(ArchiverError):
    """A rule pack or a check schema is malformed."""


class LockError(ArchiverError):
    """Another live process holds the lock for this site."""
