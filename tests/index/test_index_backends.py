"""The index behaves the same on SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from archiver.errors import ArchiveError
from archiver.store import database, rows, schema
from archiver.store import index as index_module
from archiver.store.index import COMPLETED, INTERRUPTED, Index, QueuedUrl
from tests.helpers import missing_service

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:
        return False
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Index]:
    if request.param == "sqlite":
        idx = Index(f"sqlite:///{tmp_path / 'index.sqlite3'}")
        yield idx
        idx.close()
        return
    if not _pg_available():
        missing_service("PostgreSQL is not running on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    idx = Index(f"{PG_ADMIN}?options=-csearch_path%3D{schema}")
    try:
        yield idx
    finally:
        idx.close()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _capture(run_id: int, url: str, at: datetime, **kw: object) -> dict[str, object]:
    values: dict[str, object] = {
        "run_id": run_id,
        "site": "s",
        "url": url,
        "canonical_url": url,
        "captured_at": at,
        "status": 200,
        "content_type": "text/html",
        "payload_digest": "sha256:AAAA",
        "record_type": "response",
        "refers_to": None,
        "warc_file": "warcs/s/a.warc.gz",
        "offset": 100,
        "length": 50,
        "etag": '"e1"',
        "last_modified": None,
        "is_page": True,
        "depth": 0,
    }
    values.update(kw)
    return values


def test_frontier_ignores_duplicates_and_keeps_order(index: Index) -> None:
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    with index.begin() as conn:
        index.enqueue(conn, run, [QueuedUrl("https://a/1", "https://a/1", 0, "page")])
        index.enqueue(
            conn,
            run,
            [
                QueuedUrl("https://a/1", "https://a/1#x", 1, "page"),
                QueuedUrl("https://a/2", "https://a/2", 1, "embed"),
            ],
        )
    queued = index.queued(run, after_id=0, limit=10)
    assert [(q.canonical_url, q.depth, q.kind) for _, q in queued] == [
        ("https://a/1", 0, "page"),
        ("https://a/2", 1, "embed"),
    ]
    with index.begin() as conn:
        index.mark(conn, run, "https://a/1", "done", None)
        index.mark(conn, run, "https://a/2", "failed", "timed out")
    assert index.queued(run, after_id=0, limit=10) == []
    assert index.frontier_counts(run) == {"page": {"done": 1}, "embed": {"failed": 1}}


def test_runs_resume_and_finish(index: Index) -> None:
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    assert index.unfinished_run("s") is not None
    index.finish_run(run, INTERRUPTED, {"pages": 1})
    row = index.unfinished_run("s")
    assert row is not None and row.id == run
    index.resume_run(run, 2, "h")
    index.finish_run(run, COMPLETED, {"pages": 2})
    assert index.unfinished_run("s") is None
    latest = index.latest_run("s", completed=True)
    assert latest is not None and latest.id == run and latest.finished_at.tzinfo is not None


def test_captures_revisits_and_committed_length(index: Index) -> None:
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    index.warc_opened(run, "warcs/s/a.warc.gz", 80)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with index.begin() as conn:
        first = index.add_capture(conn, _capture(run, "https://a/", t0), 150)
        second = index.add_capture(
            conn,
            _capture(
                run,
                "https://a/",
                t0 + timedelta(days=1),
                record_type="revisit",
                refers_to=first,
                status=304,
                offset=150,
            ),
            200,
        )
    (open_file,) = index.open_warcs([run])
    assert open_file.committed == 200
    previous = index.previous_capture("s", "https://a/")
    assert previous is not None and previous.id == first  # revisits hold no payload
    revisit = index.capture(second)
    assert revisit is not None
    assert index.payload_capture(revisit).id == first
    assert revisit.captured_at == t0 + timedelta(days=1)
    index.warc_closed("warcs/s/a.warc.gz", 200, "ab" * 32)
    assert index.open_warcs() == []


def test_insert_ignore_for_page_model_cache(index: Index) -> None:
    row = {
        "payload_digest": "sha256:X",
        "extractor_version": "1",
        "profile": "p",
        "model": "{}",
        "created_at": datetime.now(UTC),
    }
    for _ in range(2):
        with index.begin() as conn:
            conn.execute(index.insert_ignore(index_module.page_models), [row])
    with index.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(index_module.page_models)).scalar()
            == 1
        )


def test_sqlite_on_a_network_filesystem_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /proc/mounts cannot be made to show NFS here without root mounts; this is the one mock.
    monkeypatch.setattr(database, "_filesystem_type", lambda _path: "nfs4")
    with pytest.raises(ArchiveError, match=r"network filesystem \(nfs4\)"):
        Index(f"sqlite:///{tmp_path / 'index.sqlite3'}")


def test_naive_datetimes_are_rejected(index: Index) -> None:
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    with pytest.raises((ArchiveError, ValueError)), index.begin() as conn:
        index.add_capture(conn, _capture(run, "https://a/", datetime(2026, 1, 1)), 10)


@pytest.mark.parametrize(
    "name", ["warcs//etc/passwd", "warcs/s/../../../../etc/passwd", "warcs/s/link.warc.gz"]
)
def test_index_rows_naming_files_outside_the_archive_read_nothing(
    index: Index, tmp_path: Path, name: str
) -> None:
    from starlette.testclient import TestClient

    from archiver import config
    from archiver.export import export_wacz
    from archiver.web import create_app

    root = tmp_path / "snapshots"
    (root / "warcs" / "s").mkdir(parents=True)
    (root / "warcs" / "s" / "link.warc.gz").symlink_to("/etc/passwd")
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    with index.begin() as conn:
        capture_id = index.add_capture(
            conn, _capture(run, "https://a/", datetime(2026, 1, 1, tzinfo=UTC), warc_file=name), 50
        )
    index.finish_run(run, COMPLETED, {})
    url = index.engine.url.render_as_string(hide_password=False)
    settings = config.parse({"storage": {"root": str(root), "index": url}})
    app = create_app(settings)
    with TestClient(app) as client:
        for path in (f"/capture/{capture_id}/record.warc.gz", f"/capture/{capture_id}/replay"):
            response = client.get(path)
            assert response.status_code >= 400 and "root:" not in response.text, path
    with pytest.raises(ArchiveError, match="WARC f"):
        export_wacz(root, index, "s", tmp_path / "out.wacz", storage=settings.storage)


@pytest.mark.parametrize(
    ("row_class", "table"),
    [
        (rows.Run, schema.runs),
        (rows.WarcFile, schema.warc_files),
        (rows.Capture, schema.captures),
        (rows.FrontierEntry, schema.frontier),
        (rows.StoredViolation, schema.violations),
        (rows.TrackedRun, schema.tracked_runs),
        (rows.StoredFinding, schema.findings),
    ],
)
def test_each_row_class_names_exactly_its_tables_columns(row_class: type, table: sa.Table) -> None:
    # A column added by a migration without its field would make every read of the table fail.
    assert [f.name for f in dataclasses.fields(row_class)] == [c.name for c in table.columns]


def test_rows_read_back_with_the_same_python_types_on_both_backends(index: Index) -> None:
    run = index.start_run("s", kind="crawl", pid=1, hostname="h")
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    index.warc_opened(run, "warcs/s/a.warc.gz", 80)
    with index.begin() as conn:
        index.enqueue(
            conn, run, [QueuedUrl("https://a/", "https://a/", 0, "page", listed=True, lastmod=at)]
        )
        capture_id = index.add_capture(conn, _capture(run, "https://a/", at), 150)
    index.finish_run(run, COMPLETED, {"pages": 1})

    finished = index.run(run)
    assert isinstance(finished, rows.Run) and finished.status == COMPLETED
    assert finished.finished_at is not None and finished.finished_at.tzinfo is not None
    capture = index.capture(capture_id)
    assert isinstance(capture, rows.Capture)
    assert capture.is_page is True and capture.captured_at == at and capture.offset == 100
    entry = index.frontier_entry(run, "https://a/")
    assert isinstance(entry, rows.FrontierEntry)
    assert entry.listed is True and entry.lastmod == at and entry.status == "queued"
    (warc,) = index.site_warcs("s")
    assert isinstance(warc, rows.WarcFile) and warc.committed == 150 and warc.size is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        capture.status = 500  # type: ignore[misc]
