"""A run learns its site's title suffix from its pages' <title>s (issue #11, point 2)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archiver.check import check_page
from archiver.check.archive import ArchiveChecker
from tests.helpers import MakeSettings, crawl

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "realpages"
CORPUS = REPO / "tests" / "realworld" / "pages"
# Real European Parliament pages: titles end " | News | European Parliament" (press
# releases) or " | MEPs | European Parliament", and none has og:site_name.
PAGES = {
    "/press/20190712IPR56948": SHARED / "ep-press-20190712IPR56948.html",
    "/press/20201217IPR94207": SHARED / "ep-press-20201217IPR94207.html",
    "/press/20221014IPR43206": SHARED / "ep-press-20221014IPR43206.html",
    "/press/20241212IPR25960": SHARED / "ep-press-20241212IPR25960.html",
    "/press/20250204IPR26689": SHARED / "ep-press-20250204IPR26689.html",
    "/meps/256810": CORPUS / "eu-ep-mep-aaltola-home.html",
}
SUFFIX = " | News | European Parliament"


@pytest.fixture
def europarl() -> Iterator[str]:
    if not all(path.is_file() for path in PAGES.values()):
        pytest.skip("shared/realpages is not beside the repository")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = PAGES.get(self.path)
            if path is None:
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_run_compares_titles_without_the_suffix_its_pages_share(
    europarl: str, make_settings: MakeSettings, index_for: object
) -> None:
    seeds = [europarl + path for path in PAGES]
    settings = make_settings(seeds, site={"rules": ["default"], "max_depth": 0})
    index = index_for(settings)  # type: ignore[operator]
    run = crawl(settings, index)
    result = ArchiveChecker(settings, index).check_run(settings.sites[0], run.run_id)
    assert not result.errors and result.pages == len(PAGES)
    [finding] = [v for v in result.report.violations if v.rule == "consistent-titles"]
    # The one real difference is still found: "EP paves way …" against the h1
    # "Parliament paves way …", now stated without the site's suffix.
    assert finding.url.endswith("/press/20241212IPR25960")
    assert finding.evidence["reference_value"].startswith("EP paves way")
    assert SUFFIX not in finding.message
    assert finding.evidence["value"].startswith("Parliament paves way")

    # Checked alone, the page cannot tell its suffix from its title (no og:site_name, no
    # title equal to the h1): the suffix stays in what is compared, unless given.
    url = europarl + "/press/20241212IPR25960"
    alone_report = check_page(url, packs=["default"])
    [alone] = [v for v in alone_report.violations if v.rule == "consistent-titles"]
    assert alone.evidence["reference_value"].endswith(SUFFIX)
    told = check_page(url, packs=["default"], title_suffixes=[SUFFIX])
    [given] = [v for v in told.violations if v.rule == "consistent-titles"]
    assert given.evidence["reference_value"] == finding.evidence["reference_value"]
