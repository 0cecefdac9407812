"""Tamper evidence: run manifests in a per-site hash chain, signatures, and their check.

- `keys`: load, make, sign and verify with Ed25519 or ECDSA P-256/P-384 keys;
- `manifest`: `close_run`, the one call that closes a tracked run with its manifest;
- `verify`: `verify_evidence`, the offline check behind `archiver verify --evidence`;
- `wacz`: the `signedData` of a signed WACZ package (`archiver export --wacz --sign`).
"""

from archiver.evidence.manifest import Manifest, close_run
from archiver.evidence.verify import Break, EvidenceResult, verify_evidence

__all__ = ["Break", "EvidenceResult", "Manifest", "close_run", "verify_evidence"]
