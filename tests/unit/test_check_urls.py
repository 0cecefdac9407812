"""A check limited by `urls` patterns applies to exactly the pages they match, whichever page
of the run is checked first (the checker once kept the checks of the first page it resolved
for every page under the same packs)."""

from __future__ import annotations

import re
from pathlib import Path

from archiver import config
from archiver.check.archive import ArchiveChecker
from archiver.crawl.crawler import Crawler
from archiver.demo import DemoServer
from archiver.store.index import Index


def test_a_check_with_urls_applies_only_to_the_pages_they_match(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    with DemoServer() as server:
        (rules / "demo.yaml").write_text(
            "id: demo\nextends: regjeringen\n"
            f"match: ['^{re.escape(server.url)}']\n"
            "checks:\n"
            "  - id: photo-credits-no\n"
            "    schema: photo-credits.schema.json\n"
            "    severity: warning\n"
            "    message: 'Norwegian page: image {src} has no credit'\n"
            "    urls: ['/no/']\n",
            encoding="utf-8",
        )
        settings = config.parse(
            {
                "storage": {"root": "snapshots"},
                "crawl": {"delay": 0, "per_host": 4},
                "rules_dir": [str(rules)],
                "sites": [
                    {
                        "name": "demo",
                        "seeds": [f"{server.url}en/id4/", f"{server.url}no/id4/"],
                        "max_depth": 4,
                    }
                ],
            },
            base_dir=tmp_path,
        )
        index = Index(settings.storage.index_url)
        try:
            run = Crawler(settings, settings.sites[0], index).run()
            result = ArchiveChecker(settings, index).check_run(settings.sites[0], run.run_id)
        finally:
            index.close()
    found = result.report.violations
    norwegian = {v.url for v in found if v.rule == "photo-credits" and "/no/" in v.url}
    limited = {v.url for v in found if v.rule == "photo-credits-no"}
    assert norwegian, "the demo's Norwegian pages have uncredited images"
    assert any(v.rule == "photo-credits" and "/en/" in v.url for v in found)
    assert limited == norwegian
