"""Reports of tracked runs: HTML (Jinja2, self-contained), JSON, CSV and JUnit XML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from archiver.config import Settings
from archiver.report.formats import render_csv, render_json, render_junit
from archiver.report.html import render_html
from archiver.report.model import RunReport, Section, section
from archiver.store.index import Index

RENDERERS: dict[str, Callable[[RunReport], str]] = {
    "html": render_html,
    "json": render_json,
    "csv": render_csv,
    "junit": render_junit,
}
EXTENSIONS = {"html": "html", "json": "json", "csv": "csv", "junit": "junit.xml"}


def build(
    settings: Settings, index: Index, sites: Sequence[str], run: str | int = "latest"
) -> RunReport:
    """The report of each named site's run ('latest' tracked run, or an id)."""
    return RunReport(
        sections=[
            section(index, name, run, root=settings.storage.root, images=True) for name in sites
        ],
        viewer_url=settings.report.viewer_url,
    )


def render(report: RunReport, fmt: str) -> str:
    """The report in one format: html, json, csv or junit."""
    return RENDERERS[fmt](report)


def write_reports(
    settings: Settings, index: Index, site: str, run_id: int, formats: Sequence[str] | None = None
) -> list[Path]:
    """Write a run's reports as `<dir>/<site>/run-<id>.<ext>` and refresh `latest.<ext>`."""
    chosen = settings.report.formats if formats is None else formats
    if not chosen:
        return []
    report = build(settings, index, [site], run_id)
    folder = settings.report.dir / site
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in chosen:
        text = render(report, fmt)
        for name in (f"run-{run_id}.{EXTENSIONS[fmt]}", f"latest.{EXTENSIONS[fmt]}"):
            path = folder / name
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8", newline="")
            tmp.replace(path)
        written.append(folder / f"run-{run_id}.{EXTENSIONS[fmt]}")
    return written


__all__ = ["RENDERERS", "RunReport", "Section", "build", "render", "write_reports"]
