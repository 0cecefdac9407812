"""`check-page` takes an HTML page of a size the crawler would archive; anything else is refused."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import run_archiver

PAGE = Path(__file__).resolve().parents[1] / "data" / "pages" / "credit-missing.html"


def test_binary_input_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    blob = tmp_path / "photo.jpg"
    blob.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(4096))
    result = run_archiver("check-page", str(blob), timeout=60)
    assert result.returncode == 3
    assert f"{blob}: not an HTML page" in result.stderr
    assert "violation" not in result.stdout


def test_an_endless_file_stops_at_the_crawlers_size_cap() -> None:
    result = run_archiver("check-page", "/dev/zero", timeout=60)
    assert result.returncode == 3
    assert "/dev/zero: larger than 10,000,000 bytes" in result.stderr


def test_a_broken_or_unknown_rule_pack_is_a_configuration_error(tmp_path: Path) -> None:
    unknown = run_archiver("check-page", str(PAGE), "--rules", "nosuchpack", timeout=60)
    assert unknown.returncode == 2 and "unknown rule pack 'nosuchpack'" in unknown.stderr
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("id: bad\nchecks: [oops\n", encoding="utf-8")
    broken = run_archiver("check-page", str(PAGE), "--rules-dir", str(rules), timeout=60)
    assert broken.returncode == 2 and "bad.yaml" in broken.stderr
    ok = run_archiver("check-page", str(PAGE), "--url", "https://www.regjeringen.no/x", timeout=60)
    assert ok.returncode in (0, 1), ok.stderr
