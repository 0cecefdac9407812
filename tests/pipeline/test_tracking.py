"""Two real runs of the demo site with its phase-2 changes: new, persisting, fixed, disappeared."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema

from archiver import config
from archiver.check.tracking import Ignore, append_ignore, load_ignores
from archiver.demo import REMOVED
from archiver.pipeline import EXIT_OK, EXIT_VIOLATIONS, run_site
from archiver.resources import load_schema
from archiver.store.dashboard import DashboardQueries
from archiver.store.index import Index
from tests.pipeline.helpers import SITE, TwoRuns, expected, key


def _by_status(run) -> dict[str, set[tuple[str, str, str]]]:
    out: dict[str, set[tuple[str, str, str]]] = {}
    for f in run.tracking.findings:
        out.setdefault(f.status, set()).add(key(f.url, f.rule, f.violation["subject"]))
    return out


def test_first_run_reports_every_seeded_finding_as_new(runs: TwoRuns) -> None:
    assert runs.first.outcome == "completed"
    assert _by_status(runs.first) == {"new": expected(1)}
    assert runs.first.tracking.previous_run_id is None


def test_second_run_tells_new_persisting_fixed_and_disappeared(runs: TwoRuns) -> None:
    statuses = _by_status(runs.second)
    gone = {e for e in expected(1) if e[0] in REMOVED[2]}
    assert statuses["new"] == expected(2) - expected(1)
    assert statuses["persisting"] == expected(1) & expected(2)
    assert statuses["disappeared"] == gone
    assert statuses["fixed"] == expected(1) - expected(2) - gone
    assert set(statuses) == {"new", "persisting", "fixed", "disappeared"}
    assert runs.second.tracking.previous_run_id == runs.first.run_id


def test_history_fields_carry_first_seen_and_fixed_in(runs: TwoRuns) -> None:
    first, second = runs.first.run_id, runs.second.run_id
    for f in runs.second.tracking.findings:
        if f.status == "persisting":
            assert (f.first_seen_run, f.last_seen_run) == (first, second)
            assert f.first_seen_at < f.last_seen_at
        elif f.status == "new":
            assert (f.first_seen_run, f.last_seen_run) == (second, second)
        elif f.status == "fixed":
            assert f.to_json()["fixed_in_run"] == second and f.last_seen_run == first
        elif f.status == "disappeared":
            assert f.to_json()["disappeared_in_run"] == second
            # The demo unlinks the removed page, so the crawl no longer reaches it.
            assert "no longer reached" in (f.note or "") or "404" in (f.note or "")


def test_summary_lines_and_exit_codes(runs: TwoRuns) -> None:
    line = runs.second.summary()
    assert line.startswith(f"{SITE}: run {runs.second.run_id} completed")
    assert "1 new, 12 persisting since run" in line and "2 fixed, 1 disappeared" in line
    assert runs.second.exit_code("error") == EXIT_VIOLATIONS
    assert runs.second.exit_code("never") == EXIT_OK


def test_run_writes_every_configured_report(runs: TwoRuns) -> None:
    folder = runs.settings.report.dir / SITE
    names = {p.name for p in folder.iterdir()}
    for ext in ("html", "json", "csv", "junit.xml"):
        assert f"run-{runs.second.run_id}.{ext}" in names and f"latest.{ext}" in names
    data = json.loads((folder / "latest.json").read_text())
    jsonschema.Draft202012Validator(
        load_schema("report.schema.json"),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(data)
    assert data["summary"]["by_status"]["fixed"] == 2
    assert data["summary"]["violations"] == 13  # open: new + persisting
    link = data["violations"][0]["link"]["href"]
    assert link.startswith("http://127.0.0.1:8080/capture/")


def test_acknowledged_findings_stay_visible_as_suppressed(runs: TwoRuns, tmp_path: Path) -> None:
    new = runs.second.tracking.having("new")[0]
    ignore_file = runs.settings.tracking.ignore_file
    append_ignore(
        ignore_file, Ignore(reason="photo bought without credit", fingerprint=new.fingerprint)
    )
    append_ignore(ignore_file, Ignore(reason="expired", rule="undated", expires=_yesterday()))
    assert len(load_ignores(ignore_file)) == 2
    third = run_site(runs.settings, SITE)
    statuses = {f.fingerprint: f for f in third.tracking.findings}
    assert statuses[new.fingerprint].status == "suppressed"
    assert statuses[new.fingerprint].suppression["reason"] == "photo bought without credit"
    undated = [f for f in third.tracking.findings if f.rule == "undated"]
    assert undated and all(f.status == "persisting" for f in undated)  # its entry expired
    assert new.fingerprint not in {f.fingerprint for f in third.failing("info")}
    assert "1 suppressed" in third.summary()
    ignore_file.unlink()


def test_a_run_that_reaches_nothing_fails_and_is_not_tracked(tmp_path: Path) -> None:
    from archiver.demo import DemoServer
    from archiver.store.index import Index, latest_tracked_run
    from tests.pipeline.helpers import write_config

    with DemoServer() as server:
        settings = config.load(write_config(tmp_path, server))
        first = run_site(settings, SITE)
        assert first.outcome == "completed"
        server.stop()  # the site goes down: nothing can be fetched
        down = run_site(settings, SITE)
    assert down.outcome == "failed" and down.exit_code("error") == 3
    assert "site down" in down.summary()
    index = Index(settings.storage.index_url)
    try:
        assert latest_tracked_run(index, SITE).run_id == first.run_id
    finally:
        index.close()


def _yesterday():
    import datetime

    return datetime.date.today() - datetime.timedelta(days=1)


def test_viewer_dashboard_does_not_call_a_gone_page_fixed(runs: TwoRuns) -> None:
    index = Index(runs.settings.storage.index_url)
    try:
        board = DashboardQueries(index).dashboard(SITE, runs.second.run_id)
    finally:
        index.close()
    fixed = {(urlsplit(v.url).path, v.rule) for v in board.lists["fixed"].rows}
    gone = {(path, rule) for path, rule, _ in expected(1) if path in REMOVED[2]}
    assert gone and not fixed & gone
    assert len(fixed) == board.totals["fixed"] == 2
