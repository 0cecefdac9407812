"""Rule packs: load the YAML, validate it, merge ``extends``, resolve for a URL.

Merging (``extends``, and several packs named together): mappings merge key by
key with the child winning; lists are the child's items followed by the
parent's that the child does not repeat; checks merge by ``id``, so a child
can change a parent check's severity or message, or drop it with
``enabled: false``.
"""

from __future__ import annotations

import copy
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import soupsieve
import yaml
from jsonschema import Draft202012Validator

from archiver.check.marks import MarkedDocument, load_marked, pointer
from archiver.check.problems import LintProblem
from archiver.check.schemas import SchemaStore, load_schemas
from archiver.errors import RuleError
from archiver.extract.profile import Profile
from archiver.patterns import Pattern, PatternError, compile_pattern, search
from archiver.resources import rules_dir, schemas_dir

DEFAULT_PACK = "default"


@dataclass(frozen=True)
class RulePack:
    """One pack as written in its YAML file."""

    id: str
    file: Path
    data: dict[str, Any]
    document: MarkedDocument = field(repr=False, compare=False)

    @cached_property
    def match(self) -> tuple[Pattern, ...]:
        """The compiled ``match`` patterns."""
        return tuple(compile_pattern(p) for p in self.data.get("match", []))

    def matches(self, url: str) -> bool:
        """Whether this pack applies automatically to ``url``."""
        return any(p.search(url) for p in self.match)


@dataclass(frozen=True)
class Check:
    """One resolved check: a schema, how to report its failures, and where it applies."""

    id: str
    schema_uri: str
    severity: str
    message: str
    subject: str | None
    evidence: dict[str, str]
    urls: tuple[str, ...]
    pages: str
    validator: Draft202012Validator = field(repr=False, compare=False)

    def applies_to(self, url: str) -> bool:
        """Whether the check's ``urls`` patterns (if any) accept ``url``."""
        return not self.urls or any(search(p, url) for p in self.urls)


@dataclass(frozen=True)
class ResolvedPack:
    """Packs merged (``extends`` and all), ready to extract with and check against."""

    ids: tuple[str, ...]
    profile: Profile
    profile_data: dict[str, Any]
    checks: tuple[Check, ...]

    @property
    def fingerprint(self) -> str:
        """Hash of the resolved extraction profile: part of the page-model cache key."""
        return self.profile.fingerprint


def merge(parent: Any, child: Any) -> Any:
    """Merge two pack fragments as described in the module docstring."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = merge(parent[key], value) if key in parent else copy.deepcopy(value)
        return out
    if isinstance(parent, list) and isinstance(child, list):
        return copy.deepcopy(child) + [copy.deepcopy(x) for x in parent if x not in child]
    return copy.deepcopy(child)


def merge_checks(parent: list[dict[str, Any]], child: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks by id: a child's check updates the parent's of the same id, new ones follow."""
    out = [dict(c) for c in parent]
    index = {c["id"]: i for i, c in enumerate(out)}
    for check in child:
        if check["id"] in index:
            out[index[check["id"]]].update(check)
        else:
            index[check["id"]] = len(out)
            out.append(dict(check))
    return out


def _rule_pack_validator() -> Draft202012Validator:
    path = schemas_dir() / "rule-pack.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleError(f"{path}: cannot load the rule-pack schema: {exc}") from exc
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _selectors(profile: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    found: list[tuple[tuple[Any, ...], str]] = []
    for section, value in profile.items():
        if not isinstance(value, dict):
            continue
        for key, items in value.items():
            if key in ("selectors", "exclude", "h1_selectors"):
                found += [((section, key, i), s) for i, s in enumerate(items)]
            elif key in ("published", "updated"):
                found += [
                    ((section, key, i, "selector"), d["selector"])
                    for i, d in enumerate(items)
                    if "selector" in d
                ]
    return found


def _patterns(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Every regular expression a pack holds, with where it is (all run on hostile input)."""
    found: list[tuple[tuple[Any, ...], str]] = [
        (("match", i), p) for i, p in enumerate(data.get("match", []))
    ]
    credits = data.get("profile", {}).get("credits", {})
    found += [
        (("profile", "credits", "patterns", i), p)
        for i, p in enumerate(credits.get("patterns", []))
    ]
    for index, check in enumerate(data.get("checks", [])):
        found += [(("checks", index, "urls", i), p) for i, p in enumerate(check.get("urls", []))]
    return found


class RuleSet:
    """All packs from the built-in ``rules/`` and extra folders, plus every schema.

    Build one with :meth:`load`. Later folders override packs with the same id.
    """

    def __init__(
        self,
        packs: dict[str, RulePack],
        schemas: SchemaStore,
        problems: list[LintProblem],
        folders: tuple[Path, ...],
    ) -> None:
        self.packs = packs
        self.schemas = schemas
        self.problems = problems
        self.folders = folders
        self._merged: dict[tuple[str, ...], tuple[dict[str, Any], list[Check]]] = {}

    @classmethod
    def collect(cls, extra_dirs: Sequence[Path] = ()) -> RuleSet:
        """Load everything and keep the problems in ``.problems`` instead of raising."""
        folders = (rules_dir(), *(Path(d).resolve() for d in extra_dirs))
        schemas = load_schemas([schemas_dir(), *folders[1:], folders[0]])
        problems = list(schemas.problems)
        validator = _rule_pack_validator()
        packs: dict[str, RulePack] = {}
        for folder in folders:
            if not folder.is_dir():
                problems.append(LintProblem(folder, 0, 0, "", "rules folder does not exist"))
                continue
            seen_here: dict[str, Path] = {}
            for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
                pack = _load_pack(path, validator, schemas, problems)
                if pack is None:
                    continue
                if pack.id in seen_here:
                    line, column = pack.document.position("/id")
                    message = f"duplicate pack id {pack.id!r} (also in {seen_here[pack.id].name})"
                    problems.append(LintProblem(path, line, column, "/id", message))
                    continue
                seen_here[pack.id] = path
                packs[pack.id] = pack
        ruleset = cls(packs, schemas, problems, folders)
        for pack in packs.values():
            ruleset._check_resolvable(pack)
        return ruleset

    @classmethod
    def load(cls, extra_dirs: Sequence[Path] = ()) -> RuleSet:
        """Load built-in and extra packs; raise :class:`RuleError` listing any problem."""
        ruleset = cls.collect(extra_dirs)
        if ruleset.problems:
            listed = "\n".join(str(p) for p in ruleset.problems)
            raise RuleError(f"{len(ruleset.problems)} problem(s) in rule packs:\n{listed}")
        return ruleset

    def pack(self, pack_id: str) -> RulePack:
        """The pack with this id, as written."""
        try:
            return self.packs[pack_id]
        except KeyError:
            known = ", ".join(sorted(self.packs))
            raise RuleError(f"unknown rule pack {pack_id!r} (known: {known})") from None

    def packs_for(self, url: str) -> list[str]:
        """Ids of the packs whose ``match`` patterns match ``url``; ``["default"]`` if none."""
        matched = [p.id for p in self.packs.values() if p.matches(url)]
        return matched or [DEFAULT_PACK]

    def resolve(self, pack_ids: Sequence[str], url: str) -> ResolvedPack:
        """Merge ``pack_ids`` (or the packs matching ``url`` when empty) for checking ``url``."""
        ids = tuple(pack_ids) or tuple(self.packs_for(url))
        if ids not in self._merged:
            profile: dict[str, Any] = {}
            checks: list[dict[str, Any]] = []
            for pack_id in ids:
                pack_profile, pack_checks = self._chain(pack_id, ())
                profile = merge(profile, pack_profile)
                checks = merge_checks(checks, pack_checks)
            self._merged[ids] = (profile, self._build_checks(ids, checks))
        profile, built = self._merged[ids]
        return ResolvedPack(
            ids=ids,
            profile=Profile.from_mapping(profile),
            profile_data=profile,
            checks=tuple(c for c in built if c.applies_to(url)),
        )

    def _chain(
        self, pack_id: str, seen: tuple[str, ...]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        pack = self.pack(pack_id)
        if pack_id in seen:
            raise RuleError(f"{pack.file}: extends cycle: {' → '.join((*seen, pack_id))}")
        profile: dict[str, Any] = {}
        checks: list[dict[str, Any]] = []
        if parent := pack.data.get("extends"):
            profile, checks = self._chain(parent, (*seen, pack_id))
        own = [dict(c, _pack=pack_id) for c in pack.data.get("checks", [])]
        return merge(profile, pack.data.get("profile", {})), merge_checks(checks, own)

    def _build_checks(self, ids: tuple[str, ...], checks: list[dict[str, Any]]) -> list[Check]:
        built = []
        for data in checks:
            if not data.get("enabled", True):
                continue
            if "_schema_uri" not in data or "severity" not in data:
                raise RuleError(
                    f"check {data['id']!r} in pack(s) {', '.join(ids)} "
                    "needs a schema and a severity"
                )
            built.append(
                Check(
                    id=data["id"],
                    schema_uri=data["_schema_uri"],
                    severity=data["severity"],
                    message=data.get("message", data["id"]),
                    subject=data.get("subject"),
                    evidence=dict(data.get("evidence", {})),
                    urls=tuple(data.get("urls", ())),
                    pages=data.get("pages", "article"),
                    validator=self.schemas.validator(data["_schema_uri"]),
                )
            )
        return built

    def _check_resolvable(self, pack: RulePack) -> None:
        line, column = pack.document.position("/extends")
        try:
            _, checks = self._chain(pack.id, ())
        except RuleError as exc:
            self.problems.append(LintProblem(pack.file, line, column, "/extends", str(exc)))
            return
        for check in checks:
            # A schema that is named but not found is reported where it is named.
            if check.get("enabled", True) and ("schema" not in check or "severity" not in check):
                own = [c.get("id") for c in pack.data.get("checks", [])]
                ptr = f"/checks/{own.index(check['id'])}" if check["id"] in own else "/checks"
                line, column = pack.document.position(ptr)
                message = (
                    f"check {check['id']!r} needs a 'schema' and a 'severity' "
                    "(here or in the pack it extends)"
                )
                self.problems.append(LintProblem(pack.file, line, column, ptr, message))


def _load_pack(
    path: Path, validator: Draft202012Validator, schemas: SchemaStore, problems: list[LintProblem]
) -> RulePack | None:
    try:
        document = load_marked(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {what}" + (f" ({context})" if context else "")
        problems.append(LintProblem(path, line, column, "", message))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(LintProblem(path, 1, 1, "", f"cannot read: {exc}"))
        return None
    data = document.data
    before = len(problems)
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        ptr = pointer(error.absolute_path)
        line, column = document.position(ptr)
        problems.append(LintProblem(path, line, column, ptr, error.message))
    if len(problems) > before:
        return None
    for where, selector in _selectors(data.get("profile", {})):
        try:
            soupsieve.compile(selector)
        except soupsieve.SelectorSyntaxError as exc:
            ptr = pointer(("profile", *where))
            line, column = document.position(ptr)
            message = f"invalid CSS selector {selector!r}: {exc.args[0] if exc.args else exc}"
            problems.append(LintProblem(path, line, column, ptr, message))
    for where, pattern in _patterns(data):
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            ptr = pointer(where)
            line, column = document.position(ptr)
            problems.append(LintProblem(path, line, column, ptr, f"pattern {pattern!r}: {exc}"))
    for index, check in enumerate(data.get("checks", [])):
        for key in ("message", "subject"):
            if key in check:
                try:
                    list(string.Formatter().parse(check[key]))
                except ValueError as exc:
                    ptr = f"/checks/{index}/{key}"
                    line, column = document.position(ptr)
                    problems.append(LintProblem(path, line, column, ptr, f"bad template: {exc}"))
        if "schema" not in check:
            continue
        found = _find_schema(check["schema"], path.parent, schemas)
        if found is None:
            ptr = f"/checks/{index}/schema"
            line, column = document.position(ptr)
            message = (
                f"check schema {check['schema']!r} not found or not loadable "
                f"(looked in {path.parent} and {schemas_dir() / 'checks'})"
            )
            problems.append(LintProblem(path, line, column, ptr, message))
        else:
            check["_schema_uri"] = found
    return RulePack(data["id"], path, data, document)


def _find_schema(name: str, pack_dir: Path, schemas: SchemaStore) -> str | None:
    for candidate in (pack_dir / name, schemas_dir() / "checks" / name, schemas_dir() / name):
        uri = schemas.uri_by_path.get(candidate.resolve())
        if uri is not None:
            return uri
    return None
