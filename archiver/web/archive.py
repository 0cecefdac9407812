"""What the viewer reads from the archive: records, payloads, page models, main text.

Captures are always reached through their index row, never through a path a
request names, and the WARC path an index row names must lie under the
storage root. Large payloads are streamed from the WARC file in chunks;
only HTML and CSS, which must be rewritten, are read whole (with a cap).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from archiver.check.packs import ResolvedPack, RuleSet
from archiver.config import Settings
from archiver.errors import ArchiveError, ConfigError
from archiver.extract import EXTRACTOR_VERSION, extract, rebase
from archiver.extract.decode import decode_payload
from archiver.markup import is_html, parse_html
from archiver.store import blobs
from archiver.store.browse import Browse
from archiver.store.index import Index
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.rows import Capture, StoredViolation
from archiver.web.rewrite import Mark

CHUNK = 64 * 1024
MAX_DOCUMENT = 20_000_000  # decoded HTML/CSS bytes we are willing to rewrite


def timestamp(moment: datetime) -> str:
    """The 14-digit Wayback timestamp (UTC) of a moment."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp(text: str) -> datetime:
    """A Wayback timestamp (4 to 14 digits; missing parts are the earliest) as UTC."""
    if not text.isdigit() or not 4 <= len(text) <= 14:
        raise ValueError(f"not a timestamp: {text!r}")
    padded = text + "0101000000"[len(text) - 4 :] if len(text) < 14 else text
    return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def is_css(content_type: str | None) -> bool:
    """Whether a Content-Type names a style sheet."""
    return content_type is not None and "css" in content_type.lower()


@dataclass(frozen=True)
class Payload:
    """An archived response: status, HTTP headers and either the whole body or a stream."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes | None = None
    stream: Iterator[bytes] | None = None


class Archive:
    """Read access to captures for the viewer."""

    def __init__(self, settings: Settings, index: Index) -> None:
        self.settings = settings
        self.index = index
        self.browse = Browse(index)
        self._ruleset: RuleSet | None = None

    # -- files ------------------------------------------------------------------

    def open_warc(self, row: Capture) -> IO[bytes]:
        """The WARC file of a capture, local or in the object store; names that would leave
        the archive (`..`, absolute paths) are refused."""
        return blobs.store(self.settings.storage).open(str(row.warc_file))

    def record_bytes(self, row: Capture) -> Iterator[bytes]:
        """The capture's WARC record exactly as stored (one gzip member), in chunks.

        The file is opened now, so a missing file is an error before streaming starts.
        """
        fh = self.open_warc(row)

        def chunks() -> Iterator[bytes]:
            remaining = int(row.length)
            with fh:
                fh.seek(int(row.offset))
                while remaining > 0:
                    chunk = fh.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    remaining -= len(chunk)
                    yield chunk

        return chunks()

    def request(self, row: Capture) -> tuple[str, list[tuple[str, str]]] | None:
        """The request line and headers sent for a capture, as its request record keeps them
        (credentials already redacted by the fetcher); None for a revisit, which has none."""
        if row.record_type != "response":
            return None
        with self.open_warc(row) as fh:
            try:
                fh.seek(int(row.offset) + int(row.length))
                iterator = iter(ArchiveIterator(fh))
                record = next(iterator)
            except (OSError, StopIteration, ValueError):
                return None
            http = record.http_headers
            if (
                record.rec_type != "request"
                or http is None
                or record.rec_headers.get_header("WARC-Target-URI") != row.url
            ):
                return None
            return f"{http.protocol} {http.statusline}", list(http.headers)

    def payload(self, row: Capture, *, whole: bool) -> Payload:
        """The payload of a capture (of its revisit target), decoded when read whole.

        Streamed payloads keep their Content-Encoding, so the browser decodes
        them; whole ones (HTML, CSS to rewrite) are decoded here, capped.
        """
        source = self.index.payload_capture(row)
        if whole:
            record = blobs.read_record(
                self.settings.storage,
                str(source.warc_file),
                int(source.offset),
                max_payload=MAX_DOCUMENT,
            )
            try:
                body = decode(
                    record.payload, header(record.headers, "content-encoding"), MAX_DOCUMENT
                )
            except PayloadTooLarge as exc:
                raise ArchiveError(f"capture {row.id}: {exc}") from exc
            headers = [(k, v) for k, v in record.headers if k.lower() != "content-encoding"]
            return Payload(record.status, headers, body=body)
        fh = self.open_warc(source)
        try:
            fh.seek(int(source.offset))
            iterator = iter(ArchiveIterator(fh))
            streamed = next(iterator)
        except (OSError, StopIteration, ValueError) as exc:
            fh.close()
            raise ArchiveError(
                f"{source.warc_file}@{source.offset}: cannot read WARC record: {exc}"
            ) from exc
        http = streamed.http_headers
        status = int(http.get_statuscode()) if http else 0
        headers = list(http.headers) if http else []

        def chunks() -> Iterator[bytes]:
            try:
                while chunk := streamed.raw_stream.read(CHUNK):
                    yield chunk
            finally:
                fh.close()

        return Payload(status, headers, stream=chunks())

    # -- page models ------------------------------------------------------------

    def _pack(self, row: Capture) -> ResolvedPack:
        if self._ruleset is None:
            self._ruleset = RuleSet.load(self.settings.rules_dirs)
        try:
            rules = list(self.settings.site(row.site).rules)
        except ConfigError:
            rules = []
        return self._ruleset.resolve(rules, row.url)

    def model(self, row: Capture) -> tuple[dict[str, Any], bool]:
        """The capture's page model and whether it came from the cache (else extracted now).

        The viewer never writes: a model extracted on demand is not cached.
        """
        pack = self._pack(row)
        source = self.index.payload_capture(row)
        cached = self.browse.page_model(
            source.payload_digest, EXTRACTOR_VERSION, pack.profile.fingerprint
        )
        if cached is not None:
            model = rebase(
                json.loads(cached), url=row.url, captured_at=row.captured_at, profile=pack.profile
            )
            return model, True
        payload = self.payload(row, whole=True)
        model = extract(
            payload.body or b"",
            url=row.url,
            captured_at=row.captured_at,
            profile=pack.profile,
            content_type=header(payload.headers, "content-type"),
        )
        return model, False

    def main_text(self, row: Capture) -> list[str]:
        """The visible text of the capture's content area, one line per block."""
        payload = self.payload(row, whole=True)
        text, _, _ = decode_payload(payload.body or b"", header(payload.headers, "content-type"))
        soup = parse_html(text)
        for tag in soup(["script", "style", "template", "noscript"]):
            tag.decompose()
        root = None
        for selector in self._pack(row).profile.content_selectors:
            root = soup.select_one(selector)
            if root is not None:
                break
        root = root or soup.body or soup
        lines = (" ".join(line.split()) for line in root.get_text("\n").splitlines())
        return [line for line in lines if line]


def marks_for(violations: list[StoredViolation]) -> list[Mark]:
    """Elements to outline for a capture's violations, from their evidence."""
    out: list[Mark] = []
    for v in violations:
        try:
            evidence = json.loads(v.evidence)
        except ValueError:
            continue
        if not isinstance(evidence, dict):
            continue
        location = evidence.get("location")
        src = evidence.get("src")
        if isinstance(location, str) or isinstance(src, str):
            out.append(
                Mark(
                    v.rule,
                    location if isinstance(location, str) else None,
                    src if isinstance(src, str) else None,
                )
            )
        elif v.rule == "consistent-titles" and "h1" in (
            evidence.get("source"),
            evidence.get("reference"),
        ):
            out.append(Mark(v.rule, selector="h1"))
    return out


__all__ = [
    "Archive",
    "Payload",
    "is_css",
    "is_html",
    "marks_for",
    "parse_timestamp",
    "timestamp",
]
