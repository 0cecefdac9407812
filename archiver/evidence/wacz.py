"""Signing a WACZ package's `datapackage-digest.json` (Webrecorder "WACZ Signing and Verification").

`datapackage-digest.json` holds `path`, `hash` ("sha256:<hex>" of
`datapackage.json`, as py-wacz checks it) and `signedData`, whose `created`
must equal `datapackage.json`'s (`wacz validate` compares them). The signature
signs the ASCII `hash` string with ECDSA and SHA-256, in one of the two modes
the recommendation describes, each encoded as its reference implementation
does:

- **anonymous** (`publicKey`): as ArchiveWeb.page writes it and ReplayWeb.page
  checks it with WebCrypto: the signature is r || s (IEEE P1363), base64; the
  public key base64 DER SubjectPublicKeyInfo. ReplayWeb.page imports that key as
  P-384, so a P-384 key (`archiver keygen`'s default) is the one it confirms.
- **domain certificate** (`domain`, `domainCert`): as authsign writes it: the
  signature is DER, base64; `domainCert` the PEM chain, leaf first, whose
  public key is the signing key's. No RFC 3161 `timeSignature` is added: that
  needs a timestamp authority online, and archiver signs offline.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from archiver import __version__
from archiver.config import EvidenceSettings
from archiver.errors import ConfigError
from archiver.evidence.keys import SigningKey, der_to_raw, load_key, public_b64, public_der


def certificate_domain(cert: x509.Certificate) -> str:
    """The domain a certificate names: its subject CN, else its first DNS name (authsign's rule)."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        value = names[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ""
    dns = san.value.get_values_for_type(x509.DNSName)
    return dns[0] if dns else ""


def load_certificate(path: Path, key: SigningKey) -> list[x509.Certificate]:
    """The PEM chain at `path` (leaf first), checked against `key`; ConfigError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read certificate: {exc.strerror or exc}") from exc
    try:
        chain = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigError(f"{path}: not a PEM certificate chain ({exc})") from exc
    leaf = chain[0]
    if public_der(leaf.public_key()) != public_der(key.public):  # type: ignore[arg-type]
        raise ConfigError(f"{path}: the first certificate is not for the key {key.path}")
    if not isinstance(key.private, ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{path}: domain-certificate signing needs an ECDSA key, not Ed25519")
    if not certificate_domain(leaf):
        raise ConfigError(f"{path}: the first certificate names no domain (CN or DNS name)")
    return chain


def _check_ecdsa(key: SigningKey) -> ec.EllipticCurvePrivateKey:
    if not isinstance(key.private, ec.EllipticCurvePrivateKey):
        raise ConfigError(
            f"{key.path}: WACZ signatures are ECDSA; this is an Ed25519 key "
            "(make one with `archiver keygen --type ecdsa-p384`)"
        )
    return key.private


def signer(settings: EvidenceSettings) -> Callable[[str, str], dict[str, Any]]:
    """A function (hash, created) -> `signedData` for `[evidence]`'s key and certificate.

    The key and certificate are loaded and checked now, before a package is written.
    """
    if settings.key is None:
        raise ConfigError("--sign needs a key: set [evidence] key (`archiver keygen` makes one)")
    key = load_key(settings.key)
    _check_ecdsa(key)
    chain = load_certificate(settings.certificate, key) if settings.certificate else None
    return lambda package_hash, created: signed_data(key, package_hash, created, chain)


def signed_data(
    key: SigningKey, package_hash: str, created: str, chain: list[x509.Certificate] | None = None
) -> dict[str, Any]:
    """The `signedData` of a `datapackage-digest.json` whose `hash` is `package_hash`."""
    private = _check_ecdsa(key)
    der = key.sign(package_hash.encode("ascii"))
    data: dict[str, Any] = {"hash": package_hash, "created": created}
    data["software"] = f"archiver {__version__}"
    if chain is None:
        public = private.public_key()
        data["signature"] = base64.b64encode(der_to_raw(der, public)).decode("ascii")
        data["publicKey"] = public_b64(public)
    else:
        data["signature"] = base64.b64encode(der).decode("ascii")
        data["domain"] = certificate_domain(chain[0])
        data["domainCert"] = "\n".join(
            cert.public_bytes(Encoding.PEM).decode("ascii") for cert in chain
        )
    return data


def check_signing_files(key: Path, certificate: Path | None, source: str) -> None:
    """Load `[evidence]` key (and certificate) at config time, naming the setting at fault."""
    try:
        signing_key = load_key(key)
    except ConfigError as exc:
        raise ConfigError(f"{source}: evidence.key: {exc}") from exc
    if certificate is not None:
        try:
            load_certificate(certificate, signing_key)
        except ConfigError as exc:
            raise ConfigError(f"{source}: evidence.certificate: {exc}") from exc
