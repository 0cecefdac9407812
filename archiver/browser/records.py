"""What a browser load leaves in the archive: WARC records and their index rows.

Each rendered page gets three `resource` records named in browsertrix-crawler's
`urn:` style, so tools that know them (ReplayWeb.page lists `urn:` screenshots)
show them: `urn:fullPage:<url>` (the full-page PNG; browsertrix-crawler's name
for its full-page screenshot), `urn:dom:<url>` (the rendered DOM, text/html)
and `urn:layout:<url>` (boxes of images, `<h1>` and titles, JSON; see
`layout.py`). Each refers to the page's original response (`WARC-Refers-To`,
with its target URI and date) and the three are concurrent with each other
(`WARC-Concurrent-To` the screenshot): one load of the page made them. What the
browser fetched that the crawl had not archived is written as ordinary
response and request records.

Records go through the store's `WarcWriter` into the site's WARC folder (files
named `<prefix>-<site>-browser-…`) and are indexed like any capture (rows with
`is_page` false; a resource row's `refers_to` is the page's capture), so
`archiver verify`, the WACZ export and replay read them as they read the crawl's.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from loguru import logger

from archiver.config import Settings, SiteSettings
from archiver.errors import ArchiveError
from archiver.store import blobs, recovery, warc
from archiver.store.captures import exchange_row
from archiver.store.index import Index
from archiver.store.rows import Capture
from archiver.store.schema import captures
from archiver.store.sealing import Sealer
from archiver.urls import canonicalize

SCREENSHOT, DOM, LAYOUT = "fullPage", "dom", "layout"
KINDS = {SCREENSHOT: "image/png", DOM: "text/html; charset=utf-8", LAYOUT: "application/json"}


def urn(kind: str, url: str) -> str:
    """The record URI of a page's screenshot, DOM or layout: `urn:<kind>:<url>`."""
    return f"urn:{kind}:{url}"


@dataclass
class Rendered:
    """One page as the browser showed it, and what it fetched that the crawl had not."""

    url: str
    started_at: datetime
    screenshot: bytes
    dom: str
    layout: dict[str, Any]
    fetched: list[warc.Exchange] = field(default_factory=list)


def _resource(
    uri: str, mime: str, data: bytes, date: str, headers: dict[str, str]
) -> tuple[bytes, str, str]:
    """A resource record serialised (uncompressed), its payload digest and record id."""
    buffer = io.BytesIO()
    writer = warc._Sha256Writer(buffer, gzip=False, warc_version="WARC/1.1")
    record = writer.create_warc_record(
        uri,
        "resource",
        payload=io.BytesIO(data),
        length=len(data),
        warc_content_type=mime,
        warc_headers_dict={"WARC-Date": date, **headers},
    )
    writer.write_record(record)
    return (
        buffer.getvalue(),
        warc._built_header(record, "WARC-Payload-Digest"),
        warc._built_header(record, "WARC-Record-ID"),
    )


class RecordSink:
    """Writes rendered pages of one run to the site's WARC folder and indexes them.

    Each page's records are appended whole and indexed in one transaction, so a
    crash leaves at most one page unindexed (cut from the `.open` file by
    `recover_open`, as the crawler does after a crash).
    """

    def __init__(self, settings: Settings, site: SiteSettings, index: Index, run_id: int) -> None:
        self.settings, self.site, self.index, self.run_id = settings, site, index, run_id
        self.store = blobs.store(settings.storage)
        self.warc_dir = self.store.spool_dir(site.name)
        self._writer = warc.WarcWriter(
            self.warc_dir,
            prefix=f"{settings.storage.warc_prefix}-{site.name}-browser",
            max_bytes=settings.storage.warc_max_bytes,
            info={"isPartOf": site.name, "run": str(run_id), "capture": "browser (Chromium)"},
        )
        # Closed files are hashed and published in a worker thread, as the crawler's are.
        self.sealer = Sealer(index, self.store, self.warc_dir, site.name)
        self._writer.on_open.append(
            lambda name, pos: index.warc_opened(run_id, self.sealer.rel(name), pos)
        )
        # A closed file holds only indexed records: index what it holds before it closes.
        self._writer.on_closing.append(lambda name: self._flush())
        self._writer.on_close.append(self.sealer.closed)
        self._pending: list[dict[str, Any]] = []

    async def write(self, page: Rendered, original: Capture) -> None:
        """Append a rendered page's records and index them (one transaction)."""
        self.sealer.raise_failure()
        date = warc.warc_date(page.started_at)
        refers = {
            "WARC-Refers-To": original_record_id(self.settings, original),
            "WARC-Refers-To-Target-URI": original.url,
            "WARC-Refers-To-Date": warc.warc_date(original.captured_at),
        }
        payloads = {
            SCREENSHOT: page.screenshot,
            DOM: page.dom.encode("utf-8"),
            LAYOUT: json.dumps(page.layout, separators=(",", ":")).encode("utf-8"),
        }
        kinds: list[str] = []
        prepared: list[warc.Prepared] = []
        first_id: str | None = None
        for kind, data in payloads.items():
            headers = dict(refers)
            if first_id is not None:
                headers["WARC-Concurrent-To"] = first_id
            serialised, digest, record_id = _resource(
                urn(kind, page.url), KINDS[kind], data, date, headers
            )
            first_id = first_id or record_id
            kinds.append(kind)
            prepared.append(warc.Prepared((serialised,), digest, record_id))
        prepared += [self._writer.prepare(exchange) for exchange in page.fetched]
        members = await asyncio.to_thread(lambda: [warc.gzip_members(p.records) for p in prepared])
        first: warc.Written | None = None
        for i, (p, m) in enumerate(zip(prepared, members, strict=True)):
            written = self._writer.append(m, p)
            first = first or written
            if i < len(kinds):
                row = self._row(urn(kinds[i], page.url), KINDS[kinds[i]], written, page, original)
            else:
                exchange = page.fetched[i - len(kinds)]
                row = exchange_row(
                    exchange,
                    written,
                    run_id=self.run_id,
                    site=self.site.name,
                    warc_file=self.sealer.rel(written.warc_file),
                    canonical_url=canonicalize(exchange.url),
                    is_page=False,
                    depth=original.depth + 1,
                )
            self._pending.append(row)
        try:
            self._flush()
        except ArchiveError:
            if first is not None:
                self._writer.cut(first)
            raise

    def _flush(self) -> None:
        """Index the rows appended since the last flush (all in the current file)."""
        rows, self._pending = self._pending, []
        if rows:
            with self.index.begin() as conn:
                self.index.add_captures(conn, rows, self._writer.position())

    def _row(
        self, uri: str, mime: str, written: warc.Written, page: Rendered, original: Capture
    ) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "site": self.site.name,
            "url": uri,
            "canonical_url": uri,
            "captured_at": page.started_at,
            "status": 200,
            "content_type": mime,
            "payload_digest": written.payload_digest,
            "record_type": "resource",
            "refers_to": original.id,
            "warc_file": self.sealer.rel(written.warc_file),
            "offset": written.offset,
            "length": written.length,
            "etag": None,
            "last_modified": None,
            "location": None,
            "truncated": None,
            "is_page": False,
            "depth": original.depth,
        }

    async def close(self) -> None:
        """Close the current WARC file and wait until every closed file is recorded closed
        in the index and published; raises ArchiveError when one could not be."""
        try:
            self._writer.close()
        finally:
            await self.sealer.drain()
        self.sealer.raise_failure()


def original_record_id(settings: Settings, capture: Capture) -> str:
    """The WARC-Record-ID of a capture's record (read from its WARC file)."""
    try:
        with blobs.store(settings.storage).open(capture.warc_file) as fh:
            fh.seek(capture.offset)
            for _, _, record in warc.iter_records(fh):
                return str(record.rec_headers.get_header("WARC-Record-ID"))
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{capture.warc_file}@{capture.offset}: {exc}") from exc
    raise ArchiveError(f"{capture.warc_file}@{capture.offset}: no record")


def rendered(index: Index, capture: Capture, kind: str) -> Capture | None:
    """The latest screenshot, DOM or layout row made from a page capture, if any.

    Looked up by (site, `urn:<kind>:<url>`), which `ix_captures_site_url_time`
    serves, then matched on `refers_to`: a URL has one such row per rendered run.
    """
    with index.read() as conn:
        row = conn.execute(
            sa.select(captures)
            .where(
                captures.c.site == capture.site,
                captures.c.canonical_url == urn(kind, capture.url),
                captures.c.refers_to == capture.id,
                captures.c.record_type == "resource",
            )
            .order_by(captures.c.id.desc())
            .limit(1)
        ).first()
    return Capture.of(row) if row is not None else None


def has_rendered(index: Index, site: str) -> bool:
    """Whether any page of a site was ever rendered (one probe of the site's URL index)."""
    low, high = f"urn:{SCREENSHOT}:", f"urn:{SCREENSHOT};"
    with index.read() as conn:
        found = conn.execute(
            sa.select(captures.c.id)
            .where(
                captures.c.site == site,
                captures.c.canonical_url >= low,
                captures.c.canonical_url < high,
            )
            .limit(1)
        ).first()
    return found is not None


def rendered_in_run(index: Index, run_id: int) -> set[int]:
    """Ids of the page captures a run has already rendered (their screenshot is indexed)."""
    with index.read() as conn:
        return {
            int(r)
            for r in conn.execute(
                sa.select(captures.c.refers_to).where(
                    captures.c.run_id == run_id,
                    captures.c.record_type == "resource",
                    captures.c.url.startswith(f"urn:{SCREENSHOT}:"),
                )
            ).scalars()
            if r is not None
        }


def recover_open(settings: Settings, site: SiteSettings, index: Index, run_id: int) -> None:
    """Close `.open` browser WARC files of a run left by a dead process at their committed end."""
    store = blobs.store(settings.storage)
    for entry in index.open_warcs([run_id]):
        name = str(entry.name)
        if "-browser-" not in name.rsplit("/", 1)[-1]:
            continue
        path = recovery.recover(
            store.spool_dir(site.name), name.rsplit("/", 1)[-1], entry.committed
        )
        index.warc_closed(name, path.stat().st_size, warc.file_sha256(path))
        logger.bind(site=site.name, run=run_id).warning("closed {} left open by a dead run", name)


def now() -> datetime:
    """The time a browser load starts."""
    return datetime.now(UTC)


__all__ = [
    "DOM",
    "KINDS",
    "LAYOUT",
    "SCREENSHOT",
    "RecordSink",
    "Rendered",
    "document_of",
    "has_rendered",
    "original_record_id",
    "recover_open",
    "rendered",
    "rendered_in_run",
    "urn",
]


def document_of(
    index: Index, capture: Capture, payload_row: Capture, source: str
) -> tuple[str, Capture]:
    """Which document the checks read for a capture, and its row: the response, or with
    `source = "rendered"` the DOM rendered from it when there is one."""
    if source == "rendered":
        dom = rendered(index, capture, DOM)
        if dom is not None:
            return "rendered", dom
    return "http", payload_row
