"""Laws, regulations and plans: chunked by 章/节/条 and 一、/（一）/1., annexes and tables on their own,
and adding two long documents leaves the notice's evaluation figures where they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.chunking import chunk_corpus, chunk_document
from retrieval.documents import LAW, LOCAL_PLAN, CorpusDir, Document, DocumentMeta
from retrieval.engine import DECLINE_ZH_LIBRARY, REPO_ROOT, Engine
from retrieval.evaluation import evaluate, load_dataset
from retrieval.library import Library
from retrieval.scope import Scope
from tests._files import copy_index
from tests.conftest import DEV_SET

DATA = Path(__file__).parent / "data"
REGULATION = DATA / "regulation_hr_market.txt"
PLAN = DATA / "plan_province_pilot.txt"


def _doc(path: Path, authority: str) -> Document:
    return Document(path.stem, path.stem, path.read_text(encoding="utf-8"), authority)


def _chunks(path: Path, authority: str):
    return {c.chunk_id.split(":", 1)[1]: c for c in chunk_document(_doc(path, authority))}


def test_regulation_is_chunked_by_chapter_section_and_article():
    chunks = _chunks(REGULATION, LAW)
    # Every article is one chunk, under its chapter (and section where the chapter has them).
    articles = [k for k in chunks if ".art" in k]
    assert len(articles) == 47
    assert chunks["ch5.art42"].section == "第五章 法律责任 › 第四十二条"
    assert chunks["ch5.art42"].text.startswith("第四十二条 违反本条例第二十三条规定")
    assert chunks["ch3.sec2.art23"].section == "第三章 人力资源服务机构 › 第二节 服务规范 › 第二十三条"
    # The enumerated items of an article stay with it.
    assert "（五）法律、法规禁止的其他行为。" in chunks["ch3.sec2.art23"].text
    assert "（四）" in chunks["ch3.sec1.art16"].text and "ch3.sec1.art16.4" not in chunks
    # The title and adoption note are the document's head, not part of article 1.
    assert "常务委员会第十二次会议通过" in chunks["front"].text
    assert "第一条" not in chunks["front"].text
    assert "自2025年3月1日起施行" in chunks["ch6.art47"].text


def test_plan_nests_items_and_keeps_annexes_and_tables_apart():
    chunks = _chunks(PLAN, LOCAL_PLAN)
    assert chunks["1.2.1"].section == "一、总体要求 › （二）工作目标 › 1.机构培育目标"
    assert chunks["2.2.2"].section == "二、重点任务 › （二）完善支持政策体系 › 2.强化金融支持"
    # A （一） line that only heads its 1. 2. items is a heading, not a chunk of its own.
    assert "2.1" not in chunks and "2.1.1" in chunks
    assert "某人社发〔2025〕31号" in chunks["front"].text
    assert chunks["annex1"].section == "附件1 试点城市申报材料提纲"
    table = chunks["annex2.table1"]
    assert table.section == "附件2 重点任务分工表 › 表格1"
    assert table.text.startswith("| 序号 |") and table.text.endswith("| 2027年12月底前 |")
    # The list of annexes at the end of the body is body text, not an annex.
    assert "附件：1.试点城市申报材料提纲\n2.重点任务分工表" in chunks["4.3"].text
    assert chunks["sign"].text.startswith("某省人力资源和社会保障厅")
    for c in chunks.values():  # offsets cite the original text
        assert c.text == PLAN.read_text(encoding="utf-8")[c.start : c.end]


def test_shipped_documents_keep_their_chunk_ids():
    """The notice, interpretation and commentary chunk exactly as the shipped index has them."""
    build = REPO_ROOT / "index" / (REPO_ROOT / "index" / "CURRENT").read_text().strip()
    shipped = [json.loads(line) for line in (build / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    now = chunk_corpus(CorpusDir(REPO_ROOT / "corpus").load())
    assert [(c.chunk_id, c.section, c.start, c.end) for c in now] == [
        (c["chunk_id"], c["section"], c["start"], c["end"]) for c in shipped
    ]


def _with_laws(built, settings) -> Library:
    """A library over a copy of `built`'s index with the regulation and the plan added."""
    copy_index(built.settings, settings)
    library = Library(Engine.open(settings))
    library.add(REGULATION.read_bytes(), REGULATION.name, DocumentMeta(title="某省人力资源市场条例", authority=LAW))
    library.add(
        PLAN.read_bytes(), PLAN.name, DocumentMeta(title="某省人力资源服务业与制造业融合发展试点实施方案", authority=LOCAL_PLAN)
    )
    return library


@pytest.fixture
def library_with_laws(fresh_fast_settings, fast_engine) -> Library:
    return _with_laws(fast_engine, fresh_fast_settings)


def test_added_law_and_plan_answer_questions_about_themselves(library_with_laws, fast_engine):
    engine = library_with_laws.engine
    ids = {d.authority: d.doc_id for d in library_with_laws.added.load()}

    def top(question: str) -> str:
        answer = engine.ask(question)
        assert answer.answerable, question
        return answer.citations[0].chunk_id

    assert top("某省人力资源市场条例什么时候起施行？") == f"{ids[LAW]}:ch6.art47"
    assert top("人力资源服务机构扣押劳动者身份证件会被罚款多少？") == f"{ids[LAW]}:ch5.art42"
    # Who issued the plan and its number: its head, read from the text (no metadata was given).
    plan_only = Scope.of(doc_ids=[ids[LOCAL_PLAN]])
    answer = engine.ask("某省试点实施方案的文号是什么？", scope=plan_only)
    assert answer.citations[0].chunk_id == f"{ids[LOCAL_PLAN]}:front" and "某人社发〔2025〕31号" in answer.answer
    assert "某人社发〔2025〕31号" in engine.index.chunk(f"{ids[LOCAL_PLAN]}:front").context
    answer = engine.ask("这个实施方案是哪些部门联合印发的？", scope=plan_only)
    assert {c.chunk_id for c in answer.citations[:2]} & {f"{ids[LOCAL_PLAN]}:front", f"{ids[LOCAL_PLAN]}:sign"}


@pytest.fixture
def real_library_with_laws(fresh_settings, engine) -> Library:
    """The same two documents added with the real model (the shipped vectors are reused)."""
    return _with_laws(engine, fresh_settings)


def test_a_question_naming_an_added_document_is_answered_from_it(library_with_laws):
    """"某省…" is a title word only the added documents use: the notice's prior does not win."""
    engine = library_with_laws.engine
    ids = {d.authority: d.doc_id for d in library_with_laws.added.load()}
    answer = engine.ask("某省试点实施方案的文号是什么？")
    assert answer.citations[0].doc_id == ids[LOCAL_PLAN]
    assert f"{ids[LOCAL_PLAN]}:front" in [c.chunk_id for c in answer.citations[:3]]
    # Its own number, not the notice's number that its preamble cites: 《…》（人社部发〔2025〕27号）.
    assert "某人社发〔2025〕31号" in answer.answer and "27号" not in answer.answer


def test_adding_laws_and_plans_keeps_the_notice_figures(real_library_with_laws, engine):
    """The dev set (questions about the notice) scores no worse with two long added documents.

    Measured with the real model: the figures are about meaning, which the hashing test
    embedder does not have.
    """
    items = load_dataset(DEV_SET)
    before = evaluate(engine.ask, items).summary()
    after = evaluate(real_library_with_laws.engine.ask, items).summary()
    assert after["recall@5"] >= before["recall@5"], (before, after)
    assert after["top1"] >= before["top1"], (before, after)
    assert after["oos_acc"] >= before["oos_acc"], (before, after)


def test_a_law_question_gets_the_laws_own_date_not_the_repealed_ones(real_library_with_laws):
    """Article 47 holds two dates: the one "本条例" takes effect on, and the one of the regulation
    it repeals (a 《title》 it cites). Asked when the regulation takes effect, the first answers."""
    engine = real_library_with_laws.engine
    law = next(d.doc_id for d in real_library_with_laws.added.load() if d.authority == LAW)
    for question in ("某省人力资源市场条例什么时候起施行？", "When does the provincial human resources market regulation take effect?"):
        answer = engine.ask(question)
        assert answer.citations[0].chunk_id == f"{law}:ch6.art47", question
        assert "本条例自2025年3月1日起施行" in answer.answer, (question, answer.answer)
        assert answer.lead.startswith("据《某省人力资源市场条例》")


def test_a_decline_with_added_documents_does_not_say_only_the_notice_is_covered(library_with_laws):
    answer = library_with_laws.engine.ask("今天上海的天气怎么样？")
    assert not answer.answerable
    assert answer.answer.endswith(DECLINE_ZH_LIBRARY) and "本系统只回答" not in answer.answer
    # Nor does the sidebar.
    from ui.sidebar import sources_note

    added = library_with_laws.engine.status().added_documents
    assert added == 2 and "管理员添加的2份文件" in sources_note(added) and "仅依据" not in sources_note(added)
    assert sources_note(0).startswith("仅依据")


def test_a_figure_stated_in_the_fourth_citation_is_found_and_quoted(real_library_with_laws):
    """The notice's clauses rank first on the words, the plan's target (不少于200家) fourth: abstention
    reads the first five citations for the asked figure, and the answer quotes where it was found."""
    answer = real_library_with_laws.engine.ask(
        "At minimum, how many key factories should each pilot city's HR park or service platform be working with?"
    )
    assert answer.answerable, answer.answer
    assert "200家" in answer.answer
