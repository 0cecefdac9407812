"""The ignore file: acknowledged findings, with why, by whom and until when.

`ignore:` lists entries matching a finding by fingerprint, or by rule plus an
optional URL (a trailing ``*`` matches a prefix) and subject. Tracking marks
a finding an active entry matches ``suppressed``; an expired entry is logged
and no longer applies. The CLI appends and removes entries, keeping the rest
of the file (comments included) as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from loguru import logger

from archiver.check.violation import canonical_url
from archiver.errors import ConfigError


@dataclass(frozen=True)
class Ignore:
    """One acknowledged finding (or family of findings) and why.

    It matches by ``fingerprint``, or by ``rule`` plus optional ``url`` (a
    trailing ``*`` matches a prefix) and ``subject``.
    """

    reason: str
    fingerprint: str | None = None
    rule: str | None = None
    url: str | None = None
    subject: str | None = None
    expires: date | None = None
    by: str | None = None

    def active(self, on: date) -> bool:
        """Whether the acknowledgement still holds on that day (it expires at its end)."""
        return self.expires is None or on <= self.expires

    def matches(self, fingerprint: str, rule: str, url: str, subject: str) -> bool:
        """Whether this entry covers a finding."""
        if self.fingerprint is not None:
            return self.fingerprint == fingerprint
        if self.rule is not None and self.rule != rule:
            return False
        if self.subject is not None and self.subject != subject:
            return False
        if self.url is not None:
            if self.url.endswith("*"):
                return canonical_url(url).startswith(canonical_url(self.url[:-1]))
            return canonical_url(self.url) == canonical_url(url)
        return True

    def to_json(self) -> dict[str, Any]:
        """The entry as written in the ignore file (empty fields left out)."""
        data: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "url": self.url,
            "subject": self.subject,
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "by": self.by,
        }
        return {k: v for k, v in data.items() if v is not None}


def parse_ignore(item: Any, where: str) -> Ignore:
    """One entry of the ignore file, validated (ConfigError says where and what)."""
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(item).__name__}")
    unknown = set(item) - {"fingerprint", "rule", "url", "subject", "reason", "expires", "by"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    if not isinstance(item.get("reason"), str) or not item["reason"].strip():
        raise ConfigError(f"{where}: 'reason' is required (say why the finding is acknowledged)")
    if not item.get("fingerprint") and not item.get("rule"):
        raise ConfigError(f"{where}: give a 'fingerprint', or a 'rule' (with 'url'/'subject')")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{where}: expires: expected YYYY-MM-DD, got {expires!r}") from None
    elif expires is not None and not isinstance(expires, date):
        raise ConfigError(f"{where}: expires: expected YYYY-MM-DD, got {expires!r}")
    text = {k: str(item[k]) for k in ("fingerprint", "rule", "url", "subject", "by") if item.get(k)}
    return Ignore(reason=item["reason"].strip(), expires=expires, **text)


def load_ignores(path: Path) -> list[Ignore]:
    """Read the ignore file (a missing file means nothing is acknowledged)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read ignore file: {exc}") from exc
    if data is None:
        return []
    items = data.get("ignore") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ConfigError(f"{path}: expected a top-level 'ignore:' list")
    return [parse_ignore(item, f"{path}: ignore[{i}]") for i, item in enumerate(items)]


def append_ignore(path: Path, entry: Ignore) -> None:
    """Add an entry to the ignore file, keeping what is there (comments included)."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    load_ignores(path)  # refuse to append to a broken file
    block = yaml.safe_dump([entry.to_json()], allow_unicode=True, sort_keys=False)
    block = "".join(f"  {line}\n" for line in block.splitlines())
    if "ignore:" not in existing:
        existing = (existing.rstrip("\n") + "\n" if existing.strip() else "") + "ignore:\n"
    elif not existing.endswith("\n"):
        existing += "\n"
    if existing.rstrip().endswith("ignore: []"):
        existing = existing.rstrip()[: -len("[]")].rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(existing + block, encoding="utf-8")


def remove_ignores(path: Path, drop: Callable[[Ignore], bool]) -> list[Ignore]:
    """Take the entries `drop` selects out of the ignore file, keeping the rest as written.

    Each entry's lines, with the comment lines just above it, are cut from the
    text; everything else is kept byte for byte. Returns the removed entries.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    entries = load_ignores(path)  # validates, and refuses a broken file
    if not any(drop(e) for e in entries):
        return []
    root = yaml.compose(text)
    assert isinstance(root, yaml.MappingNode)  # load_ignores read a mapping
    sequence = next(
        value
        for key, value in root.value
        if isinstance(key, yaml.ScalarNode) and key.value == "ignore"
    )
    if sequence.flow_style:
        raise ConfigError(
            f"{path}: 'ignore:' is a [flow-style] list; write one '- ' entry per line to edit it"
        )
    lines = text.splitlines(keepends=True)
    cut: set[int] = set()
    removed: list[Ignore] = []
    for entry, node in zip(entries, sequence.value, strict=True):
        if not drop(entry):
            continue
        first = node.start_mark.line
        while first > 0 and not lines[first].lstrip().startswith("-"):
            first -= 1  # a "-" alone on the line before the entry's first key
        indent = len(lines[first]) - len(lines[first].lstrip())
        while (
            first > 0
            and lines[first - 1].lstrip().startswith("#")
            and len(lines[first - 1]) - len(lines[first - 1].lstrip()) >= indent
        ):
            first -= 1  # the comment written above the entry goes with it
        # Up to the end of the entry's last value (the mapping's own end mark lies at the
        # next entry, past any comment that introduces it).
        end = node.value[-1][1].end_mark if isinstance(node, yaml.MappingNode) else node.end_mark
        last = end.line if end.column == 0 else end.line + 1
        cut.update(range(first, last))
        removed.append(entry)
    kept = "".join(line for number, line in enumerate(lines) if number not in cut)
    if len(removed) == len(entries):
        # An empty 'ignore:' would read as null, not as an empty list.
        kept = re.sub(r"(?m)^ignore:[ \t]*$", "ignore: []", kept, count=1)
    path.write_text(kept, encoding="utf-8")
    load_ignores(path)  # what we wrote must read back
    return removed


def active_ignore(ignores: Sequence[Ignore], v: dict[str, Any], today: date) -> Ignore | None:
    """The first entry that covers violation `v` and still holds today (expired ones logged)."""
    for entry in ignores:
        if entry.matches(v["fingerprint"], v["rule"], v["url"], v["subject"]):
            if entry.active(today):
                return entry
            logger.bind(rule=v["rule"], url=v["url"]).info(
                "acknowledgement of {} expired on {}", v["fingerprint"][:12], entry.expires
            )
    return None


__all__ = [
    "Ignore",
    "active_ignore",
    "append_ignore",
    "load_ignores",
    "parse_ignore",
    "remove_ignores",
]
