"""A violation: one failed check on one page, with evidence and a stable fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from archiver.urls import canonicalize


def canonical_url(url: str) -> str:
    """The crawler's canonical form of an http(s) URL; other URLs (file:) as they are."""
    try:
        return canonicalize(url)
    except ValueError:
        return url


@dataclass(frozen=True)
class CaptureRef:
    """Where the evidence is archived: WARC file, record offset, payload digest, index id."""

    warc_file: str
    offset: int
    digest: str
    capture_id: int | str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain mapping, as in ``schemas/report.schema.json``."""
        return {
            "warc_file": self.warc_file,
            "offset": self.offset,
            "digest": self.digest,
            "capture_id": self.capture_id,
        }


@dataclass(frozen=True)
class Violation:
    """One failure of one check on one page.

    ``subject`` names what the violation is about (an image's ``src``, a title
    pair) so that, with the rule and the canonical URL, it identifies the same
    problem across runs; see :meth:`fingerprint`. The tracking fields
    (``status`` … ``run``) are filled in by the tracking stage.
    """

    rule: str
    severity: str
    url: str
    message: str
    pointer: str
    evidence: dict[str, Any]
    subject: str
    captured_at: str
    capture: CaptureRef | None = None
    status: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    run: str | None = None

    def fingerprint(self) -> str:
        """SHA-256 (hex) of rule, canonical URL and subject: stable across runs and captures."""
        key = "\x1f".join((self.rule, canonical_url(self.url), self.subject))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """A plain mapping, as in the ``violation`` of ``schemas/report.schema.json``."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "url": self.url,
            "message": self.message,
            "pointer": self.pointer,
            "evidence": self.evidence,
            "subject": self.subject,
            "captured_at": self.captured_at,
            "fingerprint": self.fingerprint(),
        }
        if self.capture is not None:
            out["capture"] = self.capture.to_json()
        for key in ("status", "first_seen", "last_seen", "run"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        return out
