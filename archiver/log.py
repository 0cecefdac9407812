"""Logging through loguru: a readable console line and JSON lines under the storage root."""

from __future__ import annotations

import sys
from pathlib import Path

from loguru import logger

from archiver.config import LogSettings


def _to_stderr(message: object) -> None:
    sys.stderr.write(str(message))


def setup(
    log: LogSettings, root: Path | None, *, verbose: bool = False, quiet: bool = False
) -> None:
    """Send logs to stderr (looked up per message, so progress bars can redirect it) and to
    `<root>/logs/archiver.jsonl` (rotated and retained as configured)."""
    logger.remove()
    level = "DEBUG" if verbose else ("WARNING" if quiet else log.level)
    logger.add(
        _to_stderr,
        level=level,
        format="<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> "
        "{extra[site]: <12} {message}",
        colorize=sys.stderr.isatty(),
    )
    logger.configure(extra={"site": "-"})
    if root is not None:
        (root / "logs").mkdir(parents=True, exist_ok=True)
        logger.add(
            root / "logs" / "archiver.jsonl",
            level="DEBUG" if verbose else "INFO",
            serialize=True,
            rotation=log.rotation,
            retention=log.retention,
            enqueue=False,
        )
