"""Images in the content area: caption, credit, and whether they are decorative."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import Tag

from archiver.extract.cards import (
    CAMEL,
    INLINE_WRAPPERS,
    TEASER_REASON,
    TEASER_REASONS,
    audio_poster,
    contact_portrait,
    elsewhere,
    in_heading,
    section_banner,
    teaser_card,
    words,
)
from archiver.extract.credits import credit_of, description, gallery_credit, lines, match_credit
from archiver.extract.text import css_path, hidden_reason, visible_text
from archiver.markup import BLOCK_ELEMENTS, LAZY_SRC_ATTRS, SRCSET_ATTRS, parse_srcset

MAX_IMAGES = 1000
# Elements that start a new line of text: a credit read from a caption ends at the end of
# its line, so "Photo: A. Person" in its own <div> does not swallow the caption after it.
_BLOCKS = BLOCK_ELEMENTS
_LOGO_OR_ICON = re.compile(
    r"(?i)(?:^|[\W_])(?:logo|icons?|sprite|avatar|spinner|placeholder)(?:$|[\W_\d])"
)
# File or class names of interface graphics (not said of photographs' alt texts, which
# may well mention a button or a flag): spacers and placeholders ("empty.jpg" that a script
# fills), a viewer's zoom or magnifier button ("zoomDoc.gif", "lightbox_lupe.png").
_UI_GRAPHIC = re.compile(
    r"(?i)(?:^|[\W_])(?:arrow|bullet|spacer|pixel|blank|empty|transparent|button|btn|badge|"
    r"zoom|lupe|loupe|magnif(?:y|ier)|enlarge|rss|pdf|print|printer|divider|separator|"
    r"facebook|twitter|linkedin|instagram|youtube|mastodon|whatsapp|wechat|weixin|wx|weibo|"
    r"qzone|qrcode|qr|ewm|captcha)(?:$|[\W_\d])"
)
# Folders that hold a site's interface graphics, not photographs: icons (a weather widget's
# "wetter/icons/04d.png", "img/icons/icn_comments.png"), avatars (gravatar.com/avatar/…),
# emoticons ("images/smilies/wink.gif"), logos, badges, buttons, sprites, flags.
_ICON_FOLDER = re.compile(
    r"(?i)^(?:icons?|ico|avatars?|logos?|emojis?|emoticons?|smil(?:e|ie|ey)s?|badges?|"
    r"buttons?|sprites?|flags?)$"
)
# A loading animation's file ("loading.gif", "ani-loader_small.gif"); in a class name the word
# says how a picture loads ("disable-lazy-loading"), not what it is.
_LOADER_FILE = re.compile(r"(?i)(?:^|[\W_])(?:loading|loader)(?:$|[\W_\d])")
# A logo's file named as one word with its owner ("xinhualogo.gif", "xlogo-social.png"; not
# "…-nologo.jpg", a photograph without the logo).
_LOGO_FILE = re.compile(r"(?i)[a-z](?<!no)logo(?:$|[\W_\d])")
_UI_REASON = "interface graphic"
# A numbered figure's caption ("Abbildung 7: …", "Figure 2.", "Fig. 3 –"): a figure of the
# document, whatever its link opens (slf.ch's chart links to its station's page).
_NUMBERED_FIGURE = re.compile(
    r"(?i)^\s*(?:abbildung|abb\.|figure|fig\.|figura|grafik|graphique|karte|map|chart|"
    r"diagramm|tabelle|table)\s*\d+[a-z]?\s*[:.–—-]"
)
_ICON_SIZE = 48  # px: an image this small both ways is an icon or a button, not a photograph
_STRIP_RATIO = 6  # a picture six times as wide as high (or high as wide) is a banner strip


_POSTER = re.compile(r"(?i)(?:media|video|player)[\W_]*(?:with[\W_]*)?placeholder")
_PLACEHOLDER = re.compile(
    r"(?i)(?:^|[\W_])(?:placeholder|lazy\w*|blank|spacer|transparent|empty|pixel)(?:$|[\W_\d])"
)


def _src(img: Tag) -> str:
    """The image's src; where it is missing or a placeholder (a data: URI, a file so named),
    the real URL a lazy-loading script swaps in (data-src, data-original, a srcset)."""
    src = img.get("src")
    src = src.strip() if isinstance(src, str) else ""
    lazy = [v.strip() for a in LAZY_SRC_ATTRS if isinstance(v := img.get(a), str)]
    sets = [parse_srcset(v) for a in SRCSET_ATTRS if isinstance(v := img.get(a), str)]
    candidates = (src, *lazy, *(first[0][0] for first in sets if first))
    for value in chain(candidates, _data_images(img)):
        name = value.split("?")[0].rsplit("/", 1)[-1]
        if value and not value.startswith("data:") and not _PLACEHOLDER.search(name):
            return value
    return src


# A path or URL of an image file ("/fileadmin/chart.png"; a bare "P2292769.jpg" is a name,
# as in a data-alt that repeats the file's name).
_IMAGE_FILE = re.compile(r"(?i)^[^\s<>\"']*/[^\s<>\"']+\.(?:jpe?g|png|gif|webp|avif)(?:[?#]\S*)?$")


def _data_images(img: Tag) -> Iterator[str]:
    """Image files named in other data-* attributes, in their order: a lazy-loading script's
    own names for the real URL (a size each: "data-lg", "data-md" …), read last."""
    for name, value in img.attrs.items():
        if name.startswith("data-") and isinstance(value, str) and _IMAGE_FILE.match(value.strip()):
            yield value.strip()


_SIZE_SUFFIX = re.compile(r"-\d{2,5}x\d{2,5}(?=\.\w+$)")  # "photo-1920x1080.png": a resized copy
_JSONLD_IMAGE_KEYS = ("image", "thumbnailUrl", "thumbnailURL", "contentUrl")
_MAX_DECLARED = 20


def declared_images(meta: dict[str, str], jsonld: Sequence[dict[str, Any]]) -> list[str]:
    """The pictures a page names as its own in its metadata: ``og:image``,
    ``twitter:image``, JSON-LD ``image`` / ``thumbnailUrl`` (a string, an ImageObject's
    ``url`` or a list of them)."""
    found = [meta[k] for k in ("og:image", "og:image:url", "twitter:image") if meta.get(k)]
    for obj in jsonld:
        for key in _JSONLD_IMAGE_KEYS:
            values = obj.get(key)
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict):
                    value = value.get("url") or value.get("contentUrl")
                if isinstance(value, str) and value.strip():
                    found.append(value.strip())
    return found[:_MAX_DECLARED]


def _picture_key(url: str) -> str:
    """A picture's URL without scheme, query and size suffix: one key for its resized copies."""
    parts = urlsplit(url)
    return parts.netloc.lower() + _SIZE_SUFFIX.sub("", unquote(parts.path))


def _names_subject(url: str, subject: str | None) -> bool:
    """Whether the picture's file name holds every word (two at least) of the page's
    heading: "Benny_Engelbrecht_133.jpg" on the page headed "Benny Engelbrecht"."""
    if not subject:
        return False
    wanted = [w for w in words(subject) if not w.isdigit()]
    if len(wanted) < 2:
        return False
    have = set(words(urlsplit(url).path.rsplit("/", 1)[-1]))
    return all(w in have for w in wanted)


def _decorative(img: Tag, shown: bool) -> str | None:
    """Why ``img`` is decoration, or None; ``shown``: the page shows it as content all the
    same (a caption or credit, or it names the picture as its own)."""
    role = img.get("role")
    if isinstance(role, str) and role.strip().lower() in ("presentation", "none"):
        return f'role="{role.strip()}"'
    node: Tag | None = img
    while node is not None and node.name != "[document]":
        aria = node.get("aria-hidden")
        if isinstance(aria, str) and aria.strip().lower() == "true":
            return 'aria-hidden="true"'
        node = node.parent
    alt = img.get("alt")
    # alt="" says the image adds nothing to the text; an image shown with its own
    # caption or credit is content all the same (the caption is its text alternative),
    # and so is the page's own picture (its og:image, a portrait named after its heading).
    if isinstance(alt, str) and not alt.strip() and not shown:
        return 'alt=""'
    return None


def _not_content(img: Tag, src: str) -> str | None:
    """Why an image in the content area is not a content image (a logo, an icon, a teaser of
    another page), or None."""
    if not src:
        return "no source"
    if src.startswith("data:") or src.split("?")[0].lower().endswith(".svg"):
        return "vector or inline graphic"
    style = img.get("style")
    if isinstance(style, str) and "url(" in style.lower():
        # A spacer over a CSS background picture: the file is no picture, and what the
        # reader sees is styling (a section's banner), as any CSS background image is.
        return "spacer over a CSS background"
    sizes = [img.get(attr) for attr in ("width", "height")]
    given = [int(v) for v in sizes if isinstance(v, str) and v.strip().isdigit()]
    if given and max(given) <= _ICON_SIZE:
        return f"{'x'.join(map(str, given))} px"
    if len(given) == 2 and min(given) > 0 and max(given) >= _STRIP_RATIO * min(given):
        # A strip this long is a banner, a divider or a line of text set as an image.
        return f"{given[0]}x{given[1]} px strip"
    classes = img.get("class")
    # A file name's camelCase words are words ("zoomDoc.gif" is a zoom button).
    file = CAMEL.sub(" ", src.split("?")[0].rsplit("/", 1)[-1])
    # A player's placeholder ("media-placeholder", "video-placeholder") is its poster, a
    # still of the footage, not a stand-in graphic.
    class_words = classes if isinstance(classes, list) else []
    names = [file, *(_POSTER.sub("poster", c) for c in class_words)]
    alt = img.get("alt")
    if any(_LOGO_OR_ICON.search(w) for w in (*names, alt if isinstance(alt, str) else "")):
        return "logo or icon"
    if any(_UI_GRAPHIC.search(w) for w in names):
        return _UI_REASON
    if any(_ICON_FOLDER.match(folder) for folder in urlsplit(src).path.split("/")[:-1]):
        # Not _UI_REASON, which the page's own picture overrides: an author's avatar is
        # named in JSON-LD (a Person's image) and is still no content picture.
        return "in a folder of interface graphics"
    if _LOGO_FILE.search(file):
        return "logo or icon"
    if _LOADER_FILE.search(file):
        return _UI_REASON
    link = img.find_parent("a")
    if link is None:
        item = img.find_parent("li")
        # A picture beside a link in a list item is the thumbnail of a listed page.
        if item is not None and any(elsewhere(a) for a in item.find_all("a", limit=3)):
            return "thumbnail of a listed page"
        return None
    return TEASER_REASON if elsewhere(link) else None


def _container(img: Tag, root: Tag) -> Tag:
    figure = img.find_parent("figure")
    if figure is not None and (figure is root or any(p is root for p in figure.parents)):
        return figure
    parent = img.parent or root
    # Links and <picture> wrap the image itself; the credit sits beside them.
    while parent is not root and parent.name in INLINE_WRAPPERS and parent.parent:
        parent = parent.parent
    return parent


def extract_images(
    root: Tag,
    excluded: Callable[[Tag], bool],
    base_url: str,
    selectors: Sequence[str],
    patterns: tuple[str, ...],
    elements: Sequence[str] = (),
    not_content: Callable[[Tag], bool] | None = None,
    lead_patterns: tuple[str, ...] = (),
    declared: Sequence[str] = (),
    subject: str | None = None,
) -> list[dict[str, Any]]:
    """One entry per ``<img>`` in ``root`` for which ``excluded`` is false.

    ``elements`` select credit elements whose whole text is the credit; ``not_content``
    says which images the pack knows are not content (logos, teasers); a line of the
    content matching ``lead_patterns`` ("Titelbild: …") credits the first content image.
    An ``alt=""`` image is decorative unless the page names it as its own picture: one of
    the ``declared`` pictures (og:image, JSON-LD image), or named after the page's heading
    (``subject``).
    """
    own = {_picture_key(urljoin(base_url, d)) for d in declared}
    images: list[dict[str, Any]] = []
    tags: list[Tag] = []  # each image's element, in step with ``images``
    found = root.find_all("img")
    pictured: set[int] = set()  # the images and their ancestors, to tell a gallery cheaply
    for img in found[:MAX_IMAGES]:
        pictured.update(id(n) for n in (img, *img.parents))
    for img in found:
        if len(images) >= MAX_IMAGES:
            break
        if excluded(img):
            continue
        src = _src(img)
        alt = img.get("alt")
        container = _container(img, root)
        figcaption = (
            container.find("figcaption") if container.name == "figure" else description(container)
        )
        caption = visible_text(figcaption) if figcaption is not None else None
        credit, credit_source = credit_of(img, container, selectors, patterns, elements, root)
        if credit is None:
            credit, credit_source = gallery_credit(
                container, root, pictured, selectors, patterns, elements
            )
        url = urljoin(base_url, src) if src else ""
        declared_own = bool(url) and _picture_key(url) in own
        shown = bool(caption or credit) or declared_own or _names_subject(url, subject)
        decorative = _decorative(img, shown)
        hidden = hidden_reason(img)
        reason = _not_content(img, src)
        if reason == TEASER_REASON and caption and _NUMBERED_FIGURE.match(caption):
            reason = None
        if reason == _UI_REASON and declared_own:
            # The page's own picture (its og:image) is no button, whatever its class says
            # ("image_btn": a picture a script opens).
            reason = None
        if reason is None and not_content is not None and not_content(img):
            reason = "profile: not a content image"
        if reason is None and contact_portrait(img, root, subject):
            reason = "portrait on a contact card"
        if reason is None and audio_poster(img, src, root):
            reason = "poster of an audio player"
        if reason is None and teaser_card(img, root):
            reason = "picture of a teaser card"
        if reason is None and in_heading(img):
            reason = "symbol in a heading"
        tags.append(img)
        images.append(
            {
                "src": src,
                "url": url,
                "alt": alt if isinstance(alt, str) else None,
                "caption": caption or None,
                "credit": credit,
                "credit_source": credit_source,
                "decorative": decorative is not None,
                "decorative_reason": decorative,
                "hidden": hidden is not None,
                "content": reason is None,
                "not_content_reason": reason,
                "location": css_path(img),
            }
        )
    teasers = {
        id(t)
        for t, i in zip(tags, images, strict=True)
        if i["not_content_reason"] in TEASER_REASONS
    }
    if teasers:
        for tag, image in zip(tags, images, strict=True):
            if image["content"] and section_banner(tag, root, teasers):
                image["content"], image["not_content_reason"] = (
                    False,
                    "banner of a section of teasers",
                )
    # A picture credited once is credited in its other sizes too (a lightbox's thumbnail strip).
    credited = {_picture_key(i["url"]): i["credit"] for i in images if i["credit"] and i["url"]}
    for image in images:
        copy = credited.get(_picture_key(image["url"])) if image["url"] else None
        if image["credit"] is None and copy:
            image["credit"], image["credit_source"] = copy, "same picture credited"
    lead = next(
        (i for i in images if i["content"] and not i["decorative"] and not i["hidden"]), None
    )
    if lead is not None and lead["credit"] is None and lead_patterns:
        root_lines = lines(root).split("\n")
        credit = next((c for line in root_lines if (c := match_credit(line, lead_patterns))), None)
        if credit:
            lead["credit"], lead["credit_source"] = credit, "lead image credit"
    return images
