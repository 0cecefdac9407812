"""`archiver export --wacz --sign`: the signature is checked by code that is not ours.

Anonymous mode: a few lines of `cryptography` following the recommendation's fields as
ArchiveWeb.page writes them (ECDSA, SHA-256 over the ASCII `hash`, r || s signature,
base64 DER SubjectPublicKeyInfo). Domain-certificate mode: authsign's own crypto module
(certificate chain, signature, subject name). Both packages still pass `wacz validate`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trustme
from authsign import crypto as authsign_crypto
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from archiver.evidence.keys import generate
from tests.helpers import run_archiver


def _export(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run_archiver(
        "export", "--config", str(config), "--site", "demo", "--wacz", str(out), "--sign"
    )


def _digest_and_package(wacz: Path) -> tuple[dict[str, Any], bytes]:
    with zipfile.ZipFile(wacz) as zf:
        return json.loads(zf.read("datapackage-digest.json")), zf.read("datapackage.json")


def _wacz_validate(wacz: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(wacz)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


def _anonymous_signature_holds(signed: dict[str, Any]) -> bool:
    public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    raw = base64.b64decode(signed["signature"])
    half = len(raw) // 2
    der = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    try:
        public.verify(der, signed["hash"].encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_an_anonymously_signed_wacz_verifies_and_validates(
    signed_archive: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.wacz"
    result = _export(signed_archive / "archiver.toml", out)
    assert result.returncode == 0, result.stderr
    assert "signed" in result.stdout
    digest, package = _digest_and_package(out)
    signed = digest["signedData"]
    assert digest["path"] == "datapackage.json"
    assert digest["hash"] == signed["hash"] == "sha256:" + hashlib.sha256(package).hexdigest()
    assert signed["created"] == json.loads(package)["created"]
    assert signed["software"].startswith("archiver ")
    # P-384, the curve ReplayWeb.page imports an anonymous publicKey with.
    public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp384r1"
    assert len(base64.b64decode(signed["signature"])) == 96  # r || s, 48 bytes each
    assert _anonymous_signature_holds(signed)
    forged = dict(signed, hash="sha256:" + "0" * 64)
    assert not _anonymous_signature_holds(forged)
    _wacz_validate(out)


def test_a_domain_certificate_signed_wacz_verifies_with_authsign(
    archive_copy: Callable[[], Path], tmp_path: Path
) -> None:
    config = archive_copy()
    ca = trustme.CA()
    leaf = ca.issue_cert("archive.example.org", common_name="archive.example.org")
    (config.parent / "signing.pem").write_bytes(leaf.private_key_pem.bytes())
    (config.parent / "chain.pem").write_bytes(
        b"".join(blob.bytes() for blob in leaf.cert_chain_pems) + ca.cert_pem.bytes()
    )
    config.write_text(
        config.read_text().replace(
            'key = "signing.pem"', 'key = "signing.pem"\ncertificate = "chain.pem"'
        )
    )
    out = tmp_path / "domain.wacz"
    result = _export(config, out)
    assert result.returncode == 0, result.stderr
    digest, package = _digest_and_package(out)
    signed = digest["signedData"]
    assert signed["hash"] == "sha256:" + hashlib.sha256(package).hexdigest()
    assert signed["domain"] == "archive.example.org"
    assert "publicKey" not in signed
    certs = authsign_crypto.validate_cert_chain(signed["domainCert"].encode("ascii"))
    assert certs, "authsign could not validate the certificate chain"
    assert authsign_crypto.get_fingerprint(certs[-1]) == authsign_crypto.get_fingerprint(
        authsign_crypto.load_cert(ca.cert_pem.bytes())
    )
    assert authsign_crypto.get_cert_subject_name(certs[0]) == signed["domain"]
    assert authsign_crypto.verify(signed["hash"], signed["signature"], certs[0].public_key())
    assert not authsign_crypto.verify(
        "sha256:" + "0" * 64, signed["signature"], certs[0].public_key()
    )
    _wacz_validate(out)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("ed25519", "WACZ signatures are ECDSA; this is an Ed25519 key"),
        ("nokey", "--sign needs a key: set [evidence] key"),
    ],
)
def test_signing_with_an_unusable_key_is_refused_before_writing(
    archive_copy: Callable[[], Path], tmp_path: Path, setup: str, message: str
) -> None:
    config = archive_copy()
    if setup == "ed25519":
        (config.parent / "signing.pem").unlink()
        generate(config.parent / "signing.pem", "ed25519")
    else:
        config.write_text(config.read_text().replace('key = "signing.pem"', ""))
    out = tmp_path / "refused.wacz"
    result = _export(config, out)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr + result.stdout
    assert not out.exists()
