"""``rules lint``: every problem in rule packs and schemas, located to file, line and pointer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from archiver.check.packs import RuleSet
from archiver.check.problems import LintProblem


def lint(dirs: Sequence[Path] = ()) -> list[LintProblem]:
    """Validate the built-in packs and schemas plus those in ``dirs``; never raises for them.

    Problems come sorted by file and line; an empty list means everything loads.
    """
    problems = RuleSet.collect(dirs).problems
    return sorted(problems, key=lambda p: (str(p.file), p.line, p.column, p.pointer))
