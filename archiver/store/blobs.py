"""Where closed WARC files live: a local folder, or any fsspec URL (S3-compatible stores).

WARC files are always written to local disk first (`spool_dir`), because a
record must be flushed before its index row commits. With a remote store,
a file is uploaded once it is closed, read back and compared with the
SHA-256 the index recorded at close, and only then marked stored
(`warc_files.stored_at`) and removed locally. Every reader of archived
records goes through `read_record`, which finds a file wherever it is.

Index rows name files `warcs/<site>/<file>`; that key maps to
`<store>/<site>/<file>`, so an embedded archive's `snapshots/warcs` folder
can be copied into a bucket as it is.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import IO, Any

import fsspec

from archiver.config import StorageSettings
from archiver.errors import ArchiveError
from archiver.store import warc

_PREFIX = "warcs/"
_READ_BLOCK = 256 * 1024


def index_name(site: str, name: str) -> str:
    """The index's name of one of a site's WARC files (``warcs/<site>/<file>``)."""
    return f"{_PREFIX}{site}/{name}"


class WarcStore:
    """The WARC store of one archive (see the module docstring)."""

    def __init__(self, storage: StorageSettings) -> None:
        self.spool = storage.root / "warcs"
        self.url = storage.warcs
        self.remote = "://" in self.url and not self.url.startswith("file://")
        self.base = self.spool if not self.url or self.remote else Path(self.url)
        self._endpoint = storage.warcs_endpoint
        self._remote: tuple[Any, str] | None = None

    def _key(self, name: str) -> str:
        # Names come from the index, which in distributed mode is a shared
        # database: `warcs//etc/passwd` or `warcs/a/../../x` must name nothing.
        key = name.removeprefix(_PREFIX)
        segments = key.split("/")
        if (
            not name.startswith(_PREFIX)
            or "\\" in key
            or "\x00" in key
            or any(part in ("", ".", "..") for part in segments)
        ):
            raise ArchiveError(f"{name}: not a WARC file name of this archive")
        return key

    @property
    def fs(self) -> Any:
        """The fsspec filesystem of a remote store (created on first use)."""
        return self._connect()[0]

    def _connect(self) -> tuple[Any, str]:
        if self._remote is None:
            options: dict[str, Any] = {}
            if self._endpoint:
                options["client_kwargs"] = {"endpoint_url": self._endpoint}
            try:
                fs, root = fsspec.core.url_to_fs(self.url, **options)
            except (ImportError, ValueError) as exc:
                raise ArchiveError(f"storage.warcs {self.url}: {exc}") from exc
            self._remote = (fs, str(root))
        return self._remote

    def remote_path(self, name: str) -> str:
        """Where a file named in the index lives in the remote store."""
        return f"{self._connect()[1].rstrip('/')}/{self._key(name)}"

    def spool_dir(self, site: str) -> Path:
        """The local folder a site's WARC files are written to."""
        return (self.spool if self.remote else self.base) / site

    def local_path(self, name: str) -> Path:
        """The local path of a file named in the index (for a remote store: its spool copy).

        Resolved (symbolic links followed) and refused unless it stays inside
        the WARC folder.
        """
        folder = (self.spool if self.remote else self.base).resolve()
        path = (folder / self._key(name)).resolve()
        if not path.is_relative_to(folder):
            raise ArchiveError(f"{name}: resolves to {path}, outside the WARC folder {folder}")
        return path

    def publish(self, name: str, sha256: str | None) -> bool:
        """Upload a closed file, verify its digest in the store, drop the local copy.

        Returns False (nothing to do) for a local store. Raises ArchiveError when
        the upload fails or the stored bytes do not match `sha256`; the local
        copy is kept then, and publishing again is safe.
        """
        if not self.remote:
            return False
        local = self.local_path(name)
        target = self.remote_path(name)
        try:
            self.fs.put_file(str(local), target)
            digest = hashlib.sha256()
            with self.fs.open(target, "rb", block_size=4 * 1024 * 1024) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except (OSError, ValueError) as exc:
            raise ArchiveError(f"{local}: upload to {target} failed: {exc}") from exc
        if sha256 is not None and digest.hexdigest() != sha256:
            raise ArchiveError(
                f"{target}: stored copy has SHA-256 {digest.hexdigest()}, expected {sha256}; "
                f"kept {local}"
            )
        local.unlink()
        return True

    def exists(self, name: str) -> bool:
        """Whether a closed file is in the store (or, for a remote store, still spooled)."""
        if self.local_path(name).exists():
            return True
        return self.remote and bool(self.fs.exists(self.remote_path(name)))

    def open(self, name: str) -> IO[bytes]:
        """A file named in the index opened for reading, wherever it is (seekable)."""
        local = self.local_path(name)
        try:
            if not self.remote or local.exists():
                return local.open("rb")
            handle: IO[bytes] = self.fs.open(
                self.remote_path(name), "rb", block_size=_READ_BLOCK, cache_type="readahead"
            )
            return handle
        except OSError as exc:
            raise ArchiveError(f"{name}: cannot open WARC file: {exc}") from exc

    def read_record(
        self, name: str, offset: int, *, max_payload: int | None = None
    ) -> warc.StoredRecord:
        """The record at `offset` of a file named in the index (see `read_record`)."""
        local = self.local_path(name)
        if not self.remote or local.exists():
            return warc.read_record(local, offset, max_payload=max_payload)
        target = self.remote_path(name)
        try:
            with self.fs.open(target, "rb", block_size=_READ_BLOCK, cache_type="readahead") as fh:
                return warc.read_record_at(fh, offset, max_payload=max_payload)
        except OSError as exc:
            raise ArchiveError(f"{target}@{offset}: cannot read WARC record: {exc}") from exc


@functools.cache
def store(storage: StorageSettings) -> WarcStore:
    """The WARC store of these settings (one per process and settings)."""
    return WarcStore(storage)


def read_record(
    storage: StorageSettings, name: str, offset: int, *, max_payload: int | None = None
) -> warc.StoredRecord:
    """Read the record at `offset` of the WARC file the index calls `name`, wherever it is.

    The one way readers (crawler revisits, checks, the viewer, verify, export)
    get archived records; the payload is raw (still content-encoded).
    """
    return store(storage).read_record(name, offset, max_payload=max_payload)
