from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from archiver.check import RuleSet, Violation, check
from archiver.extract import extract

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
REGJERINGEN = "https://www.regjeringen.no/en/aktuelt/pm-visits-tromso/id1/"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return RuleSet.load()


CheckFile = Callable[..., tuple[dict[str, Any], list[Violation]]]


@pytest.fixture(scope="session")
def check_file(ruleset: RuleSet) -> CheckFile:
    def run(
        name: str, at: datetime, url: str = REGJERINGEN, packs: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], list[Violation]]:
        pack = ruleset.resolve(packs, url)
        model = extract((PAGES / name).read_bytes(), url=url, captured_at=at, profile=pack.profile)
        return model, check(model, pack)

    return run
