"""A cluster on one machine: PostgreSQL index, WARCs on S3 (moto), Redis, three worker processes.

Several sites on loopback addresses, two of them on one host so that two
workers crawl it at once; one worker is killed with SIGKILL mid-crawl. The
servers' own request logs show at most `per_host` requests in flight, the
starts the workers claimed in Redis (their debug log) are `delay` apart on
Redis's clock, and the captures equal those of an embedded crawl of the same
sites. Nothing is judged by a fixed sleep or the test's own clock.
"""

from __future__ import annotations

import itertools
import os
import re
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


_CLAIM = re.compile(r"host (\S+): start claimed at (\d+) ms")


def _claims(logs: list[Path]) -> dict[str, list[int]]:
    """Each host's request starts as the workers claimed them in Redis (ms, Redis's clock)."""
    out: dict[str, list[int]] = {}
    for path in logs:
        for host, ms in _CLAIM.findall(path.read_text(encoding="utf-8", errors="replace")):
            out.setdefault(host, []).append(int(ms))
    return {host: sorted(starts) for host, starts in out.items()}


def _assert_polite(server: DemoServer, claims: dict[str, list[int]]) -> None:
    records = server.requests.snapshot()
    assert records
    assert server.requests.max_in_flight() <= PER_HOST
    # Every request the server saw started from a claim in Redis, and the claims of all
    # workers together are DELAY apart on Redis's clock (what the limiter guarantees; the
    # server's own clock adds each worker's scheduling lateness, so it is not the judge).
    [starts] = [v for host, v in claims.items() if server.url.startswith(host)]
    assert len(starts) >= len(records)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= DELAY * 1000, sorted(gaps)[:5]


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
    worker = [sys.executable, "-m", "archiver", "worker", "-c", str(path), "--threads", "1", "-v"]
    log_paths = [tmp_path / f"worker-{i}.log" for i in range(3)]
    logs = [p.open("wb") for p in log_paths]
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
    claims = _claims(log_paths)
    _assert_polite(shared, claims)
    _assert_polite(other, claims)
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
