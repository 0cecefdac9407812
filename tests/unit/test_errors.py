"""One exception tree: every error archiver raises on purpose is an ArchiverError, exported,
and drawn in the docstring of `archiver.errors` under its real parent."""

from __future__ import annotations

import gzip
import inspect
import re

import pytest

import archiver.errors as errors
from archiver.errors import ArchiveError, ArchiverError, PayloadTooLarge
from archiver.store.payload import decode


def _classes() -> dict[str, type[BaseException]]:
    return {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException)
    }


def test_every_error_is_in_the_tree_and_exported() -> None:
    classes = _classes()
    assert all(issubclass(c, ArchiverError) for c in classes.values())
    assert set(errors.__all__) == set(classes)


def test_the_drawing_shows_each_error_under_its_parent() -> None:
    doc = errors.__doc__ or ""
    drawn: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+)", line)
        if not match or match.group(2) not in _classes():
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        drawn[match.group(2)] = stack[-1][1] if stack else ""
        stack.append((depth, match.group(2)))
    assert set(drawn) == set(_classes())
    for name, parent in drawn.items():
        if parent:
            assert _classes()[name].__bases__ == (_classes()[parent],), name


def test_a_decompression_bomb_is_an_archive_error() -> None:
    with pytest.raises(ArchiveError) as raised:
        decode(gzip.compress(b"\0" * 100_000), "gzip", 1000)
    assert isinstance(raised.value, PayloadTooLarge)
