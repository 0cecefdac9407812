"""Text from an archived site reaches the console (and cron mail) with controls escaped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_archiver

# Clear the screen, set the terminal's title, and a C1 control-sequence introducer.
NASTY = "\x1b[2J\x1b]0;owned\x07\x9b31m"


@pytest.fixture
def nasty_site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/":
                self.send_response(302)  # the redirect's target is logged as it was sent
                self.send_header("Location", f"http://nowhere.invalid:1/{NASTY}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = f'<html><body><a href="/go">{NASTY}</a><a href="/{NASTY}">x</a></body></html>'
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_control_characters_from_a_site_never_reach_the_terminal(
    nasty_site: str, tmp_path: Path
) -> None:
    (tmp_path / "archiver.toml").write_text(
        "[crawl]\ndelay = 0\nretries = 0\nrespect_robots = false\n"
        f"[[sites]]\nname = 'nasty'\nseeds = ['{nasty_site}']\nmax_depth = 2\n",
        encoding="utf-8",
    )
    result = run_archiver("crawl", "--verbose", cwd=tmp_path, timeout=90)
    console = result.stdout + result.stderr
    assert "fetch failed" in console and "owned" in console, console  # logged...
    assert "\\x1b[2J" in console
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in console  # ...escaped
