"""Bringing a site's index rows in line with its WARC files (`verify --repair-index`).

The WARC files are the source of truth and are never modified here: unknown
files are registered, capture rows whose record disagrees are corrected, rows
pointing at no record are removed (unless referenced), and complete response
and revisit records without a row get one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.markup import is_html
from archiver.store import warc
from archiver.store.blobs import index_name
from archiver.store.fixity import Record, iter_members, read_file
from archiver.store.index import Index
from archiver.store.payload import header
from archiver.store.rows import Capture
from archiver.urls import canonicalize

# Record types that have a capture row.
INDEXED_TYPES = frozenset({"response", "revisit"})


def capture_problem(row: Capture, record: Record | None) -> str | None:
    """What is wrong with a capture row given the record at its offset, or None."""
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
        name = index_name(site, path.name)
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
        if capture_problem(capture, found_record) is None:
            indexed.add(key)
            continue
        if found_record is not None and found_record.rec_type in INDEXED_TYPES:
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
        if record.rec_type not in INDEXED_TYPES or (name, offset) in indexed or row is None:
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


__all__ = ["INDEXED_TYPES", "canonical", "capture_problem", "parse_warc_date", "repair_index"]
