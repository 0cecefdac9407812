"""Distributed mode closes runs too: a worker's finish job writes the signed manifest, and
`archiver verify --evidence` accepts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from archiver.demo import DemoServer
from archiver.evidence.keys import generate
from archiver.store.index import Index
from tests.helpers import run_archiver


def test_a_worker_closes_the_run_it_finishes(
    tmp_path: Path, fresh_demo_server: DemoServer, redis_url: str, namespace: str
) -> None:
    generate(tmp_path / "signing.pem", "ecdsa-p384")
    path = tmp_path / "archiver.toml"
    path.write_text(
        f"""
[crawl]
delay = 0
per_host = 4
retries = 0

[queue]
broker = "{redis_url}"
namespace = "{namespace}"
redeliver_after = 5

[evidence]
key = "signing.pem"

[[sites]]
name = "demo"
seeds = ["{fresh_demo_server.url}en/id4/"]
max_depth = 1
rules = ["regjeringen"]
""",
        encoding="utf-8",
    )
    index_file = tmp_path / "snapshots" / "index.sqlite3"
    Index(f"sqlite:///{index_file}").close()  # the schema, before anyone looks
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "archiver", "worker", "-c", str(path), "--threads", "1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=log,
    )
    engine = sa.create_engine(f"sqlite:///{index_file}")
    try:
        enqueued = run_archiver("enqueue", "-c", str(path), "-q", cwd=tmp_path)
        assert enqueued.returncode == 0, enqueued.stderr
        rows: list[sa.Row[tuple[int, str]]] = []
        deadline = time.monotonic() + 90
        while not rows and time.monotonic() < deadline and worker.poll() is None:
            with engine.connect() as conn:
                rows = list(conn.execute(sa.text("SELECT run_id, manifest FROM run_manifests")))
            time.sleep(0.2)
        assert rows, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        engine.dispose()
    manifest = json.loads(rows[0].manifest)
    assert manifest["run"] == rows[0].run_id and manifest["signature"]["algorithm"] == (
        "ecdsa-p384-sha256"
    )
    assert (tmp_path / "snapshots" / "warcs" / "demo" / "manifests" / "00000001.json").exists()
    verified = run_archiver("verify", "-c", str(path), "--evidence")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "demo: evidence OK: 1 manifest(s) (1 signed)" in verified.stdout
