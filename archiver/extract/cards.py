"""Pictures that stand for something else than the page's content: a contact's portrait,
an audio player's artwork, a teaser card's or a section's picture, a symbol in a heading;
and the word and link tests the image checks share."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

import soupsieve
from bs4 import Tag

from archiver.extract.credits import lines
from archiver.extract.text import NOT_TEXT, hidden_reason
from archiver.markup import HEADINGS

_ENLARGES = re.compile(
    r"(?i)\.(?:jpe?g|png|gif|webp|avif|tiff?)(?:$|[?#])|__blob=|lightbox|showbox|fancybox|"
    r"zoom|enlarge|vergr|fullscreen|full-size|full resolution"
)
CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

TEASER_REASON = "links to another page (a teaser)"
# Elements that wrap a picture itself, inline: a link, a <picture>, a span or emphasis.
INLINE_WRAPPERS = frozenset({"a", "picture", "span", "em", "i", "b", "strong", "small"})


def words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", CAMEL.sub(" ", unquote(text)))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return [w for w in re.split(r"[\W_]+", plain) if w]


def elsewhere(link: Tag) -> bool:
    """Whether ``link`` leads to another page, not to the picture itself (its file, or a
    lightbox view of it: a zoom button) or to a place on this page."""
    href = link.get("href")
    if not isinstance(href, str) or href.strip()[:1] in ("", "#"):
        return False
    return not any(
        _ENLARGES.search(" ".join(v) if isinstance(v, list) else str(v))
        for v in link.attrs.values()
    )


_CARD_LEVELS = 4  # text-less wrappers climbed from a portrait to the card holding its text
_CARD_WORDS = 40  # words: a bigger box is a text body, not a contact card
_NAME_WORDS = 5  # a line naming a person: "Dr. Anna Maria de la Cruz" at most
# A mail link with an address ("mailto:?subject=…" is a share button) or a phone link.
_CONTACT_LINK = soupsieve.compile('a[href*="@"][href^="mailto:" i], a[href^="tel:" i]')
_PLAYER_LEVELS = 6  # wrappers climbed from a poster to the player that names it
_PLAYER_WORDS = 80  # words: a player's controls and title, not an article body
_AUDIO = re.compile(r"(?i)\.(?:mp3|m4a|aac|oga|ogg|opus|wav|flac)(?:$|[?#])|^audio/")


def _more_words(tag: Tag, limit: int) -> bool:
    """Whether ``tag``'s text has more than ``limit`` words (read only as far as needed)."""
    count = 0
    for string in tag.stripped_strings:
        count += len(string.split())
        if count > limit:
            return True
    return False


def _text_box(img: Tag, root: Tag, levels: int) -> Tag | None:
    """The nearest wrapper of ``img`` that holds text, climbing at most ``levels``
    text-less wrappers and never to ``root``."""
    box = img.parent
    for _ in range(levels):
        if box is None or box is root:
            return None
        if next(box.stripped_strings, None) is not None:
            return box
        box = box.parent
    return None


def _small_box(img: Tag, box: Tag, limit: int) -> bool:
    """Whether ``box`` is a small box around ``img`` alone: no figure (a figure shows its
    picture as content), at most ``limit`` words, no second picture."""
    return (
        box.name != "figure"
        and img.find_parent("figure") is None
        and not _more_words(box, limit)
        and len(box.find_all("img", limit=2)) <= 1
    )


def contact_portrait(img: Tag, root: Tag, subject: str | None) -> bool:
    """Whether ``img`` is the portrait on a contact card: the nearest wrapper holding text is
    a small box with this one picture, a mail or phone link, and a line naming the person
    the alt text names ("Headshot of A. Person" beside "A. Person"): a press contact, an
    editor on duty, an author's bio box."""
    alt = img.get("alt")
    named = set(words(alt)) if isinstance(alt, str) else set()
    if len(named) < 2:
        return False
    card = _text_box(img, root, _CARD_LEVELS)
    # A figure naming the person in its caption shows a picture of them (content).
    if card is None or not _small_box(img, card, _CARD_WORDS):
        return False
    if _CONTACT_LINK.select_one(card) is None:
        return False
    # A page about the person (a member's profile, headed with the name) shows them as content.
    about = set(words(subject)) if subject else set()
    for line in lines(card).split("\n"):
        shown = set(words(line))
        if 2 <= len(shown) <= _NAME_WORDS and (shown <= named or named <= shown):
            return not shown <= about
    return False


def _plays_audio(tag: Tag) -> bool:
    """Whether ``tag`` holds an audio player and no video: an ``<audio>``, or an attribute
    naming an audio file or type (a player a script builds)."""
    if tag.find("video") is not None:
        return False
    if tag.find("audio") is not None:
        return True
    return any(
        isinstance(value, str) and _AUDIO.search(value.strip())
        for element in (tag, *tag.find_all(True))
        for value in element.attrs.values()
    )


def audio_poster(img: Tag, src: str, root: Tag) -> bool:
    """Whether ``img`` is the poster of an audio player: a wrapper names its file in an
    attribute of its own (data-poster) and plays audio. A sound has no picture; its player
    shows the programme's artwork. (A video's poster is a still of the footage: content.)"""
    key = src.strip().split("?")[0]
    if not key:
        return False
    node = img.parent
    for _ in range(_PLAYER_LEVELS):
        if node is None or node is root.parent:
            return False
        if any(isinstance(v, str) and v.strip().split("?")[0] == key for v in node.attrs.values()):
            return not _more_words(node, _PLAYER_WORDS) and _plays_audio(node)
        node = node.parent
    return False


_TEASER_LEVELS = 6  # text-less wrappers climbed from a picture to the card holding its text
_TEASER_WORDS = 60  # words: a card's heading, a teaser sentence and "Read more"
_TEASER_REPEAT = 2  # levels above the card searched for a sibling card (a grid's item wrapper)
_HEADING = soupsieve.compile("h2, h3, h4, h5, h6")
# A heading only screen readers get (Drupal's <h2 class="element-invisible"> naming a media
# file above an article's picture) is no card's title.
_UNSEEN_CLASS = re.compile(
    r"(?i)^(?:visually-?hidden|sr-only|screen-?reader(?:-text)?|element-invisible|offscreen|"
    r"a11y-hidden|u-visually-hidden|invisible)$"
)


def _titled(tag: Tag) -> bool:
    """Whether ``tag``'s text opens with a heading a reader sees (its title)."""
    first = next(
        (s for s in tag.find_all(string=True) if s.strip() and not isinstance(s, NOT_TEXT)), None
    )
    if first is None:
        return False
    heading = next((p for p in first.parents if p is tag or _HEADING.match(p)), tag)
    if heading is tag:
        return False
    classes = [c for n in (heading, *heading.find_all(True)) for c in n.get("class") or ()]
    return not any(_UNSEEN_CLASS.match(c) for c in classes)


def _card_shape(tag: Tag) -> bool:
    """Whether ``tag`` holds what a teaser card holds: a title (its text opens with a
    heading) and links to one other page (a box linking to several is a text of its own:
    a project with its videos)."""
    return _titled(tag) and len(_targets(tag)) == 1


def _targets(tag: Tag) -> set[str]:
    """The other pages ``tag``'s first links lead to (fragments and a final slash aside)."""
    return {
        str(link["href"]).strip().split("#")[0].rstrip("/")
        for link in tag.find_all("a", href=True, limit=8)
        if elsewhere(link)
    }


def teaser_card(img: Tag, root: Tag) -> bool:
    """Whether ``img`` is the picture of a teaser card: the nearest wrapper holding text is
    a small box with this one picture, a heading and a link to another page ("Read more"
    laid over the card), repeated as a sibling of the same kind (a grid or list of cards).
    The picture stands for the page the card links to, as a linked thumbnail does."""
    card = _text_box(img, root, _TEASER_LEVELS)
    if card is None or not _small_box(img, card, _TEASER_WORDS) or not _card_shape(card):
        return False
    node: Tag | None = card
    for _ in range(_TEASER_REPEAT + 1):
        if node is None or node is root:
            return False
        if node.name == "article" and node.find("h1") is None:
            # A card that is an <article> of its own inside the content (Drupal's
            # <article about="/en/other-item" class="cover">): a teaser, even alone in its row.
            return True
        kind = (node.name, tuple(node.get("class") or ()))
        for sibling in (*node.find_previous_siblings(limit=3), *node.find_next_siblings(limit=3)):
            if (sibling.name, tuple(sibling.get("class") or ())) == kind and _card_shape(sibling):
                return True
        node = node.parent
    return False


_TEASERS_BELOW = 2  # teaser pictures in the box after a header that make it a section's banner


def section_banner(img: Tag, root: Tag, teasers: set[int]) -> bool:
    """Whether ``img`` is the banner of a section of teasers: its box is a section's header
    (a heading, a line or two, at most a link to the section's overview) and the element
    right after it holds teaser pictures (deutschland.de's "Germany and the world" above
    its slider of cards). The picture stands for the section, as its cards' pictures stand
    for their pages."""
    box = _text_box(img, root, _TEASER_LEVELS)
    if box is None or not _small_box(img, box, _TEASER_WORDS):
        return False
    heading = _HEADING.select_one(box)
    if heading is None or hidden_reason(heading) is not None:
        return False
    if len(_targets(box)) > 1:
        return False
    below = box.find_next_sibling()
    if below is None:
        return False
    found = sum(1 for i in below.find_all("img", limit=50) if id(i) in teasers)
    return found >= _TEASERS_BELOW


TEASER_REASONS = frozenset(
    {TEASER_REASON, "thumbnail of a listed page", "picture of a teaser card"}
)


# A heading's line, through which a symbol is set in it: inline wrappers but a link.
_IN_LINE = (INLINE_WRAPPERS - {"a"}) | {"sup", "sub"}


def in_heading(img: Tag) -> bool:
    """Whether ``img`` is set in a heading's line beside its text: a symbol in the title
    (auswaertiges-amt.de's flag, <h1><span>Italien: …</span><span><picture><img alt=
    "Italien">), not a photograph. Only through inline elements: a picture in a block or a
    link inside a heading (WordPress's <h2><a><img class="alignleft"></a>, a news site's
    <h2><div class="imgbox">) is a photograph misplaced in the markup."""
    node = img.parent
    while node is not None and node.name in _IN_LINE:
        node = node.parent
    return (
        node is not None and node.name in HEADINGS and next(node.stripped_strings, None) is not None
    )
