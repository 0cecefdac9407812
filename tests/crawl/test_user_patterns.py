"""User patterns (scope, rule packs) meet hostile URLs: RE2 matches them without backtracking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_archiver

# `(a+)+$` against `/aaaa…a/` backtracks 2^n ways in Python's re.
EVIL_PATH = "/" + "a" * 40 + "/"


@pytest.fixture
def evil_site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f'<html><body><a href="{EVIL_PATH}">trap</a></body></html>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_backtracking_exclude_pattern_cannot_hang_the_crawl(
    evil_site: str, tmp_path: Path
) -> None:
    (tmp_path / "archiver.toml").write_text(
        "[crawl]\ndelay = 0\nrespect_robots = false\n"
        f"[[sites]]\nname = 'evil'\nseeds = ['{evil_site}']\nmax_depth = 1\n"
        "exclude = ['/(a+)+$']\n",
        encoding="utf-8",
    )
    # With a backtracking engine this crawl never ends (the subprocess times out).
    result = run_archiver("crawl", cwd=tmp_path, timeout=90)
    assert result.returncode == 0, result.stderr
    assert "2 pages" in result.stdout  # the trap link is not excluded: `$` follows a '/'


def test_a_pattern_re2_cannot_run_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "archiver.toml").write_text(
        "[[sites]]\nname = 'a'\nseeds = ['http://127.0.0.1:9/']\nexclude = ['/(?=private)']\n",
        encoding="utf-8",
    )
    result = run_archiver("crawl", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "sites.[0].exclude.[0]: invalid regex '/(?=private)'" in result.stderr
    assert "RE2" in result.stderr


def test_rule_pack_patterns_are_checked_for_re2_where_they_are_written(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "id: mine\nmatch: ['^https://x/(?!news)']\n"
        "profile:\n  credits:\n    patterns: ['(a)\\1']\n",
        encoding="utf-8",
    )
    result = run_archiver("rules", "lint", str(rules), cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "mine.yaml:2" in out and "/match/0" in out
    assert "/profile/credits/patterns/0" in out
