"""Validate a page model against a resolved pack's checks; failures become violations."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from jsonschema.exceptions import ValidationError
from referencing.exceptions import Unresolvable

from archiver.check.marks import pointer
from archiver.check.packs import Check, ResolvedPack
from archiver.check.violation import CaptureRef, Violation
from archiver.errors import RuleError


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, fields: dict[str, Any]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Fields(fields))
    except (ValueError, IndexError, AttributeError, TypeError):
        return template


def _resolve(document: Any, path: Sequence[Any]) -> Any:
    node = document
    for part in path:
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif isinstance(node, list) and isinstance(part, str) and part.isdigit():
            index = int(part)
            node = node[index] if index < len(node) else None
        else:
            return None
    return node


def _subject_path(model: dict[str, Any], path: list[Any]) -> list[Any]:
    """The path of the deepest object on ``path``: what the failure is about."""
    deepest: list[Any] = []
    node: Any = model
    for depth, part in enumerate(path):
        node = _resolve(node, [part])
        if isinstance(node, dict):
            deepest = path[: depth + 1]
    return deepest


def _evidence(check: Check, model: dict[str, Any], subject: list[Any]) -> dict[str, Any]:
    base = _resolve(model, subject)
    evidence: dict[str, Any] = {}
    for name, ref in check.evidence.items():
        if ref.startswith("/"):
            parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[1:].split("/")]
            evidence[name] = _resolve(model, parts)
        else:
            evidence[name] = _resolve(base, ref.split("/"))
    return evidence


def check(
    model: dict[str, Any], pack: ResolvedPack, *, capture: CaptureRef | None = None
) -> list[Violation]:
    """Run every check of ``pack`` on ``model``; one violation per failing subject.

    Checks marked ``pages: article`` (the default) are skipped on pages that are
    not articles, so front pages and listings produce no findings. Several
    schema errors about the same object (image, mismatch, …) make one violation.
    """
    url = str(model.get("url", ""))
    captured_at = str(model.get("captured_at", ""))
    violations: list[Violation] = []
    for chk in pack.checks:
        if chk.pages == "article" and not model.get("is_article"):
            continue
        try:
            errors: list[ValidationError] = sorted(
                chk.validator.iter_errors(model), key=lambda e: [str(p) for p in e.absolute_path]
            )
        except Unresolvable as exc:
            raise RuleError(f"check {chk.id!r}: schema {chk.schema_uri}: {exc}") from exc
        seen: set[str] = set()
        for error in errors:
            subject_path = _subject_path(model, list(error.absolute_path))
            key = pointer(subject_path)
            if key in seen:
                continue
            seen.add(key)
            evidence = _evidence(chk, model, subject_path)
            fields = {**evidence, "url": url, "rule": chk.id, "pointer": key}
            violations.append(
                Violation(
                    rule=chk.id,
                    severity=chk.severity,
                    url=url,
                    message=_render(chk.message, fields),
                    pointer=pointer(error.absolute_path),
                    evidence=evidence,
                    subject=_render(chk.subject, fields) if chk.subject else key,
                    captured_at=captured_at,
                    capture=capture,
                )
            )
    return violations
