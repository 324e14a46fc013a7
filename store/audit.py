"""Admin audit log: who changed the library, when, and what — in the feedback database.

It shares the feedback store's database (SQLite under the data directory, or the
PostgreSQL named by POLICY_QA_DATABASE_URL), so replicas behind a load balancer write
one log. Rows are only ever appended.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, insert, select

from . import feedback
from .feedback import metadata
from .table_store import TableStore

MAX_DETAIL_CHARS = 10_000

audit_table = Table(
    "admin_audit",
    metadata,  # the feedback store's metadata: one create_all makes both tables
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(128), nullable=False, default=""),
    Column("action", String(64), nullable=False),
    Column("target", String(512), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),  # JSON object
    Index("ix_admin_audit_created_at", "created_at"),
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    created_at: dt.datetime
    actor: str
    action: str
    target: str
    detail: dict


class AuditLog(TableStore):
    tables = (audit_table,)

    @classmethod
    def for_data_dir(cls, data_dir: str | Path) -> AuditLog:
        return cls.for_url(feedback.default_url(data_dir))

    @classmethod
    def beside(cls, store: feedback.FeedbackStore) -> AuditLog:
        """Share an open feedback store's connection pool."""
        return cls(store.engine)

    def record(self, action: str, *, actor: str = "", target: str = "", detail: dict | None = None) -> int:
        text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
        if len(text) > MAX_DETAIL_CHARS:
            text = json.dumps({"truncated": text[:MAX_DETAIL_CHARS]}, ensure_ascii=False)
        row = dict(
            created_at=dt.datetime.now(dt.timezone.utc),
            actor=actor[:128],
            action=action[:64],
            target=target[:512],
            detail=text,
        )
        with self.engine.begin() as conn:
            return int(conn.execute(insert(audit_table).values(**row)).inserted_primary_key[0])

    def entries(self, limit: int | None = 100, action: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        query = select(audit_table).order_by(audit_table.c.id.desc())
        if action:
            query = query.where(audit_table.c.action == action)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [
                AuditEntry(
                    id=int(r.id),
                    created_at=r.created_at,
                    actor=r.actor,
                    action=r.action,
                    target=r.target,
                    detail=json.loads(r.detail or "{}"),
                )
                for r in conn.execute(query)
            ]
