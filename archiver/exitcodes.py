"""The exit codes of every `archiver` command (documented in the README), and how the codes of
several sites make one.

  0  done, nothing at or above --fail-on
  1  violations at or above --fail-on were found
  2  usage or configuration error
  3  a run failed (a site could not be crawled, checked or reported)
  4  skipped: another process holds the site's lock
  5  done, but a page cap (max_pages) or the trap backstop (max_per_pattern) cut a crawl
     short: part of a site is not archived (1 and 3 take precedence)
  6  `verify --evidence`: the tamper evidence is broken (a WARC file differs from its run's
     manifest, a manifest is missing or out of the chain, or a signature fails)
"""

from __future__ import annotations

from collections.abc import Iterable

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_FAILED, EXIT_LOCKED, EXIT_CUT_SHORT = 0, 1, 2, 3, 4, 5
# Only `verify --evidence` exits with it; there it takes precedence over 3.
EXIT_EVIDENCE = 6

# The code a command with several sites exits with: the first of these any site had.
PRECEDENCE = (EXIT_EVIDENCE, EXIT_FAILED, EXIT_VIOLATIONS, EXIT_CUT_SHORT, EXIT_LOCKED)


def combine(codes: Iterable[int]) -> int:
    """One exit code for several sites: 6 if any site's tamper evidence is broken (verify
    --evidence only), else 3 if any failed, else 1 on violations, else 5 if a
    crawl was cut short, else 4 if a site was skipped because it was locked, else 0."""
    found = set(codes)
    return next((code for code in PRECEDENCE if code in found), EXIT_OK)


__all__ = [
    "EXIT_CUT_SHORT",
    "EXIT_EVIDENCE",
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_VIOLATIONS",
    "PRECEDENCE",
    "combine",
]
