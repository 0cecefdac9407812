"""The embedded setup runs on the core dependencies; a setting that needs the `scale` extra
says so (exit 2) when the extra is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archiver import config
from archiver.errors import ConfigError
from tests.helpers import ARCHIVER

# The `scale` extra's packages, hidden from a child process as if never installed.
SCALE_MODULES = ("psycopg", "dramatiq", "redis", "s3fs", "aiobotocore", "boto3")
_HIDE = f"""
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SCALE_MODULES!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, Hide())
"""


def test_an_embedded_run_needs_no_scale_package(tmp_path: Path) -> None:
    script = _HIDE + (
        "from pathlib import Path\n"
        "from archiver import config\n"
        "from archiver.demo import DemoServer\n"
        "from archiver.pipeline import run_site\n"
        "with DemoServer() as server:\n"
        "    settings = config.parse({'storage': {'root': 'snap'}, 'crawl': {'delay': 0},\n"
        "        'sites': [{'name': 'demo', 'seeds': [server.url + 'en/id4/'], 'max_depth': 1,\n"
        "                   'rules': ['regjeringen']}]}, base_dir=Path())\n"
        "    run = run_site(settings, 'demo')\n"
        "print(run.outcome, run.tracking.pages)\n"
        "assert not any(m.split('.')[0] in "
        f"{SCALE_MODULES!r} for m in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PATH": ""},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome, pages = done.stdout.split()
    assert outcome == "completed" and int(pages) > 0


@pytest.mark.parametrize(
    ("section", "values", "module", "setting"),
    [
        ("storage", {"index": "postgresql+psycopg://u@127.0.0.1/db"}, "psycopg", "storage.index"),
        ("queue", {"broker": "redis://127.0.0.1:6379/0"}, "dramatiq", "queue.broker"),
        ("storage", {"warcs": "s3://bucket/warcs"}, "s3fs", "storage.warcs"),
    ],
)
def test_a_setting_needing_the_scale_extra_names_it_when_missing(
    monkeypatch: pytest.MonkeyPatch,
    section: str,
    values: dict[str, str],
    module: str,
    setting: str,
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    with pytest.raises(ConfigError, match=rf"{setting}.*'scale' extra.*archiver\[scale\]"):
        config.parse({section: values, "sites": []}, source="archiver.toml")


def test_the_cli_exits_2_naming_the_extra(tmp_path: Path) -> None:
    (tmp_path / "archiver.toml").write_text(
        '[storage]\nindex = "postgresql+psycopg://u@127.0.0.1:1/db"\n'
        '[[sites]]\nname = "s"\nseeds = ["http://127.0.0.1:9/"]\n',
        encoding="utf-8",
    )
    (tmp_path / "sitecustomize.py").write_text(_HIDE, encoding="utf-8")
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [*ARCHIVER, "crawl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{repo}"},
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "storage.index" in result.stderr and "pip install 'archiver[scale]'" in result.stderr


BROWSER_SITE = {"name": "news", "seeds": ["http://127.0.0.1:9/"], "capture": "browser"}


def test_browser_capture_without_playwright_fails_when_the_config_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A nightly run learns at once, not after the whole crawl, that browser capture can't run."""
    monkeypatch.setitem(sys.modules, "playwright", None)
    with pytest.raises(
        ConfigError,
        match=r"archiver\.toml: sites\.\[0\]\.capture .*'news'"
        r".*'browser' extra.*archiver\[browser\]",
    ):
        config.parse({"sites": [BROWSER_SITE]}, source="archiver.toml")


def test_browser_capture_without_chromium_names_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("ARCHIVER_CHROMIUM", str(missing))
    with pytest.raises(ConfigError, match=rf"needs Chromium at {missing}.*ARCHIVER_CHROMIUM"):
        config.parse({"sites": [BROWSER_SITE]}, source="archiver.toml")
    # An http-capture site does not need either.
    config.parse({"sites": [{**BROWSER_SITE, "capture": "http"}]}, source="archiver.toml")
