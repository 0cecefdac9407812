"""Write a WACZ package (WACZ 1.1.1) of a site's captures: WARCs, CDXJ, pages, datapackage.

The WARC files are copied byte for byte (stored, not deflated, so replay
tools can seek into them); the CDXJ index is built from the index rows (the
same offsets and lengths the viewer uses) with SURT keys as cdxj-indexer writes them;
`datapackage.json` lists every file with its SHA-256 and size, and
`datapackage-digest.json` fixes the digest of `datapackage.json` itself and,
with a signing key, carries its `signedData` (`archiver/evidence/wacz.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import surt

from archiver import __version__
from archiver.config import StorageSettings
from archiver.errors import ArchiveError
from archiver.markup import is_checkable_page
from archiver.store import blobs, warc
from archiver.store.browse import Browse
from archiver.store.index import Index
from archiver.store.rows import Capture

if TYPE_CHECKING:
    from archiver.config import EvidenceSettings

WACZ_VERSION = "1.1.1"
_MIME_END = re.compile(r"[;\s]")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WaczResult:
    """What went into a WACZ file."""

    path: Path
    warcs: int
    captures: int
    pages: int


def url_key(url: str) -> str:
    """The SURT key of a URL, as `cdxj-indexer` (pywb, py-wacz) writes it: the `surt` library's."""
    try:
        return str(surt.surt(url))
    except ValueError:  # cdxj-indexer keys a URL surt cannot parse by itself
        return url


def _cdx_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def cdxj_lines(rows: Iterable[Capture]) -> list[str]:
    """One sorted CDXJ line per capture: SURT, timestamp, JSON (url, mime, status, digest, ...)."""
    lines = []
    for row in rows:
        # Field by field what cdxj-indexer writes for the same record: no mime when the
        # record has no Content-Type, the MIME type cut at the first `;` or blank.
        fields: dict[str, Any] = {"url": row.url}
        if row.record_type == "revisit":
            fields["mime"] = "warc/revisit"
        elif row.content_type is not None:
            fields["mime"] = _MIME_END.split(row.content_type, maxsplit=1)[0].strip()
        if row.record_type != "resource":  # a screenshot or DOM has no HTTP status
            fields["status"] = str(row.status)
        fields.update(
            digest=row.payload_digest,
            length=str(row.length),
            offset=str(row.offset),
            filename=Path(row.warc_file).name,
        )
        lines.append(f"{url_key(row.url)} {_cdx_time(row.captured_at)} {json.dumps(fields)}")
    return sorted(lines)


def _page_lines(rows: Iterable[Capture], browse: Browse) -> list[str]:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    out = [json.dumps(header)]
    pages = [row for row in rows if row.is_page and is_checkable_page(row.status, row.content_type)]
    titles = browse.titles({str(row.payload_digest) for row in pages})
    for row in pages:
        page = {
            "id": f"capture-{row.id}",
            "url": row.url,
            "ts": row.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        title = titles.get(row.payload_digest)
        if title:
            page["title"] = title
        out.append(json.dumps(page, ensure_ascii=False))
    return out


def export_wacz(
    root: Path,
    index: Index,
    site: str,
    out: Path,
    *,
    run_id: int | None = None,
    storage: StorageSettings | None = None,
    sign: EvidenceSettings | None = None,
) -> WaczResult:
    """Package the site's captures (of one run, or all) with their WARC files as `out`.

    With `storage` naming an object store, files no longer on local disk are
    fetched from it (into a temporary folder) first. With `sign` (its `key`
    set), `datapackage-digest.json` is signed: in the domain-certificate mode
    when `sign.certificate` is set, else in the anonymous mode.
    """
    signer = None
    if sign is not None:
        from archiver.evidence.wacz import signer as make_signer

        signer = make_signer(sign)
    browse = Browse(index)
    rows = browse.captures_for_export(site, run_id)
    if not rows:
        which = f"run {run_id} of " if run_id is not None else ""
        raise ArchiveError(f"{which}site {site!r} has no captures to export")
    warc_names = sorted({str(r.warc_file) for r in rows})
    warc_paths = []
    store = blobs.store(storage or StorageSettings(root=root))
    # Made only when a file must come from the object store; removed on every way out.
    fetched: Path | None = None
    try:
        for name in warc_names:
            path = store.local_path(name).resolve()  # where the crawler wrote it
            if not path.is_file() and store.remote:
                if fetched is None:
                    fetched = Path(tempfile.mkdtemp(prefix="archiver-wacz-"))
                path = fetched / Path(name).name
                with store.open(name) as src, path.open("wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
            if not path.is_file():
                raise ArchiveError(f"{path}: WARC file named in the index is missing")
            warc_paths.append(path)
        if len({p.name for p in warc_paths}) != len(warc_paths):
            raise ArchiveError("two WARC files share a name; cannot flatten them into archive/")
    except BaseException:
        if fetched is not None:
            shutil.rmtree(fetched, ignore_errors=True)
        raise
    resources: list[dict[str, Any]] = []

    def add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        zf.writestr(zipfile.ZipInfo(name, _zip_time()), data, compress_type=zipfile.ZIP_STORED)
        resources.append(
            {
                "name": Path(name).name.lower(),
                "path": name,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
        )

    out.parent.mkdir(parents=True, exist_ok=True)
    # A fresh temporary name beside `out`: readers never see a half-written
    # package, and no existing file is touched until the rename.
    handle, partial_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(handle)
    partial = Path(partial_name)
    partial.chmod(0o644)  # mkstemp's 0600 would hide the package from its readers
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
            for path in warc_paths:
                name = f"archive/{path.name}"
                zf.write(path, name, compress_type=zipfile.ZIP_STORED)
                resources.append(
                    {
                        "name": path.name.lower(),
                        "path": name,
                        "hash": "sha256:" + warc.file_sha256(path),
                        "bytes": path.stat().st_size,
                    }
                )
            add(zf, "indexes/index.cdx", ("\n".join(cdxj_lines(rows)) + "\n").encode("utf-8"))
            pages = _page_lines(rows, browse)
            add(zf, "pages/pages.jsonl", ("\n".join(pages) + "\n").encode("utf-8"))
            # signedData.created must equal it (py-wacz compares the two).
            created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            first = next((r for r in rows if r.is_page and r.status == 200), rows[0])
            package = {
                "profile": "data-package",
                "resources": resources,
                "title": f"{site}" + (f" run {run_id}" if run_id is not None else ""),
                "description": f"Captures of {site} archived by archiver {__version__}",
                "mainPageURL": first.url,
                "mainPageDate": first.captured_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "created": created,
                "wacz_version": WACZ_VERSION,
                "software": f"archiver {__version__}",
            }
            package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
            zf.writestr(zipfile.ZipInfo("datapackage.json", _zip_time()), package_bytes)
            package_digest: dict[str, Any] = {
                "path": "datapackage.json",
                "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
            }
            if signer is not None:
                package_digest["signedData"] = signer(package_digest["hash"], created)
            zf.writestr(
                zipfile.ZipInfo("datapackage-digest.json", _zip_time()),
                json.dumps(package_digest, indent=2).encode("utf-8"),
            )
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"{out}: cannot write WACZ: {exc}") from exc
    finally:
        if fetched is not None:
            shutil.rmtree(fetched, ignore_errors=True)
    return WaczResult(out, len(warc_paths), len(rows), len(pages) - 1)


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = datetime.now(UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


__all__ = ["WACZ_VERSION", "WaczResult", "cdxj_lines", "export_wacz", "url_key"]
