"""Skip CSS selectors that cannot match a page, without walking its tree.

Outside its functional pseudo-classes (``:not(…)``, ``:is(…)``, ``:has(…)``,
``:nth-child(…)``), every compound of a selector names ids (``#x``), classes
(``.x``), attribute names and attribute values that the matched element and its
related elements must carry. All of them are written in the page's source, so
a selector naming a word that the source (entities decoded, lower-cased) lacks
cannot match, and the tree walk soupsieve would make to find nothing is saved.
Most profile selectors look for things a given page does not have (an update
date, a notice box, a credit element), and each such walk visits every element.

The test is only ever "cannot match": anything this module does not fully
understand (escapes, quoted values holding brackets or parentheses) is run as
before. Tag names are not used: the parser adds elements (``html``, ``body``,
``tbody``) that the source does not name.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import soupsieve

_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_PARENS = re.compile(r"\([^()]*\)")
_ATTRIBUTE = re.compile(
    r"""\[\s*(?P<name>[-\w:]+)\s*
        (?:[~|^$*]?=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[-\w]+))\s*(?:[iIsS]\s*)?)?
        \]""",
    re.X,
)
_ID_OR_CLASS = re.compile(r"[#.](-?[_a-zA-Z\u00a0-\uffff][-\w]*)")


@lru_cache(maxsize=1024)
def requirements(selector: str) -> tuple[frozenset[str], ...] | None:
    """Per comma-separated alternative, the words a page's source must contain for it to match.

    None when the selector is beyond this simple reading (it is then always run).
    """
    if "\\" in selector:
        return None
    if any(c in q for q in _QUOTED.findall(selector) for c in "()[],"):
        return None
    text = selector
    while True:  # drop functional pseudo-classes' arguments, innermost first
        stripped = _PARENS.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    if "(" in text or ")" in text:
        return None
    alternatives: list[frozenset[str]] = []
    for alternative in text.split(","):
        words: set[str] = set()

        def attribute(match: re.Match[str], words: set[str] = words) -> str:
            words.add(match["name"].lower())
            value = match["dq"] or match["sq"] or match["bare"]
            if value:
                words.add(value.lower())
            return " "

        rest = _ATTRIBUTE.sub(attribute, alternative)
        if any(c in rest for c in "[]\"'"):
            return None
        words.update(m.group(1).lower() for m in _ID_OR_CLASS.finditer(rest))
        alternatives.append(frozenset(words))
    return tuple(alternatives)


class Source:
    """A page's source, entities decoded and lower-cased, asked whether a selector may match."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._folded: str | None = None

    def contains(self, word: str) -> bool:
        """Whether the source (entities decoded, lower-cased) contains ``word`` (lower-case)."""
        if self._folded is None:
            self._folded = html.unescape(self._text).lower()
        return word in self._folded

    def may_match(self, selector: str) -> bool:
        """False only when ``selector`` cannot match any element of this page.

        An invalid selector raises soupsieve's ``SelectorSyntaxError`` whatever
        the page, as selecting with it would.
        """
        soupsieve.compile(selector)  # cached by soupsieve
        alternatives = requirements(selector)
        if alternatives is None:
            return True
        return any(all(self.contains(word) for word in words) for words in alternatives)
