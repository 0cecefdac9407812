"""Exports of the archive in standard packages (WACZ)."""

from archiver.export.wacz import WaczResult, export_wacz

__all__ = ["WaczResult", "export_wacz"]
