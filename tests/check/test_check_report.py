"""Reports: schema-valid JSON, readable text, stable fingerprints, check_page over HTTP."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from archiver.check import CaptureRef, check_page, render_text, schemas_dir
from archiver.check.violation import Violation, canonical_url
from archiver.errors import FetchError

PAGES = Path(__file__).resolve().parents[1] / "data" / "pages"
REGJERINGEN = "https://www.regjeringen.no/en/aktuelt/pm-visits-tromso/id1/"
AT = datetime(2025, 1, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def report_schema() -> Draft202012Validator:
    schema = json.loads((schemas_dir() / "report.schema.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.strip("/")
            path = PAGES / name
            if not name or not path.is_file():
                self.send_error(404)
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_report_json_validates(report_schema) -> None:
    report = check_page(PAGES / "credit-missing.html", url=REGJERINGEN, at=AT)
    data = report.to_json()
    assert list(report_schema.iter_errors(data)) == []
    assert data["summary"]["by_rule"] == {"photo-credits": 3}
    assert data["pages"][0]["packs"] == ["regjeringen"]
    text = render_text(report)
    assert "photo-credits" in text and "/globalassets/x/uncredited.jpg" in text
    assert text.endswith("3 violation(s) (3 error, 0 warning, 0 info) on 1 page(s)\n")


def test_archived_violation_with_tracking_fields_validates(report_schema) -> None:
    report = check_page(PAGES / "titles-mismatch.html", url=REGJERINGEN, at=AT)
    [v] = report.violations
    tracked = Violation(
        **{
            **v.__dict__,
            "capture": CaptureRef("a.warc.gz", 1234, "sha256:ab", 7),
            "status": "new",
            "first_seen": "2025-01-05T00:00:00Z",
            "last_seen": "2025-01-05T00:00:00Z",
            "run": "42",
        }
    )
    data = report.to_json()
    data["violations"] = [tracked.to_json()]
    assert list(report_schema.iter_errors(data)) == []
    assert tracked.fingerprint() == v.fingerprint()


def test_fingerprint_ignores_capture_time_and_url_spelling() -> None:
    base = dict(
        rule="photo-credits",
        severity="error",
        message="m",
        pointer="/images/0/credit",
        evidence={},
        subject="/a.jpg",
    )
    one = Violation(
        url="https://WWW.Regjeringen.no:443/x#top", captured_at="2024-01-01T00:00:00Z", **base
    )
    two = Violation(url="https://www.regjeringen.no/x", captured_at="2025-01-01T00:00:00Z", **base)
    other = Violation(
        url="https://www.regjeringen.no/x",
        captured_at="2025-01-01T00:00:00Z",
        **{**base, "subject": "/b.jpg"},
    )
    assert one.fingerprint() == two.fingerprint() != other.fingerprint()
    assert canonical_url("HTTP://Example.org") == "http://example.org/"


def test_check_page_fetches_a_url_once(server) -> None:
    report = check_page(f"{server}/nb-old-no-notice.html", at=datetime(2026, 11, 27, tzinfo=UTC))
    # A loopback URL matches no site pack, so the default pack applies.
    assert report.pages[0].packs == ("default",)
    assert report.pages[0].url == f"{server}/nb-old-no-notice.html"
    regjeringen = check_page(
        f"{server}/nb-old-no-notice.html",
        packs=["regjeringen"],
        at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    assert [v.rule for v in regjeringen.violations] == ["age-notice"]


def test_check_page_fetch_errors_are_fetch_errors(server, tmp_path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        check_page(f"{server}/missing.html")
    with pytest.raises(FetchError):
        check_page(tmp_path / "missing.html")
