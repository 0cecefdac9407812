"""Crawl throughput with 1, 2 and 4 `archiver worker` processes across 8 loopback hosts.

Eight demo sites on 127.0.0.2-127.0.0.9 (DemoServer, 0.05 s latency per
response), a PostgreSQL index (a fresh schema) and Redis on 127.0.0.1, WARC
files under a temporary local folder. For each worker count: enqueue every
site, wait until all runs have completed and been checked, print pages/s and
the ratio to one worker. Not part of the test suite:

    .venv/bin/python benchmarks/bench_workers.py [--per-host 2] [--delay 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import sqlalchemy as sa

from archiver.demo import DemoServer
from archiver.store.index import Index, captures, checks

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"


def _run(workers: int, servers: list[DemoServer], per_host: int, delay: float) -> float:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    namespace = f"archiver-bench-{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = f"{PG}?options=-csearch_path%3D{schema}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sites = "".join(
            f'[[sites]]\nname = "s{i}"\nseeds = ["{s.url}en/id4/", "{s.url}no/id4/"]\n'
            "max_depth = 5\n"
            for i, s in enumerate(servers)
        )
        config = root / "archiver.toml"
        config.write_text(
            f'[storage]\nroot = "snapshots"\nindex = "{url}"\n'
            f"[crawl]\nper_host = {per_host}\ndelay = {delay}\nconcurrency = 8\n"
            f'[queue]\nbroker = "{REDIS}"\nnamespace = "{namespace}"\nredeliver_after = 10\n'
            f"[report]\nformats = []\n{sites}",
            encoding="utf-8",
        )
        Index(url).close()
        command = [sys.executable, "-m", "archiver"]
        procs = [
            subprocess.Popen(
                [*command, "worker", "-c", str(config), "--threads", "1", "-q"],
                cwd=root,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        engine = sa.create_engine(url)
        try:
            time.sleep(1.5)  # workers up
            started = time.monotonic()
            subprocess.run(
                [*command, "enqueue", "-c", str(config), "-q"],
                cwd=root,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            while True:
                with engine.connect() as conn:
                    done = conn.execute(sa.select(sa.func.count(sa.distinct(checks.c.run_id))))
                    if done.scalar() == len(servers):
                        break
                time.sleep(0.1)
            elapsed = time.monotonic() - started
            with engine.connect() as conn:
                pages = conn.execute(sa.select(sa.func.count()).select_from(captures)).scalar()
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait()
            engine.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()
    client = redis.Redis.from_url(REDIS)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    return float(pages or 0) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    servers = [DemoServer(host=f"127.0.0.{i}", latency=0.05).start() for i in range(2, 10)]
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    try:
        base = None
        for n in map(int, args.workers.split(",")):
            rate = _run(n, servers, args.per_host, args.delay)
            base = base or rate
            print(f"{n} worker(s): {rate:7.1f} captures/s  ×{rate / base:.2f}", flush=True)
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
