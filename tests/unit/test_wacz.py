"""`archiver.export.wacz.export_wacz` directly: a package whose every byte its own manifest
vouches for, whose WARC files replay tools can seek into, and which is never left half-made.

The demo site is crawled twice (real WARC files from a server on 127.0.0.1); warcio, the
field's reader, is the judge of where the CDXJ index points.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archiver import config
from archiver.crawl.crawler import Crawler
from archiver.demo import DemoServer
from archiver.errors import ArchiveError
from archiver.export.wacz import WACZ_VERSION, export_wacz
from archiver.store.index import Index


@dataclass
class Archive:
    root: Path
    index: Index
    runs: list[int]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("wacz")
    with DemoServer() as server:
        settings = config.parse(
            {
                "storage": {"root": "snapshots"},
                "crawl": {"delay": 0, "per_host": 4},
                "sites": [{"name": "demo", "seeds": [f"{server.url}en/id4/"], "max_depth": 2}],
            },
            base_dir=folder,
        )
        index = Index(settings.storage.index_url)
        runs = []
        for phase in (1, 2):
            server.set_phase(phase)
            result = Crawler(settings, settings.sites[0], index, full=True).run()
            assert result.status == "completed"
            runs.append(result.run_id)
        try:
            yield Archive(settings.storage.root, index, runs)
        finally:
            index.close()


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_every_file_is_vouched_for_by_the_manifest(archive: Archive, tmp_path: Path) -> None:
    out = tmp_path / "demo.wacz"
    result = export_wacz(archive.root, archive.index, "demo", out)
    with zipfile.ZipFile(out) as zf:
        package_bytes = zf.read("datapackage.json")
        package = json.loads(package_bytes)
        digest = json.loads(zf.read("datapackage-digest.json"))
        listed = {r["path"]: r for r in package["resources"]}
        names = set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        assert set(listed) == names
        for path, resource in listed.items():
            data = zf.read(path)
            assert (resource["hash"], resource["bytes"]) == (_sha256(data), len(data)), path
    assert digest == {"path": "datapackage.json", "hash": _sha256(package_bytes)}
    assert package["wacz_version"] == WACZ_VERSION
    assert result.warcs == sum(p.startswith("archive/") for p in names) >= 1
    assert result.pages > 0 and result.captures > result.pages


def test_warc_files_are_stored_byte_for_byte_and_the_index_points_at_their_records(
    archive: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "demo.wacz"
    export_wacz(archive.root, archive.index, "demo", out)
    originals = {p.name: p for p in (archive.root / "warcs").rglob("*.warc.gz")}
    with zipfile.ZipFile(out) as zf:
        for info in zf.infolist():
            if info.filename.startswith("archive/"):
                # Stored, not deflated: a replay tool reads a record by its offset in the zip.
                assert info.compress_type == zipfile.ZIP_STORED
                name = info.filename.removeprefix("archive/")
                assert zf.read(info) == originals[name].read_bytes()
        lines = zf.read("indexes/index.cdx").decode().splitlines()
        assert lines == sorted(lines) and lines
        for line in lines:
            fields = json.loads(line.split(" ", 2)[2])
            data = zf.read(f"archive/{fields['filename']}")
            start = int(fields["offset"])
            chunk = data[start : start + int(fields["length"])]
            record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
            assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert all(p["url"].startswith("http://127.0.0.1") and p["ts"] for p in pages[1:])


def test_one_run_only_packages_that_run(archive: Archive, tmp_path: Path) -> None:
    whole = export_wacz(archive.root, archive.index, "demo", tmp_path / "all.wacz")
    first = export_wacz(
        archive.root, archive.index, "demo", tmp_path / "one.wacz", run_id=archive.runs[0]
    )
    assert 0 < first.captures < whole.captures
    with zipfile.ZipFile(tmp_path / "one.wacz") as zf:
        assert json.loads(zf.read("datapackage.json"))["title"] == f"demo run {archive.runs[0]}"


def test_a_missing_warc_file_fails_without_touching_the_destination(
    archive: Archive, tmp_path: Path
) -> None:
    out = tmp_path / "kept.wacz"
    out.write_bytes(b"an earlier package")
    warc_file = next(iter(archive.index.captures_of_run(archive.runs[1]))).warc_file
    local = archive.root / warc_file
    hidden = local.with_name(local.name + ".away")
    local.rename(hidden)
    try:
        with pytest.raises(ArchiveError, match="missing"):
            export_wacz(archive.root, archive.index, "demo", out)
    finally:
        hidden.rename(local)
    assert out.read_bytes() == b"an earlier package"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.wacz"]  # no .part left


def test_a_site_without_captures_is_an_error(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no captures to export"):
        export_wacz(archive.root, archive.index, "nobody", tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()
