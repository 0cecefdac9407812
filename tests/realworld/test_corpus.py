"""Every truth file of the real-page corpus keeps the shared format (TRUTH-FORMAT in README.md).

A label that points at the wrong bytes, misses a key or names an unknown rule would make the
accuracy benchmark report numbers about a page nobody read, so each file is checked here: the
keys and their types, the page it names (in pages/ or in ../shared/realpages/), its sha256,
and that every expected photo-credits subject is an image listed as content without a credit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared"
TRUTH_FILES = sorted((HERE / "truth").glob("*.json"))

KEYS = {
    "file": str,
    "url": str,
    "source": str,
    "sha256": str,
    "licence": str,
    "country": str,
    "language": str,
    "family": str,
    "cms": str,
    "pack": str,
    "at": str,
    "article": bool,
    "titles": dict,
    "published": (dict, type(None)),
    "age_notice": (str, type(None)),
    "images": list,
    "expected": list,
    "notes": str,
}
RULES = {
    "photo-credits",
    "age-notice",
    "age-notice-unexpected",
    "undated",
    "consistent-titles",
    "missing-h1",
    "missing-title",
}
PACKS = {"default", "regjeringen"}
# Only articles can be undated, old or headless (see "Semantics of the rules").
ARTICLE_ONLY = {"age-notice", "undated", "missing-h1"}


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        truth: dict[str, Any] = json.load(handle)
    return truth


def _page_path(file: str) -> Path:
    if file.startswith("shared:"):
        return SHARED / file.removeprefix("shared:")
    return HERE / file


def test_corpus_is_not_empty() -> None:
    assert len(TRUTH_FILES) >= 20


@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.stem)
def test_truth_file_keeps_the_format(path: Path) -> None:
    truth = _load(path)
    assert set(truth) == set(KEYS), f"{path.name}: keys differ from the format"
    for key, kind in KEYS.items():
        assert isinstance(truth[key], kind), f"{path.name}: {key} is {type(truth[key]).__name__}"
    assert truth["url"].startswith(("http://", "https://")), f"{path.name}: url"
    assert truth["source"].startswith("github:"), f"{path.name}: source"
    assert re.fullmatch(r"[0-9a-f]{64}", truth["sha256"]), f"{path.name}: sha256"
    assert re.fullmatch(r"[A-Z]{2}", truth["country"]), f"{path.name}: country"
    assert truth["pack"] in PACKS, f"{path.name}: pack {truth['pack']!r}"
    assert datetime.fromisoformat(truth["at"].replace("Z", "+00:00")).tzinfo is not None
    assert set(truth["titles"]) == {"title", "h1", "og_title", "suffix"}, f"{path.name}: titles"
    if truth["published"] is not None:
        assert set(truth["published"]) == {"date", "where"}, f"{path.name}: published"
        datetime.strptime(truth["published"]["date"], "%Y-%m-%d")
    if not truth["file"].startswith("shared:"):
        assert truth["file"] == f"pages/{path.stem}.html", f"{path.name}: file"


@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.stem)
def test_expected_findings_agree_with_the_labels(path: Path) -> None:
    truth = _load(path)
    images = {image["src"]: image for image in truth["images"]}
    for image in truth["images"]:
        assert set(image) == {"src", "content", "credit", "where"}, f"{path.name}: image keys"
        assert image["src"].startswith(("http://", "https://")), f"{path.name}: {image['src']}"
    rules = [finding["rule"] for finding in truth["expected"]]
    assert set(rules) <= RULES, f"{path.name}: unknown rule in {rules}"
    for finding in truth["expected"]:
        if finding["rule"] == "photo-credits":
            image = images.get(finding.get("subject", ""))
            assert image is not None, f"{path.name}: {finding} names no listed image"
            assert image["content"] and image["credit"] is None, f"{path.name}: {finding}"
        else:
            assert rules.count(finding["rule"]) == 1, f"{path.name}: {finding['rule']} twice"
    uncredited = {src for src, image in images.items() if image["content"] and not image["credit"]}
    flagged = {f["subject"] for f in truth["expected"] if f["rule"] == "photo-credits"}
    assert flagged == uncredited, f"{path.name}: photo-credits findings differ from the images"
    if not truth["article"]:
        assert not ARTICLE_ONLY & set(rules), f"{path.name}: article-only finding on a non-article"
    if "undated" in rules:
        assert truth["published"] is None, f"{path.name}: undated but a date is labelled"


@pytest.mark.parametrize("path", TRUTH_FILES, ids=lambda p: p.stem)
def test_page_bytes_match_the_recorded_sha256(path: Path) -> None:
    truth = _load(path)
    page = _page_path(truth["file"])
    if truth["file"].startswith("shared:") and not page.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path.name}: {page} is missing; CI has shared/ beside the clone")
        pytest.skip(f"{page} is not here (shared/ beside the repository)")
    assert page.is_file(), f"{path.name}: {truth['file']} does not resolve"
    assert hashlib.sha256(page.read_bytes()).hexdigest() == truth["sha256"], path.name


def test_every_page_has_a_truth_file() -> None:
    pages = {page.stem for page in (HERE / "pages").glob("*.html")}
    labelled = {path.stem for path in TRUTH_FILES}
    assert pages <= labelled, f"pages without a truth file: {sorted(pages - labelled)}"
