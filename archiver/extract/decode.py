"""Turn payload bytes into text: BOM, then HTTP header, then <meta>, then UTF-8, then cp1252."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# The HTML standard looks for the <meta> charset in the first 1024 bytes;
# real pages put a lot of junk first, so look a little further.
_PRESCAN_BYTES = 4096


def _known(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # HTML treats these labels as windows-1252 and UTF-16 <meta> as UTF-8.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    if name.startswith("utf-16"):
        return "utf-8"
    return name


def decode_payload(payload: bytes, content_type: str | None) -> tuple[str, str, str]:
    """Return ``(text, charset, how)``; undecodable bytes become U+FFFD, never an error."""
    for bom, name in _BOMS:
        if payload.startswith(bom):
            return payload[len(bom) :].decode(name, errors="replace"), name, "bom"
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        header_name = _known(match.group(1)) if match else None
        if header_name:
            return payload.decode(header_name, errors="replace"), header_name, "header"
    match_meta = _META_CHARSET.search(payload[:_PRESCAN_BYTES])
    meta_name = _known(match_meta.group(1).decode("ascii", "replace")) if match_meta else None
    if meta_name:
        return payload.decode(meta_name, errors="replace"), meta_name, "meta"
    try:
        return payload.decode("utf-8"), "utf-8", "sniffed"
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace"), "cp1252", "fallback"
