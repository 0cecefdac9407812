"""Distributed work: crawl and check jobs on Dramatiq (Redis), politeness and locks in Redis.

Only used when `[queue] broker` is set; needs the `scale` extra
(`pip install 'archiver[scale]'`). See `cluster.py` for how work is split
and `docs/deployment.md` for what runs where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archiver.config import Settings


def enqueue_site(settings: Settings, site: str) -> None:
    """Hand a due site to the workers (crawl, then check, track and report).

    What `archiver schedule` and `archiver enqueue` call when `[queue] broker`
    is set. Raises ConfigError for an unknown site.
    """
    from archiver.queue.cluster import cluster

    cluster(settings).enqueue_site(site)


__all__ = ["enqueue_site"]
