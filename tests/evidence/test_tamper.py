"""`archiver verify --evidence` on a signed archive: intact it passes; each kind of tampering
is caught, exit 6, with the run and the file named."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from archiver.config import load
from archiver.evidence import close_run
from archiver.evidence.keys import generate, load_key, public_pem
from archiver.store.index import Index
from tests.helpers import run_archiver

MANIFESTS = Path("snapshots/warcs/demo/manifests")


def _verify(config: Path, *extra: str) -> tuple[int, list[str]]:
    result = run_archiver("verify", "--config", str(config), "--evidence", *extra)
    return result.returncode, (result.stdout + result.stderr).splitlines()


def _manifest(folder: Path, run: int) -> dict[str, object]:
    document = json.loads((folder / MANIFESTS / f"{run:08d}.json").read_bytes())
    assert isinstance(document, dict)
    return document


def test_the_intact_archive_verifies_and_its_manifests_chain(signed_archive: Path) -> None:
    code, lines = _verify(signed_archive / "archiver.toml")
    assert code == 0, lines
    assert any(
        re.search(r"demo: evidence OK: 2 manifest\(s\) \(2 signed\), \d+ WARC file\(s\)", line)
        for line in lines
    ), lines
    first_bytes = (signed_archive / MANIFESTS / "00000001.json").read_bytes()
    first, second = _manifest(signed_archive, 1), _manifest(signed_archive, 2)
    assert first["previous"] is None
    assert second["previous"] == {"run": 1, "sha256": hashlib.sha256(first_bytes).hexdigest()}
    # Each WARC file the run wrote is listed with the digest of the bytes on disk.
    for entry in first["warcs"]:  # type: ignore[attr-defined]
        path = signed_archive / "snapshots" / entry["name"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    assert first["findings"]["count"] > 0  # type: ignore[index]
    # The index holds the same bytes.
    with sqlite3.connect(signed_archive / "snapshots" / "index.sqlite3") as db:
        stored = dict(db.execute("SELECT run_id, manifest FROM run_manifests").fetchall())
    assert stored[1].encode() == first_bytes


def test_one_flipped_byte_in_a_warc_file_names_the_run_and_the_file(
    archive_copy: Callable[[], Path],
) -> None:
    config = archive_copy()
    name = _manifest(config.parent, 1)["warcs"][0]["name"]  # type: ignore[index]
    path = config.parent / "snapshots" / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, lines = _verify(config)
    assert code == 6, lines
    assert any(
        f"BROKEN run 1: {name}: WARC file has" in line and "changed since the run closed" in line
        for line in lines
    ), lines
    # Run 2's files are untouched and not blamed.
    assert not any("BROKEN run 2" in line for line in lines), lines


def test_a_deleted_manifest_is_named(archive_copy: Callable[[], Path]) -> None:
    config = archive_copy()
    (config.parent / MANIFESTS / "00000001.json").unlink()
    code, lines = _verify(config)
    assert code == 6, lines
    assert any(
        "BROKEN run 1: warcs/demo/manifests/00000001.json: manifest file is missing" in line
        for line in lines
    ), lines


def test_a_manifest_deleted_from_both_copies_breaks_the_chain(
    archive_copy: Callable[[], Path],
) -> None:
    config = archive_copy()
    (config.parent / MANIFESTS / "00000001.json").unlink()
    with sqlite3.connect(config.parent / "snapshots" / "index.sqlite3") as db:
        db.execute("DELETE FROM run_manifests WHERE run_id = 1")
    code, lines = _verify(config)
    assert code == 6, lines
    assert any(
        "BROKEN run 2: warcs/demo/manifests/00000002.json: chains to run 1, whose manifest "
        "is missing" in line
        for line in lines
    ), lines


def test_a_reordered_chain_is_named(archive_copy: Callable[[], Path]) -> None:
    config = archive_copy()
    folder = config.parent / MANIFESTS
    one, two = folder / "00000001.json", folder / "00000002.json"
    first, second = one.read_bytes(), two.read_bytes()
    one.write_bytes(second)
    two.write_bytes(first)
    code, lines = _verify(config)
    assert code == 6, lines
    text = "\n".join(lines)
    assert (
        "BROKEN run 1: warcs/demo/manifests/00000001.json: manifest is that of site 'demo' run 2"
        in text
    )
    assert (
        "BROKEN run 2: warcs/demo/manifests/00000002.json: manifest is that of site 'demo' run 1"
        in text
    )


def test_a_signature_by_another_key_is_named(archive_copy: Callable[[], Path]) -> None:
    config = archive_copy()
    (config.parent / "signing.pem").unlink()
    generate(config.parent / "signing.pem", "ecdsa-p384")  # the configured key is now another
    code, lines = _verify(config)
    assert code == 6, lines
    for run in (1, 2):
        assert any(
            f"BROKEN run {run}: warcs/demo/manifests/{run:08d}.json: signed by key" in line
            and "not a trusted key" in line
            for line in lines
        ), lines


def test_an_auditor_verifies_with_the_public_key_alone(
    archive_copy: Callable[[], Path], tmp_path: Path
) -> None:
    config = archive_copy()
    own = tmp_path / "own.pub"
    own.write_text(public_pem(load_key(config.parent / "signing.pem").public))
    # The auditor's copy: no private key, no [evidence] section.
    (config.parent / "signing.pem").unlink()
    config.write_text(config.read_text().replace('[evidence]\nkey = "signing.pem"\n', ""))
    other = tmp_path / "other.pub"
    other.write_text(public_pem(generate(tmp_path / "other.pem", "ed25519").public))
    code, lines = _verify(config, "--public-key", str(other))
    assert code == 6 and any("not a trusted key" in line for line in lines), lines
    code, lines = _verify(config, "--public-key", str(own))
    assert code == 0, lines
    # An old key after a rotation: either key is trusted.
    code, lines = _verify(config, "--public-key", str(other), "--public-key", str(own))
    assert code == 0, lines
    code, lines = _verify(config)
    assert code == 0 and any("no trusted key given" in line for line in lines), lines


def test_an_edited_manifest_fails_its_signature_and_the_next_link(
    archive_copy: Callable[[], Path],
) -> None:
    config = archive_copy()
    path = config.parent / MANIFESTS / "00000001.json"
    document = json.loads(path.read_bytes())
    document["findings"]["count"] -= 1  # hide a finding
    edited = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    path.write_bytes(edited)
    with sqlite3.connect(config.parent / "snapshots" / "index.sqlite3") as db:
        db.execute("UPDATE run_manifests SET manifest = ? WHERE run_id = 1", (edited.decode(),))
    code, lines = _verify(config)
    assert code == 6, lines
    text = "\n".join(lines)
    assert "BROKEN run 1: warcs/demo/manifests/00000001.json: signature does not verify" in text
    assert "BROKEN run 2: warcs/demo/manifests/00000002.json: records SHA-256" in text


def test_a_finding_deleted_from_the_index_is_named(archive_copy: Callable[[], Path]) -> None:
    config = archive_copy()
    with sqlite3.connect(config.parent / "snapshots" / "index.sqlite3") as db:
        (fingerprint,) = db.execute(
            "SELECT fingerprint FROM findings WHERE run_id = 2 ORDER BY fingerprint LIMIT 1"
        ).fetchone()
        db.execute("DELETE FROM findings WHERE run_id = 2 AND fingerprint = ?", (fingerprint,))
    code, lines = _verify(config)
    assert code == 6, lines
    assert any(
        "BROKEN run 2: index: findings: the run's findings in the index" in line
        and "changed since the run closed" in line
        for line in lines
    ), lines
    assert not any("BROKEN run 1" in line for line in lines), lines


def test_runs_closed_out_of_order_chain_in_the_order_they_closed(
    archive_copy: Callable[[], Path],
) -> None:
    # Distributed mode: run 2's finish job may close it before run 1's.
    config = archive_copy()
    with sqlite3.connect(config.parent / "snapshots" / "index.sqlite3") as db:
        db.execute("DELETE FROM run_manifests")
    for run in (1, 2):
        (config.parent / MANIFESTS / f"{run:08d}.json").unlink()
    settings = load(config)
    index = Index(settings.storage.index_url)
    try:
        close_run(settings, index, "demo", 2)
        close_run(settings, index, "demo", 1)
    finally:
        index.close()
    assert _manifest(config.parent, 2)["previous"] is None
    assert _manifest(config.parent, 1)["previous"]["run"] == 2  # type: ignore[index]
    code, lines = _verify(config)
    assert code == 0, lines
