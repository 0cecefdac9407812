"""Our CDXJ lines are cdxj-indexer's, byte for byte, on URLs that trip hand-made SURT keys."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from archiver.export.wacz import cdxj_lines
from archiver.markup import parse_srcset
from archiver.store.warc import Exchange, WarcWriter
from archiver.urls import canonicalize, clean

URLS = [
    "http://www2.example.com/a%2Fb/?x",
    "https://Example.com:8443/A b/Ü?b=1&a=2&utm_source=mail",
    "http://bücher.example/straße?q=ö ü#frag",
    "http://www.example.org/path/?z=%7e&y=a+b",
    "http://example.net",
    "http://127.0.0.1:8321/no/tema/?page=2&sortby=date",
]
CDXJ_INDEXER = Path(sys.executable).parent / "cdxj-indexer"


def test_cdxj_lines_match_cdxj_indexer(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, prefix="t", max_bytes=1 << 30)
    rows = []
    start = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    for n, raw in enumerate(URLS):
        url = clean(raw)
        content_type = None if n == 4 else "text/html; charset=utf-8"
        headers = [("Content-Type", content_type)] if content_type else []
        exchange = Exchange(
            url=url,
            method="GET",
            request_headers=[],
            status=200,
            reason="OK",
            http_version="HTTP/1.1",
            response_headers=headers,
            body=b"<html>%d</html>" % n,
            started_at=start + timedelta(seconds=n),
        )
        written = writer.write_exchange(exchange)
        rows.append(
            SimpleNamespace(
                url=url,
                canonical_url=canonicalize(url),
                record_type="response",
                content_type=content_type,
                status=200,
                payload_digest=written.payload_digest,
                length=written.length,
                offset=written.offset,
                warc_file=f"warcs/t/{written.warc_file}",
                captured_at=exchange.started_at,
            )
        )
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    theirs = subprocess.run(
        [str(CDXJ_INDEXER), "--sort", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = "\n".join(cdxj_lines(rows)) + "\n"
    assert ours == theirs
    assert " " not in "".join(r.url for r in rows)
    assert "xn--bcher-kva.example" in ours and "utm_source" not in ours


def test_srcset_candidates_keep_commas_inside_urls() -> None:
    value = "/a,b.png 1x, /c.png 2x,/d.png, data:image/gif;base64,R0l 3x"
    assert parse_srcset(value) == [
        ("/a,b.png", "1x"),
        ("/c.png", "2x"),
        ("/d.png", ""),
        ("data:image/gif;base64,R0l", "3x"),
    ]
