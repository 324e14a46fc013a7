"""The curated facts (corpus/knowledge.yaml) against the real corpus, and what the pages build from them."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.documents import COMMENTARY, OFFICIAL_NOTICE
from ui import knowledge as kn
from ui.calendar import to_ics
from ui.corpus_view import chunk_texts, clause
from ui.eligibility import Profile, evaluate
from ui.report import report_lines, to_markdown, to_pdf


@pytest.fixture(scope="module")
def knowledge() -> kn.Knowledge:
    return kn.load()


def test_every_quote_is_verbatim_in_its_chunk(fast_engine, knowledge):
    assert kn.problems(knowledge, chunk_texts(fast_engine)) == []
    assert len(knowledge.citations()) >= 60


def test_every_quote_is_in_its_document_text(fast_engine, knowledge):
    for where, chunk_id, quote in knowledge.citations():
        ref = clause(fast_engine, chunk_id)
        assert quote in fast_engine.index.document(ref.doc_id).text, where


def test_a_drifted_quote_is_reported(fast_engine, knowledge):
    broken = kn.parse(
        {"timeline": [{"id": "x", "kind": "deadline", "title": "t", "date": "2025-07-18",
                       "chunk": "notice:4.1", "quote": "2025年7月19日前"}]}
    )
    assert any("quote not in notice:4.1" in p for p in kn.problems(broken, chunk_texts(fast_engine)))
    missing = kn.parse({"timeline": [{"id": "y", "title": "t", "date": "2025-01-01", "chunk": "nope", "quote": "q"}]})
    assert any("no chunk" in p for p in kn.problems(missing, chunk_texts(fast_engine)))


def test_commentary_only_facts_are_sourced_to_commentary(fast_engine, knowledge):
    implement = next(s for s in knowledge.timeline if s.id == "implement")
    assert clause(fast_engine, implement.chunk).authority == COMMENTARY
    for step in knowledge.timeline:
        if step.id in ("recommend", "plan", "summary", "period"):
            assert clause(fast_engine, step.chunk).authority == OFFICIAL_NOTICE


def test_timeline_status_relative_to_today(knowledge):
    today = dt.date(2026, 11, 25)
    status = {s.id: s.status(today) for s in knowledge.timeline}
    assert status["recommend"] == "past" and status["plan"] == "past"
    assert status["implement"] == "current" and status["period"] == "current"
    assert status["summary"] == "upcoming"


def test_ics_is_valid_enough_for_calendars(knowledge):
    data = to_ics(knowledge.timeline, lambda s: s.quote, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)).decode()
    assert data.startswith("BEGIN:VCALENDAR\r\n") and data.endswith("END:VCALENDAR\r\n")
    assert data.count("BEGIN:VEVENT") == len(knowledge.timeline)
    assert "DTSTART;VALUE=DATE:20250718" in data and "DTEND;VALUE=DATE:20280101" in data
    assert all(len(line.encode()) <= 75 for line in data.split("\r\n"))


def test_eligibility_rules(knowledge):
    maker = evaluate(knowledge, Profile("manufacturer", "unsure"))
    ids = {o.item.id for o in maker.applies}
    assert {"recruit_consortium", "titles", "lawful_hiring", "contact_city"} <= ids
    assert "city_plan" not in ids and all(o.item.id != "city_plan" for o in maker.excluded_by_facts)

    outside = evaluate(knowledge, Profile("manufacturer", "no"))
    assert "recruit_consortium" not in {o.item.id for o in outside.applies}
    assert "lawful_hiring" in {o.item.id for o in outside.applies}  # obligations hold everywhere

    recruiting_only = evaluate(knowledge, Profile("hr_agency", "yes", needs=("recruiting",)))
    excluded = {o.item.id: o.reason for o in recruiting_only.excluded_by_facts}
    assert "与所选需求无关" in excluded["training_center"]

    city = evaluate(knowledge, Profile("city", "no", park=True))
    assert "city_park_priority" in {o.item.id for o in city.applies}
    assert "city_park_priority" in {o.item.id for o in evaluate(knowledge, Profile("city", "no")).not_applicable}


def test_report_markdown_and_pdf(fast_engine, knowledge):
    result = evaluate(knowledge, Profile("hr_agency", "unsure", park=True))
    lines = report_lines(knowledge, result, lambda c: clause(fast_engine, c), dt.date(2026, 11, 25))
    md = to_markdown(lines)
    assert md.startswith("# 适用性自查报告") and "组建招聘用工联合体" in md and "出处：通知原文" in md
    pdf = to_pdf(lines)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
