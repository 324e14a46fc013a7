"""Feedback and the admin audit log on a real PostgreSQL server (and on the SQLite default).

PostgreSQL comes from POLICY_QA_TEST_DATABASE_URL, or else POLICY_QA_DATABASE_URL
(`.ci/start_postgres.sh` starts a throwaway cluster and prints its URL). Without
either, the PostgreSQL tests skip on a developer's machine but fail under CI=true, so
CI cannot pass them by accident.
"""

from __future__ import annotations

import os
import threading
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from store.audit import AuditLog, audit_table
from store.feedback import ENV_URL, FeedbackStore

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ENV_TEST_URL = "POLICY_QA_TEST_DATABASE_URL"


@pytest.fixture(scope="module")
def pg_url():
    """A URL whose connections live in a schema of their own, dropped afterwards."""
    url = (os.environ.get(ENV_TEST_URL) or os.environ.get(ENV_URL) or "").strip()
    if not url:
        if IN_CI:
            pytest.fail(f"CI=true but neither {ENV_TEST_URL} nor {ENV_URL} is set: run .ci/start_postgres.sh first")
        pytest.skip(f"{ENV_TEST_URL} is not set (bash .ci/start_postgres.sh starts a local server)")
    if not url.startswith("postgresql"):
        if IN_CI:
            pytest.fail(f"CI=true but the test database URL is not PostgreSQL: {url}")
        pytest.skip("the test database URL is not a PostgreSQL URL")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            assert conn.execute(text("select 1")).scalar() == 1
            conn.execute(text(f'create schema "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - a configured server that does not answer is a failure
        pytest.fail(f"cannot reach PostgreSQL at {url}: {exc}")
    sep = "&" if "?" in url else "?"
    yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'drop schema "{schema}" cascade'))
    admin.dispose()


@pytest.mark.database
def test_server_is_postgresql(pg_url):
    store = FeedbackStore(pg_url)
    try:
        assert store.engine.dialect.name == "postgresql"
        assert store.engine.dialect.driver == "psycopg"
        with store.engine.connect() as conn:
            assert conn.execute(text("show server_version")).scalar()
    finally:
        store.close()


@pytest.mark.database
def test_feedback_round_trip(pg_url):
    store = FeedbackStore(pg_url)
    try:
        fid = store.record(
            question="试点城市的实施方案要在什么时候之前印发？",
            answer="于2025年9月底前印发",
            answerable=True,
            helpful=False,
            citations=["notice:5.1", "interpretation:2.q4"],
            comment="=答案不完整",
            session_id="s1",
        )
        store.set_rating(fid, True)
        store.set_comment(fid, "好")
        row = next(r for r in store.rows() if r["id"] == fid)
        assert row["question"].startswith("试点城市")
        assert row["rating"] == 1 and row["comment"] == "好"
        assert row["created_at"].tzinfo is not None
        assert store.summary().total >= 1
        assert "试点城市".encode() in store.export_csv()
    finally:
        store.close()


@pytest.mark.database
def test_audit_log_round_trip(pg_url):
    log = AuditLog.for_url(pg_url)
    try:
        first = log.record("add_document", actor="admin@example", target="user:rules.pdf", detail={"chunks": 12})
        second = log.record("rebuild_index", actor="admin@example", detail={"seconds": 4.2, "说明": "重建"})
        assert second > first
        newest = log.entries(limit=2)
        assert [e.id for e in newest] == [second, first]
        assert newest[0].detail == {"seconds": 4.2, "说明": "重建"}
        assert newest[0].created_at.tzinfo is not None
        assert [e.action for e in log.entries(action="add_document")] == ["add_document"]
    finally:
        log.close()


@pytest.mark.database
def test_replicas_share_one_log(pg_url):
    """Two processes' worth of engines (two pools) write concurrently; nothing is lost."""
    a, b = AuditLog.for_url(pg_url), AuditLog.for_url(pg_url)
    before = len(a.entries(limit=None))
    errors: list[BaseException] = []

    def write(log: AuditLog, who: str) -> None:
        try:
            for i in range(25):
                log.record("feedback_export", actor=who, detail={"i": i})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(log, who)) for log, who in ((a, "r1"), (b, "r2"), (a, "r1b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors
        rows = b.entries(limit=None)
        assert len(rows) - before == 75
        assert len({e.id for e in rows}) == len(rows)
        assert {e.actor for e in rows} >= {"r1", "r2", "r1b"}
    finally:
        a.close()
        b.close()


def test_audit_log_sqlite_default(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    log = AuditLog.for_data_dir(tmp_path / "data")
    try:
        assert log.engine.dialect.name == "sqlite"
        log.record("delete_document", actor="admin", target="user:old.txt")
        (entry,) = log.entries()
        assert entry.action == "delete_document" and entry.target == "user:old.txt"
        assert (tmp_path / "data" / "feedback.db").exists()
        # The audit table sits beside the feedback table in the same database.
        from sqlalchemy import inspect

        assert audit_table.name in inspect(log.engine).get_table_names()
    finally:
        log.close()
