"""`archiver verify`: every WARC record re-read and re-digested, the index held to the files."""

from __future__ import annotations

import gzip
import io
import sqlite3
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.store import warc
from tests.helpers import run_archiver
from tests.store.localsite import serving, write_config


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A finished crawl of a 20-page site; each test copies it before breaking it."""
    base = tmp_path_factory.mktemp("crawled")
    with serving(pages=20) as site:
        config = write_config(base, site.url)
        result = run_archiver("crawl", "--config", str(config), cwd=base)
        assert result.returncode == 0, result.stderr
    yield base


@pytest.fixture
def archive(crawled: Path, tmp_path: Path) -> Path:
    subprocess.run(["cp", "-a", f"{crawled}/.", str(tmp_path)], check=True)
    return tmp_path


def db(root: Path) -> sqlite3.Connection:
    return sqlite3.connect(root / "snapshots" / "index.sqlite3")


def warc_files(root: Path) -> list[Path]:
    return sorted((root / "snapshots" / "warcs" / "local").glob("*.warc.gz"))


def a_response(root: Path) -> tuple[Path, int, int]:
    """(file, offset, length) of an indexed HTML response record."""
    with db(root) as conn:
        name, offset, length = conn.execute(
            "SELECT warc_file, offset, length FROM captures "
            "WHERE record_type='response' AND content_type LIKE 'text/html%' ORDER BY id LIMIT 1"
        ).fetchone()
    return root / "snapshots" / name, offset, length


def verify(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_archiver("verify", "--config", str(root / "archiver.toml"), *extra, cwd=root)


def test_clean_archive_verifies(archive: Path) -> None:
    result = verify(archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "local: OK:" in result.stdout
    assert "0 problem(s)" in result.stdout
    with db(archive) as conn:
        (captures,) = conn.execute("SELECT count(*) FROM captures").fetchone()
    assert f"{captures} captures" in result.stdout


def test_flipped_payload_byte_in_a_valid_gzip_member_is_caught(archive: Path) -> None:
    path, offset, length = a_response(archive)
    data = path.read_bytes()
    record = gzip.decompress(data[offset : offset + length])
    at = record.index(b"public services")
    record = record[:at] + b"P" + record[at + 1 :]
    # Recompressed at the same level: a valid member whose digests no longer match.
    path.write_bytes(data[:offset] + gzip.compress(record) + data[offset + length :])
    result = verify(archive)
    assert result.returncode == 3
    rel = path.relative_to(archive / "snapshots")
    assert f"{rel}@{offset}: response record: payload digest mismatch" in result.stdout
    assert f"{rel}@{offset}: response record: block digest mismatch" in result.stdout


def test_flipped_compressed_byte_is_caught(archive: Path) -> None:
    path, offset, length = a_response(archive)
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify(archive)
    assert result.returncode == 3
    rel = path.relative_to(archive / "snapshots")
    assert f"{rel}@{offset}: gzip member does not decompress" in result.stdout
    # Reading resumed at the next member: only the damaged record is missing.
    assert result.stdout.count("no WARC record starts here") == 1


def test_broken_gzip_crc_is_caught(archive: Path) -> None:
    path, offset, length = a_response(archive)
    data = bytearray(path.read_bytes())
    data[offset + length - 8] ^= 0xFF  # first byte of the member's CRC-32 trailer
    path.write_bytes(bytes(data))
    result = verify(archive)
    assert result.returncode == 3
    rel = path.relative_to(archive / "snapshots")
    assert f"{rel}@{offset}: gzip member does not decompress" in result.stdout
    assert "incorrect data check" in result.stdout


def test_flipped_byte_in_a_gzip_header_mtime_is_located_at_its_member(archive: Path) -> None:
    path, offset, _length = a_response(archive)
    data = bytearray(path.read_bytes())
    data[offset + 5] ^= 0x40  # the mtime: not covered by the CRC, decompresses cleanly
    path.write_bytes(bytes(data))
    result = verify(archive)
    assert result.returncode == 3
    rel = path.relative_to(archive / "snapshots")
    assert f"{rel}: SHA-256 differs from when closed" in result.stdout
    assert f"{rel}@{offset}: gzip header 1f8b0800004000000003 differs" in result.stdout
    assert result.stdout.count("gzip header") == 1


def test_closed_file_changed_after_closing_is_caught(archive: Path) -> None:
    path = warc_files(archive)[-1]
    with path.open("ab") as fh:
        fh.write(gzip.compress(b"extra"))
    result = verify(archive)
    assert result.returncode == 3
    assert "bytes, " in result.stdout and "when closed" in result.stdout
    assert "WARC record headers cut short" in result.stdout


def test_index_row_with_wrong_digest_or_url_is_caught_and_repaired(archive: Path) -> None:
    with db(archive) as conn:
        conn.execute(
            "UPDATE captures SET payload_digest='sha256:AAAA' WHERE id=(SELECT min(id) FROM "
            "captures WHERE record_type='response')"
        )
        conn.execute(
            "UPDATE captures SET url='http://elsewhere.invalid/' WHERE id=(SELECT max(id) FROM "
            "captures WHERE record_type='response')"
        )
    before = [warc.file_sha256(p) for p in warc_files(archive)]
    result = verify(archive)
    assert result.returncode == 3
    assert "in the record, sha256:AAAA in the index" in result.stdout
    assert "index says http://elsewhere.invalid/" in result.stdout
    repaired = verify(archive, "--repair-index")
    assert repaired.returncode == 0, repaired.stdout
    assert "corrected from" in repaired.stdout
    assert [warc.file_sha256(p) for p in warc_files(archive)] == before
    assert verify(archive).returncode == 0


def test_unindexed_record_is_caught_and_rebuilt(archive: Path) -> None:
    with db(archive) as conn:
        row = conn.execute(
            "SELECT id, url, warc_file, offset, status, payload_digest, is_page, depth "
            "FROM captures WHERE record_type='response' AND content_type LIKE 'text/html%' "
            "AND id NOT IN (SELECT refers_to FROM captures WHERE refers_to IS NOT NULL) "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        conn.execute("DELETE FROM captures WHERE id=?", (row[0],))
    result = verify(archive)
    assert result.returncode == 3
    assert f"{row[2]}@{row[3]}: response record for {row[1]} not indexed" in result.stdout
    repaired = verify(archive, "--repair-index")
    assert repaired.returncode == 0, repaired.stdout
    assert f"rebuilt from {row[2]}@{row[3]}" in repaired.stdout
    with db(archive) as conn:
        rebuilt = conn.execute(
            "SELECT url, warc_file, offset, status, payload_digest, is_page, depth "
            "FROM captures WHERE warc_file=? AND offset=?",
            (row[2], row[3]),
        ).fetchone()
    assert rebuilt == row[1:]


def test_missing_warc_file_is_caught(archive: Path) -> None:
    warc_files(archive)[0].unlink()
    result = verify(archive)
    assert result.returncode == 3
    assert "in the index but missing on disk" in result.stdout


def test_open_file_of_a_dead_run_is_recovered(archive: Path) -> None:
    """A killed crawl's `.open` file: cut back to its committed length, closed, verified."""
    path = warc_files(archive)[-1]
    name = f"warcs/local/{path.name}"
    committed = path.stat().st_size
    opened = path.with_name(path.name + ".open")
    path.rename(opened)
    with opened.open("ab") as fh:
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n")[:30])  # a cut record
    with db(archive) as conn:
        conn.execute(
            "UPDATE warc_files SET status='open', size=NULL, sha256=NULL, committed=? WHERE name=?",
            (committed, name),
        )
        conn.execute("UPDATE runs SET status='running'")
    result = verify(archive)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"recovered {name}" in result.stdout
    assert path.stat().st_size == committed
    assert not opened.exists()
    with db(archive) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone() == ("interrupted",)
        status, size = conn.execute(
            "SELECT status, size FROM warc_files WHERE name=?", (name,)
        ).fetchone()
    assert (status, size) == ("closed", committed)


def _foreign_warc(path: Path) -> None:
    """A WARC written by plain warcio (SHA-1 digests), as another tool would."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(3):
            body = f"<html><title>foreign {i}</title></html>".encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            record = writer.create_warc_record(
                f"http://foreign.example/{i}",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=headers,
            )
            writer.write_record(record)


def test_foreign_sha1_file_is_accepted_and_indexed_by_repair(archive: Path) -> None:
    foreign = archive / "snapshots" / "warcs" / "local" / "foreign.warc.gz"
    _foreign_warc(foreign)
    result = verify(archive)
    assert result.returncode == 3
    assert "foreign.warc.gz: WARC file not in the index" in result.stdout
    assert "digest mismatch" not in result.stdout
    assert result.stdout.count("not indexed") == 3
    repaired = verify(archive, "--repair-index")
    assert repaired.returncode == 0, repaired.stdout
    assert "foreign.warc.gz: registered under run 1" in repaired.stdout


def test_sha1_digest_mismatch_in_foreign_file_is_caught(archive: Path) -> None:
    foreign = archive / "snapshots" / "warcs" / "local" / "foreign.warc.gz"
    _foreign_warc(foreign)
    data = foreign.read_bytes()
    members = []
    rest = data
    while rest:
        d = zlib.decompressobj(31)
        members.append(d.decompress(rest))
        rest = d.unused_data
    members[1] = members[1].replace(b"foreign 1", b"foreign X")
    foreign.write_bytes(b"".join(gzip.compress(m) for m in members))
    result = verify(archive)
    assert result.returncode == 3
    assert "foreign.warc.gz@" in result.stdout
    assert "response record: payload digest mismatch" in result.stdout


def test_verify_finds_files_where_storage_warcs_puts_them(tmp_path: Path) -> None:
    with serving(pages=5) as site:
        config = write_config(tmp_path, site.url)
        text = config.read_text().replace(
            'root = "snapshots"', 'root = "snapshots"\nwarcs = "vault"'
        )
        config.write_text(text)
        assert run_archiver("crawl", "--config", str(config), cwd=tmp_path).returncode == 0
    assert sorted((tmp_path / "vault" / "local").glob("*.warc.gz"))
    assert not (tmp_path / "snapshots" / "warcs").exists()
    verified = run_archiver("verify", "--config", str(config), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "0 problem(s)" in verified.stdout
