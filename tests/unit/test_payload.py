"""Compressed bodies decode with a cap, so a bomb cannot exhaust memory."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from archiver.store.payload import PayloadTooLarge, decode


def test_decodes_gzip_deflate_and_brotli() -> None:
    text = b"<html>Regjeringen</html>" * 100
    assert decode(gzip.compress(text), "gzip", 10_000) == text
    assert decode(zlib.compress(text), "deflate", 10_000) == text
    assert decode(brotli.compress(text), "br", 10_000) == text
    assert decode(gzip.compress(brotli.compress(text)), "br, gzip", 10_000) == text


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("br", lambda b: brotli.compress(b, quality=4))],
)
def test_bombs_stop_at_the_cap(encoding: str, compress: object) -> None:
    bomb = compress(b"\0" * 100_000_000)  # type: ignore[operator]
    assert len(bomb) < 200_000
    with pytest.raises(PayloadTooLarge):
        decode(bomb, encoding, 1_000_000)


def test_mislabelled_body_is_returned_as_is() -> None:
    assert decode(b"<html>plain</html>", "gzip", 1000) == b"<html>plain</html>"
