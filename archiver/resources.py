"""Where the built-in ``schemas/`` and ``rules/`` folders are, and loading what is there.

They live next to the ``archiver`` package in a source checkout and in an
editable install; ``ARCHIVER_DATA_DIR`` points elsewhere (a folder holding
both) for installs that ship them separately.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from archiver.errors import RuleError

_PACKAGE = Path(__file__).resolve().parent


def _data_root(name: str) -> Path:
    candidates = []
    if override := os.environ.get("ARCHIVER_DATA_DIR"):
        candidates.append(Path(override))
    candidates += [_PACKAGE.parent, _PACKAGE / "_data"]
    for root in candidates:
        if (root / name).is_dir():
            return root / name
    looked = ", ".join(str(c / name) for c in candidates)
    raise RuleError(f"built-in {name}/ folder not found (looked in {looked})")


def schemas_dir() -> Path:
    """The built-in JSON Schemas folder (``page``, ``rule-pack``, ``report``, ``checks/``)."""
    return _data_root("schemas")


def rules_dir() -> Path:
    """The built-in rule packs folder (``default.yaml``, site packs)."""
    return _data_root("rules")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema `schemas/<name>` as a dict (cached)."""
    with (schemas_dir() / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema
