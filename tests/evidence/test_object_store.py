"""Manifests go where the WARC files go: with an object store (moto S3 on 127.0.0.1), the
manifest is uploaded beside the site's WARC files, and a change made in the bucket is caught."""

from __future__ import annotations

from pathlib import Path

import boto3

from archiver import config
from archiver.demo import DemoServer
from archiver.evidence import verify_evidence
from archiver.evidence.keys import generate
from archiver.pipeline import COMPLETED_RUN, run_site
from archiver.store.index import Index


def test_manifests_are_stored_and_checked_in_the_object_store(
    tmp_path: Path, fresh_demo_server: DemoServer, s3_endpoint: str, bucket: str
) -> None:
    key = generate(tmp_path / "signing.pem", "ecdsa-p256")
    settings = config.parse(
        {
            "storage": {
                "root": "snapshots",
                "warcs": f"s3://{bucket}/archive",
                "warcs_endpoint": s3_endpoint,
            },
            "crawl": {"delay": 0, "per_host": 4, "timeout": 10, "retries": 0},
            "evidence": {"key": "signing.pem"},
            "sites": [
                {
                    "name": "demo",
                    "seeds": [f"{fresh_demo_server.url}en/id4/"],
                    "max_depth": 1,
                    "rules": ["regjeringen"],
                }
            ],
        },
        base_dir=tmp_path,
    )
    index = Index(settings.storage.index_url)
    try:
        assert run_site(settings, "demo", index).outcome == COMPLETED_RUN
        assert run_site(settings, "demo", index).outcome == COMPLETED_RUN
        client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
        keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
        assert {
            "archive/demo/manifests/00000001.json",
            "archive/demo/manifests/00000002.json",
        } <= keys
        assert not list((settings.storage.root / "warcs").rglob("*.json"))  # none left spooled
        result = verify_evidence(settings.storage, index, "demo", [key.public])
        assert result.ok, [str(b) for b in result.breaks]
        assert (result.manifests, result.signed) == (2, 2) and result.warcs >= 2

        warc = next(k for k in sorted(keys) if k.endswith(".warc.gz"))
        body = bytearray(client.get_object(Bucket=bucket, Key=warc)["Body"].read())
        body[-10] ^= 0xFF
        client.put_object(Bucket=bucket, Key=warc, Body=bytes(body))
        client.delete_object(Bucket=bucket, Key="archive/demo/manifests/00000002.json")
        broken = [str(b) for b in verify_evidence(settings.storage, index, "demo").breaks]
        name = "warcs/" + warc.removeprefix("archive/")
        assert any(b.startswith(f"run 1: {name}: WARC file has") for b in broken), broken
        assert (
            "run 2: warcs/demo/manifests/00000002.json: manifest file is missing "
            "(the index has a copy)" in broken
        ), broken
    finally:
        index.close()
