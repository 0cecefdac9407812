"""A malformed archiver.toml is refused before anything runs, naming file, place and expectation."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_archiver


def run(tmp_path: Path, text: str, command: str = "crawl") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "archiver.toml"
    config.write_text(text, encoding="utf-8")
    return run_archiver(command, "--config", str(config), cwd=tmp_path, timeout=60)


SITE = '[[sites]]\nname = "a"\nseeds = ["http://127.0.0.1:9/"]\n'


@pytest.mark.parametrize("command", ["crawl", "verify"])
def test_toml_syntax_error_names_file_and_line(tmp_path: Path, command: str) -> None:
    result = run(tmp_path, "[crawl]\nper_host = 2\ndelay = = 1\n" + SITE, command)
    assert result.returncode == 2
    assert f"{tmp_path / 'archiver.toml'}: not valid TOML" in result.stderr
    assert "line 3" in result.stderr
    assert not (tmp_path / "snapshots").exists()


def test_wrong_type_names_key_path_and_expectation(tmp_path: Path) -> None:
    result = run(tmp_path, '[crawl]\nper_host = "two"\n' + SITE)
    assert result.returncode == 2
    assert "archiver.toml" in result.stderr
    assert "crawl.per_host: expected integer, got str 'two'" in result.stderr


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, "[crawl]\nper_hots = 2\n" + SITE)
    assert result.returncode == 2
    assert "archiver.toml" in result.stderr and "per_hots" in result.stderr


def test_site_override_out_of_range_names_the_site_entry(tmp_path: Path) -> None:
    result = run(tmp_path, SITE + "[sites.crawl]\ntimeout = -1\n")
    assert result.returncode == 2
    assert "archiver.toml: invalid configuration" in result.stderr
    assert "[0].crawl.timeout: -1 is less than or equal to the minimum of 0" in result.stderr


def test_not_utf8_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "archiver.toml"
    config.write_bytes(b'[crawl]\nuser_agent = "\xff\xfe"\n')
    result = run_archiver("crawl", "--config", str(config), timeout=60)
    assert result.returncode == 2
    assert f"{config}: cannot read config file" in result.stderr


@pytest.mark.parametrize(
    ("key", "value"), [("rotation", "every full moon"), ("retention", "forever-ish")]
)
def test_bad_log_rotation_or_retention_is_a_configuration_error(
    tmp_path: Path, key: str, value: str
) -> None:
    result = run(tmp_path, f'[log]\n{key} = "{value}"\n' + SITE, "run")
    assert result.returncode == 2, result.stderr
    assert f"{tmp_path / 'archiver.toml'}: invalid configuration" in result.stderr
    assert f"log.{key}: cannot use {value!r}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "snapshots").exists()


def test_unknown_rule_pack_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = run(tmp_path, SITE + 'rules = ["nosuchpack"]\n', "run")
    assert result.returncode == 2, result.stderr
    assert "sites.[0].rules.[0]: unknown rule pack 'nosuchpack'" in result.stderr
    assert "archiver.toml" in result.stderr
    assert not (tmp_path / "snapshots").exists()  # nothing crawled, not even a log


def test_missing_rules_dir_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = run(tmp_path, 'rules_dir = "my-rules"\n' + SITE, "check")
    assert result.returncode == 2, result.stderr
    assert "rules_dir" in result.stderr and "my-rules" in result.stderr
    assert not (tmp_path / "snapshots").exists()


def test_a_bad_ignore_file_is_a_configuration_error_for_run(tmp_path: Path) -> None:
    (tmp_path / "ignore.yaml").write_text("ignore: {not: a list}\n", encoding="utf-8")
    result = run(tmp_path, SITE, "run")
    assert result.returncode == 2, result.stderr
    assert "ignore.yaml: expected a top-level 'ignore:' list" in result.stderr
    assert not (tmp_path / "snapshots").exists()
