"""Answer feedback (thumbs up/down plus an optional comment), kept in a SQL database.

SQLAlchemy Core keeps the SQL portable: SQLite under the data directory by default,
PostgreSQL when POLICY_QA_DATABASE_URL names one.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

ENV_URL = "POLICY_QA_DATABASE_URL"
MAX_COMMENT_CHARS = 2000

metadata = MetaData()
feedback_table = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("session_id", String(64), nullable=False, default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False, default=""),
    Column("answerable", Boolean, nullable=False, default=True),
    Column("rating", Integer, nullable=False),  # 1 = helpful, 0 = not helpful
    Column("comment", Text, nullable=False, default=""),
    Column("citations", Text, nullable=False, default=""),  # chunk ids, space-separated
)

CSV_COLUMNS = [c.name for c in feedback_table.columns]
# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FeedbackSummary:
    total: int
    helpful: int
    not_helpful: int


def default_url(data_dir: str | Path) -> str:
    return os.environ.get(ENV_URL) or f"sqlite:///{Path(data_dir) / 'feedback.db'}"


def make_engine(url: str) -> Engine:
    """An engine for the app's database; SQLite gets its folder created and concurrency pragmas."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # Several server threads write; WAL lets readers and one writer work side by side.
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    return engine


class FeedbackStore:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        metadata.create_all(self.engine)

    @classmethod
    def for_data_dir(cls, data_dir: str | Path) -> FeedbackStore:
        return cls(default_url(data_dir))

    def record(
        self,
        *,
        question: str,
        answer: str,
        answerable: bool,
        helpful: bool,
        citations: list[str] | tuple[str, ...] = (),
        comment: str = "",
        session_id: str = "",
    ) -> int:
        row = dict(
            created_at=dt.datetime.now(dt.timezone.utc),
            session_id=session_id[:64],
            question=question,
            answer=answer,
            answerable=bool(answerable),
            rating=1 if helpful else 0,
            comment=comment[:MAX_COMMENT_CHARS],
            citations=" ".join(citations),
        )
        with self.engine.begin() as conn:
            result = conn.execute(insert(feedback_table).values(**row))
            return int(result.inserted_primary_key[0])

    def set_rating(self, feedback_id: int, helpful: bool) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(feedback_table).where(feedback_table.c.id == feedback_id).values(rating=1 if helpful else 0)
            )

    def set_comment(self, feedback_id: int, comment: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(feedback_table)
                .where(feedback_table.c.id == feedback_id)
                .values(comment=comment[:MAX_COMMENT_CHARS])
            )

    def rows(self, limit: int | None = None) -> list[dict]:
        query = select(feedback_table).order_by(feedback_table.c.id.desc())
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        for row in rows:  # SQLite drops the zone; every stored time is UTC
            if row["created_at"] is not None and row["created_at"].tzinfo is None:
                row["created_at"] = row["created_at"].replace(tzinfo=dt.timezone.utc)
        return rows

    def summary(self) -> FeedbackSummary:
        with self.engine.connect() as conn:
            total, helpful = conn.execute(
                select(func.count(), func.coalesce(func.sum(feedback_table.c.rating), 0))
            ).one()
        return FeedbackSummary(int(total), int(helpful), int(total) - int(helpful))

    def export_csv(self) -> bytes:
        """All feedback, oldest first, as CSV that spreadsheet programs open safely (UTF-8 with BOM)."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for row in reversed(self.rows()):
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        return buf.getvalue().encode("utf-8-sig")

    def close(self) -> None:
        self.engine.dispose()


def _cell(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "1" if value else "0"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
