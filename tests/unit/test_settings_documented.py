"""Every setting has one home (the config schema) and is documented in the README."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from archiver.config import CrawlSettings, LogSettings, QueueSettings, StorageSettings

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "config.schema.json").read_text())


def _settings() -> list[tuple[str, dict[str, Any]]]:
    out = [("rules_dir", SCHEMA["properties"]["rules_dir"])]
    for section in ("storage", "log", "queue"):
        out += [
            (f"{section}.{k}", v) for k, v in SCHEMA["properties"][section]["properties"].items()
        ]
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


def test_dataclass_defaults_match_the_schema() -> None:
    sections = {
        "crawl": (CrawlSettings, SCHEMA["$defs"]["crawl"]["properties"]),
        "storage": (StorageSettings, SCHEMA["properties"]["storage"]["properties"]),
        "log": (LogSettings, SCHEMA["properties"]["log"]["properties"]),
        "queue": (QueueSettings, SCHEMA["properties"]["queue"]["properties"]),
    }
    for section, (cls, props) in sections.items():
        for f in fields(cls):
            if f.name in ("index", "root"):
                continue
            assert f.name in props, f"{section}.{f.name} missing from the schema"
            assert props[f.name]["default"] == f.default, f"{section}.{f.name} default differs"
