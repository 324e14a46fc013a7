"""Structure-aware chunks: headings, section paths, offsets, sentence-aligned splits."""

from __future__ import annotations

import pytest

from retrieval.chunking import MAX_UNIT_CHARS, chunk_document, sentence_spans
from retrieval.documents import USER_ADDED, CorpusDir, Document
from retrieval.engine import REPO_ROOT


@pytest.fixture(scope="module")
def docs():
    return {d.doc_id: d for d in CorpusDir(REPO_ROOT / "corpus").load()}


def test_notice_splits_on_its_own_headings(docs):
    chunks = {c.chunk_id: c for c in chunk_document(docs["notice"])}
    c = chunks["notice:3.2"]
    assert c.section == "三、试点内容 › （二）探索完善政策体系"
    assert c.text.startswith("（二）探索完善政策体系。")
    assert chunks["notice:4.2"].section == "四、实施步骤 › （二）制定实施方案"
    assert "2025年9月底前印发" in chunks["notice:4.2"].text
    sign = chunks["notice:sign"]
    assert sign.section == "落款" and "2025年5月16日" in sign.text
    front = chunks["notice:front"]
    assert "人社部发〔2025〕27号" in front.text
    assert "发文机关" in front.search_text and "发文机关" not in front.text


def test_interpretation_splits_on_questions(docs):
    chunks = chunk_document(docs["interpretation"])
    q8 = [c for c in chunks if c.chunk_id.startswith("interpretation:4.q8")]
    assert q8, [c.chunk_id for c in chunks]
    assert q8[0].section == "四、保障措施与支持政策篇 › 问8 试点工作有哪些具体的政策支持？企业可以获得哪些实惠？"
    assert q8[0].text.startswith("问8：")
    questions = {c.section.split(" › ")[-1].split(" ")[0] for c in chunks if "问" in c.section}
    assert questions == {f"问{i}" for i in range(1, 11)}


def test_commentary_splits_on_sub_headings(docs):
    chunks = chunk_document(docs["commentary"])
    sections = {c.section for c in chunks}
    assert "试点框架：三维布局构建融合发展体系" in sections
    assert "保障机制：政策协同与监管创新护航实践" in sections


@pytest.mark.parametrize("doc_id", ["notice", "interpretation", "commentary"])
def test_offsets_slice_back_to_the_citation_and_ids_are_unique(docs, doc_id):
    doc = docs[doc_id]
    chunks = chunk_document(doc)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert c.authority == doc.authority and c.doc_id == doc_id


@pytest.mark.parametrize("doc_id", ["notice", "interpretation", "commentary"])
def test_long_units_split_on_sentence_boundaries_only(docs, doc_id):
    for c in chunk_document(docs[doc_id]):
        assert c.text[-1] in "。；！？：）”" or c.text.endswith("日"), (c.chunk_id, c.text[-10:])
        if len(c.text) > MAX_UNIT_CHARS:
            assert len(sentence_spans(c)) == 1, c.chunk_id  # only an unsplittable single sentence


def test_chunk_ids_are_stable(docs):
    a = [c.chunk_id for c in chunk_document(docs["notice"])]
    b = [c.chunk_id for c in chunk_document(docs["notice"])]
    assert a == b


def test_plain_text_without_headings_uses_sentence_splitting():
    text = "".join(f"这是第{i}句话，用来测试没有标题的文本如何被切分成适合引用的片段。" for i in range(30)) + "\n"
    doc = Document(doc_id="plain", title="无标题", text=text, authority=USER_ADDED)
    chunks = chunk_document(doc)
    assert len(chunks) > 1
    assert all(len(c.text) <= MAX_UNIT_CHARS for c in chunks)
    assert "".join(c.text for c in chunks) == text.strip()


def test_paged_document_reports_page_numbers():
    pages = ["一、总则\n第一页的内容写在这里，包含一些说明。\n", "二、措施\n第二页的内容写在这里，包含具体措施。\n"]
    doc = Document(
        doc_id="paged", title="分页", text="".join(pages), authority=USER_ADDED, page_starts=(0, len(pages[0]))
    )
    chunks = chunk_document(doc)
    assert [c.page for c in chunks] == [1, 2]
    assert chunks[1].section == "二、措施"


def test_a_signature_block_is_one_sentence_and_long_sentences_get_clause_windows(docs):
    """Four bodies on four lines over a date are read as one sentence, not five fragments; a
    280-character sentence is also embedded in windows of its comma clauses."""
    from retrieval.chunking import SIGNATURE_CONTEXT, embedded_spans

    chunks = {c.chunk_id: c for c in chunk_document(docs["notice"])}
    sign = chunks["notice:sign"]
    assert [sign.text[a - sign.start : b - sign.start] for a, b in sentence_spans(sign)] == [sign.text]
    assert sign.text.endswith("2025年5月16日") and SIGNATURE_CONTEXT in sign.context
    head = chunks["notice:front"]
    first = sentence_spans(head)[0]
    assert head.text[first[0] - head.start : first[1] - head.start].endswith("人社部发〔2025〕27号")
    long = chunks["notice:1~1"]
    sentences, spans = sentence_spans(long), embedded_spans(long)
    windows = [long.text[a - long.start : b - long.start] for a, b in spans if (a, b) not in sentences]
    assert windows and all(len(w) <= 60 for w in windows)
    assert any("机制创新、政策创新、平台创新、模式创新" in w for w in windows)
