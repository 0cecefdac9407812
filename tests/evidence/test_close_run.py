"""Closing runs on SQLite and PostgreSQL: one manifest per tracked run, chained, never rewritten;
a run tracked but never closed (the process died in between) is closed by the next run."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from archiver import config
from archiver.demo import DemoServer
from archiver.evidence import close_run, verify_evidence
from archiver.evidence.keys import generate, load_key
from archiver.evidence.manifest import manifest_name, run_manifests
from archiver.pipeline import COMPLETED_RUN, run_site
from archiver.store.index import Index
from tests.pipeline.helpers import SITE, write_config


def test_runs_close_in_a_chain_and_a_missed_close_is_made_up(db_url: str, tmp_path: Path) -> None:
    generate(tmp_path / "ed.pem", "ed25519")
    extra = f'[storage]\nindex = "{db_url}"\n\n[evidence]\nkey = "ed.pem"\n'
    with DemoServer() as server:
        settings = config.load(write_config(tmp_path, server, extra))
        index = Index(settings.storage.index_url)
        try:
            assert run_site(settings, SITE, index).outcome == COMPLETED_RUN
            again = close_run(settings, index, SITE, 1)
            assert again.data == (tmp_path / "snapshots" / again.name).read_bytes()
            assert run_site(settings, SITE, index, full=True).outcome == COMPLETED_RUN
            # Run 2 was tracked, but its process died before closing it.
            with index.begin() as conn:
                conn.execute(run_manifests.delete().where(run_manifests.c.run_id == 2))
            (tmp_path / "snapshots" / manifest_name(SITE, 2)).unlink()
            broken = verify_evidence(settings.storage, index, SITE)
            assert [str(b) for b in broken.breaks] == [
                f"run 2: {manifest_name(SITE, 2)}: run was tracked but has no manifest"
            ]
            assert run_site(settings, SITE, index, full=True).outcome == COMPLETED_RUN
            with index.read() as conn:
                rows = conn.execute(sa.select(run_manifests).order_by(run_manifests.c.run_id)).all()
            assert [(r.run_id, r.previous_run_id) for r in rows] == [(1, None), (2, 1), (3, 2)]
            key = load_key(tmp_path / "ed.pem")
            result = verify_evidence(settings.storage, index, SITE, [key.public])
            assert result.ok, [str(b) for b in result.breaks]
            assert (result.manifests, result.signed) == (3, 3)
            third = json.loads(rows[2].manifest)
            assert third["signature"]["algorithm"] == "ed25519"
            assert third["previous"] == {"run": 2, "sha256": rows[1].sha256}
        finally:
            index.close()
