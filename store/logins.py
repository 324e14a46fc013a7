"""Sign-in attempts, counted per account and per client address across sessions and replicas.

A new Streamlit session is one websocket away, so failures counted in session state cost
an attacker nothing. Every attempt is a row in the app's database (SQLite under the data
directory, or the PostgreSQL every replica shares), and the back-off is computed from those
rows: after `free` failures for a key (the account, or the client address) since its last
success, each further failure doubles the wait, up to `max_s`. The rows are also the record
the admin page shows.

Counting per account means a guesser can lock the real admin out of password sign-in for
up to `max_s` at a time; single sign-on is not affected. Counting per address means a
guesser on one machine is slowed long before the account limit, and (behind a reverse
proxy that hides client addresses) that all visitors share one budget: see docs/hosting.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, and_, func, insert, select
from sqlalchemy.engine import Engine

from .feedback import metadata
from .table_store import TableStore

login_table = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("account", String(256), nullable=False),
    Column("address", String(64), nullable=False, default=""),
    Column("method", String(16), nullable=False, default="password"),
    Column("ok", Boolean, nullable=False),
    Index("ix_login_attempts_account", "account", "created_at"),
    Index("ix_login_attempts_address", "address", "created_at"),
)


@dataclass(frozen=True)
class BackoffPolicy:
    free_per_account: int = 10
    free_per_address: int = 3
    base_s: float = 30.0
    max_s: float = 15 * 60.0
    # Failures older than this are forgiven even without a success in between.
    window_s: float = 24 * 3600.0

    def delay(self, failures: int, free: int) -> float:
        if failures < free:
            return 0.0
        return min(self.max_s, self.base_s * 2 ** (failures - free))


@dataclass(frozen=True)
class LoginAttempt:
    id: int
    created_at: dt.datetime
    account: str
    address: str
    method: str
    ok: bool


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)  # SQLite drops the zone


class LoginGuard(TableStore):
    tables = (login_table,)

    def __init__(self, engine: Engine, policy: BackoffPolicy | None = None) -> None:
        super().__init__(engine)
        self.policy = policy or BackoffPolicy()

    def _wait_for(self, column, value: str, free: int, now: dt.datetime) -> float:
        t = login_table.c
        with self.engine.connect() as conn:
            last_ok = conn.execute(select(func.max(t.created_at)).where(and_(column == value, t.ok.is_(True)))).scalar()
            since = now - dt.timedelta(seconds=self.policy.window_s)
            if last_ok is not None and _utc(last_ok) > since:
                since = _utc(last_ok)
            failures, last = conn.execute(
                select(func.count(), func.max(t.created_at)).where(
                    and_(column == value, t.ok.is_(False), t.created_at > since)
                )
            ).one()
        delay = self.policy.delay(int(failures), free)
        if not delay or last is None:
            return 0.0
        return max(0.0, (_utc(last) + dt.timedelta(seconds=delay) - now).total_seconds())

    def wait_seconds(self, account: str, address: str, now: dt.datetime | None = None) -> float:
        """How long before `account` may try again from `address` (0 when it may try now)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        waits = [self._wait_for(login_table.c.account, account, self.policy.free_per_account, now)]
        if address:
            waits.append(self._wait_for(login_table.c.address, address, self.policy.free_per_address, now))
        return max(waits)

    def record(
        self, account: str, address: str, ok: bool, method: str = "password", now: dt.datetime | None = None
    ) -> int:
        row = dict(
            created_at=now or dt.datetime.now(dt.timezone.utc),
            account=account[:256],
            address=address[:64],
            method=method[:16],
            ok=bool(ok),
        )
        with self.engine.begin() as conn:
            return int(conn.execute(insert(login_table).values(**row)).inserted_primary_key[0])

    def recent(self, limit: int = 100) -> list[LoginAttempt]:
        """Newest first."""
        query = select(login_table).order_by(login_table.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [
                LoginAttempt(int(r.id), _utc(r.created_at), r.account, r.address, r.method, bool(r.ok))
                for r in conn.execute(query)
            ]


__all__ = ["BackoffPolicy", "LoginAttempt", "LoginGuard", "login_table"]
