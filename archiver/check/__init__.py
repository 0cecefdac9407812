"""Checking: rule packs, JSON-Schema checks over page models, violations and reports.

Public API::

    RuleSet.load(extra_dirs) -> RuleSet       ruleset.resolve(pack_ids, url) -> ResolvedPack
    check(model, pack) -> list[Violation]     lint(dirs) -> list[LintProblem]
    check_page(source, ...) -> Report         render_text(report) -> str
"""

from __future__ import annotations

from archiver.check.engine import check
from archiver.check.lint import lint
from archiver.check.packs import Check, ResolvedPack, RulePack, RuleSet
from archiver.check.page import check_page
from archiver.check.problems import LintProblem
from archiver.check.report import PageResult, Report, render_text
from archiver.check.violation import CaptureRef, Violation, canonical_url
from archiver.resources import rules_dir, schemas_dir

__all__ = [
    "CaptureRef",
    "Check",
    "LintProblem",
    "PageResult",
    "Report",
    "ResolvedPack",
    "RulePack",
    "RuleSet",
    "Violation",
    "canonical_url",
    "check",
    "check_page",
    "lint",
    "render_text",
    "rules_dir",
    "schemas_dir",
]
