"""`archiver check` on the archived demo site finds every seeded violation and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import sqlalchemy as sa

from archiver.check import check_page
from archiver.check.archive import ArchiveChecker
from archiver.demo import EXPECTED, DemoServer
from archiver.store.index import violations
from tests.helpers import MakeSettings, crawl

REPO = Path(__file__).resolve().parents[2]


def _found(report_violations: list) -> set[tuple[str, str, str]]:
    return {(urlsplit(v.url).path, v.rule, v.subject) for v in report_violations}


@pytest.fixture
def checked(demo_server: DemoServer, make_settings: MakeSettings, index_for: object):
    settings = make_settings(
        [demo_server.url + "en/id4/", demo_server.url + "no/id4/"], site={"max_depth": 5}
    )
    index = index_for(settings)  # type: ignore[operator]
    result = crawl(settings, index)
    checker = ArchiveChecker(settings, index)
    return settings, index, result.run_id, checker.check_run(settings.sites[0], result.run_id)


def test_archived_demo_site_has_exactly_the_seeded_findings(checked: tuple) -> None:
    _settings, index, run_id, result = checked
    assert not result.errors
    expected = {(e.path, e.rule, e.subject) for e in EXPECTED[1]}
    assert _found(result.report.violations) == expected
    with index.read() as conn:
        rows = conn.execute(sa.select(violations).where(violations.c.run_id == run_id)).all()
    assert len(rows) == len(expected)
    for row in rows:  # each stored violation points at its archived evidence
        assert row.capture_id and row.fingerprint and row.pointer.startswith("/")
    for violation in result.report.violations:
        assert violation.capture is not None
        assert violation.capture.warc_file.startswith("warcs/")


def test_recheck_uses_cached_page_models_and_gives_the_same_findings(checked: tuple) -> None:
    settings, index, run_id, first = checked
    again = ArchiveChecker(settings, index).check_run(settings.sites[0], run_id)
    assert again.extracted == 0 and again.cached == first.pages
    assert _found(again.report.violations) == _found(first.report.violations)
    assert [v.to_json() for v in again.report.violations] == [
        v.to_json() for v in first.report.violations
    ]


def test_check_page_agrees_with_the_archive(checked: tuple, demo_server: DemoServer) -> None:
    _settings, _index, _run_id, result = checked
    for path in sorted({e.path for e in EXPECTED[1]}):
        archived = {(r, s) for p, r, s in _found(result.report.violations) if p == path}
        live = check_page(demo_server.url.rstrip("/") + path, packs=["regjeringen"])
        assert {(v.rule, v.subject) for v in live.violations} == archived, path


def test_check_command_exit_codes_and_json_report(demo_server: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "archiver.toml"
    config.write_text(
        "[crawl]\ndelay = 0\nper_host = 4\n[[sites]]\nname = 'demo'\n"
        f"seeds = ['{demo_server.url}en/id4/']\nrules = ['regjeringen']\nmax_depth = 5\n",
        encoding="utf-8",
    )
    run = [sys.executable, "-m", "archiver"]
    crawled = subprocess.run(
        [*run, "crawl", "-c", str(config), "-q"], capture_output=True, text=True
    )
    assert crawled.returncode == 0, crawled.stderr
    out = tmp_path / "report.json"
    checked = subprocess.run(
        [*run, "check", "-c", str(config), "--format", "json", "--output", str(out), "-q"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 1, checked.stderr  # errors found, default --fail-on error
    report = json.loads(out.read_text())
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    expected = {(e.path, e.rule, e.subject) for e in EXPECTED[1]}  # the language switch links NO
    found = {(urlsplit(v["url"]).path, v["rule"], v["subject"]) for v in report["violations"]}
    assert found == expected
    never = subprocess.run(
        [*run, "check", "-c", str(config), "--fail-on", "never", "-q"],
        capture_output=True,
        text=True,
    )
    assert never.returncode == 0
    assert "violation(s)" in never.stdout
    log = (tmp_path / "snapshots" / "logs" / "archiver.jsonl").read_text().splitlines()
    logged = [json.loads(line)["record"]["extra"] for line in log]
    assert any(e.get("rule") == "photo-credits" and e.get("severity") == "error" for e in logged)
