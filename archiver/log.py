"""Logging through loguru: a readable console line and JSON lines under the storage root."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from archiver.config import LogSettings

if TYPE_CHECKING:
    from loguru import Record

# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides:
# what lets text from an archived site move a terminal's cursor, recolour it,
# set its title or reorder a line (cron mails the console output, too).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character a terminal would obey shown as an escape."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def _escape(record: Record) -> None:
    record["message"] = printable(record["message"])
    for key, value in record["extra"].items():
        if isinstance(value, str):
            record["extra"][key] = printable(value)


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
    logger.configure(extra={"site": "-"}, patcher=_escape)
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
