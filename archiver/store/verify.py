"""Fixity: re-read every WARC record, recompute its digests, and hold the index to the files.

The WARC files are the source of truth. `verify_site` reads each gzip member
of a site's WARC files itself (zlib checks every member's CRC and length),
recomputes the block digest of every record and the payload digest of every
response and request (SHA-256 as archiver writes them; SHA-1 is accepted for
files from other tools), and then checks the index against what it read:

- every capture row points at a record of its type, URL and payload digest;
- every complete response or revisit record has a capture row;
- every closed file has the size and SHA-256 recorded when it was closed.

`.open` files left by a dead process are first cut back to their last
committed record and closed (`recover_open_files`, shared with the crawler).
With `repair=True` the index is brought in line with the files (missing
capture rows added, wrong ones corrected, rows pointing at nothing removed);
the WARC files are never modified.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from loguru import logger

from archiver.config import StorageSettings
from archiver.crawl.url import canonicalize
from archiver.markup import is_html
from archiver.store import blobs, fulltext, warc
from archiver.store.index import RUNNING, Index
from archiver.store.payload import header
from archiver.store.rows import Capture, WarcFile

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_HTTP_TYPES = frozenset({"response", "request", "revisit"})
_INDEXED_TYPES = frozenset({"response", "revisit"})


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


@dataclass
class VerifyResult:
    """What verifying one site found (and, with repair, changed in the index)."""

    site: str
    files: int = 0
    records: int = 0
    captures: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


# -- reading members and records ----------------------------------------------


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


def _changed_headers(path: Path, name: str) -> list[Problem]:
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


# -- recovery -----------------------------------------------------------------


def recover_open_files(
    index: Index,
    root: Path,
    warc_dir: Path,
    rows: Sequence[WarcFile],
    *,
    locate: Callable[[str], Path] | None = None,
    on_closed: Callable[[str, str], object] | None = None,
) -> list[str]:
    """Close `.open` WARC files of dead runs at their last committed record.

    `rows` are their `warc_files` rows. Partial files in `warc_dir` that the
    index never registered hold no committed record and are removed. Only
    call this while holding the site's lock (so no live process owns them).
    Returns the names of the files recovered. `locate` maps an index name to
    its local file (default: under `root`); `on_closed` is told each recovered
    file and its SHA-256 (the crawler uploads it to an object store there).
    """
    recovered: list[str] = []
    known = set()
    for row in rows:
        path = locate(row.name) if locate is not None else root / row.name
        known.add(path.name)
        closed = warc.recover(path.parent, path.name, row.committed)
        sha256 = warc.file_sha256(closed)
        index.warc_closed(row.name, closed.stat().st_size, sha256)
        logger.warning("recovered {} at {} bytes (last committed record)", row.name, row.committed)
        recovered.append(row.name)
        if on_closed is not None:
            on_closed(row.name, sha256)
    if warc_dir.exists():
        registered = {Path(r.name).name for r in index.open_warcs()}
        for orphan in warc_dir.glob(f"*{warc.OPEN_SUFFIX}"):
            name = orphan.name.removesuffix(warc.OPEN_SUFFIX)
            if name not in known and name not in registered:
                # Created but never registered: it holds no committed record.
                orphan.unlink()
                logger.warning("removed unregistered partial WARC {}", orphan.name)
    return recovered


# -- verifying a site ---------------------------------------------------------


def _capture_problem(row: Capture, record: Record | None) -> str | None:
    if record is None:
        return f"capture {row.id} ({row.url}): no WARC record starts here"
    expected_type = row.record_type
    if record.rec_type != expected_type:
        return f"capture {row.id}: record is a {record.rec_type}, index says {expected_type}"
    if record.url != row.url:
        return f"capture {row.id}: record is for {record.url}, index says {row.url}"
    if record.payload_digest != row.payload_digest:
        return (
            f"capture {row.id} ({row.url}): payload digest {record.payload_digest} "
            f"in the record, {row.payload_digest} in the index"
        )
    if record.length != row.length:
        return f"capture {row.id}: record is {record.length} bytes, index says {row.length}"
    return None


def verify_site(
    settings_root: Path,
    index: Index,
    site: str,
    *,
    repair: bool = False,
    storage: StorageSettings | None = None,
) -> VerifyResult:
    """Verify one site's WARC files and index rows; the caller holds the site's lock.

    With `repair`, fix the index from the files and verify again; the result
    is that of the second pass, with what was changed in `repaired`. With
    `storage` naming an object store, indexed files that are no longer on
    local disk are read back from the store (into a temporary folder).
    """
    store = blobs.store(storage or StorageSettings(root=settings_root))
    if store.remote:
        assert storage is not None
        with tempfile.TemporaryDirectory(prefix="archiver-verify-") as tmp:
            fetched = _fetch_stored(index, site, storage, Path(tmp))
            return _verify_site(store, index, site, repair, fetched)
    return _verify_site(store, index, site, repair, {})


def _fetch_stored(index: Index, site: str, storage: StorageSettings, into: Path) -> dict[str, Path]:
    """Local copies of the site's closed WARC files that live only in the object store."""
    store = blobs.store(storage)
    copies: dict[str, Path] = {}
    for row in index.site_warcs(site):
        if row.status != "closed" or store.local_path(row.name).exists():
            continue
        if not store.exists(row.name):
            continue  # reported as missing by the check itself
        target = into / Path(row.name).name
        with store.open(row.name) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        copies[row.name] = target
    return copies


def _verify_site(
    store: blobs.WarcStore, index: Index, site: str, repair: bool, fetched: dict[str, Path]
) -> VerifyResult:
    # Where the crawler writes the site's files (storage.warcs may move them off the root).
    warc_dir = store.spool_dir(site)
    result = VerifyResult(site)
    for run in index.unfinished_runs(site):
        if run.status == RUNNING:
            # We hold the site lock, so the process that owned this run is gone.
            index.mark_run_interrupted(int(run.id), "process died; found by verify")
    open_rows = [r for r in index.site_warcs(site) if r.status == "open"]
    result.recovered = recover_open_files(
        index, store.spool.parent, warc_dir, open_rows, locate=store.local_path
    )
    _verify(warc_dir, index, site, result, fetched)
    if repair and result.problems:
        changed = repair_index(warc_dir, index, site)
        result = VerifyResult(site, recovered=result.recovered, repaired=changed)
        _verify(warc_dir, index, site, result, fetched)
    if repair:
        added = fulltext.rebuild(store, index, site)
        if added:
            result.repaired.append(f"search: indexed the text of {added} archived page(s)")
    return result


def _verify(
    warc_dir: Path,
    index: Index,
    site: str,
    result: VerifyResult,
    fetched: dict[str, Path] | None = None,
) -> None:
    rows = {r.name: r for r in index.site_warcs(site)}
    on_disk = {f"warcs/{site}/{p.name}": p for p in sorted(warc_dir.glob(f"*{warc.WARC_SUFFIX}"))}
    on_disk.update(fetched or {})
    records: dict[tuple[str, int], Record] = {}
    for name in sorted(set(rows) | set(on_disk)):
        row = rows.get(name)
        path = on_disk.get(name)
        if path is None:
            result.problems.append(Problem(name, None, "in the index but missing on disk"))
            continue
        result.files += 1
        size = path.stat().st_size
        result.bytes += size
        if row is None:
            result.problems.append(Problem(name, None, "WARC file not in the index"))
        elif row.status == "closed":
            if row.size is not None and row.size != size:
                result.problems.append(
                    Problem(name, None, f"size {size} bytes, {row.size} when closed")
                )
            elif row.sha256 and warc.file_sha256(path) != row.sha256:
                result.problems.append(Problem(name, None, "SHA-256 differs from when closed"))
                result.problems.extend(_changed_headers(path, name))
        found, problems = read_file(path, name)
        result.problems.extend(problems)
        result.records += len(found)
        for record in found:
            records.setdefault((name, record.offset), record)
    indexed: set[tuple[str, int]] = set()
    for capture in index.site_captures(site):
        result.captures += 1
        key = (capture.warc_file, capture.offset)
        indexed.add(key)
        if capture.warc_file not in on_disk:
            continue  # already reported: the file is missing
        problem = _capture_problem(capture, records.get(key))
        if problem is not None:
            result.problems.append(Problem(capture.warc_file, capture.offset, problem))
    for key, record in sorted(records.items()):
        if record.rec_type in _INDEXED_TYPES and key not in indexed:
            result.problems.append(
                Problem(key[0], key[1], f"{record.rec_type} record for {record.url} not indexed")
            )


# -- repairing the index -------------------------------------------------------


def _capture_values(
    index: Index, site: str, run_id: int, name: str, record: Record
) -> dict[str, Any]:
    """A capture row rebuilt from a record; depth and kind come from the frontier when known."""
    url = canonical(record.url)
    entry = index.frontier_entry(run_id, url)
    content_type = header(record.http_headers, "content-type")
    refers_to = None
    if record.rec_type == "revisit":
        target = record.warc_headers.get("warc-refers-to-target-uri", record.url)
        original = index.original_capture(site, target, record.payload_digest)
        if original is not None:
            refers_to = original.id
            content_type = content_type if record.http_status != 304 else original.content_type
    return {
        "run_id": run_id,
        "site": site,
        "url": record.url,
        "canonical_url": url,
        "captured_at": parse_warc_date(record.date),
        "status": record.http_status,
        "content_type": content_type,
        "payload_digest": record.payload_digest,
        "record_type": record.rec_type,
        "refers_to": refers_to,
        "warc_file": name,
        "offset": record.offset,
        "length": record.length,
        "etag": header(record.http_headers, "etag"),
        "last_modified": header(record.http_headers, "last-modified"),
        "location": header(record.http_headers, "location"),
        "truncated": record.warc_headers.get("warc-truncated"),
        "is_page": entry.kind == "page" if entry is not None else is_html(content_type),
        "depth": entry.depth if entry is not None else 0,
    }


def repair_index(warc_dir: Path, index: Index, site: str) -> list[str]:
    """Bring a site's index rows in line with its WARC files; returns what was changed.

    Unknown files are registered (under the run their warcinfo names, else the
    site's latest run); capture rows whose record disagrees are corrected from
    it; rows pointing at no record are removed unless a violation or a revisit
    refers to them; complete response and revisit records without a row get
    one. The WARC files themselves are never touched.
    """
    changed: list[str] = []
    rows = {r.name: r for r in index.site_warcs(site)}
    fallback = index.latest_run(site)
    by_file: dict[str, list[Record]] = {}
    for path in sorted(warc_dir.glob(f"*{warc.WARC_SUFFIX}")):
        name = f"warcs/{site}/{path.name}"
        found, _ = read_file(path, name)
        by_file[name] = found
        if name in rows:
            continue
        run_id = None
        for record in found:
            if record.rec_type == "warcinfo":
                run_id = _warcinfo_run(path, record)
                break
        known = index.run(run_id) if run_id is not None else None
        if known is None or known.site != site:
            if fallback is None:
                changed.append(f"{name}: not registered (the site has no run to attach it to)")
                continue
            run_id = int(fallback.id)
        assert run_id is not None
        index.register_warc(name, run_id, path.stat().st_size, warc.file_sha256(path))
        rows = {r.name: r for r in index.site_warcs(site)}
        changed.append(f"{name}: registered under run {run_id}")
    records = {(n, r.offset): r for n, found in by_file.items() for r in found}
    indexed: set[tuple[str, int]] = set()
    for capture in list(index.site_captures(site)):
        key = (capture.warc_file, capture.offset)
        found_record = records.get(key)
        if _capture_problem(capture, found_record) is None:
            indexed.add(key)
            continue
        if found_record is not None and found_record.rec_type in _INDEXED_TYPES:
            index.repair_capture(
                capture.id,
                {
                    "url": found_record.url,
                    "canonical_url": canonical(found_record.url),
                    "payload_digest": found_record.payload_digest,
                    "record_type": found_record.rec_type,
                    "length": found_record.length,
                },
            )
            indexed.add(key)
            changed.append(
                f"capture {capture.id}: corrected from {capture.warc_file}@{capture.offset}"
            )
        elif index.capture_referenced(capture.id):
            changed.append(f"capture {capture.id}: points at no record but is referenced; kept")
        else:
            index.repair_capture(capture.id, None)
            changed.append(f"capture {capture.id} ({capture.url}): removed, no record")
    for (name, offset), record in sorted(records.items()):
        row = rows.get(name)
        if record.rec_type not in _INDEXED_TYPES or (name, offset) in indexed or row is None:
            continue
        new_id = index.restore_capture(_capture_values(index, site, int(row.run_id), name, record))
        changed.append(f"capture {new_id}: rebuilt from {name}@{offset} ({record.url})")
    return changed


def _warcinfo_run(path: Path, record: Record) -> int | None:
    """The run id archiver wrote into a warcinfo record (`run: N`), if any."""
    with path.open("rb") as fh:
        for offset, _, data, _ in iter_members(fh):
            if offset != record.offset or data is None:
                continue
            for line in data.decode("utf-8", "replace").split("\r\n"):
                key, _, value = line.partition(":")
                if key.strip() == "run" and value.strip().isdigit():
                    return int(value.strip())
            break
    return None


def parse_warc_date(value: str) -> datetime:
    """A WARC-Date (with or without fractional seconds) as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def canonical(url: str) -> str:
    """The canonical form of a URL, or the URL itself when it cannot be canonicalised."""
    try:
        return canonicalize(url)
    except ValueError:
        return url


__all__ = [
    "Problem",
    "Record",
    "VerifyResult",
    "iter_members",
    "read_file",
    "recover_open_files",
    "repair_index",
    "verify_site",
]
