"""Run manifests: what a run wrote, fixed by digests, chained per site, signed when a key is set.

Every tracked run closes with a manifest: the SHA-256 and size of each WARC
file the run wrote, the run's summary (status, times, crawl statistics,
tracking counts), a digest of its findings, and the SHA-256 of the site's
manifest closed before it, so the manifests of a site form a hash chain from
its first closed run to its last. The manifest is canonical JSON (sorted keys, no
blanks, ASCII), written beside the WARC files as
`warcs/<site>/manifests/<run>.json` (uploaded with them to an object store)
and kept in the index (`run_manifests`, migration 0006). With `[evidence] key`
set, it carries a signature over its canonical JSON without the signature.

Editing a WARC file, a manifest, or the findings of a run afterwards breaks a
digest; deleting or reordering manifests breaks the chain; re-signing needs the
private key. `archiver verify --evidence` (`archiver/evidence/verify.py`)
checks all three offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import Row

from archiver import __version__
from archiver.config import Settings
from archiver.errors import ArchiveError
from archiver.evidence.keys import SigningKey, key_id, load_key, public_b64
from archiver.store import blobs
from archiver.store.index import Index
from archiver.store.schema import (
    UTCDateTime,
    findings,
    metadata,
    runs,
    tracked_runs,
    warc_files,
)

FORMAT = "archiver-run-manifest/1"

run_manifests = sa.Table(
    "run_manifests",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("site", sa.String(200), nullable=False, index=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("previous_run_id", sa.Integer),
    sa.Column("key_id", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class Manifest:
    """A closed run's manifest as stored: its name in the WARC store, bytes and digest."""

    site: str
    run_id: int
    name: str
    data: bytes
    sha256: str


def canonical(document: Any) -> bytes:
    """Canonical JSON: sorted keys, no blanks, ASCII only (one byte string per document)."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def manifest_name(site: str, run_id: int) -> str:
    """The WARC-store name of a run's manifest (beside the site's WARC files)."""
    return f"warcs/{site}/manifests/{run_id:08d}.json"


def signed_bytes(document: dict[str, Any]) -> bytes:
    """What a manifest's signature signs: its canonical JSON without `signature`."""
    return canonical({k: v for k, v in document.items() if k != "signature"})


def findings_digest(rows: list[Row[Any]]) -> dict[str, Any]:
    """Count and SHA-256 of a run's findings (fingerprint, status, rule, severity, URL)."""
    lines = sorted(canonical([r.fingerprint, r.status, r.rule, r.severity, r.url]) for r in rows)
    return {"count": len(lines), "sha256": hashlib.sha256(b"\n".join(lines)).hexdigest()}


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_digest(store: blobs.WarcStore, name: str) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file in the WARC store, read wherever it is."""
    digest, size = hashlib.sha256(), 0
    with store.open(name) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _warcs(conn: sa.Connection, store: blobs.WarcStore, run_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(warc_files).where(warc_files.c.run_id == run_id).order_by(warc_files.c.name)
    ).all()
    out = []
    for row in rows:
        if row.status != "closed":
            raise ArchiveError(f"{row.name}: still open; run {run_id} cannot be closed")
        sha256, size = row.sha256, row.size
        if sha256 is None or size is None:  # closed before sizes were recorded
            sha256, size = file_digest(store, row.name)
        out.append({"name": row.name, "size": int(size), "sha256": sha256})
    return out


def build(
    conn: sa.Connection,
    store: blobs.WarcStore,
    site: str,
    run_id: int,
    previous: Row[Any] | None,
    key: SigningKey | None,
) -> dict[str, Any]:
    """The manifest document of a run (signed when `key` is given)."""
    run = conn.execute(sa.select(runs).where(runs.c.id == run_id)).first()
    if run is None:
        raise ArchiveError(f"run {run_id}: not in the index")
    tracked = conn.execute(sa.select(tracked_runs).where(tracked_runs.c.run_id == run_id)).first()
    rows = list(conn.execute(sa.select(findings).where(findings.c.run_id == run_id)).all())
    document: dict[str, Any] = {
        "format": FORMAT,
        "site": site,
        "run": run_id,
        "created": _stamp(datetime.now(UTC)),
        "software": f"archiver {__version__}",
        "previous": (
            None if previous is None else {"run": previous.run_id, "sha256": previous.sha256}
        ),
        "warcs": _warcs(conn, store, run_id),
        "summary": {
            "status": run.status,
            "started_at": _stamp(run.started_at),
            "finished_at": _stamp(run.finished_at),
            "stats": json.loads(run.stats or "{}"),
            "pages_checked": None if tracked is None else tracked.pages,
            "counts": None if tracked is None else json.loads(tracked.counts),
        },
        "findings": findings_digest(rows),
    }
    if key is not None:
        document["signature"] = {
            "algorithm": key.algorithm,
            "keyId": key_id(key.public),
            "publicKey": public_b64(key.public),
            "value": base64.b64encode(key.sign(signed_bytes(document))).decode("ascii"),
        }
    return document


def _write(store: blobs.WarcStore, name: str, data: bytes) -> None:
    path = store.local_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    with partial.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(path)
    store.publish(name, hashlib.sha256(data).hexdigest())


def _pending(conn: sa.Connection, site: str, run_id: int) -> tuple[Row[Any] | None, list[int]]:
    """The head of the site's chain (its newest manifest), and the runs to close after it."""
    has_manifest = sa.select(run_manifests.c.run_id).where(run_manifests.c.site == site)
    chained = sa.select(run_manifests.c.previous_run_id).where(
        run_manifests.c.site == site, run_manifests.c.previous_run_id.is_not(None)
    )
    # The chain follows the order runs were closed, which in distributed mode need not be
    # the order they were started in: the head is the manifest no other one chains to.
    head = conn.execute(
        sa.select(run_manifests).where(
            run_manifests.c.site == site, run_manifests.c.run_id.not_in(chained)
        )
    ).first()
    if head is None:
        return None, [run_id]
    first = conn.execute(
        sa.select(sa.func.min(run_manifests.c.run_id)).where(run_manifests.c.site == site)
    ).scalar_one()
    # Runs tracked since the chain began but never closed (the process died between
    # tracking and closing) are closed first, in order, so the chain has no gap.
    gaps = conn.execute(
        sa.select(tracked_runs.c.run_id)
        .where(
            tracked_runs.c.site == site,
            tracked_runs.c.run_id > first,
            tracked_runs.c.run_id != run_id,
            tracked_runs.c.run_id.not_in(has_manifest),
        )
        .order_by(tracked_runs.c.run_id)
    ).scalars()
    return head, [*gaps, run_id]


def close_run(settings: Settings, index: Index, site: str, run_id: int) -> Manifest:
    """Write the run's manifest (and any missed before it) beside its WARCs and in the index.

    Called once a run is tracked, under the site's lock. Closing a run already
    closed returns its manifest unchanged: a manifest is never rewritten, since
    the next one in the chain holds its digest.
    """
    store = blobs.store(settings.storage)
    key = load_key(settings.evidence.key) if settings.evidence.key else None
    with index.read() as conn:
        done = conn.execute(
            sa.select(run_manifests).where(run_manifests.c.run_id == run_id)
        ).first()
        if done is not None:
            return Manifest(
                site, run_id, manifest_name(site, run_id), done.manifest.encode(), done.sha256
            )
        previous, todo = _pending(conn, site, run_id)
    manifest: Manifest | None = None
    for number in todo:
        with index.read() as conn:
            document = build(conn, store, site, number, previous, key)
        data = canonical(document)
        digest = hashlib.sha256(data).hexdigest()
        name = manifest_name(site, number)
        # The file first: a manifest in the index always has its file (a file without a
        # row, from a crash in between, is rewritten by the next close of that run).
        _write(store, name, data)
        with index.begin() as conn:
            conn.execute(
                run_manifests.insert().values(
                    run_id=number,
                    site=site,
                    sha256=digest,
                    previous_run_id=None if previous is None else previous.run_id,
                    key_id=document.get("signature", {}).get("keyId"),
                    created_at=datetime.now(UTC),
                    manifest=data.decode("ascii"),
                )
            )
            previous = conn.execute(
                sa.select(run_manifests).where(run_manifests.c.run_id == number)
            ).first()
        manifest = Manifest(site, number, name, data, digest)
        logger.bind(site=site, run=number).info(
            "run {} closed: manifest {} sha256 {}{}",
            number,
            name,
            digest,
            " (signed)" if key is not None else "",
        )
    assert manifest is not None
    return manifest


def manifests_of(index: Index, site: str) -> list[Row[Any]]:
    """The site's manifests as the index holds them, oldest run first."""
    with index.read() as conn:
        return list(
            conn.execute(
                sa.select(run_manifests)
                .where(run_manifests.c.site == site)
                .order_by(run_manifests.c.run_id)
            ).all()
        )
