"""Lint problems name the file, the line, the JSON pointer and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.check import RuleSet, lint
from archiver.errors import RuleError

GOOD_CHECK = """\
checks:
  - id: hero-alt
    schema: hero-alt.schema.json
    severity: warning
    message: "Hero image {src} has no alt text"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_in(folder: Path) -> list[str]:
    return [str(p) for p in lint([folder]) if p.file.is_relative_to(folder)]


def test_builtin_rules_and_schemas_are_clean() -> None:
    assert lint() == []


def test_broken_yaml_syntax(tmp_path) -> None:
    write(tmp_path, "broken.yaml", "id: team\nprofile:\n  content: [main\n  titles: {}\n")
    [problem] = lint([tmp_path])
    assert problem.file.name == "broken.yaml"
    assert (problem.line, problem.pointer) == (4, "")
    assert "invalid YAML" in problem.message
    assert str(problem).endswith(f"broken.yaml:4:{problem.column}: /: {problem.message}")


def test_wrong_type_and_bad_enum_are_located(tmp_path) -> None:
    write(
        tmp_path,
        "team.yaml",
        "id: team\nextends: default\nmatch: example\nchecks:\n"
        "  - id: photo-credits\n    severity: fatal\n",
    )
    found = {p.pointer: p for p in lint([tmp_path])}
    assert set(found) == {"/match", "/checks/0/severity"}
    assert found["/match"].line == 3
    assert found["/match"].message == "'example' is not of type 'array'"
    severity = found["/checks/0/severity"]
    assert (severity.line, severity.column) == (6, 15)
    assert str(severity).endswith(
        "team.yaml:6:15: /checks/0/severity: 'fatal' is not one of ['error', 'warning', 'info']"
    )


def test_unknown_check_schema(tmp_path) -> None:
    write(tmp_path, "team.yaml", "id: team\nextends: default\n" + GOOD_CHECK)
    [problem] = lint([tmp_path])
    assert (problem.line, problem.pointer) == (5, "/checks/0/schema")
    assert "check schema 'hero-alt.schema.json' not found" in problem.message


def test_broken_json_schema_and_bad_ref(tmp_path) -> None:
    write(tmp_path, "team.yaml", "id: team\nextends: default\n" + GOOD_CHECK)
    write(tmp_path, "hero-alt.schema.json", '{\n  "type": "object",\n  "minProperties": -1\n}\n')
    write(tmp_path, "other.schema.json", '{"$ref": "missing.schema.json"}')
    write(tmp_path, "syntax.schema.json", '{\n  "type": "object",\n}\n')
    by_file = {p.file.name: p for p in lint([tmp_path])}
    assert by_file["hero-alt.schema.json"].pointer == "/minProperties"
    assert by_file["hero-alt.schema.json"].line == 3
    assert "not a valid JSON Schema" in by_file["hero-alt.schema.json"].message
    assert "-1 is less than the minimum of 0" in by_file["hero-alt.schema.json"].message
    assert by_file["other.schema.json"].pointer == "/$ref"
    assert "does not resolve" in by_file["other.schema.json"].message
    assert (by_file["syntax.schema.json"].line, by_file["syntax.schema.json"].column) == (3, 1)
    assert "invalid JSON" in by_file["syntax.schema.json"].message
    # The pack itself points at the schema that failed to load.
    assert by_file["team.yaml"].pointer == "/checks/0/schema"


def test_unknown_extends_and_bad_selector(tmp_path) -> None:
    write(
        tmp_path,
        "team.yaml",
        "id: team\nextends: nope\nprofile:\n  content:\n    selectors: ['main[']\n",
    )
    found = {p.pointer: p for p in lint([tmp_path])}
    assert "/profile/content/selectors/0" in found
    assert "invalid CSS selector" in found["/profile/content/selectors/0"].message


def test_load_raises_rule_error_naming_file_line_and_pointer(tmp_path) -> None:
    write(tmp_path, "team.yaml", "id: team\nchecks:\n  - id: x\n    severity: fatal\n")
    with pytest.raises(RuleError) as raised:
        RuleSet.load([tmp_path])
    assert "team.yaml:4:15: /checks/0/severity: 'fatal' is not one of" in str(raised.value)


def test_extra_folder_adds_and_overrides_packs(tmp_path) -> None:
    write(
        tmp_path,
        "team.yaml",
        "id: team\nextends: default\nmatch: ['^https://team\\.example/']\n"
        + GOOD_CHECK
        + "    evidence: {src: src}\n    subject: '{src}'\n",
    )
    schema = {
        "properties": {
            "images": {
                "items": {
                    "required": ["alt"],
                    "properties": {"alt": {"type": "string", "minLength": 1}},
                }
            }
        }
    }
    write(tmp_path, "hero-alt.schema.json", json.dumps(schema))
    write(
        tmp_path,
        "regjeringen.yaml",
        "id: regjeringen\nextends: default\nchecks:\n"
        "  - id: photo-credits\n    severity: warning\n",
    )
    ruleset = RuleSet.load([tmp_path])
    assert ruleset.packs_for("https://team.example/a") == ["team"]
    assert ruleset.packs_for("https://elsewhere.example/") == ["default"]
    team = ruleset.resolve([], "https://team.example/a")
    assert [c.id for c in team.checks][-1] == "hero-alt"
    reg = ruleset.resolve(["regjeringen"], "https://www.regjeringen.no/x")
    assert {c.id: c.severity for c in reg.checks}["photo-credits"] == "warning"
    # The override dropped regjeringen's own profile, so the fingerprint changes.
    assert reg.fingerprint != RuleSet.load().resolve(["regjeringen"], "https://x").fingerprint


def test_every_error_of_a_broken_schema_is_listed(tmp_path) -> None:
    write(
        tmp_path,
        "many.schema.json",
        '{\n  "type": "objekt",\n  "minProperties": -1,\n  "required": "title"\n}\n',
    )
    found = [p for p in lint([tmp_path]) if p.file.name == "many.schema.json"]
    assert sorted(p.pointer for p in found) == ["/minProperties", "/required", "/type"]
    assert [p.line for p in sorted(found, key=lambda p: p.line)] == [2, 3, 4]


def test_an_unknown_title_source_to_compare_names_file_and_key(tmp_path) -> None:
    write(
        tmp_path,
        "team.yaml",
        "id: team\nextends: default\nprofile:\n  titles:\n    compare: [title, h2]\n",
    )
    with pytest.raises(RuleError) as raised:
        RuleSet.load([tmp_path])
    message = str(raised.value)
    assert "team.yaml:5:" in message
    assert "/profile/titles/compare/1: 'h2' is not one of ['title', 'h1'," in message
