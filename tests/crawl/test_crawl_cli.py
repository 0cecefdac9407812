"""`archiver crawl` as cron sees it: exit codes and one summary line per site."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from archiver.demo import DemoServer
from tests.helpers import run_archiver


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_archiver(*args, cwd=tmp_path)


def test_unreachable_site_fails_with_code_3_and_the_other_site_is_still_crawled(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    (tmp_path / "archiver.toml").write_text(
        "[crawl]\ndelay = 0\nretries = 0\ntimeout = 2\n"
        f"[[sites]]\nname = 'down'\nseeds = ['http://127.0.0.1:{_closed_port()}/']\n"
        f"[[sites]]\nname = 'up'\nseeds = ['{demo_server.url}en/id4/']\nmax_depth = 1\n",
        encoding="utf-8",
    )
    result = _run(tmp_path, "crawl")
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["down", "up"]
    assert "0 pages" in lines[0] and "1 failed" in lines[0]
    assert "completed" in lines[1]
    assert "no URL of the site could be fetched" in result.stderr


def test_bad_config_exits_2_and_names_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "archiver.toml").write_text("[crawl]\nper_host = 'two'\n", encoding="utf-8")
    result = _run(tmp_path, "crawl")
    assert result.returncode == 2
    assert "archiver.toml" in result.stderr
    assert "crawl.per_host: expected integer, got str 'two'" in result.stderr


def test_unknown_site_exits_2(tmp_path: Path) -> None:
    (tmp_path / "archiver.toml").write_text(
        "[[sites]]\nname = 'a'\nseeds = ['http://127.0.0.1:9/']\n", encoding="utf-8"
    )
    result = _run(tmp_path, "crawl", "--site", "b")
    assert result.returncode == 2
    assert "no site named 'b' (sites: a)" in result.stderr
