"""The layout map: where a rendered page drew the elements findings point at.

A JSON document stored beside each screenshot (`urn:layout:<url>`): the page's
size and, for every `img`, `h1`, `h2`, `figure` and `figcaption`, its box in
screenshot pixels (document coordinates, CSS pixels at scale 1), whether it was
visible, its `src` as written, and its CSS path computed exactly as the
extractor's `css_path` computes it (`archiver/extract/text.py`), so the
`location` a finding carries finds its box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERSION = 1

# Runs in the page. The path rules mirror extract.text.css_path: stop at an id, at most
# two classes, :nth-of-type only among same-name siblings when there are several.
SCRIPT = """
() => {
  function path(node) {
    const parts = [];
    while (node && node.nodeType === 1 && node.localName !== "html") {
      const name = node.localName;
      if (node.id) { parts.push(name + "#" + node.id); break; }
      let part = name;
      const classes = (node.getAttribute("class") || "").split(/[ \\t\\n\\r\\f]+/).filter(Boolean);
      if (classes.length) part += "." + classes.slice(0, 2).join(".");
      const parent = node.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.localName === name);
        if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(node) + 1) + ")";
      }
      parts.push(part);
      node = parent;
    }
    return parts.reverse().join(" > ");
  }
  const doc = document.documentElement;
  const out = [];
  for (const el of document.querySelectorAll("img, h1, h2, figure, figcaption")) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const item = {
      tag: el.localName,
      path: path(el),
      box: [r.left + scrollX, r.top + scrollY, r.width, r.height].map((v) => Math.round(v)),
      visible: r.width > 0 && r.height > 0 && style.visibility !== "hidden"
        && style.display !== "none",
    };
    if (el.localName === "img") {
      item.src = el.getAttribute("src");
      item.current_src = el.currentSrc || null;
    } else {
      item.text = (el.innerText || "").trim().slice(0, 200);
      // A heading's box spans the column; its text is what a reader sees.
      const range = document.createRange();
      range.selectNodeContents(el);
      const t = range.getBoundingClientRect();
      if (t.width > 0 && t.height > 0) {
        item.text_box = [t.left + scrollX, t.top + scrollY, t.width, t.height]
          .map((v) => Math.round(v));
      }
    }
    out.push(item);
    if (out.length >= 2000) break;
  }
  return {
    version: 1,
    title: document.title,
    viewport: [innerWidth, innerHeight],
    page: [Math.max(doc.scrollWidth, document.body ? document.body.scrollWidth : 0),
           Math.max(doc.scrollHeight, document.body ? document.body.scrollHeight : 0)],
    elements: out,
  };
}
"""


@dataclass(frozen=True)
class Box:
    """A rectangle in screenshot pixels."""

    x: int
    y: int
    width: int
    height: int

    @classmethod
    def of(cls, values: Any) -> Box | None:
        """A box from a layout entry's `[x, y, width, height]`, None when not one."""
        if not isinstance(values, list) or len(values) != 4:
            return None
        if not all(isinstance(v, int | float) for v in values):
            return None
        x, y, w, h = (int(v) for v in values)
        return cls(x, y, w, h) if w > 0 and h > 0 else None


def _elements(layout: dict[str, Any], tag: str | None = None) -> list[dict[str, Any]]:
    items = layout.get("elements")
    if not isinstance(items, list):
        return []
    return [e for e in items if isinstance(e, dict) and (tag is None or e.get("tag") == tag)]


def _first_visible(items: list[dict[str, Any]], key: str = "box") -> Box | None:
    for item in items:
        box = Box.of(item.get(key)) or Box.of(item.get("box"))
        if box is not None and item.get("visible", True):
            return box
    return None


def locate(
    layout: dict[str, Any], *, location: str | None = None, src: str | None = None
) -> Box | None:
    """The box of the element a finding names: by its CSS path, else by an image's `src`."""
    if location:
        box = _first_visible([e for e in _elements(layout) if e.get("path") == location])
        if box is not None:
            return box
    if src:
        return _first_visible(
            [
                e
                for e in _elements(layout, "img")
                if e.get("src") == src or (e.get("current_src") or "").endswith(src)
            ]
        )
    return None


def heading(layout: dict[str, Any]) -> Box | None:
    """The box of the text of the page's first visible `<h1>` (else of the element)."""
    return _first_visible(_elements(layout, "h1"), "text_box")


__all__ = ["SCRIPT", "VERSION", "Box", "heading", "locate"]
