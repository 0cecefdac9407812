"""The anonymous WACZ signature checked the way ReplayWeb.page checks it: Chromium's WebCrypto
imports `publicKey` as SPKI on P-384 and verifies ECDSA/SHA-256 (r || s) over the `hash` text.

Nothing of ours runs in the browser: the page gets the `signedData` fields and answers."""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_archiver

CHROMIUM = "/usr/bin/chromium"

# The steps of wabac.js's verifyWACZSignature for a signature with a publicKey.
_VERIFY = """async ({hash, signature, publicKey}) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "spki", bytes(publicKey), {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]);
  return await crypto.subtle.verify(
    {name: "ECDSA", hash: "SHA-256"}, key, bytes(signature), new TextEncoder().encode(hash));
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def secure_page(tmp_path: Path) -> Iterator[Any]:
    """A Chromium page on http://127.0.0.1 (a secure context, so WebCrypto is there)."""
    from playwright.sync_api import sync_playwright

    (tmp_path / "index.html").write_text("<!doctype html><title>verify</title>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                yield page
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


def test_replaywebpage_s_check_accepts_the_signature_and_refuses_a_changed_hash(
    signed_archive: Path, tmp_path: Path, secure_page: Any
) -> None:
    out = tmp_path / "signed.wacz"
    config = signed_archive / "archiver.toml"
    result = run_archiver(
        "export", "--config", str(config), "--site", "demo", "--wacz", str(out), "--sign"
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as zf:
        signed = json.loads(zf.read("datapackage-digest.json"))["signedData"]
    assert secure_page.evaluate(_VERIFY, signed) is True
    changed = dict(signed, hash=signed["hash"][:-1] + ("0" if signed["hash"][-1] != "0" else "1"))
    assert secure_page.evaluate(_VERIFY, changed) is False
