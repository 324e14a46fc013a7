"""What the security stores (sign-in attempts, audit log, rate limit) have in common: each
owns some tables of the app's database, creates them on open, and can open by URL."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.engine import Engine

from .feedback import make_engine, metadata


class TableStore:
    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, tables=list(self.tables))

    @classmethod
    def for_url(cls, url: str, *args):
        """A store with its own connection pool (SQLite pragmas and pool settings as the feedback store's)."""
        return cls(make_engine(url), *args)

    def close(self) -> None:
        self.engine.dispose()
