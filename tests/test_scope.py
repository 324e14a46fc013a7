"""Questions scoped to a document or a kind (ask --doc / --authority), and newer versions of a
document replacing older ones (add --replaces), through the Library and the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.documents import LAW, LOCAL_PLAN, OFFICIAL_INTERPRETATION, OFFICIAL_NOTICE, DocumentMeta
from retrieval.engine import Engine
from retrieval.library import Library
from retrieval.readers import DocumentRejected
from retrieval.scope import Scope
from tests._cli import run_cli_over
from tests._files import copy_index

DATA = Path(__file__).parent / "data"
REGULATION = DATA / "regulation_hr_market.txt"
PLAN = DATA / "plan_province_pilot.txt"


@pytest.fixture
def library(fresh_fast_settings, fast_engine) -> Library:
    copy_index(fast_engine.settings, fresh_fast_settings)
    library = Library(Engine.open(fresh_fast_settings))
    library.add(REGULATION.read_bytes(), REGULATION.name, DocumentMeta(title="某省人力资源市场条例", authority=LAW))
    library.add(PLAN.read_bytes(), PLAN.name, DocumentMeta(title="某省试点实施方案", authority=LOCAL_PLAN))
    return library


_cli = run_cli_over  # the command line, in this process


def _ids(library: Library) -> dict[str, str]:
    return {d.authority: d.doc_id for d in library.added.load()}


def test_scoped_questions_cite_only_their_documents(library):
    engine, ids = library.engine, _ids(library)
    question = "试点城市什么时候之前印发实施方案？"
    everything = {c.doc_id for c in engine.ask(question).citations}
    assert len(everything) > 1
    plan_only = engine.ask(question, scope=Scope.of(doc_ids=[ids[LOCAL_PLAN]]))
    assert plan_only.citations and {c.doc_id for c in plan_only.citations} == {ids[LOCAL_PLAN]}
    notice_kind = engine.ask(question, scope=Scope.of(authorities=[OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION]))
    assert {c.authority for c in notice_kind.citations} <= {OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION}


def test_cli_ask_with_doc_and_authority(library):
    settings, ids = library.settings, _ids(library)
    out = _cli(settings, "ask", "违反规定扣押劳动者身份证件怎么处罚？", "--authority", "laws", "--json")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["citations"] and {c["doc_id"] for c in answer["citations"]} == {ids[LAW]}
    assert answer["citations"][0]["chunk_id"] == f"{ids[LAW]}:ch5.art42"

    out = _cli(settings, "ask", "实施方案的文号是什么？", "--doc", ids[LOCAL_PLAN], "--json")
    answer = json.loads(out.stdout)
    assert {c["doc_id"] for c in answer["citations"]} == {ids[LOCAL_PLAN]}

    bad = _cli(settings, "ask", "试点周期多长？", "--doc", "u-nosuchdoc")
    assert bad.returncode != 0 and "no document u-nosuchdoc" in bad.stderr
    bad = _cli(settings, "ask", "试点周期多长？", "--authority", "rumours")
    assert bad.returncode != 0 and "unknown kind 'rumours'" in bad.stderr


def test_replaces_keeps_the_old_version_marked_superseded(library, tmp_path):
    settings, old_id = library.settings, _ids(library)[LOCAL_PLAN]
    newer = tmp_path / "plan_v2.txt"
    newer.write_text(PLAN.read_text(encoding="utf-8").replace("2025年9月底前印发", "2025年10月底前印发"), encoding="utf-8")
    out = _cli(settings, "add", str(newer), "--title", "某省试点实施方案（修订）", "--authority", LOCAL_PLAN, "--replaces", old_id)
    assert out.returncode == 0, out.stderr
    assert f"{old_id} is now marked superseded" in out.stdout

    engine = Engine.open(settings)
    docs = {d.doc_id: d for d in engine.index.documents}
    new_id = next(d for d, doc in docs.items() if doc.replaces == old_id)
    assert docs[old_id].superseded_by == new_id  # still there, still readable
    old_chunks = [c for c in engine.index.chunks if c.doc_id == old_id]
    assert old_chunks and all(c.superseded for c in old_chunks)
    assert not any(c.superseded for c in engine.index.chunks if c.doc_id == new_id)
    # The two versions differ in one date; answers cite the current one first.
    answer = engine.ask("确定为试点的城市什么时候前印发本市试点实施方案？", scope=Scope.of(authorities=[LOCAL_PLAN]))
    assert answer.citations[0].doc_id == new_id and "2025年10月底前" in answer.answer

    listing = _cli(settings, "list")
    assert f"[superseded by {new_id}]" in listing.stdout
    # Only the current version can be replaced, and shipped documents are edited in git.
    again = _cli(settings, "add", str(newer), "--replaces", old_id)
    assert again.returncode == 2 and "already replaced" in again.stderr
    shipped = _cli(settings, "add", str(newer), "--replaces", "notice")
    assert shipped.returncode == 2 and "shipped corpus" in shipped.stderr

    # Removing the newer version makes the older one current again.
    library = Library(engine)
    library.remove(new_id)
    assert not library.engine.index.document(old_id).superseded_by
    with pytest.raises(DocumentRejected):
        library.add(newer.read_bytes(), "x.txt", replaces="u-nosuchdoc")


def test_app_shows_added_documents_scoped_asks_and_automatic_overview(library, tmp_path, monkeypatch):
    """The Ask page's scope selector, the automatic overview and timeline, and superseded marks."""
    from tests._app import markdown_text, open_app

    settings, ids = library.settings, _ids(library)
    newer = PLAN.read_text(encoding="utf-8").replace("2025年9月底前印发", "2025年10月底前印发")
    new_id = library.add(newer.encode(), "plan_v2.txt", DocumentMeta(title="某省试点实施方案（修订）", authority=LOCAL_PLAN), replaces=ids[LOCAL_PLAN]).document.doc_id
    for name, value in (
        ("POLICY_QA_EMBED_MODEL", settings.model),
        ("POLICY_QA_CORPUS_DIR", str(settings.corpus_dir)),
        ("POLICY_QA_DATA_DIR", str(settings.data_dir)),
        ("POLICY_QA_INDEX_DIR", str(settings.index_dir)),
        ("POLICY_QA_TODAY", "2026-11-25"),
    ):
        monkeypatch.setenv(name, value)

    at = open_app("ui/pages/ask.py")
    picker = at.selectbox(key="pqa_scope")
    labels = set(picker.options)  # AppTest shows the formatted labels
    assert {"全部文档 All documents", "通知及解读 Notice & interpretation", "地方方案 Local plans", "法律法规 Laws & regulations"} <= labels
    assert "仅此文档 Only: 某省试点实施方案（已被取代）" in labels
    picker.set_value("kind:laws").run()
    at.chat_input[0].set_value("扣押劳动者身份证件怎么处罚？").run()
    assert not at.exception, [e.value for e in at.exception]
    text = markdown_text(at)
    assert "第五章 法律责任 › 第四十二条" in text and "第四十二条 违反本条例第二十三条规定" in text

    at = open_app("ui/pages/overview.py")
    text = markdown_text(at)
    assert "自动提取 extracted automatically" in text and "其他文档概览 Other documents" in text
    assert "施行：自2025年3月1日起施行" in text and "文号：某人社发〔2025〕31号" in text
    assert "县级以上人民政府（10）" in text

    at = open_app("ui/pages/timeline.py")
    text = markdown_text(at)
    assert "其他文档中的日期 Dates in other documents" in text and "自动提取 extracted automatically" in text
    assert "2025-03-01\n施行" in text and "2025-10-31\n截止" in text  # the law takes effect; v2's deadline
    assert "某省试点实施方案（已被取代 superseded）" in text  # the old version's dates stay, marked

    at = open_app("ui/pages/documents.py", {"doc": ids[LOCAL_PLAN]})
    text = markdown_text(at)
    assert "此文档已被新版本取代" in text and f"({new_id})" in text
