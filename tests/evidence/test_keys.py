"""`archiver keygen` and `[evidence] key` validation: a bad key stops a command with exit 2
naming the setting, the file and what is wrong with it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.helpers import run_archiver


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("ecdsa-p384", "secp384r1"), ("ecdsa-p256", "secp256r1"), ("ed25519", "ed25519")],
)
def test_keygen_writes_a_private_key_readable_by_its_owner_only(
    tmp_path: Path, kind: str, expected: str
) -> None:
    out = tmp_path / "signing.pem"
    result = run_archiver("keygen", "--output", str(out), "--type", kind)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(out.read_bytes(), password=None)
    name = key.curve.name if isinstance(key, ec.EllipticCurvePrivateKey) else "ed25519"
    assert name == expected
    assert isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey)
    # The public key printed is this key's.
    printed = result.stdout[result.stdout.index("-----BEGIN PUBLIC KEY-----") :]
    public = serialization.load_pem_public_key(printed.encode())
    assert public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_keygen_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "signing.pem"
    out.write_text("precious")
    result = run_archiver("keygen", "--output", str(out))
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert out.read_text() == "precious"


def _rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _encrypted_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )


def _public_pem() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such key file"),
        (b"not a key\n", "not a PEM file"),
        (_rsa_pem(), "RSA private keys are not supported; archiver signs with Ed25519"),
        (_encrypted_pem(), "the private key is encrypted"),
        (_public_pem(), "a public key; [evidence] key needs the private key"),
    ],
    ids=["missing", "not-pem", "rsa", "encrypted", "public"],
)
def test_a_bad_key_file_is_a_configuration_error_naming_it(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    key = tmp_path / "signing.pem"
    if content is not None:
        key.write_bytes(content)
    config = tmp_path / "archiver.toml"
    config.write_text('[evidence]\nkey = "signing.pem"\n')
    result = run_archiver("verify", "--config", str(config))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"evidence.key: {key}: {message}" in result.stderr
