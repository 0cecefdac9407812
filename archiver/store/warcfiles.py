"""WARC files in the index: opened, closed, stored, and how much of each is committed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from archiver.store.database import Database, now
from archiver.store.rows import WarcFile
from archiver.store.schema import runs, warc_files


class WarcFileQueries(Database):
    """The `warc_files` table: one row per WARC file a run wrote."""

    def warc_opened(self, run_id: int, name: str, committed: int) -> None:
        """Record a new `.open` WARC file and how much of it (the warcinfo) is committed."""
        with self.begin() as conn:
            conn.execute(
                warc_files.insert().values(
                    name=name,
                    run_id=run_id,
                    status="open",
                    committed=committed,
                    created_at=now(),
                )
            )

    def warc_closed(self, name: str, size: int, sha256: str | None) -> None:
        """Record that a WARC file is complete, with its size and file digest."""
        with self.begin() as conn:
            conn.execute(
                warc_files.update()
                .where(warc_files.c.name == name)
                .values(status="closed", size=size, committed=size, sha256=sha256, closed_at=now())
            )

    def warc_stored(self, name: str) -> None:
        """Record that a closed WARC file is in the store and its digest was verified there."""
        with self.begin() as conn:
            conn.execute(
                warc_files.update().where(warc_files.c.name == name).values(stored_at=now())
            )

    def register_warc(self, name: str, run_id: int, size: int, sha256: str) -> None:
        """Record a closed WARC file the index did not know (index repair)."""
        with self.begin() as conn:
            conn.execute(
                warc_files.insert().values(
                    name=name,
                    run_id=run_id,
                    status="closed",
                    committed=size,
                    size=size,
                    sha256=sha256,
                    created_at=now(),
                    closed_at=now(),
                )
            )

    def _warc_files(self, query: sa.Select[Any]) -> list[WarcFile]:
        with self.read() as conn:
            return [WarcFile.of(r) for r in conn.execute(query).all()]

    def warc_file(self, name: str) -> WarcFile | None:
        """One WARC file by name."""
        found = self._warc_files(sa.select(warc_files).where(warc_files.c.name == name))
        return found[0] if found else None

    def open_warcs(self, run_ids: Sequence[int] | None = None) -> list[WarcFile]:
        """WARC files still marked open (of some runs, or all)."""
        query = sa.select(warc_files).where(warc_files.c.status == "open")
        if run_ids is not None:
            query = query.where(warc_files.c.run_id.in_(list(run_ids)))
        return self._warc_files(query)

    def warcs(self) -> list[WarcFile]:
        """Every WARC file the index knows."""
        return self._warc_files(sa.select(warc_files).order_by(warc_files.c.name))

    def site_warcs(self, site: str) -> list[WarcFile]:
        """The WARC files written by a site's runs."""
        return self._warc_files(
            sa.select(warc_files)
            .join(runs, runs.c.id == warc_files.c.run_id)
            .where(runs.c.site == site)
            .order_by(warc_files.c.name)
        )


__all__ = ["WarcFileQueries"]
