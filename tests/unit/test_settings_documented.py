"""Every setting has one home (the config schema) and is documented in the README."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from archiver.config import CrawlSettings, Settings

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "config.schema.json").read_text())


def _settings() -> list[tuple[str, dict[str, Any]]]:
    out = [("rules_dir", SCHEMA["properties"]["rules_dir"])]
    for section, spec in SCHEMA["properties"].items():
        if "properties" in spec:  # every [section] table, present and future
            out += [(f"{section}.{k}", v) for k, v in spec["properties"].items()]
    out += [(f"crawl.{k}", v) for k, v in SCHEMA["$defs"]["crawl"]["properties"].items()]
    out += [
        (f"sites[].{k}", v)
        for k, v in SCHEMA["$defs"]["site"]["properties"].items()
        if "$ref" not in v
    ]
    return out


def test_every_setting_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    for name, spec in _settings():
        assert spec.get("description"), f"{name} has no description in the schema"
        assert f"`{name}`" in readme, f"{name} is not documented in README.md"


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def test_dataclass_defaults_match_the_schema() -> None:
    sections: dict[str, tuple[Any, dict[str, Any]]] = {
        "crawl": (CrawlSettings, SCHEMA["$defs"]["crawl"]["properties"])
    }
    for f in fields(Settings):
        spec = SCHEMA["properties"].get(f.name, {})
        if "properties" in spec:
            sections[f.name] = (f.default_factory, spec["properties"])  # type: ignore[misc]
    assert set(sections) >= {"crawl", "storage", "log", "report", "notify", "tracking", "schedule"}
    for section, (cls, props) in sections.items():
        for f in fields(cls):
            if (section, f.name) in {("storage", "index")}:
                continue  # derived from the root when empty
            assert f.name in props, f"{section}.{f.name} missing from the schema"
            default = f.default if f.default_factory is MISSING else f.default_factory()  # type: ignore[misc]
            assert props[f.name]["default"] == _plain(default), (
                f"{section}.{f.name} default differs"
            )
