"""Where an export may be written: never over the archive it is made from.

The archive is evidence: an export pointed (by a typo, or a path that
tab-completed) at the index, a WARC file or the config must not replace it.
Anything inside the storage root, the local WARC folder, the SQLite index,
the config file, the ignore file and the rule folders is refused, force or
not; any other existing file only with `force`.
"""

from __future__ import annotations

from pathlib import Path

from archiver.config import Settings
from archiver.errors import ConfigError


def protected_paths(settings: Settings) -> list[Path]:
    """Files and folders the archive uses (resolved)."""
    paths = [settings.storage.root, settings.tracking.ignore_file, *settings.rules_dirs]
    warcs = settings.storage.warcs
    if warcs and "://" not in warcs:
        paths.append(Path(warcs))
    index_url = settings.storage.index_url
    if index_url.startswith("sqlite:///"):
        paths.append(Path(index_url.removeprefix("sqlite:///").split("?", 1)[0]))
    if settings.source is not None:
        paths.append(settings.source)
    return [p.resolve() for p in paths]


def check_destination(out: Path, settings: Settings, *, force: bool) -> Path:
    """`out`, resolved, when an export may be written there; else ConfigError saying why."""
    target = out.resolve()
    for used in protected_paths(settings):
        if target == used or target.is_relative_to(used):
            raise ConfigError(
                f"{out}: refusing to write an export over or inside {used}, which the "
                "archive uses; choose a path outside the storage root"
            )
    if target.is_dir():
        raise ConfigError(f"{out}: is a folder; give the WACZ file's name")
    if target.exists() and not force:
        raise ConfigError(f"{out}: already exists; pass --force to replace it")
    return target


__all__ = ["check_destination", "protected_paths"]
