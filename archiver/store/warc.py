"""WARC/1.1 files written with warcio: one gzip member per record, SHA-256 digests.

A file being written is named `*.warc.gz.open` and renamed to `*.warc.gz` once
complete. Every record is flushed before its index row commits, so the index
is the commit log of the archive: after a crash, `recovery.recover()` cuts an `.open`
file back to the end of its last indexed record and closes it. A cut at a
record boundary leaves a valid file, because each record is its own gzip
member.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import socket
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.errors import ArchiveError

_GZIP_LEVEL = 6
OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# WARC extension field on a revisit record whose HTTP block is the stored response freshened
# by the server's 304 (see `freshen`): the status the server actually answered with.
REVALIDATED_HEADER = "Archiver-Revalidated"
REVALIDATED = "304 Not Modified"
# Fields a 304 may not replace in the stored response (RFC 9111 §3.2, RFC 9110 §15.4.5):
# they describe the stored body, which the 304 did not send, or the 304's own framing.
_NOT_FRESHENED = frozenset(
    {
        "content-length",
        "content-encoding",
        "content-type",
        "content-range",
        "transfer-encoding",
        "x-archive-orig-transfer-encoding",
        "connection",
        "keep-alive",
    }
)


def sha256_digest(data: bytes) -> str:
    """The WARC form of a SHA-256 digest: `sha256:` and base32."""
    digester = Digester("sha256")
    digester.update(data)
    return str(digester)


class _Sha256Writer(WARCWriter):
    """warcio's writer, computing SHA-256 instead of SHA-1 block and payload digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def _built_header(record: ArcWarcRecord, name: str) -> str:
    """A WARC header warcio's record builder always sets (ArchiveError if it did not)."""
    value = record.rec_headers.get_header(name)
    if value is None:
        raise ArchiveError(f"warcio built a {record.rec_type} record without {name}")
    return value


def freshen(
    stored: Sequence[tuple[str, str]], update: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The stored response's headers updated by a 304's, as a cache does (RFC 9111 §4.3.4).

    Each field the 304 carries replaces every instance of that field in the
    stored headers, except those describing the stored body; the rest stay.
    """
    replaced = {name.lower() for name, _ in update} - _NOT_FRESHENED
    kept = [(name, value) for name, value in stored if name.lower() not in replaced]
    return kept + [(name, value) for name, value in update if name.lower() in replaced]


def warc_date(moment: datetime) -> str:
    """WARC-Date with microseconds, as WARC/1.1 allows."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and what came back, ready to be archived."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    http_version: str
    response_headers: list[tuple[str, str]]
    body: bytes
    started_at: datetime
    ip_address: str | None = None
    truncated: str | None = None  # WARC-Truncated reason: length, time, disconnect
    # The server answered the conditional request with 304; status and headers are the
    # stored response's, freshened by the 304 (`freshen`), so replay tools show the page.
    revalidated: bool = False


@dataclass(frozen=True)
class Written:
    """Where a response or revisit record landed."""

    warc_file: str
    offset: int
    length: int
    payload_digest: str
    record_id: str


@dataclass(frozen=True)
class Prepared:
    """An exchange's records serialised (uncompressed), not yet in any file."""

    records: tuple[bytes, ...]
    payload_digest: str
    record_id: str


def gzip_member(data: bytes) -> bytes:
    """One gzip member: each record is compressed on its own, so it can be read at its offset.

    zlib's default level: warcio's level 9 costs about twice the CPU for a few
    percent smaller files.
    """
    compressor = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(data) + compressor.flush()


def gzip_members(records: Sequence[bytes]) -> list[bytes]:
    """`gzip_member` of each record."""
    return [gzip_member(data) for data in records]


class WarcWriter:
    """Writes exchanges to rotating `.warc.gz` files under `directory`.

    `committed()` tells the caller how far the current file is safe to keep;
    the caller records that in the index in the same transaction as the
    capture rows.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str,
        max_bytes: int,
        info: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info or {}
        self._fh: BinaryIO | None = None
        # warcio builds and serialises records into this buffer; we gzip and append them.
        self._buffer = io.BytesIO()
        self._writer = _Sha256Writer(self._buffer, gzip=False, warc_version="WARC/1.1")
        self._name = ""
        self._serial = 0
        self._records = 0
        self.on_open: list[Any] = []
        self.on_closing: list[Any] = []  # before the file is closed: it can still be cut
        self.on_close: list[Any] = []
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def current(self) -> str:
        """Final name (without `.open`) of the file being written, or '' when none is open."""
        return self._name

    def _open(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self._serial += 1
        self._name = f"{self.prefix}-{stamp}-{self._serial:05d}-{os.getpid()}{WARC_SUFFIX}"
        path = self.directory / (self._name + OPEN_SUFFIX)
        try:
            self._fh = path.open("xb", buffering=0)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot create WARC file: {exc}") from exc
        info = {
            "software": f"archiver/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            **self.info,
        }
        record = self._writer.create_warcinfo_record(self._name, info)
        self._append(gzip_member(self._serialize(record)))
        for callback in self.on_open:
            callback(self._name, self._fh.tell())

    def _serialize(self, record: Any) -> bytes:
        """A record's uncompressed bytes (warcio writes into our buffer, not the file)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.write_record(record)
        return self._buffer.getvalue()

    def _append(self, member: bytes) -> tuple[int, int]:
        assert self._fh is not None
        start = self._fh.tell()
        try:
            view = memoryview(member)
            while view:  # unbuffered: a short write leaves nothing pending in Python
                view = view[self._fh.write(view) or 0 :]
        except OSError as exc:
            # Cut the partial member so the file stays valid up to the last record. The
            # file is unbuffered, so no buffered bytes are flushed (and fail again) here.
            self._truncate(start)
            raise ArchiveError(f"{self.directory / self._name}: write failed: {exc}") from exc
        return start, self._fh.tell() - start

    def position(self) -> int:
        """Bytes written to the current file (0 when none is open)."""
        return self._fh.tell() if self._fh is not None else 0

    def prepare(
        self,
        exchange: Exchange,
        *,
        revisit_of: tuple[str, str, str] | None = None,
    ) -> Prepared:
        """Serialise an exchange's records (response or revisit, then request), uncompressed.

        `revisit_of` is (target URI, target WARC-Date, payload digest) of the
        capture that holds the unchanged payload; with it, only the HTTP
        headers are stored, and no request record (a revisit carries the
        validators in its own HTTP headers; its request record would add as
        many bytes again to an unchanged recrawl, see docs/architecture.md).
        """
        date = warc_date(exchange.started_at)
        http_headers = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            exchange.response_headers,
            protocol=exchange.http_version,
        )
        warc_headers: dict[str, str] = {"WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        if exchange.revalidated:
            warc_headers[REVALIDATED_HEADER] = REVALIDATED
        if revisit_of is not None:
            target_uri, target_date, digest = revisit_of
            response = self._writer.create_revisit_record(
                exchange.url,
                digest,
                target_uri,
                target_date,
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            response.rec_headers.replace_header("WARC-Profile", REVISIT_IDENTICAL)
            payload_digest = digest
        else:
            response = self._writer.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.body),
                length=len(exchange.body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            payload_digest = _built_header(response, "WARC-Payload-Digest")
        record_id = _built_header(response, "WARC-Record-ID")
        records = [self._serialize(response)]
        if revisit_of is None:
            records.append(self._serialize(self._request_record(exchange, date, record_id)))
        return Prepared(tuple(records), payload_digest, record_id)

    def append(self, members: Sequence[bytes], prepared: Prepared) -> Written:
        """Append an exchange's gzip members (from `gzip_members(prepared.records)`)."""
        if self._fh is not None and self._records and self.position() >= self.max_bytes:
            self.rotate()
        if self._fh is None:
            self._open()
        offset, length = self._append(members[0])
        self._records += 1
        if len(members) > 1:
            try:
                self._append(members[1])
            except ArchiveError:
                self._truncate(offset)  # no response without its request
                raise
        return Written(self._name, offset, length, prepared.payload_digest, prepared.record_id)

    def write_exchange(
        self,
        exchange: Exchange,
        *,
        revisit_of: tuple[str, str, str] | None = None,
    ) -> Written:
        """Write a response record and its request record (or a revisit record); see `prepare`."""
        prepared = self.prepare(exchange, revisit_of=revisit_of)
        return self.append(gzip_members(prepared.records), prepared)

    async def write_exchange_async(
        self,
        exchange: Exchange,
        *,
        revisit_of: tuple[str, str, str] | None = None,
    ) -> Written:
        """`write_exchange`, compressing in a thread (zlib releases the GIL) so the loop goes on.

        Records are appended whole, in the order their compression finishes; each
        append happens on the loop without an await, so appends never interleave.
        """
        prepared = self.prepare(exchange, revisit_of=revisit_of)
        members = await asyncio.to_thread(gzip_members, prepared.records)
        return self.append(members, prepared)

    def _request_record(self, exchange: Exchange, date: str, concurrent_to: str) -> Any:
        assert self._writer is not None
        target = exchange.url.split("://", 1)[-1]
        path_and_query = "/" + target.split("/", 1)[1] if "/" in target else "/"
        request = self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"{exchange.method} {path_and_query} {exchange.http_version}",
                exchange.request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
        )
        # An empty payload has nothing to digest; the block digest covers the headers.
        request.rec_headers.remove_header("WARC-Payload-Digest")
        return request

    def cut(self, written: Written) -> None:
        """Take back the last exchange written (its index commit failed), if still current."""
        if self._fh is not None and written.warc_file == self._name:
            self._truncate(written.offset)

    def _truncate(self, position: int) -> None:
        """Cut the open file back to `position` (a record boundary) and write on from there."""
        assert self._fh is not None
        os.ftruncate(self._fh.fileno(), position)
        self._fh.seek(position)

    def rotate(self) -> None:
        """Close the current file (fsync, drop `.open`); the next write opens a new one."""
        if self._fh is None:
            return
        for callback in self.on_closing:
            callback(self._name)
        fh, name = self._fh, self._name
        fh.flush()
        os.fsync(fh.fileno())
        size = fh.tell()
        fh.close()
        self._fh = None
        self._records = 0
        os.replace(self.directory / (name + OPEN_SUFFIX), self.directory / name)
        fsync_dir(self.directory)
        for callback in self.on_close:
            callback(name, size)
        self._name = ""

    def close(self) -> None:
        """Close the current file; safe to call twice."""
        self.rotate()


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """SHA-256 of a whole file, hex, for fixity records."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StoredRecord:
    """A response record read back from a WARC file."""

    url: str
    date: str
    status: int
    headers: list[tuple[str, str]]
    payload: bytes
    payload_digest: str
    record_type: str


def read_record(path: Path, offset: int, *, max_payload: int | None = None) -> StoredRecord:
    """Read the record at `offset` of a WARC file; the payload is raw (still content-encoded)."""
    try:
        with path.open("rb") as fh:
            return read_record_at(fh, offset, max_payload=max_payload)
    except OSError as exc:
        raise ArchiveError(f"{path}@{offset}: cannot read WARC record: {exc}") from exc


def read_record_at(fh: IO[bytes], offset: int, *, max_payload: int | None = None) -> StoredRecord:
    """The record at `offset` of an open WARC file (local or from an object store).

    Raises ArchiveError when no readable record starts there.
    """
    try:
        fh.seek(offset)
        # Keep the iterator referenced: closing it reads the record to its end.
        iterator = iter(ArchiveIterator(fh))
        record = next(iterator)
        stream = record.raw_stream
        payload = stream.read(max_payload) if max_payload else stream.read()
        http = record.http_headers
        return StoredRecord(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            date=record.rec_headers.get_header("WARC-Date") or "",
            status=int(http.get_statuscode()) if http else 0,
            headers=list(http.headers) if http else [],
            payload=payload,
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
            record_type=record.rec_type,
        )
    except (OSError, StopIteration, ValueError) as exc:
        name = getattr(fh, "name", "WARC file")
        raise ArchiveError(f"{name}@{offset}: cannot read WARC record: {exc}") from exc


def iter_records(fh: IO[bytes]) -> Iterator[tuple[int, int, Any]]:
    """Yield (offset, length, record) for every record of an open WARC file."""
    iterator = ArchiveIterator(fh)
    for record in iterator:
        offset = iterator.get_record_offset()
        record.content_stream().read()
        yield offset, iterator.get_record_length(), record


__all__ = [
    "REVALIDATED",
    "REVALIDATED_HEADER",
    "REVISIT_IDENTICAL",
    "Exchange",
    "StoredRecord",
    "WarcWriter",
    "Written",
    "file_sha256",
    "freshen",
    "fsync_dir",
    "read_record",
    "read_record_at",
    "sha256_digest",
]
