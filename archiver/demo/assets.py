"""Small but valid binary assets for the demo site, generated with the stdlib.

Images are made from their path so each one has its own bytes (and digest):
a PNG through zlib, a baseline JPEG through a tiny DC-only encoder, and a
one-page PDF with a correct cross-reference table.
"""

from __future__ import annotations

import hashlib
import struct
import zlib


def _shade(name: str, salt: str) -> int:
    return hashlib.sha256(f"{salt}:{name}".encode()).digest()[0]


def png(name: str, width: int = 64, height: int = 40) -> bytes:
    """An RGB PNG with a diagonal gradient whose colours depend on ``name``."""
    r0, g0, b0 = _shade(name, "r"), _shade(name, "g"), _shade(name, "b")
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            t = (x + y) * 255 // (width + height)
            rows += bytes(((r0 + t) % 256, (g0 + t // 2) % 256, (b0 + 255 - t) % 256))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


class _Bits:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)  # byte stuffing
                self.acc = self.n = 0

    def flush(self) -> bytes:
        while self.n:
            self.put(1, 1)
        return bytes(self.out)


def jpeg(name: str, width: int = 64, height: int = 48) -> bytes:
    """A greyscale baseline JPEG of flat 8×8 blocks (DC coefficients only).

    The Huffman tables are minimal: DC categories 0–11 all get 4-bit codes and
    the AC table holds only end-of-block, which is all a flat block needs.
    """
    assert width % 8 == 0 and height % 8 == 0
    seed = _shade(name, "jpeg")

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    dqt = segment(0xDB, b"\x00" + bytes([8] * 64))
    sof = segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    dc_table = b"\x00" + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    ac_table = b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    dht = segment(0xC4, dc_table + ac_table)
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    comment = segment(0xFE, f"archiver demo image: {name}".encode())

    bits = _Bits()
    previous = 0
    for by in range(height // 8):
        for bx in range(width // 8):
            level = (seed + bx * 24 + by * 16) % 256 - 128
            dc = level  # DC of a flat block is 8 × level, quantised by 8
            diff = dc - previous
            previous = dc
            category = abs(diff).bit_length()
            bits.put(category, 4)
            if category:
                bits.put(diff if diff > 0 else diff + (1 << category) - 1, category)
            bits.put(0, 1)  # end of block
    return b"\xff\xd8" + comment + dqt + sof + dht + sos + bits.flush() + b"\xff\xd9"


def pdf(title: str) -> bytes:
    """A one-page PDF 1.4 document that shows ``title`` (ASCII only)."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def logo_svg(label: str) -> bytes:
    """The site logo: a coat-of-arms shield and the site name."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="220" height="48" viewBox="0 0 220 48">'
        '<path d="M4 4h32v22c0 10-8 16-16 20C12 42 4 36 4 26z" fill="#b00"/>'
        '<path d="M12 14l8-6 8 6v12H12z" fill="#fc0"/>'
        f'<text x="44" y="31" font-family="Arial" font-size="18" fill="#222">{label}</text>'
        "</svg>\n"
    ).encode()


CSS = b"""/* archiver demo site: a plain imitation of regjeringen.no */
body { font-family: Arial, Helvetica, sans-serif; margin: 0; color: #222; line-height: 1.5; }
a { color: #0b3f6b; }
.site-header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 2rem;
  padding: 1rem 2rem; background: #fff; border-bottom: 4px solid #0b3f6b; }
.site-header img { height: 2.5rem; }
.main-nav { flex: 1; }
.main-nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: .25rem 1.25rem; }
.main-nav a { text-decoration: none; font-weight: bold; }
.main-nav .mega-menu, .main-nav .ministries { display: none; }
.main-nav .shortcuts { margin-top: .25rem; font-size: .875rem; }
.breadcrumbs { font-size: .875rem; padding: .5rem 2rem; }
.breadcrumbs ol { list-style: none; display: flex; gap: .5rem; margin: 0; padding: 0; }
.breadcrumbs li + li::before { content: "\\203A"; margin-right: .5rem; color: #777; }
#mainContent { max-width: 60rem; margin: 0 auto; padding: 1rem 2rem; }
.article-header h1 { font-size: 2.25rem; margin: .5rem 0; }
.article-info { color: #555; margin-bottom: 1rem; }
.outdated-content-notice { background: #fff3cd; border-left: 4px solid #b58105;
  padding: .5rem 1rem; }
figure.image { margin: 1.5rem 0; }
figure.image img { max-width: 100%; min-width: 16rem; }
figcaption, .credit { font-size: .875rem; color: #555; }
.related-links { border-top: 1px solid #ddd; margin-top: 2rem; }
.site-footer { background: #1a1a1a; color: #eee; padding: 2rem; }
.site-footer a { color: #eee; }
.site-footer ul { list-style: none; padding: 0; }
"""
