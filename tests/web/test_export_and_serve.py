"""`archiver export --wacz` (validated by py-wacz, indexed as pywb's indexer does) and
`archiver serve` as a real process."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from cdxj_indexer.main import CDXJIndexer

from tests.helpers import ARCHIVER, run_archiver
from tests.web.conftest import Archived


def test_export_writes_a_wacz_that_validates(archived: Archived, tmp_path: Path) -> None:
    out = tmp_path / "small.wacz"
    result = run_archiver(
        "export", "--config", str(archived.config_file), "--site", "small", "--wacz", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "captures" in result.stdout
    validate = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "Validation succeeded" in validate.stdout
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in names)
        assert {"indexes/index.cdx", "pages/pages.jsonl", "datapackage.json"} <= set(names)
        pages = [json.loads(line) for line in zf.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0"
        assert any(p.get("title") == "Minister visits Tromsø" for p in pages[1:])
        ours = zf.read("indexes/index.cdx").decode().splitlines()
        warcs = [n for n in names if n.startswith("archive/")]
        for name in warcs:
            (tmp_path / Path(name).name).write_bytes(zf.read(name))
    # The reference indexer (used by pywb and py-wacz) finds the same records at the same
    # offsets under the same SURT keys.
    reference = tmp_path / "reference.cdxj"
    with reference.open("w") as fh:
        CDXJIndexer(
            output=fh, inputs=[str(tmp_path / Path(n).name) for n in warcs], sort=True
        ).process_all()
    theirs = [line for line in reference.read_text().splitlines() if '"request"' not in line]

    def keyed(lines: list[str]) -> set[tuple[str, str, str]]:
        out = set()
        for line in lines:
            key, stamp, data = line.split(" ", 2)
            fields = json.loads(data)
            if fields.get("mime") in ("application/warc-fields",):
                continue
            out.add((key, stamp, fields["offset"]))
        return out

    mine, ref = keyed(ours), keyed(theirs)
    assert mine and mine <= ref, sorted(mine - ref)[:3]


def test_export_of_one_run_and_of_an_unknown_site(archived: Archived, tmp_path: Path) -> None:
    out = tmp_path / "run2.wacz"
    run = str(archived.runs[1])
    ok = run_archiver(
        "export",
        "--config",
        str(archived.config_file),
        "--site",
        "small",
        "--run",
        run,
        "--wacz",
        str(out),
    )
    assert ok.returncode == 0, ok.stderr
    with zipfile.ZipFile(out) as zf:
        cdx = zf.read("indexes/index.cdx").decode()
    # Run 2's revisits need run 1's records: both WARCs travel together.
    assert (
        "warc/revisit" in cdx
        and len({json.loads(line.split(" ", 2)[2])["filename"] for line in cdx.splitlines()}) == 2
    )
    bad = run_archiver(
        "export",
        "--config",
        str(archived.config_file),
        "--site",
        "nope",
        "--wacz",
        str(tmp_path / "x.wacz"),
    )
    assert bad.returncode == 2 and "no site named 'nope'" in bad.stderr


def test_export_never_replaces_the_archive_and_asks_before_replacing_a_file(
    archived: Archived, tmp_path: Path
) -> None:
    root = archived.settings.storage.root
    index_file = root / "index.sqlite3"
    warc_file = next((root / "warcs").rglob("*.warc.gz"))
    kept = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (index_file, warc_file)}
    base = ("export", "--config", str(archived.config_file), "--site", "small")
    for target in (index_file, warc_file, root / "new.wacz", archived.config_file):
        for force in ((), ("--force",)):
            refused = run_archiver(*base, "--wacz", str(target), *force)
            assert refused.returncode == 2, (target, refused.stdout)
            assert "archive uses" in refused.stderr
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in kept} == kept
    assert not (root / "new.wacz").exists()
    existing = tmp_path / "mine.wacz"
    existing.write_bytes(b"someone's file")
    asked = run_archiver(*base, "--wacz", str(existing))
    assert asked.returncode == 2 and "--force" in asked.stderr
    assert existing.read_bytes() == b"someone's file"
    replaced = run_archiver(*base, "--wacz", str(existing), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert zipfile.is_zipfile(existing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.wacz"]  # no temp file left


@contextmanager
def _serving(*args: str) -> Iterator[tuple[str, str]]:
    """Run `archiver serve`; yield its loopback base URL and the first line it printed."""
    process = subprocess.Popen(
        [*ARCHIVER, "serve", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r":(\d+)/", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        for _ in range(100):
            try:
                httpx.get(base + "/static/viewer.css", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, line
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_serve_runs_a_real_server_on_loopback(archived: Archived) -> None:
    with (
        _serving("--config", str(archived.config_file)) as (base, line),
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        assert "http://127.0.0.1:" in line and "token" not in line
        home = http.get("/")
        assert home.status_code == 200 and "Minister visited Tromsø and Alta" in home.text
        capture_id = archived.capture(1, "/images/tromso.png")
        image = http.get(f"/capture/{capture_id}/replay")
        assert image.content.startswith(b"\x89PNG")
        assert http.get("/capture/0").status_code == 404
        # DNS rebinding: a page on attacker.example pointed at 127.0.0.1 is refused.
        rebound = http.get(
            "/violations", headers={"Host": f"attacker.example:{base.rsplit(':', 1)[1]}"}
        )
        assert rebound.status_code == 400 and "content-security-policy" in rebound.headers
        assert http.get("/", headers={"Host": "localhost"}).status_code == 200


def test_serve_off_loopback_demands_a_token(archived: Archived) -> None:
    with (
        _serving("--config", str(archived.config_file), "--host", "0.0.0.0") as (base, line),
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        match = re.search(r"\?token=(\S+)", line)
        assert match, line
        assert http.get("/").status_code == 401
        assert http.get("/", headers={"Authorization": f"Bearer {match.group(1)}"}).is_success


def test_serve_says_why_when_its_index_cannot_be_opened(tmp_path: Path) -> None:
    # The viewer opens its index when the server starts (the app's lifespan): a refused
    # connection must still end as the archiver's own error line and exit status.
    config_file = tmp_path / "archiver.toml"
    config_file.write_text(
        f'[storage]\nroot = "{tmp_path / "snapshots"}"\n'
        'index = "postgresql+psycopg://archiver@127.0.0.1:1/none"\n',
        encoding="utf-8",
    )
    result = run_archiver("serve", "--config", str(config_file), "--port", "0", timeout=60)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("archiver: index postgresql+psycopg://archiver@127.0.0.1:1/")
    assert "cannot open" in result.stderr and "Traceback" not in result.stderr
