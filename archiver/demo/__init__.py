"""A bundled sample government site (imitating www.regjeringen.no) and its local server.

``archiver demo`` crawls it so a new user sees the tool work with no internet,
and the test suite crawls it for everything from politeness to recrawls.
``EXPECTED`` lists the compliance findings each phase of the site seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archiver.demo.expected import EXPECTED, REMOVED, Expected
from archiver.demo.site import Response, page_paths, render

if TYPE_CHECKING:
    from archiver.demo.server import DemoServer, RequestLog, RequestRecord

__all__ = [
    "EXPECTED",
    "REMOVED",
    "DemoServer",
    "Expected",
    "RequestLog",
    "RequestRecord",
    "Response",
    "page_paths",
    "render",
]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``python -m archiver.demo.server`` does not find
    # its own module already imported by the package.
    if name in ("DemoServer", "RequestLog", "RequestRecord"):
        from archiver.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
