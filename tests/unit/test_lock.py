"""One run per site at a time; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.errors import LockError
from archiver.lock import SiteLock


def test_second_holder_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from archiver.lock import SiteLock\n"
        "lock = SiteLock(Path(sys.argv[1]), 'site'); lock.acquire(); print('locked', flush=True)\n"
        "time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockError, match=rf"pid {holder.pid}"):
            SiteLock(tmp_path, "site").acquire(wait=0.3)
        holder.kill()
        holder.wait()
        holder.stdout.close()
        lock = SiteLock(tmp_path, "site")
        lock.acquire(wait=2)  # the kernel released the dead holder's flock
        assert lock.took_over is not None and lock.took_over["pid"] == holder.pid
        lock.release()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_release_clears_the_record(tmp_path: Path) -> None:
    with SiteLock(tmp_path, "s") as lock:
        assert json.loads(lock.path.read_text())["pid"] > 0
    again = SiteLock(tmp_path, "s")
    again.acquire()
    assert again.took_over is None
    again.release()
