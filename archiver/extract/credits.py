"""Who an image's credit names: read from its caption, a copyright element, the line after
a lone picture's wrappers, or a gallery's collective line (see ``images.extract_images``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import soupsieve
from bs4 import Tag
from bs4.element import NavigableString, PageElement

from archiver.extract.text import NOT_TEXT, collapse, hidden_reason, hides_itself, shows_nothing
from archiver.markup import BLOCK_ELEMENTS
from archiver.patterns import search

# Elements that start a new line of text: a credit read from a caption ends at the end of
# its line, so "Photo: A. Person" in its own <div> does not swallow the caption after it.
_BLOCKS = BLOCK_ELEMENTS


def _after_icon(tag: Tag) -> str:
    """The text after ``tag`` in its parent's line when ``tag`` is an icon (an empty element:
    an icon font's glyph such as ``<i class="fa fa-copyright"></i>``, drawn by CSS) —
    "© Jelko Djuren" shown as ``<span><i class="fal fa-copyright"></i>Jelko Djuren</span>``."""
    if tag.contents or tag.name in ("img", "svg", "picture"):
        return ""
    parts: list[str] = []
    for sibling in tag.next_siblings:
        if isinstance(sibling, Tag):
            if sibling.name in _BLOCKS or sibling.find("img") is not None:
                break
            if hides_itself(sibling):
                continue
            parts.append(lines(sibling))
        elif isinstance(sibling, NavigableString) and not isinstance(sibling, NOT_TEXT):
            parts.append(str(sibling))
    return collapse(" ".join(parts))


def lines(tag: Tag) -> str:
    """Visible text of ``tag``, one line per block element (spaces collapsed within lines)."""
    parts: list[str] = []
    stack: list[PageElement | str] = list(reversed(tag.contents))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if hides_itself(node):
                continue
            if node.name in _BLOCKS:
                parts.append("\n")
                stack.append("\n")
            stack.extend(reversed(node.contents))
        elif isinstance(node, NavigableString):
            if not isinstance(node, NOT_TEXT):
                parts.append(str(node))
        elif isinstance(node, str):
            parts.append(node)
    lines = (collapse(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_WRAPPERS = 4  # inline wrappers around an image searched before its container


def match_credit(text: str, patterns: tuple[str, ...]) -> str | None:
    """The credited party if ``text`` carries a credit in one of ``patterns``."""
    for pattern in patterns:
        match = search(pattern, text)
        if match is None:
            continue
        groups = match.groupdict()
        credit = collapse(groups["credit"] if groups.get("credit") else match.group(0))
        # "(Foto: A. Person)": the caption's closing parenthesis is not the credit's.
        while credit.endswith(")") and credit.count(")") > credit.count("("):
            credit = credit[:-1].rstrip()
        if credit:
            return credit
    return None


def _own(element: Tag, container: Tag) -> bool:
    """Whether ``element`` belongs to the container's image, not to a figure of another."""
    if container.name == "figure":
        return True
    node = element.parent
    while node is not None and node is not container:
        if node.name == "figure":
            return False
        node = node.parent
    return True


_NEIGHBOURS = 2  # sibling elements after (and one before) an image read for its credit


_SMALL_CONTAINER = 12  # children: a bigger container is a text body, not the image's box


def _scopes(img: Tag, container: Tag) -> list[Tag]:
    """Where an image's credit may be: its figure or small box, else (an image loose in a
    long text body) the elements right beside it, so a long body is not searched per image."""
    if container.name == "figure" or len(container.contents) <= _SMALL_CONTAINER:
        return [container]
    node: Tag = img
    while node.parent is not None and node.parent is not container:
        node = node.parent
    after = node.find_next_siblings(limit=_NEIGHBOURS)
    before = node.find_previous_siblings(limit=1)
    return [node, *after, *before]


def _selected(scopes: list[Tag], selectors: Sequence[str]) -> Iterator[tuple[Tag, str]]:
    """Elements in ``scopes`` (themselves included) matching any of ``selectors``, each with
    the first selector it matches: one walk of each scope for all of them."""
    if not selectors:
        return
    combined = soupsieve.compile(", ".join(selectors))
    for scope in scopes:
        found = combined.select(scope)
        if len(scopes) > 1 and combined.match(scope):
            found.insert(0, scope)
        for element in found:
            yield element, next((s for s in selectors if soupsieve.match(s, element)), selectors[0])


def credit_of(
    img: Tag,
    container: Tag,
    selectors: Sequence[str],
    patterns: tuple[str, ...],
    elements: Sequence[str],
    root: Tag,
) -> tuple[str | None, str | None]:
    # Inline wrappers (a link, a <picture>, a <span> box) are searched from the innermost
    # out, so an image's own box is read before a paragraph holding several such boxes.
    levels: list[Tag] = []
    node = img.parent
    while node is not None and node is not container and len(levels) < _WRAPPERS:
        levels.append(node)
        node = node.parent
    for level in (*levels, container):
        scopes = _scopes(img, level)
        for element, selector in _selected(scopes, elements):
            if not _own(element, level) or hidden_reason(element) is not None:
                continue
            if text := lines(element) or _after_icon(element):
                return match_credit(text, patterns) or collapse(text), selector
        for element, selector in _selected(scopes, selectors):
            if not _own(element, level) or hidden_reason(element) is not None:
                continue
            credit = match_credit(lines(element), patterns)
            if credit:
                return credit, selector
    if container.name == "figure":
        credit = match_credit(lines(container), patterns)
        if credit:
            return credit, "figure"
    elif (box := _box(container)) is not None:
        credit = match_credit(box, patterns)
        if credit:
            return credit, "picture box"
    if (term := description(container)) is not None:
        credit = match_credit(lines(term), patterns)
        if credit:
            return credit, "dd"
    if container.name != "figure" and not container.get_text(strip=True):
        # A picture alone in its paragraph is captioned by the paragraph after it; one
        # in a stack of wrappers ("div.media > div > picture") by the element after the
        # outermost wrapper holding nothing else.
        following = _after_wrappers(container, root)
        if following is not None and hidden_reason(following) is None and not following.find("img"):
            credit = match_credit(lines(following), patterns)
            if credit:
                return credit, "next paragraph"
    return None, None


_BOX_TEXT = 200  # characters: a caption's worth of text beside a picture in its own box


def _box(container: Tag) -> str | None:
    """The text of ``container`` if it is a picture's own box used as a figure: a small
    element holding one image and no more text than a caption ("div.wysiwyg-asset > a >
    picture" and "div.img-metadata" beside the link; a header's photo, its title and
    its "© …" line)."""
    if len(container.contents) > _SMALL_CONTAINER:
        return None
    # One bounded walk: a long text body or a second image ends it early.
    images = shown = 0
    for node in container.descendants:
        if isinstance(node, Tag):
            images += node.name == "img"
        elif isinstance(node, NavigableString) and not isinstance(node, NOT_TEXT):
            shown += len(node.strip())
        if images > 1 or shown > 2 * _BOX_TEXT:
            return None
    text = lines(container)
    return text if text and len(text) <= _BOX_TEXT else None


_WRAPPER_LEVELS = 6  # text-less wrappers climbed from a lone picture to the element after them


def _after_wrappers(container: Tag, root: Tag) -> Tag | None:
    """The element after ``container``; if it has none, the element after the outermost
    of the wrappers around it that hold no text and no other image."""
    node = container
    for _ in range(_WRAPPER_LEVELS):
        following = node.find_next_sibling()
        # An empty overlay beside the picture (<a class=media-block__link>) is a wrapper.
        while following is not None and shows_nothing(following):
            following = following.find_next_sibling()
        parent = node.parent
        if following is not None or parent is None or node is root or parent is root:
            return following
        if parent.get_text(strip=True) or len(parent.find_all("img", limit=2)) > 1:
            return None
        node = parent
    return None


def description(container: Tag) -> Tag | None:
    """The ``<dd>`` that describes a picture standing in a ``<dt>``: a definition list used as
    a figure, the caption in the description."""
    if container.name != "dt":
        return None
    following = container.find_next_sibling()
    return following if following is not None and following.name == "dd" else None


_GALLERY_LEVELS = 3  # how far above an image's own container a gallery's credit line may sit


_GALLERY_LINE = 200  # characters: a longer child is body text, not a collective credit


def gallery_credit(
    container: Tag,
    root: Tag,
    pictured: set[int],
    selectors: Sequence[str],
    patterns: tuple[str, ...],
    elements: Sequence[str],
) -> tuple[str | None, str | None]:
    """A collective credit ("Fotos: …") of the gallery around ``container``: a line among
    the children of an ancestor holding several images, itself holding no image.

    Only children are read (not the whole ancestor), so climbing to an article body
    costs the body's child count, not its size.
    """
    node = container.parent
    compiled = [soupsieve.compile(s) for s in (*elements, *selectors)]
    for _ in range(_GALLERY_LEVELS):
        if node is None or node is root.parent:
            break
        children = node.find_all(True, recursive=False)
        pictures = [id(c) in pictured for c in children]
        # A gallery is mostly pictures: an article body with two figures among its
        # paragraphs is not one, and its paragraphs are no collective credit.
        if sum(pictures) > 1 and 2 * sum(pictures) >= len(children):
            for child, picture in zip(children, pictures, strict=True):
                if picture:
                    continue
                if hidden_reason(child) is not None:
                    continue
                text = lines(child)
                if len(text) > _GALLERY_LINE:
                    continue  # body text, not a credit line
                matched = next((c for c in compiled if c.match(child)), None)
                credit = match_credit(text, patterns)
                if matched is not None and credit is None and matched.pattern in elements:
                    credit = collapse(text) or None
                if credit:
                    return credit, "gallery"
            # Or the line just before or after the gallery ("Fotos: …" ending the text).
            for sibling, line in (
                (node.find_previous_sibling(), -1),
                (node.find_next_sibling(), 0),
            ):
                if sibling is None or id(sibling) in pictured or hidden_reason(sibling):
                    continue
                sibling_lines = lines(sibling).split("\n")
                if len(sibling_lines[line]) <= _GALLERY_LINE and (
                    credit := match_credit(sibling_lines[line], patterns)
                ):
                    return credit, "gallery"
        if node is root:
            break
        node = node.parent
    return None, None
