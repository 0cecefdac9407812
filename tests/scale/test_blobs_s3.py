"""WARC files on S3-compatible storage (moto on 127.0.0.1): uploaded, verified, read back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import pytest
from starlette.testclient import TestClient

from archiver import config
from archiver.check.archive import ArchiveChecker
from archiver.config import Settings
from archiver.demo import DemoServer
from archiver.errors import ArchiveError
from archiver.store import blobs
from archiver.store.index import Index
from archiver.store.verify import verify_site
from archiver.web import create_app
from tests.helpers import crawl


def _settings(tmp_path: Path, server: DemoServer, warcs: str, endpoint: str) -> Settings:
    return config.parse(
        {
            "storage": {"root": "snapshots", "warcs": warcs, "warcs_endpoint": endpoint},
            "crawl": {"delay": 0, "per_host": 4, "timeout": 10},
            "sites": [
                {
                    "name": "demo",
                    "seeds": [f"{server.url}en/id4/"],
                    "max_depth": 2,
                    "rules": ["regjeringen"],
                }
            ],
        },
        base_dir=tmp_path,
    )


def _objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_warcs_are_uploaded_verified_and_read_back_from_s3(
    tmp_path: Path, fresh_demo_server: DemoServer, s3_endpoint: str, bucket: str
) -> None:
    settings = _settings(tmp_path, fresh_demo_server, f"s3://{bucket}/archive", s3_endpoint)
    index = Index(settings.storage.index_url)
    try:
        first = crawl(settings, index)
        assert first.status == "completed" and first.stats.pages > 5

        # Nothing stays behind locally; every file is in the bucket with its recorded digest.
        assert not list((settings.storage.root / "warcs").rglob("*.warc.gz*"))
        objects = _objects(s3_endpoint, bucket)
        files = index.warcs()
        assert files and len(objects) == len(files)
        for row in files:
            data = objects["archive/" + row.name.removeprefix("warcs/")]
            assert hashlib.sha256(data).hexdigest() == row.sha256 and len(data) == row.size
            assert row.stored_at is not None

        # Readers get records from the store: the checker, and a recrawl's revisits.
        checked = ArchiveChecker(settings, index).check_run(settings.sites[0], first.run_id)
        assert checked.errors == [] and checked.pages > 5 and checked.report.violations
        capture = index.captures_of_run(first.run_id)[0]
        record = blobs.read_record(settings.storage, capture.warc_file, capture.offset)
        assert record.url == capture.url and record.payload_digest == capture.payload_digest

        second = crawl(settings, index)
        assert second.status == "completed"
        assert second.stats.revisits == second.stats.fetched - second.stats.robots

        # Fixity: verify re-reads every file from the bucket.
        checked_files = verify_site(settings.storage.root, index, "demo", storage=settings.storage)
        assert checked_files.ok, [str(p) for p in checked_files.problems]
        assert checked_files.files == len(index.warcs()) and checked_files.captures > 10

        # The viewer replays from the bucket and serves the raw record from it.
        page = next(c for c in index.captures_of_run(first.run_id) if c.is_page and c.status == 200)
        with TestClient(create_app(settings)) as client:
            replay = client.get(f"/capture/{page.id}/replay")
            assert replay.status_code == 200 and "<h1" in replay.text
            raw = client.get(f"/capture/{page.id}/record.warc.gz")
            assert raw.status_code == 200 and len(raw.content) == page.length
    finally:
        index.close()


def test_a_stored_copy_that_does_not_match_is_refused_and_kept_locally(
    tmp_path: Path, fresh_demo_server: DemoServer, s3_endpoint: str, bucket: str
) -> None:
    settings = _settings(tmp_path, fresh_demo_server, f"s3://{bucket}/x", s3_endpoint)
    store = blobs.WarcStore(settings.storage)
    local = store.local_path("warcs/demo/a.warc.gz")
    local.parent.mkdir(parents=True)
    local.write_bytes(b"not what the index recorded")
    with pytest.raises(ArchiveError, match="expected 0000"):
        store.publish("warcs/demo/a.warc.gz", "0" * 64)
    assert local.exists()
    assert store.publish("warcs/demo/a.warc.gz", hashlib.sha256(local.read_bytes()).hexdigest())
    assert not local.exists() and store.exists("warcs/demo/a.warc.gz")
