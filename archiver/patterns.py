"""User-supplied regular expressions, matched by RE2 in time linear in the input.

Patterns written in archiver.toml (a site's `include`/`exclude`) and in rule
packs (`match`, a check's `urls`, credit `patterns`) run against URLs and text
that archived sites control. Python's `re` backtracks: `/(a+)+$` against a
hostile link takes exponential time, and a crawl that resumes meets the same
link again. RE2 (`google-re2`) never backtracks, so it has no such inputs; the
price is that look-arounds and back-references are refused, with the pattern
named, when the config or the pack loads. RE2's `\\d`, `\\w` and `\\s` are
ASCII-only (Python's are Unicode).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Protocol

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the error is raised (and reported by us), not printed by RE2


class Match(Protocol):
    """What callers use of a match."""

    def group(self, index: int = 0, /) -> str: ...

    def groupdict(self) -> dict[str, Any]: ...


class Pattern(Protocol):
    """A compiled pattern: `search` as in `re`."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str) -> Match | None: ...


class PatternError(ValueError):
    """A pattern RE2 cannot compile (bad syntax, look-around, back-reference)."""


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Pattern:
    """`pattern` compiled for linear-time matching; PatternError saying why it cannot be."""
    try:
        compiled: Pattern = re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"{reason} (patterns use RE2 syntax: no look-around or back-references)"
        ) from None
    return compiled


def compile_any(patterns: Sequence[str]) -> tuple[Pattern, ...]:
    """One pattern matching where any of `patterns` does (none for none).

    A call into RE2 costs more than the match itself on a URL; one
    alternation instead of a call per pattern keeps a scope check cheap.
    Each pattern is compiled alone first, so an error names the one at fault.
    """
    for pattern in patterns:
        compile_pattern(pattern)
    if not patterns:
        return ()
    return (compile_pattern("|".join(f"(?:{p})" for p in patterns)),)


def search(pattern: str, text: str) -> Match | None:
    """The first match of `pattern` in `text` (linear time), or None."""
    return compile_pattern(pattern).search(text)


__all__ = ["Match", "Pattern", "PatternError", "compile_any", "compile_pattern", "search"]
