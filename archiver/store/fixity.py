"""Reading WARC files member by member, recomputing every digest (what `verify` stands on).

`iter_members` reads each gzip member itself (zlib checks every member's CRC
and length) and resumes after a bad one; `check_member` parses the WARC
record(s) in a member and recomputes the block digest of every record and the
payload digest of every response and request (SHA-256 as archiver writes
them; SHA-1 is accepted for files from other tools).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archiver.store import warc

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_HTTP_TYPES = frozenset({"response", "request", "revisit"})


@dataclass(frozen=True)
class Problem:
    """One fixity failure: where (file relative to the root, byte offset) and what."""

    file: str
    offset: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.offset is None else f"{self.file}@{self.offset}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Record:
    """What verification learned about one WARC record."""

    offset: int
    length: int
    rec_type: str
    url: str
    date: str
    payload_digest: str
    warc_headers: dict[str, str]
    http_status: int
    http_headers: list[tuple[str, str]]


def _digest_matches(value: str, data_digests: dict[str, bytes]) -> bool | None:
    """Compare a WARC digest header (`algo:base32` or `algo:hex`) with computed digests.

    None when the algorithm is not one we computed.
    """
    algo, _, encoded = value.partition(":")
    expected = data_digests.get(algo.strip().lower())
    if expected is None:
        return None
    encoded = encoded.strip()
    try:
        if len(encoded) == len(expected) * 2:
            return bytes.fromhex(encoded) == expected
        return base64.b32decode(encoded.upper()) == expected
    except ValueError:
        return False


def _digests(data: bytes | memoryview, algorithms: set[str]) -> dict[str, bytes]:
    return {algo: hashlib.new(algo, data).digest() for algo in algorithms}


# The 10-byte gzip header of every member archiver writes (mtime 0, no flags).
_WRITTEN_HEADER = warc.gzip_member(b"")[:10]


def _algorithms(*values: str | None) -> set[str]:
    found = {v.partition(":")[0].strip().lower() for v in values if v}
    return found & {"sha256", "sha1", "sha512", "md5"}


def iter_members(fh: BinaryIO) -> Iterator[tuple[int, int, bytes | None, str | None]]:
    """Yield (offset, compressed length, data, error) for each gzip member of a file.

    A member that does not decompress (bad deflate data, CRC or length check,
    cut short) is reported with its error, and reading resumes at the next
    gzip header after it, so one bad byte costs one record, not the file.
    """
    position = 0
    while True:
        fh.seek(position)
        pending = fh.read(_CHUNK)
        if not pending:
            return
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts: list[bytes] = []
        consumed = 0
        error: str | None = None
        try:
            while True:
                parts.append(decompressor.decompress(pending))
                if decompressor.eof:
                    consumed += len(pending) - len(decompressor.unused_data)
                    break
                consumed += len(pending)
                pending = fh.read(_CHUNK)
                if not pending:
                    error = "gzip member cut short (no end of stream)"
                    break
        except zlib.error as exc:
            error = f"gzip member does not decompress: {exc}"
        if error is None:
            yield position, consumed, b"".join(parts), None
            position += consumed
            continue
        following = _next_magic(fh, position + 1)
        end = following if following is not None else fh.seek(0, 2)
        yield position, end - position, None, error
        if following is None:
            return
        position = following


def changed_headers(path: Path, name: str) -> list[Problem]:
    """Members of a changed file whose gzip header is not the one archiver writes.

    The gzip CRC covers the data, not the header: a flipped byte in a member's
    mtime, flags or OS field decompresses cleanly and shows only as a changed
    file digest. Every member archiver writes has the same header, so a
    different one names the member that changed.
    """
    problems = []
    with path.open("rb") as fh:
        for offset, _length, _data, _error in iter_members(fh):
            fh.seek(offset)
            found = fh.read(len(_WRITTEN_HEADER))
            if found != _WRITTEN_HEADER:
                problems.append(
                    Problem(
                        name,
                        offset,
                        f"gzip header {found.hex()} differs from the one written "
                        f"({_WRITTEN_HEADER.hex()}: bytes 4-7 are the mtime)",
                    )
                )
    return problems


def _next_magic(fh: BinaryIO, start: int) -> int | None:
    fh.seek(start)
    base = start
    tail = b""
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return None
        data = tail + chunk
        found = data.find(_GZIP_MAGIC)
        if found >= 0:
            return base - len(tail) + found
        tail = data[-(len(_GZIP_MAGIC) - 1) :]
        base += len(chunk)


def _parse_headers(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = raw.decode("utf-8", "replace").split("\r\n")
    pairs = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            pairs.append((name.strip(), value.strip()))
    return lines[0].strip(), pairs


def check_member(
    data: bytes, offset: int, length: int, file: str
) -> tuple[list[Record], list[Problem]]:
    """Parse the WARC record(s) in one decompressed member and check their digests."""
    records: list[Record] = []
    problems: list[Problem] = []
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            problems.append(Problem(file, offset, "WARC record headers cut short"))
            break
        version, pairs = _parse_headers(data[pos:end])
        if not version.startswith("WARC/"):
            problems.append(Problem(file, offset, f"not a WARC record (starts {version[:20]!r})"))
            break
        headers = {k.lower(): v for k, v in pairs}
        try:
            size = int(headers.get("content-length", ""))
        except ValueError:
            problems.append(Problem(file, offset, "WARC record without a valid Content-Length"))
            break
        start = end + 4
        block = view[start : start + size]
        if len(block) < size or data[start + size : start + size + 4] != b"\r\n\r\n":
            problems.append(
                Problem(file, offset, f"record block shorter than Content-Length {size}")
            )
            break
        pos = start + size + 4
        rec_type = headers.get("warc-type", "")
        block_digest = headers.get("warc-block-digest")
        payload_digest = headers.get("warc-payload-digest", "")
        http_status = 0
        http_headers: list[tuple[str, str]] = []
        payload: memoryview | None = block
        if rec_type in _HTTP_TYPES and "application/http" in headers.get("content-type", ""):
            split = bytes(block[: min(size, 1 << 20)]).find(b"\r\n\r\n")
            if split < 0:
                payload = None
            else:
                status_line, http_headers = _parse_headers(bytes(block[:split]))
                payload = block[split + 4 :]
                parts = status_line.split(" ", 2)
                if len(parts) > 1 and parts[1].isdigit():
                    http_status = int(parts[1])
        algorithms = _algorithms(block_digest, payload_digest)
        if block_digest:
            ok = _digest_matches(block_digest, _digests(block, algorithms))
            if ok is False:
                problems.append(Problem(file, offset, f"{rec_type} record: block digest mismatch"))
        if payload_digest and rec_type != "revisit":
            if payload is None:
                problems.append(Problem(file, offset, f"{rec_type} record: no HTTP header end"))
            else:
                ok = _digest_matches(payload_digest, _digests(payload, algorithms))
                if ok is False:
                    problems.append(
                        Problem(file, offset, f"{rec_type} record: payload digest mismatch")
                    )
        records.append(
            Record(
                offset=offset,
                length=length,
                rec_type=rec_type,
                url=headers.get("warc-target-uri", ""),
                date=headers.get("warc-date", ""),
                payload_digest=payload_digest,
                warc_headers=headers,
                http_status=http_status,
                http_headers=http_headers,
            )
        )
    return records, problems


def read_file(
    path: Path, file: str, limit: int | None = None
) -> tuple[list[Record], list[Problem]]:
    """Check every record of a `.warc.gz` file (only its first `limit` bytes when given)."""
    records: list[Record] = []
    problems: list[Problem] = []
    try:
        with path.open("rb") as fh:
            for offset, length, data, error in iter_members(fh):
                if limit is not None and offset >= limit:
                    break
                if data is None:
                    problems.append(Problem(file, offset, error or "unreadable member"))
                    continue
                found, bad = check_member(data, offset, length, file)
                records.extend(found)
                problems.extend(bad)
    except OSError as exc:
        problems.append(Problem(file, None, f"cannot read: {exc}"))
    return records, problems


__all__ = ["Problem", "Record", "changed_headers", "check_member", "iter_members", "read_file"]
