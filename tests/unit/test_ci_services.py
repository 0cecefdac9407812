"""In CI a test whose service is missing fails the run; on a workstation it is skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
from tests.helpers import missing_service

def test_needs_a_service():
    missing_service("PostgreSQL is not running on 127.0.0.1:1")
"""


def _pytest(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_missing_service_fails_in_ci_and_is_skipped_elsewhere(tmp_path: Path) -> None:
    in_ci = _pytest(tmp_path, "true")
    assert in_ci.returncode == 1, in_ci.stdout
    assert "1 failed" in in_ci.stdout and "CI=true" in in_ci.stdout
    at_a_desk = _pytest(tmp_path, None)
    assert at_a_desk.returncode == 0, at_a_desk.stdout
    assert "1 skipped" in at_a_desk.stdout


def test_ci_script_fails_on_a_service_that_does_not_start_and_lints_before_testing() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if not line.strip().startswith("#")]
    assert "set -euo pipefail" in commands
    assert "export CI=true" in commands
    assert not [line for line in commands if "|| true" in line]
    lint = commands.index("PYTHON=.venv/bin/python scripts/check --no-tests")
    tests = next(i for i, line in enumerate(commands) if line.endswith("-m pytest"))
    assert lint < tests
