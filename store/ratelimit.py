"""A sliding-window rate limit kept in the app's database, so replicas share it.

Used for feedback: one browser session, or one client address, may write only so many
rows a minute. Each allowed action leaves an event row; an action is refused while any of
its keys already has `limit` events inside the window. Old events are pruned as new ones
are written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, and_, delete, func, insert, select

from .feedback import metadata
from .table_store import TableStore

rate_table = Table(
    "rate_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("key", String(128), nullable=False),
    Index("ix_rate_events_key", "kind", "key", "created_at"),
)


class RateLimiter(TableStore):
    tables = (rate_table,)

    def allow(self, kind: str, keys: list[str], limit: int, window_s: float, now: dt.datetime | None = None) -> bool:
        """True (and counted) when every non-empty key has had fewer than `limit` events in the window."""
        now = now or dt.datetime.now(dt.timezone.utc)
        since = now - dt.timedelta(seconds=window_s)
        keys = [k[:128] for k in keys if k]
        t = rate_table.c
        with self.engine.begin() as conn:
            for key in keys:
                n = conn.execute(
                    select(func.count()).where(and_(t.kind == kind, t.key == key, t.created_at > since))
                ).scalar()
                if n >= limit:
                    return False
            for key in keys:
                conn.execute(insert(rate_table).values(created_at=now, kind=kind, key=key))
            conn.execute(delete(rate_table).where(and_(t.kind == kind, t.created_at < since - dt.timedelta(hours=1))))
        return True


__all__ = ["RateLimiter", "rate_table"]
