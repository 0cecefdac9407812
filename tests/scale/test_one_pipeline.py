"""One site run embedded (`run_site`) and distributed (workers on Redis, PostgreSQL index):
both modes end the same way, because both call the same stages after the crawl.

The site has a rule pack that cannot check its Norwegian pages (an unknown time
zone), so both runs meet check errors: the run is tracked and reported, then
failed (exit 3), and no notification goes out. The outcomes, exit codes, log
lines (each finding once, each check problem once) and JSON reports must match,
and the workers read the rule packs once for all the run's check batches.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from archiver import config
from archiver.config import Settings
from archiver.demo import DemoServer
from archiver.pipeline import FAILED_RUN, run_site

pytestmark = pytest.mark.slow

# Checks the English pages as regjeringen does; the Norwegian ones cannot be checked.
PACKS = {
    "demo-en.yaml": "id: demo-en\nextends: regjeringen\nmatch: ['/en/']\n",
    "demo-no.yaml": (
        "id: demo-no\nextends: regjeringen\nmatch: ['/no/']\nprofile:\n  timezone: Mars/Olympus\n"
    ),
}


def _settings(folder: Path, server: DemoServer, **sections: dict[str, Any]) -> Settings:
    rules = folder / "rules"
    rules.mkdir(parents=True)
    for name, text in PACKS.items():
        (rules / name).write_text(text, encoding="utf-8")
    return config.parse(
        {
            **sections,
            "crawl": {"delay": 0, "per_host": 4, "retries": 0, "timeout": 10},
            "report": {"dir": str(folder / "reports"), "formats": ["json"]},
            "rules_dir": [str(rules)],
            "sites": [
                {
                    "name": "demo",
                    "seeds": [f"{server.url}en/id4/", f"{server.url}no/id4/"],
                    "max_depth": 4,
                }
            ],
        },
        base_dir=folder,
    )


class _Lines:
    """Log records of one mode; `summary` is set when a run's outcome is logged."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.summary = threading.Event()

    def __call__(self, message: Any) -> None:
        record = message.record
        self.records.append(
            {"level": record["level"].name, "message": record["message"], **record["extra"]}
        )
        if "outcome" in record["extra"]:
            self.summary.set()

    def findings(self) -> list[str]:
        return sorted(_same(r["message"]) for r in self.records if "status" in r)

    def errors(self) -> list[str]:
        return sorted(
            _same(r["message"])
            for r in self.records
            if r["level"] == "ERROR" and "outcome" not in r and "status" not in r
        )


def _capture(lines: _Lines) -> int:
    return logger.add(lines, level="DEBUG", format="{message}", enqueue=False)


_SECONDS = re.compile(r"\d+\.\ds")
# A capture time in a message ("... before capture on 2026-11-28T08:42:54.250536Z").
_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?")

# Where a capture sits: WARC files are named by time, records land in fetch order.
_RECORD = re.compile(r"\S+\.warc(\.gz)? @ \d+")


def _same(text: str) -> str:
    """What two crawls of one site say alike: without capture times, durations and WARC
    positions."""
    return _SECONDS.sub("Ns", _MOMENT.sub("T", _RECORD.sub("WARC @ N", text)))


def _scrubbed(value: Any) -> Any:
    """A JSON report without what differs between two crawls of one site: times, WARC
    positions and the run's trigger; lists sorted."""
    if isinstance(value, dict):
        return {
            k: _scrubbed(v)
            for k, v in value.items()
            if not k.endswith("_at")
            and k not in ("warc_file", "offset", "trigger", "generated", "elapsed", "capture_id")
        }
    if isinstance(value, list):
        return sorted((_scrubbed(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return _same(value) if isinstance(value, str) else value


def test_a_site_ends_the_same_embedded_and_distributed(
    tmp_path: Path, pg_url: str, redis_url: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dramatiq

    from archiver.check import archive
    from archiver.queue.cluster import QUEUES, Cluster

    loads: list[int] = []
    load = archive.RuleSet.load

    def counted(extra_dirs: Any = ()) -> Any:
        loads.append(threading.get_ident())
        return load(extra_dirs)

    monkeypatch.setattr(archive.RuleSet, "load", counted)

    with DemoServer() as server:
        embedded_settings = _settings(tmp_path / "embedded", server)
        embedded_lines = _Lines()
        sink = _capture(embedded_lines)
        try:
            embedded = run_site(embedded_settings, "demo")
        finally:
            logger.remove(sink)

        distributed_settings = _settings(
            tmp_path / "distributed",
            server,
            storage={"index": pg_url},
            queue={"broker": redis_url, "namespace": namespace, "check_batch": 5},
        )
        distributed_lines = _Lines()
        node = Cluster(distributed_settings)
        worker = dramatiq.Worker(node.broker, queues=set(QUEUES), worker_threads=2)
        sink = _capture(distributed_lines)
        worker.start()
        loads.clear()
        try:
            node.enqueue_site("demo")
            assert distributed_lines.summary.wait(180), distributed_lines.records[-20:]
        finally:
            worker.stop()
            node.close()
            logger.remove(sink)

    # The run met the unreadable pages, was tracked and reported anyway, and failed.
    assert embedded.outcome == FAILED_RUN and embedded.exit_code("error") == 3
    assert embedded.error and "could not be checked" in embedded.error
    assert embedded.tracking is not None and embedded.tracking.findings
    assert embedded_lines.errors() and all(
        "Mars/Olympus" in e for e in embedded_lines.errors() if e.startswith("check: ")
    )

    [summary] = [r for r in distributed_lines.records if "outcome" in r]
    assert (summary["outcome"], summary["exit_code"]) == (
        embedded.outcome,
        embedded.exit_code("error"),
    )
    assert summary["level"] == "ERROR"
    assert _same(summary["message"]) == _same(embedded.summary())

    # Every check batch and the finish shared one checker: the packs were read once.
    batches = sum(r["message"].startswith("batch of") for r in distributed_lines.records)
    assert batches >= 3 and len(loads) == 1

    assert distributed_lines.findings() == embedded_lines.findings()
    assert distributed_lines.errors() == embedded_lines.errors()

    reports = [
        json.loads((s.report.dir / "demo" / "latest.json").read_text(encoding="utf-8"))
        for s in (embedded_settings, distributed_settings)
    ]
    assert reports[0]["violations"], "the English pages have findings"
    assert _scrubbed(reports[1]) == _scrubbed(reports[0])
