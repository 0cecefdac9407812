"""Compare two captures: a line diff of the main content and of the page-model fields."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from archiver.extract.titles import TITLE_SOURCES
from archiver.web.archive import is_html
from archiver.web.viewer import row_id, viewer_of


@dataclass(frozen=True)
class DiffLine:
    """One row of a side-by-side diff: `equal`, `delete`, `insert` or `replace`."""

    op: str
    left: str
    right: str


@dataclass(frozen=True)
class FieldChange:
    """One page-model field in both captures."""

    name: str
    left: str
    right: str

    @property
    def changed(self) -> bool:
        """Whether the field differs between the captures."""
        return self.left != self.right


def diff_lines(left: list[str], right: list[str]) -> list[DiffLine]:
    """Side-by-side rows of a line diff (unchanged runs kept, for context)."""
    rows: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = left[i1:i2], right[j1:j2]
        for k in range(max(len(a), len(b))):
            rows.append(
                DiffLine(
                    op if op != "replace" or (k < len(a) and k < len(b)) else _side(k, a),
                    a[k] if k < len(a) else "",
                    b[k] if k < len(b) else "",
                )
            )
    return rows


def _side(k: int, left: list[str]) -> str:
    return "delete" if k < len(left) else "insert"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def model_fields(model: dict[str, Any]) -> dict[str, str]:
    """The fields an auditor compares: titles, dates, age notice, image credits."""
    out: dict[str, str] = {}
    titles = model.get("titles") or {}
    for source in TITLE_SOURCES:
        entry = titles.get(source)
        if entry:
            out[f"title: {source}"] = _text(entry.get("raw"))
    dates = model.get("dates") or {}
    for key in ("published", "updated"):
        entry = dates.get(key)
        out[f"date: {key}"] = _text(entry.get("value") if entry else None)
    notice = model.get("age_notice") or {}
    out["age notice shown"] = _text(notice.get("shown"))
    out["age notice text"] = _text(notice.get("text"))
    for image in model.get("images") or []:
        if image.get("decorative"):
            continue
        out[f"credit: {image.get('src')}"] = _text(image.get("credit"))
    return out


def compare_models(left: dict[str, Any], right: dict[str, Any]) -> list[FieldChange]:
    """Every compared field of two page models, in a stable order."""
    a, b = model_fields(left), model_fields(right)
    names = list(a) + [n for n in b if n not in a]
    return [FieldChange(n, a.get(n, "—"), b.get(n, "—")) for n in names]


def compare(request: Request) -> Response:
    """`?a=<id>[&b=<id>]`: two HTML captures side by side (b: the next capture of a's URL)."""
    viewer = viewer_of(request)
    params = request.query_params
    try:
        left_id = row_id(params.get("a", ""))
    except ValueError:
        raise HTTPException(400, "compare: give ?a=<capture id>&b=<capture id>") from None
    left = viewer.capture_row(left_id)
    if params.get("b"):
        try:
            right = viewer.capture_row(row_id(params["b"]))
        except ValueError:
            raise HTTPException(400, "compare: b must be a capture id") from None
    else:
        _, after = viewer.browse.neighbours(left)
        if after is None:
            raise HTTPException(404, f"capture {left.id} has no later capture to compare")
        right = after
    if right.captured_at < left.captured_at:
        left, right = right, left
    for row in (left, right):
        if not is_html(viewer.index.payload_capture(row).content_type):
            raise HTTPException(400, f"capture {row.id} is not an HTML page")
    lines = diff_lines(viewer.archive.main_text(left), viewer.archive.main_text(right))
    fields = compare_models(viewer.archive.model(left)[0], viewer.archive.model(right)[0])
    return viewer.page(
        request,
        "compare.html",
        left=left,
        right=right,
        lines=lines,
        fields=fields,
        same=left.payload_digest == right.payload_digest,
        changes=sum(1 for line in lines if line.op != "equal"),
    )


ROUTES = [Route("/compare", compare, name="compare")]

__all__ = [
    "ROUTES",
    "DiffLine",
    "FieldChange",
    "compare_models",
    "diff_lines",
    "model_fields",
]
