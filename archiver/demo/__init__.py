"""A bundled sample government site (imitating www.regjeringen.no) and its local server.

``archiver demo`` crawls it so a new user sees the tool work with no internet,
and the test suite crawls it for everything from politeness to recrawls.
``EXPECTED`` lists the compliance findings each phase of the site seeds.
"""

from __future__ import annotations

from archiver.demo.expected import EXPECTED, REMOVED, Expected
from archiver.demo.server import DemoServer, RequestLog, RequestRecord
from archiver.demo.site import Response, page_paths, render

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
