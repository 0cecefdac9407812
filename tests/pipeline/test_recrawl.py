"""A nightly recrawl that fetches only what is due still checks every page, tonight."""

from __future__ import annotations

import json
from pathlib import Path

from archiver import config
from archiver.demo import DemoServer
from archiver.pipeline import run_site
from archiver.report import build, render
from archiver.store.index import Index
from tests.pipeline.helpers import SITE, write_config


def test_kept_pages_are_checked_tonight_and_say_when_they_were_last_fetched(
    tmp_path: Path, fresh_demo_server: DemoServer
) -> None:
    settings = config.load(write_config(tmp_path, fresh_demo_server))
    first = run_site(settings, SITE)
    second = run_site(settings, SITE)
    assert first.outcome == second.outcome == "completed"
    assert second.crawl is not None and second.crawl.stats.kept > 0
    # Every page checked again, though most were not fetched.
    assert second.check is not None and first.check is not None
    assert second.check.pages == first.check.pages
    assert second.tracking is not None
    assert second.tracking.counts["disappeared"] == 0
    assert second.tracking.counts["fixed"] == 0
    assert second.tracking.counts["persisting"] == len(
        [f for f in first.tracking.findings if f.is_open]  # type: ignore[union-attr]
    )
    assert "kept from their last capture" in second.summary()

    index = Index(settings.storage.index_url)
    try:
        run = index.run(second.run_id)  # type: ignore[arg-type]
        built = build(settings, index, [SITE], "latest")
        report = json.loads(render(built, "json"))
        html = render(built, "html")
    finally:
        index.close()
    kept = [p for p in report["pages"] if "last_fetched" in p]
    assert len(kept) == second.crawl.stats.kept
    tonight = run.started_at.isoformat().replace("+00:00", "Z")
    for page in kept:
        # Checked at tonight's date (an age notice falls due on its own) …
        assert page["captured_at"][:19] == tonight[:19]
        # … from a capture made by the first run.
        assert page["last_fetched"] < page["captured_at"]
    crawl = report["runs"][0]["crawl"]
    assert crawl["kept"] == len(kept) and crawl["warnings"] == []
    assert "last fetched" in html
