"""The automatic overview: section tree, bodies, dates and deadlines, header — each cited.

Checked against the hand-curated timeline of the notice (every curated date must be found,
in the chunk the curated fact cites) and on the law and plan in tests/data/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from retrieval.chunking import chunk_document
from retrieval.documents import LAW, LOCAL_PLAN, CorpusDir, Document
from retrieval.engine import REPO_ROOT
from retrieval.outline import build_outline, extract_dates

DATA = Path(__file__).parent / "data"
CORPUS = {d.doc_id: d for d in CorpusDir(REPO_ROOT / "corpus").load()}


def _outline(doc: Document):
    return build_outline(doc, chunk_document(doc))


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


# The curated timeline's dated facts (some steps, like the selection of cities, have no date).
CURATED = [
    f
    for f in yaml.safe_load((REPO_ROOT / "corpus" / "knowledge.yaml").read_text(encoding="utf-8"))["timeline"]
    if f.get("date") or f.get("start")
]


@pytest.mark.parametrize("fact", CURATED, ids=[f["id"] for f in CURATED])
def test_every_curated_timeline_date_is_extracted_from_its_chunk(fact):
    doc = CORPUS[fact["chunk"].split(":")[0]]
    items = [d for d in _outline(doc).dates if d.cited.chunk_id == fact["chunk"]]
    if fact["kind"] == "period":
        # "2025至2027年" says years; the curated period may start on the issue day within the first.
        want = (_iso(fact["start"])[:4], _iso(fact["end"]))
        assert any((d.start[:4], d.end) == want and d.kind == "period" for d in items), (want, items)
    else:
        assert any(d.date == _iso(fact["date"]) for d in items), (fact["date"], items)
    for d in items:  # every citation is the phrase itself
        assert doc.text[d.cited.start : d.cited.end] == d.phrase


def test_deadline_forms():
    text = (
        "一、工作安排\n"
        "（一）各区于2025年9月底前报送方案，7月18日前完成推荐。\n"
        "（二）本办法自2025年3月1日起施行，有效期为期三年。每年3月报送年度报告，2027年底前完成总结。\n"
        "（三）2026年1月至2027年10月组织实施，2025至2027年为试点期。"
    )
    doc = Document("forms", "测试", text, LOCAL_PLAN, date="2025-05-01")
    got = [(d.kind, d.phrase, d.start, d.end) for d in _outline(doc).dates]
    assert got == [
        ("deadline", "2025年9月底前", "", "2025-09-30"),
        ("deadline", "7月18日前", "", "2025-07-18"),  # the year from the sentence before it
        ("effective", "自2025年3月1日起施行", "2025-03-01", ""),
        ("duration", "为期三年", "", ""),
        ("recurring", "每年3月", "", ""),
        ("deadline", "2027年底前", "", "2027-12-31"),
        ("period", "2026年1月至2027年10月", "2026-01-01", "2027-10-31"),
        ("period", "2025至2027年", "2025-01-01", "2027-12-31"),
    ]


def test_regulation_outline():
    doc = Document("reg", "某省人力资源市场条例", (DATA / "regulation_hr_market.txt").read_text(encoding="utf-8"), LAW)
    outline = _outline(doc)
    chapters = [n.heading for n in outline.sections if n.heading.startswith("第")]
    assert chapters == ["第一章 总则", "第二章 人力资源市场培育", "第三章 人力资源服务机构", "第四章 监督管理", "第五章 法律责任", "第六章 附则"]
    ch3 = next(n for n in outline.sections if n.heading == "第三章 人力资源服务机构")
    assert [c.heading for c in ch3.children] == ["第一节 设立与许可", "第二节 服务规范"]
    effective = [d for d in outline.dates if d.kind == "effective"]
    assert [(d.start, d.cited.chunk_id) for d in effective] == [("2025-03-01", "reg:ch6.art47")]
    assert ("recurring", "每年3月31日前") in [(d.kind, d.phrase) for d in outline.dates]
    bodies = {b.name for b in outline.bodies}
    assert {"县级以上人民政府", "省人民政府", "人力资源服务行业协会"} <= bodies
    header = {f.kind: (f.value, c.chunk_id if c else None) for f, c in outline.header}
    assert header["effective"] == ("自2025年3月1日起施行", "reg:ch6.art47")
    assert header["date"] == ("2024年11月28日", "reg:front")


def test_plan_outline_reads_header_table_and_issue_date():
    doc = Document("plan", "某省实施方案", (DATA / "plan_province_pilot.txt").read_text(encoding="utf-8"), LOCAL_PLAN)
    outline = _outline(doc)
    header = {f.kind: f.value for f, _ in outline.header}
    assert header["number"] == "某人社发〔2025〕31号"
    assert header["issuer"].startswith("某省人力资源和社会保障厅、某省工业和信息化厅")
    dates = {(d.kind, d.date, d.cited.chunk_id) for d in outline.dates}
    # 自印发之日起施行: the issue date from the signature block.
    assert ("effective", "2025-06-10", "plan:4.3") in dates
    assert ("deadline", "2026-06-30", "plan:annex2.table1") in dates  # dates in a table row
    assert ("deadline", "2025-09-30", "plan:3.2") in dates
    bodies = [b.name for b in outline.bodies]
    assert bodies[0] == "省人力资源社会保障厅"
    assert "工业和信息化部" in bodies and not any(b.startswith(("按照", "为贯彻")) for b in bodies)


def test_notice_bodies_and_tree_have_citations():
    outline = _outline(CORPUS["notice"])
    names = [b.name for b in outline.bodies]
    assert names[:5] == ["人力资源社会保障部", "人社部", "工业和信息化部", "商务部", "全国工商联"] or set(names[:5]) == {
        "人力资源社会保障部", "人社部", "工业和信息化部", "商务部", "全国工商联"
    }
    text = CORPUS["notice"].text
    for b in outline.bodies:
        assert text[b.first.start : b.first.end] == b.name
    assert [n.heading for n in outline.sections][1:6] == ["一、总体要求", "二、试点周期和范围", "三、试点内容", "四、实施步骤", "五、工作要求"]
    assert extract_dates(CORPUS["commentary"], chunk_document(CORPUS["commentary"]))  # commentary has dates too


def test_a_cited_document_number_is_not_taken_for_the_documents_own():
    text = "某市试点工作方案\n根据《关于开展试点工作的通知》（人社部发〔2025〕27号）要求，制定本方案。\n一、工作目标\n（一）2025年底前完成。"
    outline = _outline(Document("cite", "某市方案", text, LOCAL_PLAN))
    assert "number" not in {f.kind for f, _ in outline.header}
    own = _outline(Document("own", "某市方案", "某市试点工作方案\n某人社〔2025〕8号\n" + text.split("\n", 1)[1], LOCAL_PLAN))
    assert [f.value for f, _ in own.header if f.kind == "number"] == ["某人社〔2025〕8号"]
