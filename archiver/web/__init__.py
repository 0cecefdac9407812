"""The snapshot viewer for auditors: browse, replay safely, compare captures (`archiver serve`)."""

from archiver.web.app import create_app

__all__ = ["create_app"]
