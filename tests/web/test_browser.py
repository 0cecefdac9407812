"""End to end in headless Chromium: an auditor finds a page, sees it on a date with its
violations outlined, compares it with a later capture; archived scripts stay boxed in."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from archiver.check.archive import ArchiveChecker
from archiver.crawl.crawler import Crawler
from archiver.demo import DemoServer
from archiver.demo.run import write_config
from archiver.store.index import Index
from archiver.web import create_app
from tests.helpers import missing_service
from tests.web.conftest import Archived

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "viewer"

pytestmark = [pytest.mark.browser]


class LiveViewer:
    """The viewer app under uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, settings, token: str | None = None) -> None:
        self.app = create_app(settings, token=token, bind="127.0.0.1")
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        missing_service(f"needs Debian's chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site crawled and checked in phase 1 and phase 2, served by the viewer."""
    root = tmp_path_factory.mktemp("demo-viewer") / "snapshots"
    with DemoServer() as site:
        _path, settings = write_config(root, site.url)

        def crawl_and_check() -> None:
            # In a thread: Playwright's sync API may already own this thread's event loop.
            index = Index(settings.storage.index_url)
            try:
                for phase in (1, 2):
                    site.set_phase(phase)
                    crawled = Crawler(settings, settings.sites[0], index, full=True).run()
                    ArchiveChecker(settings, index).check_run(settings.sites[0], crawled.run_id)
            finally:
                index.close()

        worker = threading.Thread(target=crawl_and_check)
        worker.start()
        worker.join()
    with LiveViewer(settings) as base:
        yield base


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_auditor_finds_a_page_sees_its_violation_and_compares_captures(
    demo_archive: str, browser
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(demo_archive + "/")
    _shot(page, "1-index")
    page.fill("input[name=q]", "more-funding-for-hospitals")
    with page.expect_navigation():
        page.click("form.filters button")
    assert page.locator("table.pages tbody tr").count() == 1
    page.click("a.timeline-link")
    page.wait_for_url("**/timeline?*")
    assert page.locator("table.timeline tbody tr").count() == 2
    assert page.locator("tr.changed").count() == 1
    _shot(page, "2-timeline")

    page.locator("a.capture-link").first.click()
    page.wait_for_url("**/capture/*")
    assert page.locator("article.violation[data-rule=photo-credits]").count() == 1
    frame = page.frame_locator("iframe.replay")
    outlined = frame.locator("img[data-archiver-violation]")
    outlined.first.wait_for()
    style = outlined.first.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }"
    )
    assert style == ["solid", "rgb(208, 2, 27)"]
    # The archived image itself loaded from the archive, not from the live site.
    assert outlined.first.evaluate("e => e.complete && e.naturalWidth > 0")
    outlined.first.scroll_into_view_if_needed()
    _shot(page, "3-capture-outlined")

    page.click("a.compare-link")
    page.wait_for_url("**/compare?*")
    assert page.locator("table.fields tr.changed").count() >= 1
    assert page.locator("table.diff tr.replace, table.diff tr.insert").count() >= 1
    _shot(page, "4-compare")
    assert not [u for u in failed if "/static/" in u or "/capture/" in u]
    page.close()


def test_wayback_address_opens_the_capture_of_that_date(demo_archive: str, browser) -> None:
    page = browser.new_page()
    page.goto(demo_archive + "/")
    url = page.locator("table.pages div.url").first.inner_text()
    page.goto(f"{demo_archive}/web/20000101000000/{url}")
    assert "/capture/" in page.url
    assert url in page.locator("section.banner").inner_text()
    page.close()


def test_archived_script_cannot_reach_the_viewer(archived: Archived, browser) -> None:
    with LiveViewer(archived.settings) as base:
        context = browser.new_context(viewport={"width": 1300, "height": 800})
        context.add_cookies([{"name": "viewer_secret", "value": "s3cret", "url": base}])
        page = context.new_page()
        page.goto(f"{base}/capture/{archived.capture(1, '/en/hostile/')}")
        probe = page.frame_locator("iframe.replay").locator("#probe")
        probe.wait_for()
        deadline = time.monotonic() + 5
        while "did not run" in probe.inner_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = probe.inner_text()
        _shot(page, "5-hostile-script-blocked")
        # The script ran, in an opaque origin: every reach for the viewer failed.
        assert "parent.cookie:blocked:SecurityError" in text, text
        assert "parent.dom:blocked:SecurityError" in text, text
        assert "top.dom:blocked:SecurityError" in text, text
        assert "own.cookie:blocked:SecurityError" in text, text
        assert "s3cret" not in text
        assert page.locator("#pwned").count() == 0
        assert page.locator("section.banner").is_visible()
        # Opened directly, a replay address shows the viewer's page that frames it.
        direct = context.new_page()
        hostile_id = archived.capture(1, "/en/hostile/")
        direct.goto(f"{base}/capture/{hostile_id}/replay")
        assert direct.url == f"{base}/capture/{hostile_id}"
        assert direct.locator("section.banner").is_visible()
        context.close()


def test_a_click_in_a_hostile_archived_page_leaks_no_credential(
    archived: Archived, browser
) -> None:
    import httpx

    token = "s3cret-token-value"
    hostile_id = archived.capture(1, "/en/hostile/")
    with LiveViewer(archived.settings, token=token) as base:
        context = browser.new_context()
        leaks: list[str] = []

        def attacker(route) -> None:  # the attacker's server, without any network
            leaks.append(route.request.url)
            route.fulfill(status=200, body="thanks")

        context.route("http://127.0.0.1:9/**", attacker)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{base}/?token={token}")
        page.goto(f"{base}/capture/{hostile_id}")
        frame = page.frame_locator("iframe.replay")
        frame.locator("#exfil").click()
        page.wait_for_timeout(1500)  # the script's second try leaves after 200 ms
        # Neither the viewer's window nor the frame reached the attacker...
        assert leaks == []
        assert page.url == f"{base}/capture/{hostile_id}"
        # ...though the click ran the page's script.
        assert "hostile click handler ran" in console
        # At worst, what hostile content knows is its own address: no token,
        # and nothing it opens but the page itself, briefly.
        known = page.locator("iframe.replay").get_attribute("src")
        assert known is not None and token not in known
        context.close()
        with httpx.Client(base_url=base) as outsider:
            assert outsider.get(known).status_code == 200
            other = archived.capture(1, "/en/tromso/")
            forged = known.replace(f"/capture/{hostile_id}/", f"/capture/{other}/")
            assert outsider.get(forged).status_code == 401
            for path in ("/violations", f"/capture/{other}/replay", "/"):
                assert outsider.get(path).status_code == 401


def test_dashboard_badges_are_readable(demo_archive: str, browser) -> None:
    page = browser.new_page()
    page.goto(demo_archive + "/violations")
    for badge in page.locator("span.badge").all():
        colour, background = badge.evaluate(
            "e => { const s = getComputedStyle(e); return [s.color, s.backgroundColor]; }"
        )
        assert colour != background, badge.inner_text()
    page.close()


def test_the_viewers_own_pages_load_without_a_failed_request(demo_archive: str, browser) -> None:
    """No console error for a newcomer who opens the developer tools: not even the
    browser's own /favicon.ico guess (the viewer names an empty icon)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in ("/", "/violations", "/search?q=hospital"):
        page.goto(demo_archive + path)
        page.wait_for_load_state("networkidle")
    page.close()
    assert errors == []


def test_a_long_image_path_in_a_violation_stays_inside_its_panel(
    demo_archive: str, browser
) -> None:
    # "Content image /globalassets/departementene/…/hospital.jpg has no visible photo credit"
    # ran past the panel's edge, cut off at a 1280-pixel window.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(demo_archive + "/")
    page.fill("input[name=q]", "more-funding-for-hospitals")
    with page.expect_navigation():
        page.click("form.filters button")
    page.click("a.timeline-link")
    page.wait_for_url("**/timeline?*")
    page.locator("a.capture-link").first.click()
    page.wait_for_url("**/capture/*")
    panels = page.locator("aside.violations article.violation").all()
    assert panels
    for panel in panels:
        assert panel.evaluate("e => e.scrollWidth <= e.clientWidth"), panel.inner_text()
    page.close()
