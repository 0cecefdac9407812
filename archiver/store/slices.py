"""Pages of long lists: a keyset cursor, and the slice of rows it starts.

Every list the viewer shows (pages, a URL's timeline, a dashboard's
violations) is read one slice at a time after the sort key of the last row
shown, so a shared link shows the same rows however many arrive meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")
# The most rows one page of any list may ask for.
MAX_LIMIT = 500


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a list: its rows, the cursor of the next page, and the whole list's size."""

    rows: list[T]
    next_after: str | None
    total: int | None = None


def cursor(*values: object) -> str:
    """An opaque keyset cursor for a page boundary (the sort key of the last row shown)."""
    text = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def parse_cursor(text: str, arity: int) -> list[object]:
    """The values of a cursor made by `cursor`; ValueError when it is not one."""
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"not a page cursor: {text!r}") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ValueError(f"not a page cursor: {text!r}")
    return values


def row_id(value: object) -> int:
    """A row id from a cursor; ValueError unless it is one a database can hold."""
    if not isinstance(value, int) or not 0 <= value < 2**63:
        raise ValueError(f"not a row id: {value!r}")
    return value


__all__ = ["MAX_LIMIT", "Slice", "cursor", "parse_cursor", "row_id"]
