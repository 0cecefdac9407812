"""Signing keys: load, make, sign and verify, with `cryptography`.

A key is a PEM private key file, unencrypted: Ed25519, or ECDSA on P-256 or
P-384 (P-384 is what ArchiveWeb.page signs WACZ files with and what
ReplayWeb.page checks anonymous WACZ signatures against). Anything else is a
`ConfigError` naming the file and what is wrong with it, so a bad
`[evidence] key` stops a command before a run starts, never after it.
A public key travels as base64 of its DER SubjectPublicKeyInfo, as the WACZ
signing recommendation's `publicKey`; its id is the SHA-256 of that DER.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from archiver.errors import ConfigError

KEY_TYPES = ("ecdsa-p384", "ecdsa-p256", "ed25519")
_CURVES: dict[str, type[ec.EllipticCurve]] = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1}
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


@dataclass(frozen=True)
class SigningKey:
    """A loaded private key and where it came from."""

    private: PrivateKey
    path: Path

    @property
    def public(self) -> PublicKey:
        """The public half."""
        return self.private.public_key()

    @property
    def algorithm(self) -> str:
        """`ed25519`, `ecdsa-p256-sha256` or `ecdsa-p384-sha256`."""
        return algorithm_of(self.public)

    def sign(self, data: bytes) -> bytes:
        """Sign `data`: Ed25519, or ECDSA with SHA-256 as a DER signature."""
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(data)
        return self.private.sign(data, ec.ECDSA(hashes.SHA256()))


def algorithm_of(public: PublicKey) -> str:
    """The name a manifest gives a key's signature algorithm."""
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "ed25519"
    return f"ecdsa-p{public.curve.key_size}-sha256"


def public_der(public: PublicKey) -> bytes:
    """A public key as DER SubjectPublicKeyInfo."""
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_b64(public: PublicKey) -> str:
    """A public key as base64 of its DER SubjectPublicKeyInfo (the WACZ `publicKey`)."""
    return base64.b64encode(public_der(public)).decode("ascii")


def key_id(public: PublicKey) -> str:
    """A public key's id: the SHA-256 of its DER SubjectPublicKeyInfo, in hex."""
    return hashlib.sha256(public_der(public)).hexdigest()


def public_pem(public: PublicKey) -> str:
    """A public key in PEM, for handing to whoever verifies."""
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _supported(key: object, path: Path, what: str) -> None:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.name in _CURVES:
            return
        raise ConfigError(
            f"{path}: an ECDSA {what} on curve {key.curve.name}; use P-256 or P-384 "
            "(or Ed25519), e.g. from `archiver keygen`"
        )
    kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
    raise ConfigError(
        f"{path}: {kind} {what}s are not supported; archiver signs with "
        "Ed25519 or ECDSA P-256/P-384 keys (`archiver keygen` makes one)"
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such key file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read key file: {exc.strerror or exc}") from exc


def load_key(path: Path) -> SigningKey:
    """Load an unencrypted PEM private key; ConfigError naming the file and the problem."""
    data = _read(path)
    if b"-----BEGIN" not in data:
        raise ConfigError(f"{path}: not a PEM file (no -----BEGIN line)")
    if b"PUBLIC KEY-----" in data and b"PRIVATE KEY-----" not in data:
        raise ConfigError(f"{path}: a public key; [evidence] key needs the private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise ConfigError(
            f"{path}: the private key is encrypted; archiver needs it unencrypted "
            "(protect it with file permissions, 0600)"
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"{path}: not a readable PEM private key ({exc})") from exc
    _supported(key, path, "private key")
    assert isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey)
    return SigningKey(key, path)


def load_public_key(path: Path) -> PublicKey:
    """Load a PEM public key (or the public half of a private key file)."""
    data = _read(path)
    if b"PRIVATE KEY-----" in data:
        return load_key(path).public
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"{path}: not a readable PEM public key ({exc})") from exc
    _supported(key, path, "public key")
    assert isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey)
    return key


def public_from_b64(text: str) -> PublicKey:
    """A public key from base64 DER SubjectPublicKeyInfo; ValueError when it is not one."""
    key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    if not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise ValueError(f"unsupported key type {type(key).__name__}")
    return key


def verify(public: PublicKey, signature: bytes, data: bytes) -> bool:
    """Whether `signature` (Ed25519, or ECDSA SHA-256 in DER) signs `data`."""
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, data)
        else:
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def der_to_raw(signature: bytes, public: ec.EllipticCurvePublicKey) -> bytes:
    """An ECDSA DER signature as r || s (IEEE P1363), the form WebCrypto signs and checks."""
    r, s = decode_dss_signature(signature)
    size = (public.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def raw_to_der(signature: bytes) -> bytes:
    """An r || s ECDSA signature back to DER."""
    half = len(signature) // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )


def generate(output: Path, kind: str = KEY_TYPES[0]) -> SigningKey:
    """Write a new private key to `output` (mode 0600); refuses to replace any file."""
    private: PrivateKey
    if kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    elif kind in ("ecdsa-p256", "ecdsa-p384"):
        curve = ec.SECP256R1() if kind == "ecdsa-p256" else ec.SECP384R1()
        private = ec.generate_private_key(curve)
    else:
        raise ConfigError(f"unknown key type {kind!r} (types: {', '.join(KEY_TYPES)})")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: never over an existing file, not even one that appears meanwhile.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigError(f"{output}: already exists; a key is never overwritten") from exc
    except OSError as exc:
        raise ConfigError(f"{output}: cannot create key file: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(output, 0o600)  # the umask cannot widen it, but an ACL default might
    return SigningKey(private, output)
