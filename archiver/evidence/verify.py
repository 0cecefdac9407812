"""Checking tamper evidence offline: WARC files against manifests, the chain, the signatures.

`verify_evidence` reads a site's manifests from beside its WARC files and from
the index, and reports every break as a `Break` naming the run and the file:

- a manifest file missing, not in the index, differing from the index's copy,
  not canonical, or naming another site or run (renamed, reordered);
- a link of the chain that does not hold: one manifest starts the chain, each
  other one names the manifest closed before it and that file's SHA-256, no two
  name the same one, and every manifest is reached from the start (the chain
  follows the order runs were closed in, which in distributed mode may differ
  from the order they started in); a run tracked after the chain started must
  have a manifest;
- a WARC file missing, or whose size or SHA-256 differs from its manifest;
  a WARC file of the run that the manifest does not list;
- the run's findings in the index no longer matching the manifest's digest
  (a finding deleted or its status changed to hide it);
- a signature that does not verify, one by a key other than the trusted one,
  or an unsigned manifest after a signed one (a stripped signature).

Nothing here needs the network or the private key: the trusted public key is
the configured key's public half and any `--public-key` files (old keys after a
rotation).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from archiver.config import StorageSettings
from archiver.errors import ArchiveError
from archiver.evidence.keys import PublicKey, key_id, public_from_b64, verify
from archiver.evidence.manifest import (
    canonical,
    file_digest,
    findings_digest,
    manifest_name,
    manifests_of,
    signed_bytes,
)
from archiver.store import blobs
from archiver.store.index import Index
from archiver.store.schema import findings, tracked_runs, warc_files

_MANIFEST_FILE = re.compile(r"^(\d{8})\.json$")


@dataclass(frozen=True)
class Break:
    """One break in the evidence: which run, which file, what is wrong."""

    run: int
    file: str
    message: str

    def __str__(self) -> str:
        # File names and quoted values can come from an edited manifest: no control
        # characters reach the terminal.
        return _printable(f"run {self.run}: {self.file}: {self.message}")


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class EvidenceResult:
    """What checking one site's evidence found."""

    site: str
    manifests: int = 0
    signed: int = 0
    warcs: int = 0
    bytes: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No break anywhere."""
        return not self.breaks


def _listed(store: blobs.WarcStore, site: str) -> dict[int, str]:
    """Manifest files found beside the site's WARC files, by run number."""
    folder = store.local_path(manifest_name(site, 0)).parent
    names = [p.name for p in folder.glob("*.json")] if folder.is_dir() else []
    if store.remote:
        store.fs.invalidate_cache()  # verify what the store holds now, not what it listed
        remote = store.remote_path(manifest_name(site, 0)).rsplit("/", 1)[0]
        names += [str(p).rsplit("/", 1)[-1] for p in store.fs.glob(f"{remote}/*.json")]
    found = {}
    for name in names:
        match = _MANIFEST_FILE.match(name)
        if match:
            found[int(match.group(1))] = f"warcs/{site}/manifests/{name}"
    return found


def _read(store: blobs.WarcStore, name: str) -> bytes | None:
    try:
        if not store.exists(name):
            return None
        with store.open(name) as fh:
            return fh.read()
    except (ArchiveError, OSError):
        return None


class _Checker:
    def __init__(
        self, storage: StorageSettings, index: Index, site: str, trusted: Sequence[PublicKey]
    ) -> None:
        self.store = blobs.store(storage)
        self.index = index
        self.result = EvidenceResult(site)
        self.trusted = {key_id(k) for k in trusted}
        # Per manifest read: its file name, SHA-256 and `previous` link, for the chain.
        self.links: dict[int, tuple[str, str, Any]] = {}
        self.seen_signed = False

    def fail(self, run: int, file: str, message: str) -> None:
        self.result.breaks.append(Break(run, file, message))

    def manifest(self, run: int, name: str, stored: str | None) -> None:
        data = _read(self.store, name)
        if data is None:
            kept = " (the index has a copy)" if stored else ""
            self.fail(run, name, f"manifest file is missing{kept}")
            data = stored.encode("ascii", "replace") if stored is not None else None
        elif stored is None:
            self.fail(run, name, "manifest file is not in the index")
        elif data != stored.encode("ascii", "replace"):
            self.fail(run, name, "manifest file differs from the index's copy")
        if data is None:
            return
        self.result.manifests += 1
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            document = json.loads(data)
            if not isinstance(document, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            self.fail(run, name, f"manifest is not readable JSON: {exc}")
            return
        if canonical(document) != data:
            self.fail(run, name, "manifest is not in canonical form (edited by hand?)")
        if document.get("site") != self.result.site or document.get("run") != run:
            self.fail(
                run,
                name,
                f"manifest is that of site {document.get('site')!r} run {document.get('run')} "
                "(moved, renamed or reordered)",
            )
        self.links[run] = (name, sha256, document.get("previous"))
        self.warcs(run, document.get("warcs") or [])
        self.findings(run, document.get("findings"))
        self.signature(run, name, document)

    def chain(self) -> None:
        """The links must form one chain through every manifest, in the order runs closed."""
        starts = sorted(run for run, (_, _, link) in self.links.items() if link is None)
        pointed: dict[Any, list[int]] = {}
        for run, (name, _, link) in sorted(self.links.items()):
            if link is None:
                if starts and run != starts[0]:
                    self.fail(
                        run,
                        name,
                        f"starts a new chain beside the one from run {starts[0]} "
                        "(its link was removed)",
                    )
                continue
            target = _get(link, "run")
            pointed.setdefault(target, []).append(run)
            if target not in self.links:
                self.fail(run, name, f"chains to run {target}, whose manifest is missing")
            elif _get(link, "sha256") != self.links[target][1]:
                self.fail(
                    run,
                    name,
                    f"records SHA-256 {_get(link, 'sha256')} for run {target}'s manifest, "
                    f"which has {self.links[target][1]} (that manifest was changed)",
                )
        for target, runs in pointed.items():
            for run in runs[1:]:
                self.fail(
                    run,
                    self.links[run][0],
                    f"chains to run {target}, as run {runs[0]} does too (the chain forks: a "
                    "manifest was removed, replaced or reordered)",
                )
        if len(starts) == 1:
            reached, run = set(), starts[0]
            while run not in reached:
                reached.add(run)
                following = pointed.get(run)
                if not following:
                    break
                run = following[0]
            for lost in sorted(set(self.links) - reached):
                if not any(b.run == lost for b in self.result.breaks):
                    self.fail(lost, self.links[lost][0], "not reachable from the chain's start")

    def warcs(self, run: int, entries: list[Any]) -> None:
        listed = set()
        for entry in entries:
            name = str(_get(entry, "name"))
            listed.add(name)
            try:
                if not self.store.exists(name):
                    self.fail(run, name, "WARC file is missing")
                    continue
                sha256, size = file_digest(self.store, name)
            except (ArchiveError, OSError) as exc:
                self.fail(run, name, f"cannot read WARC file: {exc}")
                continue
            self.result.warcs += 1
            self.result.bytes += size
            if size != _get(entry, "size") or sha256 != _get(entry, "sha256"):
                self.fail(
                    run,
                    name,
                    f"WARC file has {size} bytes, SHA-256 {sha256}; the manifest records "
                    f"{_get(entry, 'size')} bytes, SHA-256 {_get(entry, 'sha256')} "
                    "(changed since the run closed)",
                )
        with self.index.read() as conn:
            names = conn.execute(
                sa.select(warc_files.c.name).where(warc_files.c.run_id == run)
            ).scalars()
            for extra in sorted(set(names) - listed):
                self.fail(run, extra, "WARC file of this run is not in its manifest")

    def findings(self, run: int, recorded: Any) -> None:
        with self.index.read() as conn:
            rows = list(conn.execute(sa.select(findings).where(findings.c.run_id == run)).all())
        now = findings_digest(rows)
        if now != recorded:
            self.fail(
                run,
                "index: findings",
                f"the run's findings in the index ({now['count']}, SHA-256 {now['sha256']}) "
                f"differ from its manifest ({_get(recorded, 'count')}, SHA-256 "
                f"{_get(recorded, 'sha256')}): changed since the run closed",
            )

    def signature(self, run: int, name: str, document: dict[str, Any]) -> None:
        block = document.get("signature")
        if not isinstance(block, dict):
            if self.seen_signed:
                self.fail(run, name, "manifest is unsigned, after signed ones (signature removed?)")
            return
        self.seen_signed = True
        try:
            public = public_from_b64(str(block.get("publicKey")))
            value = base64.b64decode(str(block.get("value")), validate=True)
        except ValueError as exc:
            self.fail(run, name, f"signature block is unreadable: {exc}")
            return
        if not verify(public, value, signed_bytes(document)):
            self.fail(run, name, "signature does not verify (manifest changed after signing)")
            return
        self.result.signed += 1
        if self.trusted and key_id(public) not in self.trusted:
            trusted = ", ".join(sorted(k[:16] + "…" for k in self.trusted))
            self.fail(
                run, name, f"signed by key {key_id(public)[:16]}…, not a trusted key ({trusted})"
            )


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def verify_evidence(
    storage: StorageSettings, index: Index, site: str, trusted: Sequence[PublicKey] = ()
) -> EvidenceResult:
    """Check a site's manifests, chain and signatures against its WARC files (see module doc).

    `trusted`: the public keys whose signatures count; empty: any key that verifies.
    """
    checker = _Checker(storage, index, site, trusted)
    stored = {row.run_id: row.manifest for row in manifests_of(index, site)}
    files = _listed(checker.store, site)
    for run in sorted(set(stored) | set(files)):
        checker.manifest(run, files.get(run, manifest_name(site, run)), stored.get(run))
    checker.chain()
    if stored or files:
        first = min(set(stored) | set(files))
        with index.read() as conn:
            tracked = conn.execute(
                sa.select(tracked_runs.c.run_id).where(
                    tracked_runs.c.site == site, tracked_runs.c.run_id > first
                )
            ).scalars()
            for run in sorted(set(tracked) - set(stored) - set(files)):
                checker.fail(run, manifest_name(site, run), "run was tracked but has no manifest")
    checker.result.breaks.sort(key=lambda b: (b.run, b.file))
    return checker.result
