"""The feedback store on a real SQLite file."""

from __future__ import annotations

import csv
import io

from store.feedback import ENV_URL, FeedbackStore, default_url


def test_feedback_survives_a_new_store_and_exports_as_csv(tmp_path):
    store = FeedbackStore.for_data_dir(tmp_path / "data")
    first = store.record(
        question="试点周期多长？", answer="2025至2027年", answerable=True, helpful=True,
        citations=["notice:2"], session_id="s1",
    )
    second = store.record(question="天气？", answer="未涵盖", answerable=False, helpful=True)
    store.set_rating(second, helpful=False)
    store.set_comment(second, "=HYPERLINK(\"x\")")
    store.close()

    again = FeedbackStore.for_data_dir(tmp_path / "data")
    assert (tmp_path / "data" / "feedback.db").exists()
    summary = again.summary()
    assert (summary.total, summary.helpful, summary.not_helpful) == (2, 1, 1)
    assert [r["id"] for r in again.rows()] == [second, first]

    raw = again.export_csv()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs then read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["question"] for r in rows] == ["试点周期多长？", "天气？"]
    assert rows[0]["citations"] == "notice:2" and rows[0]["rating"] == "1"
    assert rows[1]["comment"].startswith("'=")  # never a live formula
    assert rows[1]["answerable"] == "0"


def test_comment_is_capped(tmp_path):
    store = FeedbackStore.for_data_dir(tmp_path)
    fid = store.record(question="q", answer="a", answerable=True, helpful=True, comment="长" * 5000)
    assert len(store.rows()[0]["comment"]) == 2000
    store.set_comment(fid, "")
    assert store.rows()[0]["comment"] == ""


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_URL, raising=False)
    assert default_url(tmp_path) == f"sqlite:///{tmp_path / 'feedback.db'}"
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv(ENV_URL, f"sqlite:///{other}")
    FeedbackStore.for_data_dir(tmp_path).record(question="q", answer="a", answerable=True, helpful=False)
    assert other.exists()
