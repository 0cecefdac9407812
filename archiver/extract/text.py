"""Text normalisation and visibility, shared by titles, notices and credits."""

from __future__ import annotations

import html
import re
import unicodedata

from bs4 import Tag
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    PageElement,
    ProcessingInstruction,
)

# \s covers NBSP, thin and other Unicode spaces. Soft hyphens and zero-width
# characters are not spaces but invisible hints inside words ("Er\u00adin\u00adne\u00adrung"):
# they are removed, so the word reads as a reader sees it.
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# Every run of spaces becomes one " ": a run that already is one " " is not
# matched at all, which spares a replacement per word on ordinary text.
_SPACE_RUN = re.compile(r"\s{2,}|[^\S ]")
_HIDDEN_STYLE = re.compile(r"(display\s*:\s*none|visibility\s*:\s*hidden)", re.IGNORECASE)
NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_INVISIBLE_ELEMENTS = frozenset({"script", "template", "style", "noscript", "head", "title"})


def collapse(text: str) -> str:
    """NFC-normalise, collapse all whitespace (non-breaking too) and strip."""
    return _SPACE_RUN.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", text))).strip()


def normalise_title(text: str) -> str:
    """Decode leftover HTML entities, then :func:`collapse`."""
    return collapse(html.unescape(text))


def hidden_reason(tag: Tag | None) -> str | None:
    """Why ``tag``'s text is not shown to a reader, or ``None`` if it is shown.

    Only what the markup itself says counts: an enclosing ``<script>``,
    ``<template>``, ``<style>``, ``<noscript>`` or ``<head>``, a ``hidden``
    attribute, or an inline ``display:none`` / ``visibility:hidden``. Stylesheets
    are not evaluated.
    """
    node = tag
    while node is not None and node.name != "[document]":
        if node.name in _INVISIBLE_ELEMENTS:
            return f"inside <{node.name}>"
        if node.has_attr("hidden"):
            return "hidden attribute"
        style = node.get("style")
        if isinstance(style, str) and (match := _HIDDEN_STYLE.search(style)):
            return re.sub(r"\s", "", match.group(1).lower())
        node = node.parent
    return None


def css_path(tag: Tag) -> str:
    """A CSS selector path that locates ``tag`` in the page, for evidence."""
    parts: list[str] = []
    node: Tag | None = tag
    while node is not None and node.name not in ("[document]", "html"):
        ident = node.get("id")
        if isinstance(ident, str) and ident:
            parts.append(f"{node.name}#{ident}")
            break
        part = node.name
        classes = node.get("class")
        if isinstance(classes, list) and classes:
            part += "." + ".".join(classes[:2])
        parent = node.parent
        if parent is not None:
            same = parent.find_all(node.name, recursive=False)
            if len(same) > 1:
                index = next(i for i, sibling in enumerate(same) if sibling is node)
                part += f":nth-of-type({index + 1})"
        parts.append(part)
        node = parent
    return " > ".join(reversed(parts))


def hides_itself(tag: Tag) -> bool:
    """Whether ``tag`` itself hides its content from a reader (the element, not an ancestor)."""
    if tag.name in _INVISIBLE_ELEMENTS or tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and _HIDDEN_STYLE.search(style) is not None


def visible_text(tag: Tag) -> str:
    """The collapsed text of ``tag`` without descendants that hide themselves."""
    parts: list[str] = []
    stack: list[PageElement] = list(reversed(tag.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if not hides_itself(node):
                stack.extend(reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT):
            parts.append(str(node))
    return collapse(" ".join(parts))


def shows_nothing(tag: Tag) -> bool:
    """Whether ``tag`` shows nothing: no text and no image (an empty overlay link)."""
    if tag.name == "img" or tag.find("img") is not None:
        return False
    return not tag.get_text(strip=True)
