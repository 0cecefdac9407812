"""Decode archived HTTP payloads (Content-Encoding) without letting a bomb explode.

WARC response records keep the body as the server sent it, compression
included; whoever reads it decodes through here, with a cap on the output.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import brotli

from archiver.errors import PayloadTooLarge

_CHUNK = 16 * 1024

__all__ = ["PayloadTooLarge", "decode", "header"]


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None


def _gunzip(data: bytes, limit: int, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    out = bytearray()
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        chunk = view[start : start + _CHUNK]
        out += decompressor.decompress(chunk, limit + 1 - len(out))
        while decompressor.unconsumed_tail and len(out) <= limit:
            out += decompressor.decompress(decompressor.unconsumed_tail, limit + 1 - len(out))
        if len(out) > limit:
            raise PayloadTooLarge(f"decoded body exceeds {limit} bytes")
        if decompressor.eof:
            break
    return bytes(out)


def _unbrotli(data: bytes, limit: int) -> bytes:
    decompressor = brotli.Decompressor()
    out = bytearray()
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        out += decompressor.process(bytes(view[start : start + _CHUNK]), output_buffer_limit=_CHUNK)
        while not decompressor.can_accept_more_data() and len(out) <= limit:
            out += decompressor.process(b"", output_buffer_limit=_CHUNK)
        if len(out) > limit:
            raise PayloadTooLarge(f"decoded body exceeds {limit} bytes")
        if decompressor.is_finished():
            break
    return bytes(out)


def decode(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """Undo `Content-Encoding` (gzip, deflate, br, or a chain), producing at most `limit` bytes.

    Raises PayloadTooLarge past the limit; a body that is not really encoded as
    declared is returned as it is, since servers often mislabel.
    """
    if not content_encoding:
        return body[:limit] if len(body) > limit else body
    data = body
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                data = _gunzip(data, limit, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    data = _gunzip(data, limit, zlib.MAX_WBITS)
                except zlib.error:
                    data = _gunzip(data, limit, -zlib.MAX_WBITS)
            elif coding == "br":
                data = _unbrotli(data, limit)
        except (zlib.error, brotli.error):
            return body[:limit]
    return data
