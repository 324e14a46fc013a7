"""Adding and removing documents through the Library and the CLI, on a real index in a temp folder."""

from __future__ import annotations

import json

import pytest

from retrieval.documents import CorpusDir, OFFICIAL_NOTICE, USER_ADDED, DocumentMeta
from retrieval.engine import Engine, load_documents
from retrieval.index_store import IndexStore
from retrieval.library import Library
from retrieval.readers import DocumentRejected
from tests._cli import run_cli, settings_env
from tests._files import GBK_TEXT, chinese_pdf, copy_index


@pytest.fixture
def library(fresh_fast_settings, fast_engine) -> Library:
    copy_index(fast_engine.settings, fresh_fast_settings)
    return Library(Engine.open(fresh_fast_settings))


def test_add_pdf_answers_with_page_and_label_then_remove(library, tmp_path):
    stages = []
    result = library.add(chinese_pdf(tmp_path), "实施方案.pdf", DocumentMeta(title="某市试点实施方案"), progress=lambda s, d, t: stages.append(s))
    doc = result.document
    assert doc.authority == USER_ADDED and result.pages == 2 and result.chunks >= 3
    assert "embed" in stages  # progress reached the caller
    answer = library.engine.ask("某市每季度组织几次制造业企业与人力资源服务机构的对接活动？")
    top = answer.citations[0]
    assert top.doc_id == doc.doc_id and top.authority == USER_ADDED and top.authority_label == "用户添加"
    assert top.page == 1
    # Kangxi-radical text from the PDF was normalised, so the plain-character question found it.
    assert "人才培养" in library.engine.search("人才培养 订单式培养").hits[0].chunk.text

    info = {r.doc_id: r for r in library.documents()}
    assert info[doc.doc_id].chunks == result.chunks and info[doc.doc_id].removable
    assert not info["notice"].removable

    # On disk: the document in data/documents, the index rebuilt from it.
    assert [d.doc_id for d in CorpusDir(library.settings.added_dir).load()] == [doc.doc_id]
    assert IndexStore(library.settings.index_dir).load().manifest.n_documents == 4

    removed = library.remove(doc.doc_id)
    assert removed.document.doc_id == doc.doc_id
    assert all(c.doc_id != doc.doc_id for c in library.engine.index.chunks)
    assert CorpusDir(library.settings.added_dir).load() == []


def test_duplicates_and_refusals_change_nothing(library):
    first = library.add(GBK_TEXT.encode("gbk"), "区方案.txt", DocumentMeta(authority=OFFICIAL_NOTICE, date="2025-08-01"))
    assert first.document.authority == OFFICIAL_NOTICE  # only because the admin said so
    before = IndexStore(library.settings.index_dir).read_manifest()
    # Same text, other encoding and name: same content hash, refused.
    with pytest.raises(DocumentRejected) as info:
        library.add(GBK_TEXT.encode("utf-8"), "copy.md")
    assert info.value.code == "duplicate" and first.document.doc_id in str(info.value)
    # A shipped document's text uploaded again is a duplicate too.
    notice = (library.settings.corpus_dir / "notice.txt").read_bytes()
    with pytest.raises(DocumentRejected, match="duplicate|内容相同"):
        library.add(notice, "notice.txt")
    with pytest.raises(DocumentRejected) as info:
        library.remove("notice")
    assert info.value.code == "not_removable"
    with pytest.raises(DocumentRejected) as info:
        library.remove("u-nope")
    assert info.value.code == "not_found"
    assert IndexStore(library.settings.index_dir).read_manifest() == before
    assert len(load_documents(library.settings)) == 4


def test_cli_add_list_remove(fresh_fast_settings, fast_engine, tmp_path, monkeypatch):
    fresh_settings = fresh_fast_settings
    copy_index(fast_engine.settings, fresh_settings)
    for name, value in settings_env(fresh_settings).items():
        monkeypatch.setenv(name, value)
    cli = run_cli

    file = tmp_path / "区方案.txt"
    file.write_bytes(GBK_TEXT.encode("gbk"))
    out = cli("add", str(file), "--title", "某区方案", "--date", "2025-08-01")
    assert out.returncode == 0, out.stderr
    doc_id = out.stdout.split()[1]
    assert doc_id.startswith("u-") and "用户添加" in out.stdout

    again = cli("add", str(file))
    assert again.returncode == 2 and "内容相同" in again.stderr

    listed = json.loads(cli("list", "--json").stdout)
    assert [r["doc_id"] for r in listed][-1] == doc_id and listed[-1]["chunks"] >= 1

    bad = tmp_path / "fake.pdf"
    bad.write_text("not a pdf")
    out = cli("add", str(bad))
    assert out.returncode == 2 and "不是 PDF" in out.stderr

    assert cli("remove", "notice").returncode == 2
    assert cli("remove", doc_id).returncode == 0
    assert CorpusDir(fresh_settings.added_dir).load() == []
