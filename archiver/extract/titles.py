"""Titles from every source a page offers, and which of them disagree."""

from __future__ import annotations

import re
from typing import Any

from archiver.extract.text import normalise_title

# Order matters: it is the tie-break when choosing the reference title.
TITLE_SOURCES = (
    "title",
    "h1",
    "og_title",
    "twitter_title",
    "dc_title",
    "jsonld_headline",
    "jsonld_name",
)


def strip_suffix(title: str, suffixes: tuple[str, ...], site_name: str | None) -> str:
    """Remove the first matching site suffix, case-insensitively, whitespace-tolerant."""
    for template in suffixes:
        if "{og:site_name}" in template:
            if not site_name:
                continue
            template = template.replace("{og:site_name}", site_name)
        suffix = normalise_title(template)
        if not suffix:
            continue
        # The template's leading space is significant ("Title - Site"), but
        # normalisation strips it, so require whitespace or start before it.
        words = [re.escape(w) for w in suffix.split(" ")]
        pattern = re.compile(r"(?:^|\s)" + r"\s*".join(words) + r"\s*$", re.IGNORECASE)
        stripped = pattern.sub("", title).strip()
        if stripped != title and stripped:
            return stripped
    return title


def title_entry(raw: str | None, suffixes: tuple[str, ...], site: str | None) -> Any:
    """``{"raw", "normalized"}`` for one source, or ``None`` when the source is absent."""
    if raw is None:
        return None
    return {"raw": raw, "normalized": strip_suffix(normalise_title(raw), suffixes, site)}


def mismatches(entries: dict[str, Any]) -> list[dict[str, str]]:
    """Pairs ``(reference, source)`` whose normalised titles differ.

    Sources are grouped by normalised value; the largest group (ties broken by
    :data:`TITLE_SOURCES` order) is the reference, and each source outside it
    makes one pair, so one odd title is one finding, not one per other title.
    Empty titles take part like any other value.
    """
    present = [(name, entries[name]["normalized"]) for name in TITLE_SOURCES if entries[name]]
    if len(present) < 2:
        return []
    groups: dict[str, list[str]] = {}
    for name, value in present:
        groups.setdefault(value, []).append(name)
    reference_value = max(groups, key=lambda v: len(groups[v]))
    reference = groups[reference_value][0]
    return [
        {
            "reference": reference,
            "source": name,
            "reference_value": reference_value,
            "value": value,
            "reference_raw": entries[reference]["raw"],
            "raw": entries[name]["raw"],
        }
        for name, value in present
        if value != reference_value
    ]
