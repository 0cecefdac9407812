"""WARC files are standard, verifiable with warcio, and recoverable after a crash."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver.store import recovery, warc


def _exchange(url: str, body: bytes, status: int = 200) -> warc.Exchange:
    return warc.Exchange(
        url=url,
        method="GET",
        request_headers=[("Host", "example.gov"), ("User-Agent", "archiver-test")],
        status=status,
        reason="OK",
        http_version="HTTP/1.1",
        response_headers=[("Content-Type", "text/html; charset=utf-8"), ("ETag", '"abc"')],
        body=body,
        started_at=datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
        ip_address="127.0.0.1",
    )


def _warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from warcio.cli import main; sys.exit(main(['check', '-v', sys.argv[1]]))"
    return subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )


def test_written_file_passes_warcio_check_and_gzip(tmp_path: Path) -> None:
    writer = warc.WarcWriter(tmp_path, prefix="t", max_bytes=10_000_000)
    first = writer.write_exchange(_exchange("https://example.gov/a", b"<html>A</html>"))
    writer.write_exchange(
        _exchange("https://example.gov/a", b"<html>A</html>"),
        revisit_of=("https://example.gov/a", "2026-11-27T03:00:00Z", first.payload_digest),
    )
    assert writer.current.endswith(".warc.gz")
    assert (tmp_path / (writer.current + ".open")).exists()
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    with gzip.open(path) as fh:
        assert fh.read()  # every member decompresses
    result = _warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout
    with path.open("rb") as fh:
        records = [(r.rec_type, r.rec_headers) for r in ArchiveIterator(fh)]
    assert [t for t, _ in records] == ["warcinfo", "response", "request", "revisit"]
    for _, headers in records:
        assert headers.protocol == "WARC/1.1"
    response_headers = records[1][1]
    assert response_headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert response_headers.get_header("WARC-Block-Digest").startswith("sha256:")
    assert response_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    revisit = records[3][1]
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "https://example.gov/a"
    assert revisit.get_header("WARC-Payload-Digest") == first.payload_digest


def test_read_record_returns_payload_at_offset(tmp_path: Path) -> None:
    writer = warc.WarcWriter(tmp_path, prefix="t", max_bytes=10_000_000)
    writer.write_exchange(_exchange("https://example.gov/a", b"first"))
    second = writer.write_exchange(_exchange("https://example.gov/b", b"second body"))
    writer.close()
    record = warc.read_record(tmp_path / second.warc_file, second.offset)
    assert record.url == "https://example.gov/b"
    assert record.payload == b"second body"
    assert record.payload_digest == warc.sha256_digest(b"second body")


def test_rotation_at_size_limit(tmp_path: Path) -> None:
    writer = warc.WarcWriter(tmp_path, prefix="t", max_bytes=1)
    for i in range(3):
        writer.write_exchange(_exchange(f"https://example.gov/{i}", b"x" * 100))
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 3
    assert not list(tmp_path.glob("*.open"))


def test_recover_cuts_back_to_committed_record(tmp_path: Path) -> None:
    writer = warc.WarcWriter(tmp_path, prefix="t", max_bytes=10_000_000)
    writer.write_exchange(_exchange("https://example.gov/a", b"kept"))
    committed = writer.position()
    writer.write_exchange(_exchange("https://example.gov/b", b"not committed"))
    name = writer.current
    # Simulate a crash mid-record: garbage after the last committed member.
    assert writer._fh is not None
    writer._fh.write(b"\x1f\x8b\x08\x00partial")
    writer._fh.close()
    closed = recovery.recover(tmp_path, name, committed)
    assert closed.name == name
    assert _warcio_check(closed).returncode == 0
    with closed.open("rb") as fh:
        urls = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh)]
    assert urls == [None, "https://example.gov/a", "https://example.gov/a"]  # + its request


def test_unreadable_offset_is_an_archive_error(tmp_path: Path) -> None:
    from archiver.errors import ArchiveError

    with pytest.raises(ArchiveError, match=r"missing\.warc\.gz"):
        warc.read_record(tmp_path / "missing.warc.gz", 0)


def test_a_304_freshens_the_stored_headers_but_not_the_body_fields() -> None:
    stored = [
        ("Content-Type", "text/html"),
        ("Content-Length", "1200"),
        ("Content-Encoding", "gzip"),
        ("ETag", '"v1"'),
        ("Date", "Mon, 02 Mar 2026 10:00:00 GMT"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ]
    update = [
        ("Date", "Tue, 03 Mar 2026 10:00:00 GMT"),
        ("ETag", '"v1"'),
        ("Content-Length", "0"),
        ("Cache-Control", "max-age=60"),
    ]
    assert warc.freshen(stored, update) == [
        ("Content-Type", "text/html"),
        ("Content-Length", "1200"),
        ("Content-Encoding", "gzip"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Date", "Tue, 03 Mar 2026 10:00:00 GMT"),
        ("ETag", '"v1"'),
        ("Cache-Control", "max-age=60"),
    ]
