"""Reports of tracked runs: HTML (Jinja2, self-contained), JSON, CSV and JUnit XML."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from archiver.config import Settings
from archiver.report.formats import render_csv, render_json, render_junit
from archiver.report.html import render_html
from archiver.report.model import RunReport, Section, section
from archiver.store.index import Index

RENDERERS: dict[str, Callable[[RunReport], str | Iterable[str]]] = {
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
            section(index, name, run, storage=settings.storage, images=True) for name in sites
        ],
        viewer_url=settings.report.viewer_url,
    )


def render(report: RunReport, fmt: str) -> str:
    """The report in one format: html, json, csv or junit."""
    return "".join(render_chunks(report, fmt))


def render_chunks(report: RunReport, fmt: str) -> Iterable[str]:
    """The report in one format, in pieces to write as they come."""
    rendered = RENDERERS[fmt](report)
    return [rendered] if isinstance(rendered, str) else rendered


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
        path = folder / f"run-{run_id}.{EXTENSIONS[fmt]}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as out:
            for chunk in render_chunks(report, fmt):
                out.write(chunk)
        latest = folder / f"latest.{EXTENSIONS[fmt]}"
        latest_tmp = latest.with_suffix(latest.suffix + ".tmp")
        shutil.copyfile(tmp, latest_tmp)
        tmp.replace(path)
        latest_tmp.replace(latest)
        written.append(path)
    return written


__all__ = [
    "RENDERERS",
    "RunReport",
    "Section",
    "build",
    "render",
    "render_chunks",
    "write_reports",
]
