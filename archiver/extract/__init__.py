"""Extraction: an archived HTML payload → a page model (plain JSON).

The page model conforms to ``schemas/page.schema.json``. Models are cached by
the store under ``(payload digest, EXTRACTOR_VERSION, profile.fingerprint)``;
bump :data:`EXTRACTOR_VERSION` whenever the same input would give a
different model.
"""

from __future__ import annotations

from archiver.extract.page import EXTRACTOR_VERSION, extract, rebase
from archiver.extract.profile import DateSource, Profile

__all__ = ["EXTRACTOR_VERSION", "DateSource", "Profile", "extract", "rebase"]
