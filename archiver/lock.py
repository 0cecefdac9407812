"""Per-site run locks, so cron never runs two crawls of one site at once.

The lock is an `flock` on `<root>/locks/<site>.lock`, released by the kernel
when its process dies, so a crash never leaves the site locked. The file
records the holder's pid, host and start time; a new holder that finds a dead
holder's record says it is taking the lock over.

`TryLock` is what every site lock shares (this one, and the cluster's
`queue.limits.RedisSiteLock`): try, wait up to a deadline, refuse with a
`LockError` naming the holder, and the `with` protocol.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from loguru import logger

from archiver.errors import LockError

if TYPE_CHECKING:
    from archiver.config import Settings


class TryLock:
    """A lock taken by trying until a deadline; subclasses say how to try and who holds it."""

    #: Seconds between tries while waiting.
    poll = 0.2

    def try_acquire(self) -> bool:
        """Take the lock if it is free; whether it was taken."""
        raise NotImplementedError

    def refusal(self) -> LockError:
        """The error for a lock still held when the wait is over (naming the holder)."""
        raise NotImplementedError

    def release(self) -> None:
        """Give the lock up."""
        raise NotImplementedError

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds; LockError if another holder keeps it."""
        deadline = time.monotonic() + wait
        told = False
        while not self.try_acquire():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.refusal()
            if not told:
                # A cron job that waits says so once, so a late run is not a mystery.
                logger.info("{}; waiting up to {:.0f} s for it", self.refusal(), remaining)
                told = True
            time.sleep(min(self.poll, remaining))

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class SiteLock(TryLock):
    """An exclusive, crash-safe lock on one site's runs."""

    def __init__(self, root: Path, site: str) -> None:
        self.path = root / "locks" / f"{site}.lock"
        self.site = site
        self._fd: int | None = None
        self.took_over: dict[str, object] | None = None

    def _holder(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def try_acquire(self) -> bool:
        """Take the flock if no live process holds it (and record this process as holder)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        previous = self._holder()
        pid = previous.get("pid")
        # A holder clears its record on release; one still here died holding the lock
        # (the kernel released the flock with the process).
        if isinstance(pid, int):
            self.took_over = previous
            logger.warning(
                "site {}: taking over stale lock of pid {} (started {}), which is no longer alive",
                self.site,
                pid,
                previous.get("since", "?"),
            )
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        self._fd = fd
        return True

    def refusal(self) -> LockError:
        """A LockError naming the live holder's pid, host and start time."""
        holder = self._holder()
        return LockError(
            f"site {self.site!r} is being archived by pid {holder.get('pid', '?')} "
            f"on {holder.get('host', '?')} since {holder.get('since', '?')} "
            f"(lock {self.path})"
        )

    def release(self) -> None:
        """Give the lock up (and clear the holder record)."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


@contextmanager
def site_lock(settings: Settings, site: str, wait: float = 0.0) -> Iterator[SiteLock]:
    """Hold the site's run lock (waiting up to `wait` seconds; LockError if still held)."""
    lock = SiteLock(settings.storage.root, site)
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()
