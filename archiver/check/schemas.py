"""JSON Schemas: load them, check them, and resolve ``$ref`` through one registry.

Every ``*.json`` below the built-in ``schemas/`` folder and below each extra
rules folder is a resource, known by its ``$id`` (or its file URI when it has
none). Nothing is ever fetched: an unknown ``$ref`` is a lint problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from archiver.check.marks import json_marks, pointer
from archiver.check.problems import LintProblem

# What `check_schema` validates against, kept to list every error instead of the best one.
_META = Draft202012Validator(
    Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
)


@dataclass
class SchemaStore:
    """Loaded schemas by URI, the file each came from, and the registry over them."""

    by_uri: dict[str, dict[str, Any]] = field(default_factory=dict)
    uri_by_path: dict[Path, str] = field(default_factory=dict)
    registry: Registry[Any] = field(default_factory=Registry)
    problems: list[LintProblem] = field(default_factory=list)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def validator(self, uri: str) -> Draft202012Validator:
        """A (cached) validator for the schema at ``uri``, resolving refs in the registry."""
        if uri not in self._validators:
            self._validators[uri] = Draft202012Validator(
                self.by_uri[uri],
                registry=self.registry,
                format_checker=Draft202012Validator.FORMAT_CHECKER,
            )
        return self._validators[uri]


def _refs(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, tuple[Any, ...]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value, (*path, key)
            elif key not in ("const", "enum", "default", "examples"):
                yield from _refs(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs(item, (*path, index))


def _problem(path: Path, text: str, where: Sequence[Any], message: str) -> LintProblem:
    ptr = pointer(where)
    marks = json_marks(text)
    probe = ptr
    while probe not in marks and probe:
        probe = probe.rsplit("/", 1)[0]
    line, column = marks.get(probe, (1, 1))
    return LintProblem(path, line, column, ptr, message)


def load_schemas(folders: Sequence[Path]) -> SchemaStore:
    """Load every ``*.json`` below ``folders``; problems are collected, not raised."""
    store = SchemaStore()
    texts: dict[str, tuple[Path, str]] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.json")):
            path = path.resolve()
            try:
                text = path.read_text(encoding="utf-8")
                contents = json.loads(text)
            except json.JSONDecodeError as exc:
                store.problems.append(
                    LintProblem(path, exc.lineno, exc.colno, "", f"invalid JSON: {exc.msg}")
                )
                continue
            except (OSError, UnicodeDecodeError) as exc:
                store.problems.append(LintProblem(path, 1, 1, "", f"cannot read: {exc}"))
                continue
            if not isinstance(contents, dict):
                store.problems.append(LintProblem(path, 1, 1, "", "a schema must be an object"))
                continue
            errors = sorted(
                _META.iter_errors(contents), key=lambda e: list(map(str, e.absolute_path))
            )
            for error in errors:
                # Every mistake at once: a fix-one-rerun loop per schema wastes an author's time.
                message = f"not a valid JSON Schema (Draft 2020-12): {error.message}"
                store.problems.append(_problem(path, text, error.absolute_path, message))
            if errors:
                continue
            uri = contents.get("$id") or path.as_uri()
            if not isinstance(uri, str):
                uri = path.as_uri()
            uri = uri.rstrip("#")
            if uri in store.by_uri:
                other = next((p for p, u in store.uri_by_path.items() if u == uri), None)
                if other is not None and folder != folders[0]:
                    # A later folder overrides a schema with the same $id.
                    del store.uri_by_path[other]
            store.by_uri[uri] = contents
            store.uri_by_path[path] = uri
            texts[uri] = (path, text)
    store.registry = Registry().with_resources(
        (uri, Resource.from_contents(c, default_specification=DRAFT202012))
        for uri, c in store.by_uri.items()
    )
    for uri, contents in store.by_uri.items():
        resolver = store.registry.resolver(base_uri=uri)
        for ref, where in _refs(contents):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                path, text = texts[uri]
                message = f"$ref {ref!r} does not resolve to any schema in the registry"
                store.problems.append(_problem(path, text, where, message))
    return store
