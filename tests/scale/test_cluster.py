"""A cluster on one machine: PostgreSQL index, WARCs on S3 (moto), Redis, three worker processes.

Several sites on loopback addresses, two of them on one host so that two
workers crawl it at once; one worker is killed with SIGKILL mid-crawl. The
servers' own request logs show per-host politeness held across workers, and
the captures equal those of an embedded crawl of the same sites.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver import config
from archiver.crawl.crawler import Crawler
from archiver.demo import DemoServer
from archiver.store.index import Index, captures, checks, runs

PER_HOST, DELAY = 2, 0.05
pytestmark = pytest.mark.slow


@pytest.fixture
def servers() -> Iterator[tuple[DemoServer, DemoServer]]:
    with (
        DemoServer(host="127.0.0.2", latency=0.02) as shared,
        DemoServer(host="127.0.0.3", latency=0.02) as other,
    ):
        yield shared, other


def _sites(shared: DemoServer, other: DemoServer) -> list[dict[str, object]]:
    # a-en and a-no share 127.0.0.2: two workers crawl one host at the same time.
    return [
        {
            "name": "a-en",
            "seeds": [f"{shared.url}en/id4/"],
            "include": [f"^{shared.url}en/"],
            "max_depth": 2,
        },
        {
            "name": "a-no",
            "seeds": [f"{shared.url}no/id4/"],
            "include": [f"^{shared.url}no/"],
            "max_depth": 2,
        },
        {"name": "b", "seeds": [f"{other.url}en/id4/"], "max_depth": 2},
    ]


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _write_config(path: Path, sections: dict[str, dict[str, object]], sites: list[dict]) -> None:
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    for site in sites:
        lines.append("[[sites]]")
        lines += [f"{k} = {_toml(v)}" for k, v in site.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _captured(url: str) -> dict[str, Counter[str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(runs.c.site, captures.c.canonical_url).join(
                runs, runs.c.id == captures.c.run_id
            )
        ).all()
    engine.dispose()
    out: dict[str, Counter[str]] = {}
    for site, url in rows:
        out.setdefault(site, Counter())[url] += 1
    return out


def _assert_polite(server: DemoServer) -> None:
    records = server.requests.snapshot()
    assert records
    assert server.requests.max_in_flight() <= PER_HOST
    starts = sorted(r.start for r in records)
    # Redis reserves start times DELAY apart; what the server sees also carries each
    # worker's lateness (a busy event loop sends a reserved request up to some tens of ms
    # late, narrowing that one gap), so check the sustained spacing over windows of 10
    # starts with one request's lateness of slack, and on average over the whole crawl.
    windows = [b - a for a, b in zip(starts, starts[10:], strict=False)]
    assert min(windows) >= 10 * DELAY - 0.06, sorted(windows)[:3]
    assert (starts[-1] - starts[0] + 0.06) / (len(starts) - 1) >= DELAY


def test_workers_crawl_and_check_politely_and_lose_nothing_when_one_is_killed(
    tmp_path: Path,
    servers: tuple[DemoServer, DemoServer],
    pg_url: str,
    redis_url: str,
    namespace: str,
    s3_endpoint: str,
    bucket: str,
) -> None:
    shared, other = servers
    sites = _sites(shared, other)
    path = tmp_path / "archiver.toml"
    _write_config(
        path,
        {
            "storage": {
                "root": "snapshots",
                "index": pg_url,
                "warcs": f"s3://{bucket}/archive",
                "warcs_endpoint": s3_endpoint,
            },
            "crawl": {"per_host": PER_HOST, "delay": DELAY, "concurrency": 4, "timeout": 10},
            "queue": {
                "broker": redis_url,
                "namespace": namespace,
                "redeliver_after": 2,
                "check_batch": 10,
            },
            "report": {"dir": "reports"},
        },
        sites,
    )
    settings = config.load(path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    worker = [sys.executable, "-m", "archiver", "worker", "-c", str(path), "--threads", "1"]
    logs = [(tmp_path / f"worker-{i}.log").open("wb") for i in range(3)]
    workers = [
        subprocess.Popen(worker, cwd=tmp_path, env=env, stderr=log, stdout=log) for log in logs
    ]
    Index(pg_url).close()  # the schema, before anyone looks
    engine = sa.create_engine(pg_url)
    try:
        enqueued = subprocess.run(
            [sys.executable, "-m", "archiver", "enqueue", "-c", str(path), "-q"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert enqueued.returncode == 0, enqueued.stderr

        # Kill a worker once the site it crawls has something archived.
        victim = None
        deadline = time.monotonic() + 30
        while victim is None and time.monotonic() < deadline:
            with engine.connect() as conn:
                busy = conn.execute(
                    sa.select(runs.c.pid)
                    .join(captures, captures.c.run_id == runs.c.id)
                    .where(runs.c.status == "running")
                    .group_by(runs.c.pid)
                    .having(sa.func.count() >= 10)
                ).first()
            victim = next((w for w in workers if busy and w.pid == busy.pid), None)
            time.sleep(0.05)
        assert victim is not None, "no crawl got going"
        victim.send_signal(signal.SIGKILL)
        victim.wait()

        deadline = time.monotonic() + 45
        done = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                done = conn.execute(sa.select(sa.func.count(sa.distinct(checks.c.run_id)))).scalar()
            if done == len(sites):
                break
            time.sleep(0.2)
        assert done == len(sites), "not every site was crawled and checked in time:\n" + "\n".join(
            (tmp_path / f"worker-{i}.log").read_text()[-3000:] for i in range(3)
        )
    finally:
        for w in workers:
            if w.poll() is None:
                w.terminate()
        for w in workers:
            try:
                w.wait(timeout=15)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        for log in logs:
            log.close()

    with engine.connect() as conn:
        site_runs = conn.execute(sa.select(runs.c.site, runs.c.status)).all()
    engine.dispose()
    assert sorted(site_runs) == sorted((s["name"], "completed") for s in sites)
    distributed = _captured(pg_url)
    for site, counts in distributed.items():
        assert max(counts.values()) == 1, (site, [u for u, n in counts.items() if n > 1])
    _assert_polite(shared)
    _assert_polite(other)
    assert not list((tmp_path / "snapshots" / "warcs").rglob("*.warc.gz*")), "all uploaded"

    # The same sites crawled the embedded way (one process, SQLite, local WARCs).
    embedded_settings = config.parse(
        {
            "storage": {"root": str(tmp_path / "embedded")},
            "crawl": {"per_host": 4, "delay": 0, "timeout": 10},
            "sites": sites,
        },
        base_dir=tmp_path,
    )
    index = Index(embedded_settings.storage.index_url)
    try:
        for site in embedded_settings.sites:
            assert Crawler(embedded_settings, site, index).run().status == "completed"
    finally:
        index.close()
    embedded = _captured(embedded_settings.storage.index_url)
    assert {s: set(c) for s, c in distributed.items()} == {s: set(c) for s, c in embedded.items()}
    assert settings.queue.namespace == namespace
