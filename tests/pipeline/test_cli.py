"""`archiver run` and `archiver schedule` as cron and systemd run them: real processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.cli import COMMANDS, app, load_commands
from archiver.demo import DemoServer
from archiver.lock import SiteLock
from tests.helpers import ARCHIVER, run_archiver
from tests.pipeline.helpers import SITE, write_config


def _runs(folder: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(folder / "snapshots" / "index.sqlite3") as db:
        return db.execute("select id, status from runs order by id").fetchall()


def test_run_exit_codes_and_one_summary_line(tmp_path: Path) -> None:
    with DemoServer() as server:
        write_config(tmp_path, server)
        failing = run_archiver("run", "-q", cwd=tmp_path)
        clean = run_archiver("run", "-q", "--fail-on", "never", cwd=tmp_path)
    assert failing.returncode == 1, failing.stderr
    assert failing.stdout.count("\n") == 1 and failing.stdout.startswith(f"{SITE}: run 1 completed")
    assert clean.returncode == 0 and "0 new, 15 persisting since run 1" in clean.stdout
    assert (tmp_path / "reports" / SITE / "latest.html").exists()
    assert run_archiver("run", "--site", "nope", cwd=tmp_path).returncode == 2
    assert run_archiver("run", "--fail-on", "sometimes", cwd=tmp_path).returncode == 2


def test_a_locked_site_is_skipped_with_code_4_or_waited_for(tmp_path: Path) -> None:
    with DemoServer() as server:
        write_config(tmp_path, server)
        lock = SiteLock(tmp_path / "snapshots", SITE)
        lock.acquire()
        try:
            skipped = run_archiver("run", "-q", cwd=tmp_path)
            waiting = subprocess.Popen(
                [*ARCHIVER, "run", "--wait", "30"],
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            # It says once that it waits (and for whom); only then is the lock given up.
            assert waiting.stderr is not None
            told = next((line for line in waiting.stderr if "waiting up to" in line), "")
            assert "being archived" in told and "waiting up to 30 s" in told, told
            assert waiting.poll() is None
        finally:
            lock.release()
        out, _ = waiting.communicate(timeout=60)
    assert skipped.returncode == 4 and f"{SITE}: skipped: site 'demo' is being archived" in (
        skipped.stdout
    )
    assert waiting.returncode == 1 and "completed" in out


def test_overlapping_runs_never_corrupt_the_first(tmp_path: Path) -> None:
    with DemoServer(latency=0.02) as server:
        write_config(tmp_path, server)
        first = subprocess.Popen(
            [*ARCHIVER, "run", "-q"], cwd=tmp_path, stdout=subprocess.PIPE, text=True
        )
        try:
            # The holder writes its record once it has the flock: wait for that, then hold
            # the first run there (SIGSTOP) so the second surely meets the lock.
            record = tmp_path / "snapshots" / "locks" / f"{SITE}.lock"
            deadline = time.monotonic() + 60
            while _holder_pid(record) != first.pid:
                assert time.monotonic() < deadline, "the first run never took its lock"
                assert first.poll() is None, "the first run ended before taking its lock"
                time.sleep(0.05)
            os.kill(first.pid, signal.SIGSTOP)
            second = run_archiver("run", "-q", cwd=tmp_path)
        finally:
            os.kill(first.pid, signal.SIGCONT)
        out, _ = first.communicate(timeout=120)
    assert second.returncode == 4, second.stdout + second.stderr
    assert f"being archived by pid {first.pid}" in second.stdout
    assert first.returncode == 1 and "run 1 completed" in out
    assert _runs(tmp_path) == [(1, "completed")]


def _holder_pid(record: Path) -> int | None:
    try:
        return int(json.loads(record.read_text(encoding="utf-8") or "{}").get("pid", 0)) or None
    except (OSError, ValueError):
        return None


def test_schedule_list_prints_next_run_times(tmp_path: Path) -> None:
    with DemoServer() as server:
        write_config(tmp_path, server)
    result = run_archiver("schedule", "--list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith(SITE) and "0 3 * * *" in line and line.count("T03:00") == 3


@pytest.mark.slow
def test_sigterm_mid_crawl_leaves_a_resumable_run(tmp_path: Path) -> None:
    with DemoServer(latency=0.05) as server:
        write_config(tmp_path, server)
        scheduler = subprocess.Popen(
            [*ARCHIVER, "schedule", "--now"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        index = tmp_path / "snapshots" / "index.sqlite3"
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "the scheduled crawl did not start"
            if index.exists():
                try:
                    with sqlite3.connect(index) as db:
                        if db.execute("select count(*) from captures").fetchone()[0] >= 5:
                            break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.1)
        os.kill(scheduler.pid, signal.SIGTERM)
        _, err = scheduler.communicate(timeout=60)
        assert scheduler.returncode == 0, err
        assert "SIGTERM received" in err
        assert _runs(tmp_path) == [(1, "interrupted")]
        assert not list((tmp_path / "snapshots" / "warcs" / SITE).glob("*.open"))
        resumed = run_archiver("run", "-q", "--fail-on", "never", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"{SITE}: run 1 completed")
    assert _runs(tmp_path) == [(1, "completed")]


def test_ignore_add_list_remove_keep_the_file_as_written(tmp_path: Path) -> None:
    (tmp_path / "archiver.toml").write_text(
        '[[sites]]\nname = "s"\nseeds = ["http://127.0.0.1:9/"]\n', encoding="utf-8"
    )
    ignore_file = tmp_path / "ignore.yaml"
    ignore_file.write_text(
        "# Reviewed by the web team; keep under version control.\n"
        "ignore:\n"
        "  # The minister's portrait is licensed without credit.\n"
        "  - fingerprint: aaa111\n"
        "    reason: licensed without credit\n"
        "  # About pages are timeless.\n"
        "  -\n"
        "    rule: undated\n"
        "    url: https://example.gov/about*\n"
        "    reason: about pages carry no date\n"
        "    expires: 2020-01-31\n",
        encoding="utf-8",
    )
    added = run_archiver(
        "ignore", "add", "--rule", "age-notice", "--url", "https://example.gov/x",
        "--reason", "notice added by hand", cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run_archiver("ignore", "list", cwd=tmp_path)
    assert "[expired]" in listed.stdout and "3 acknowledgement(s)" in listed.stderr

    expired = run_archiver("ignore", "remove", "--expired", cwd=tmp_path)
    assert expired.returncode == 0, expired.stderr
    assert "undated" in expired.stdout and "about pages" not in ignore_file.read_text()
    text = ignore_file.read_text()
    assert text.startswith("# Reviewed by the web team") and "# The minister's portrait" in text
    assert "reason: licensed without credit\n" in text and "notice added by hand" in text
    assert "# About pages are timeless." not in text  # its comment went with it

    by_rule = run_archiver("ignore", "remove", "--rule", "age-notice", cwd=tmp_path)
    assert by_rule.returncode == 0 and "notice added by hand" in by_rule.stdout
    nothing = run_archiver("ignore", "remove", "--fingerprint", "zzz", cwd=tmp_path)
    assert nothing.returncode == 2 and "no acknowledgement" in nothing.stderr
    last = run_archiver("ignore", "remove", "--fingerprint", "aaa111", cwd=tmp_path)
    assert last.returncode == 0, last.stderr
    # The file still reads as an (empty) list, and keeps its header.
    assert ignore_file.read_text() == (
        "# Reviewed by the web team; keep under version control.\nignore: []\n"
    )
    assert "0 acknowledgement(s)" in run_archiver("ignore", "list", cwd=tmp_path).stderr
    assert run_archiver("ignore", "remove", cwd=tmp_path).returncode == 2


def test_version_and_help_need_no_command(tmp_path: Path) -> None:
    version = run_archiver("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("archiver ")
    helped = run_archiver("--help", cwd=tmp_path)
    assert helped.returncode == 0 and "crawl" in helped.stdout and "ignore" in helped.stdout


def test_every_command_is_in_the_dispatch_table() -> None:
    # `archiver <command>` imports only the module COMMANDS names: a command missing there
    # still runs (all modules are loaded then), but pays every other command's start-up.
    load_commands()
    defined = {
        info.name or info.callback.__name__.replace("_", "-"): info.callback.__module__
        for info in app.registered_commands
        if info.callback is not None
    }
    for group in app.registered_groups:
        callback = group.typer_instance.registered_commands[0].callback
        assert callback is not None
        defined[str(group.name)] = callback.__module__
    assert defined == {name: f"archiver.cli.{module}" for name, module in COMMANDS.items()}


def test_a_command_starts_without_the_other_commands_modules(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from archiver.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('archiver.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "crawl", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Archive the configured sites" in done.stdout
    assert done.stdout.splitlines()[-1] == "['archiver.cli.archive', 'archiver.cli.common']"


def test_demo_follow_up_commands_work_as_printed(tmp_path: Path) -> None:
    # As in the README's quick start: the console script by its path, the venv not activated.
    script = Path(sys.executable).parent / "archiver"
    if not script.exists():
        pytest.skip("the archiver console script is not installed next to this Python")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the venv is not on PATH
    demo = subprocess.run(
        [str(script), "demo", "--root", str(tmp_path / "snapshots"), "--port", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stderr
    line = next(x for x in demo.stdout.splitlines() if x.startswith("Config for other commands"))
    suggested = line.split("(e.g. ", 1)[1].rstrip(")").split()
    assert suggested[0] != "archiver"  # not on PATH: the printed command must say where it is
    report = subprocess.run(
        suggested, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("status,") or "photo-credits" in report.stdout


def test_a_run_killed_after_its_crawl_is_checked_tracked_and_reported_next_time(
    tmp_path: Path,
) -> None:
    with DemoServer() as server:
        write_config(tmp_path, server)
        # `archiver crawl` leaves what a run killed between crawl and tracking leaves:
        # a completed crawl, never checked or tracked.
        crawled = run_archiver("crawl", "-q", cwd=tmp_path)
        assert crawled.returncode == 0, crawled.stderr
        assert _runs(tmp_path) == [(1, "completed")]
        finished = run_archiver("run", "--fail-on", "never", cwd=tmp_path)
        assert finished.returncode == 0, finished.stderr
        assert finished.stdout.startswith(f"{SITE}: run 1 completed")
        assert "run 1 was crawled but never tracked" in finished.stderr
        assert _runs(tmp_path) == [(1, "completed")]  # not crawled again
        assert (tmp_path / "reports" / SITE / "latest.html").exists()
        following = run_archiver("run", "-q", "--fail-on", "never", cwd=tmp_path)
    assert following.stdout.startswith(f"{SITE}: run 2 completed"), following.stderr
    assert _runs(tmp_path) == [(1, "completed"), (2, "completed")]


def test_help_shows_config_section_names_in_brackets(tmp_path: Path) -> None:
    # Help text goes through rich markup, where "[evidence]" is a tag and vanished.
    for args in (("--help",), ("keygen", "--help"), ("verify", "--help"), ("export", "--help")):
        helped = subprocess.run(
            [*ARCHIVER, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )
        assert helped.returncode == 0, helped.stderr
        assert "[evidence] key" in " ".join(helped.stdout.split()), args
