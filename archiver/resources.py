"""Where the project's data folders live: `schemas/` and `rules/` sit beside the package."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_DIR / "schemas"
RULES_DIR = PROJECT_DIR / "rules"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema `schemas/<name>` as a dict (cached)."""
    with (SCHEMAS_DIR / name).open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema
