"""Closing the `.open` WARC files of dead runs at their last committed record.

The index is the archive's commit log (see `warc`): a file's `committed`
length in `warc_files` is the end of its last record whose capture row was
committed. After a crash, `recover_open_files` cuts each `.open` file of the
dead runs back to that length, closes it and records its size and SHA-256;
the crawler calls it when it resumes a site, `verify` before it checks one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from loguru import logger

from archiver.errors import ArchiveError
from archiver.store import warc
from archiver.store.index import Index
from archiver.store.rows import WarcFile


def recover(directory: Path, name: str, committed: int) -> Path:
    """Close an `.open` file left by a dead process, keeping only its first `committed` bytes.

    Returns the closed file's path. A file already closed is left untouched.
    """
    final = directory / name
    partial = directory / (name + warc.OPEN_SUFFIX)
    if final.exists() and not partial.exists():
        return final
    if not partial.exists():
        raise ArchiveError(f"{partial}: open WARC file named in the index is missing")
    with partial.open("r+b") as fh:
        fh.truncate(committed)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, final)
    warc.fsync_dir(directory)
    return final


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
        closed = recover(path.parent, path.name, row.committed)
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


__all__ = ["recover", "recover_open_files"]
