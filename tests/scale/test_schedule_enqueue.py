"""With `[queue] broker` set, the scheduler hands due sites to the workers, not run_site."""

from __future__ import annotations

from pathlib import Path

import redis

from archiver import config
from archiver.schedule import Scheduler


def test_due_site_is_enqueued_not_run(tmp_path: Path, redis_url: str, namespace: str) -> None:
    settings = config.parse(
        {
            "storage": {"root": str(tmp_path / "snapshots")},
            "queue": {"broker": redis_url, "namespace": namespace},
            "sites": [{"name": "s", "seeds": ["http://127.0.0.1:9/"]}],
        },
        base_dir=tmp_path,
    )
    scheduler = Scheduler(settings)
    scheduler._job("s")
    client = redis.Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in client.scan_iter(f"{namespace}*")]
    finally:
        client.close()
    assert any("crawl" in key for key in keys), keys
    # Nothing was crawled here: no run in this process's archive.
    assert not (tmp_path / "snapshots" / "warcs").exists()
