"""An archive with two crawls of a small site, checked, for the viewer tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from archiver import config
from archiver.check.archive import ArchiveChecker
from archiver.config import Settings
from archiver.crawl.crawler import Crawler
from archiver.store.index import Index
from archiver.web import create_app
from tests.web.site import SmallSite


@dataclass(frozen=True)
class Archived:
    """Two checked crawls of the small site."""

    settings: Settings
    config_file: Path
    site_url: str
    runs: tuple[int, int]
    captures: dict[tuple[int, str], int]  # (run, path) -> capture id

    def capture(self, run: int, path: str) -> int:
        return self.captures[(self.runs[run - 1], path)]


def _settings_data(root: Path, url: str) -> dict[str, object]:
    return {
        "storage": {"root": str(root)},
        "crawl": {"delay": 0, "per_host": 4, "timeout": 10},
        "sites": [{"name": "small", "seeds": [url], "rules": ["regjeringen"], "max_depth": 3}],
    }


@pytest.fixture(scope="session")
def archived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archived]:
    base = tmp_path_factory.mktemp("viewer")
    with SmallSite() as site:
        settings = config.parse(_settings_data(base / "snapshots", site.url), base_dir=base)
        site_settings = settings.sites[0]
        index = Index(settings.storage.index_url)
        runs: list[int] = []

        def crawl_and_check() -> None:
            # In a thread: Playwright's sync API may already own this thread's event loop.
            for phase in (1, 2):
                site.phase(phase)
                result = Crawler(settings, site_settings, index).run()
                assert result.status == "completed"
                ArchiveChecker(settings, index).check_run(site_settings, result.run_id)
                runs.append(result.run_id)

        try:
            worker = threading.Thread(target=crawl_and_check)
            worker.start()
            worker.join()
            assert len(runs) == 2
            captures = {
                (row.run_id, row.url.removeprefix(site.url.rstrip("/"))): row.id
                for run in runs
                for row in index.captures_of_run(run)
            }
        finally:
            index.close()
        config_file = base / "archiver.toml"
        config_file.write_text(
            f'[storage]\nroot = "{base / "snapshots"}"\n\n'
            f'[[sites]]\nname = "small"\nseeds = ["{site.url}"]\nrules = ["regjeringen"]\n',
            encoding="utf-8",
        )
        yield Archived(settings, config_file, site.url, (runs[0], runs[1]), captures)


@pytest.fixture(scope="session")
def client(archived: Archived) -> Iterator[TestClient]:
    app = create_app(archived.settings)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
