"""The reports of two demo runs: JUnit parses, CSV opens, HTML is self-contained and filters."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from tests.helpers import run_archiver
from tests.pipeline.helpers import SITE, TwoRuns

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def _report(runs: TwoRuns, fmt: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_archiver(
        "report", "--format", fmt, *extra, cwd=runs.settings.source.parent, timeout=60
    )


def test_junit_has_a_case_per_page_and_a_failure_per_open_violation(runs: TwoRuns) -> None:
    path = runs.settings.report.dir / SITE / "latest.junit.xml"
    xml = JUnitXml.fromfile(str(path))
    [suite] = list(xml)
    cases = list(suite)
    assert len(cases) == runs.second.tracking.pages
    failures = [r for case in cases for r in case.result if isinstance(r, Failure)]
    assert len(failures) == len(runs.second.failing("info")) == 13
    assert suite.failures == 13
    assert {f.type for f in failures} == {"error", "warning", "info"}


def test_csv_lists_every_status(runs: TwoRuns) -> None:
    rows = list(csv.DictReader(io.StringIO(_report(runs, "csv").stdout)))
    statuses = [r["status"] for r in rows]
    assert statuses.count("fixed") == 2 and statuses.count("disappeared") == 1
    fixed = next(r for r in rows if r["status"] == "fixed")
    assert fixed["fixed_in_run"] == str(runs.second.run_id)
    assert fixed["link"].startswith("http://127.0.0.1:8080/capture/")


def test_report_of_an_older_run_and_bad_options(runs: TwoRuns) -> None:
    first = _report(runs, "json", "--site", SITE, "--run", str(runs.first.run_id))
    assert first.returncode == 0 and '"status": "new"' in first.stdout
    assert _report(runs, "json", "--run", "999", "--site", SITE).returncode == 2
    assert _report(runs, "pdf").returncode == 2


def test_html_is_self_contained_with_new_and_fixed_up_front(runs: TwoRuns) -> None:
    html = (runs.settings.report.dir / SITE / "latest.html").read_text()
    assert "<link " not in html and 'src="http' not in html and "<script src" not in html
    assert html.index("New since the previous run (1)") < html.index("All problems")
    assert html.index("Fixed since the previous run (2)") < html.index("All problems")
    assert '"data:image/jpeg;base64,' in html  # the offending image, from the archive
    assert "/capture/" in html and "/web/" in html


@pytest.mark.browser
def test_html_filter_works_in_chromium(runs: TwoRuns) -> None:
    from playwright.sync_api import sync_playwright

    path = runs.settings.report.dir / SITE / "latest.html"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector("#problems[data-ready]")
            rows = page.locator("#problems tbody tr")
            total = rows.count()
            assert total == len(runs.second.tracking.findings)
            assert page.locator("#count").inner_text() == f"{total} of {total} shown"
            page.select_option("#f-status", "fixed")
            assert page.locator("#problems tbody tr:visible").count() == 2
            page.select_option("#f-status", "")
            page.fill("#q", "minister-opens-school")
            visible = page.locator("#problems tbody tr:visible")
            assert visible.count() == 1
            assert "new" in visible.first.inner_text()
            page.fill("#q", "")
            page.click("#problems th[data-sort='severity']")
            first = page.locator("#problems tbody tr").first.get_attribute("data-severity")
            assert first == "error"
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
