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
committed record and closed (`store/recovery.py`, shared with the crawler).
With `repair=True` the index is brought in line with the files (missing
capture rows added, wrong ones corrected, rows pointing at nothing removed);
the WARC files are never modified.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from archiver.config import StorageSettings
from archiver.store import blobs, fulltext, warc
from archiver.store.fixity import Problem, Record, changed_headers, read_file
from archiver.store.index import RUNNING, Index
from archiver.store.recovery import recover_open_files
from archiver.store.repair import INDEXED_TYPES, capture_problem, repair_index


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


# -- verifying a site ---------------------------------------------------------


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
    on_disk = {
        blobs.index_name(site, p.name): p for p in sorted(warc_dir.glob(f"*{warc.WARC_SUFFIX}"))
    }
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
                result.problems.extend(changed_headers(path, name))
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
        problem = capture_problem(capture, records.get(key))
        if problem is not None:
            result.problems.append(Problem(capture.warc_file, capture.offset, problem))
    for key, record in sorted(records.items()):
        if record.rec_type in INDEXED_TYPES and key not in indexed:
            result.problems.append(
                Problem(key[0], key[1], f"{record.rec_type} record for {record.url} not indexed")
            )


__all__ = ["Problem", "VerifyResult", "verify_site"]
