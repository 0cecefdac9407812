"""Evidence crops: the part of a page's screenshot a finding is about, outlined.

For a finding with a located element (an image without a credit, by its
`location` path or `src`; a title that differs, at the `<h1>`; an age notice
that is missing, at the place under the `<h1>` where it belongs) the crop is
the element's box from the layout map plus a margin of context, cut from the
full-page screenshot of the same capture, with the element outlined in red
(the missing notice's place in a dashed red box). It is the picture an auditor
pastes into a letter; `Cropper` makes them for the report and the viewer.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archiver.browser.layout import Box, heading, locate
from archiver.browser.records import LAYOUT, SCREENSHOT, has_rendered, rendered
from archiver.config import StorageSettings
from archiver.errors import ArchiveError
from archiver.store import blobs
from archiver.store.index import Index

MARGIN = 48  # context around the element, screenshot pixels
MAX_SIDE = 1400  # a crop never shows more of the page than this
WIDTH = 720  # crops wider than this are scaled down (a report, a letter)
RED = (213, 0, 0)
# Screenshots are decoded one at a time; a full-page PNG is at most 1280 x 16,000.
_MAX_PIXELS = 1280 * 16_000 + 1


@dataclass(frozen=True)
class Target:
    """Where a finding points on the screenshot: the element, or the place below it."""

    box: Box
    missing: bool = False  # draw the place where something should be (dashed)
    label: str = ""


def target(rule: str, evidence: dict[str, Any], layout: dict[str, Any]) -> Target | None:
    """The box a finding is about, from its rule and evidence; None when not located."""
    location = evidence.get("location")
    src = evidence.get("src")
    if isinstance(location, str) or isinstance(src, str):
        box = locate(
            layout,
            location=location if isinstance(location, str) else None,
            src=src if isinstance(src, str) else None,
        )
        if box is not None:
            return Target(box)
    if rule == "consistent-titles" and "h1" in (evidence.get("source"), evidence.get("reference")):
        box = heading(layout)
        return Target(box) if box is not None else None
    if rule == "age-notice":
        h1 = heading(layout)
        if h1 is None:
            return None
        place = Box(h1.x, h1.y + h1.height + 8, max(h1.width, 360), max(36, h1.height))
        return Target(place, missing=True, label="age notice expected here")
    return None


def _dashed(draw: Any, box: tuple[int, int, int, int], width: int = 3, dash: int = 10) -> None:
    x0, y0, x1, y1 = box
    for x in range(x0, x1, dash * 2):
        draw.line([(x, y0), (min(x + dash, x1), y0)], fill=RED, width=width)
        draw.line([(x, y1), (min(x + dash, x1), y1)], fill=RED, width=width)
    for y in range(y0, y1, dash * 2):
        draw.line([(x0, y), (x0, min(y + dash, y1))], fill=RED, width=width)
        draw.line([(x1, y), (x1, min(y + dash, y1))], fill=RED, width=width)


def crop(screenshot: bytes, where: Target) -> bytes:
    """The crop of a screenshot around `where`, outlined, as PNG bytes."""
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(screenshot)) as opened:
        if opened.width * opened.height > _MAX_PIXELS:  # not one of ours: refuse to decode
            raise ArchiveError(f"screenshot of {opened.width} x {opened.height} pixels")
        image = opened.convert("RGB")
    box = where.box
    left = max(0, box.x - MARGIN)
    top = max(0, box.y - MARGIN)
    right = min(image.width, box.x + box.width + MARGIN, left + MAX_SIDE)
    bottom = min(image.height, box.y + box.height + MARGIN, top + MAX_SIDE)
    if right <= left or bottom <= top:
        raise ArchiveError("the element lies outside the screenshot")
    piece = image.crop((left, top, right, bottom))
    draw = ImageDraw.Draw(piece)
    outline = (
        box.x - left - 3,
        box.y - top - 3,
        min(box.x + box.width - left + 3, piece.width - 2),
        min(box.y + box.height - top + 3, piece.height - 2),
    )
    if where.missing:
        _dashed(draw, outline)
        if where.label:
            draw.text((outline[0] + 8, outline[1] + 8), where.label, fill=RED)
    else:
        draw.rectangle(outline, outline=RED, width=4)
    if piece.width > WIDTH:
        piece = piece.resize((WIDTH, max(1, piece.height * WIDTH // piece.width)))
    out = io.BytesIO()
    piece.save(out, "PNG", optimize=True)
    return out.getvalue()


class Cropper:
    """Crops for findings of one archive, reading each capture's screenshot and layout once."""

    def __init__(self, index: Index, storage: StorageSettings) -> None:
        self.index, self.storage = index, storage
        self._pages: dict[int, tuple[bytes, dict[str, Any]] | None] = {}

    def _page(self, capture_id: int) -> tuple[bytes, dict[str, Any]] | None:
        if capture_id not in self._pages:
            self._pages.clear()  # one screenshot in memory at a time
            self._pages[capture_id] = self._load(capture_id)
        return self._pages[capture_id]

    def _load(self, capture_id: int) -> tuple[bytes, dict[str, Any]] | None:
        capture = self.index.capture(capture_id)
        if capture is None:
            return None
        shot = rendered(self.index, capture, SCREENSHOT)
        boxes = rendered(self.index, capture, LAYOUT)
        if shot is None or boxes is None:
            return None
        try:
            png = blobs.read_record(self.storage, shot.warc_file, shot.offset).payload
            boxes_record = blobs.read_record(self.storage, boxes.warc_file, boxes.offset)
            layout = json.loads(boxes_record.payload)
        except (ArchiveError, OSError, ValueError):
            return None
        return (png, layout) if isinstance(layout, dict) else None

    def crop(self, capture_id: int | None, rule: str, evidence: Any) -> bytes | None:
        """The outlined crop for a finding seen in a capture, None when it has none."""
        if capture_id is None or not isinstance(evidence, dict):
            return None
        page = self._page(int(capture_id))
        if page is None:
            return None
        png, layout = page
        where = target(rule, evidence, layout)
        if where is None:
            return None
        try:
            return crop(png, where)
        except ImportError:  # Pillow comes with the [browser] extra
            return None
        except (ArchiveError, OSError, ValueError):
            return None


# Crops of one report section in all (data: URI characters), beside its archived images.
CROP_BUDGET = 1_500_000


def crop_key(fingerprint: str) -> str:
    """The key of a finding's crop among a report's inline images."""
    return f"crop {fingerprint}"


def crop_uris(index: Index, storage: StorageSettings, findings: Sequence[Any]) -> dict[str, str]:
    """Crops of findings as data: URIs by `crop_key`, new findings first, within CROP_BUDGET."""
    out: dict[str, str] = {}
    sites = {f.site for f in findings}
    if not any(has_rendered(index, site) for site in sites):
        return out  # a site crawled over HTTP only: no query per finding
    cropper = Cropper(index, storage)
    budget = CROP_BUDGET
    ordered = sorted(findings, key=lambda f: (f.status != "new", not f.is_open, f.url))
    for f in ordered:
        capture = f.violation.get("capture") or {}
        png = cropper.crop(capture.get("capture_id"), f.rule, f.violation.get("evidence"))
        if png is None:
            continue
        uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        if len(uri) > budget:
            break
        out[crop_key(f.fingerprint)] = uri
        budget -= len(uri)
    return out


__all__ = ["CROP_BUDGET", "Cropper", "Target", "crop", "crop_key", "crop_uris", "target"]
