"""Load YAML (or JSON) keeping each value's line and column, keyed by JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml


def escape(token: str) -> str:
    """Escape one JSON-pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer(path: Any) -> str:
    """JSON pointer for a sequence of keys and indexes (``""`` is the whole document)."""
    return "".join("/" + escape(str(part)) for part in path)


@dataclass
class MarkedDocument:
    """A parsed document and the ``(line, column)`` (1-based) of every node."""

    data: Any
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)

    def position(self, ptr: str) -> tuple[int, int]:
        """Where ``ptr`` is written, or its nearest written ancestor; ``(1, 1)`` at worst."""
        while True:
            if ptr in self.marks:
                return self.marks[ptr]
            if not ptr:
                return (1, 1)
            ptr = ptr.rsplit("/", 1)[0]


def _walk(node: yaml.Node, ptr: str, marks: dict[str, tuple[int, int]]) -> None:
    marks[ptr] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _walk(value, f"{ptr}/{escape(key.value)}", marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, f"{ptr}/{index}", marks)


def load_marked(text: str) -> MarkedDocument:
    """Parse ``text``; raises ``yaml.YAMLError`` (with ``problem_mark``) when malformed."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    marks: dict[str, tuple[int, int]] = {}
    if node is not None:
        _walk(node, "", marks)
    return MarkedDocument(data, marks)


def json_marks(text: str) -> dict[str, tuple[int, int]]:
    """Positions for a JSON file, via the YAML parser (JSON is near enough YAML); best effort."""
    try:
        return load_marked(text.replace("\t", " ")).marks
    except yaml.YAMLError:
        return {}
