"""Reading uploaded files: real PDFs (Chromium / reportlab / pypdf), text encodings, bad files."""

from __future__ import annotations

import io

import pytest

from retrieval.chunking import chunk_document
from retrieval.documents import OFFICIAL_NOTICE, USER_ADDED, DocumentMeta
from retrieval.readers import DocumentRejected, normalize_text, read_document

from tests._files import GBK_TEXT, chinese_pdf, chinese_pdf_reportlab, encrypted_pdf, scanned_pdf


def read(data: bytes, name: str, max_bytes: int | None = None, **meta):
    return read_document(data, name, DocumentMeta(**meta), doc_id="t", max_bytes=max_bytes)


@pytest.fixture(scope="module")
def plan_pdf(tmp_path_factory) -> bytes:
    return chinese_pdf(tmp_path_factory.mktemp("pdf"))


def test_chinese_pdf_is_normalised_reflowed_and_paged(plan_pdf):
    doc = read(plan_pdf, "实施方案.pdf")
    # Kangxi radicals and CJK compatibility forms are folded to ordinary characters.
    assert not any("\u2e80" <= ch <= "\u2fdf" for ch in doc.text)
    assert "人力资源服务机构" in doc.text and "增长10%" in doc.text
    # Wrapped lines are joined back into the paragraph they belong to.
    assert "建设融合发展产业园区2个" in doc.text
    assert doc.authority == USER_ADDED
    assert len(doc.page_starts) == 2
    chunks = chunk_document(doc)
    first = next(c for c in chunks if c.text.startswith("（一）建立供需"))
    second = next(c for c in chunks if c.text.startswith("（二）加强人才"))
    assert (first.page, second.page) == (1, 2)
    assert second.section == "二、主要任务 › （二）加强人才培养"


def test_full_width_punctuation_is_kept_and_compat_forms_fold():
    assert normalize_text("（一）⼈⼒，Ａ１\u200b\r\n\r\n\r\n⾏") == "（一）人力，A1\n\n行"


def test_txt_utf8_and_markdown_headings():
    md = "# 一、总体要求\n\n某区试点**三年**完成。\n\n## （一）任务\n\n每月召开一次推进会。\n".encode()
    doc = read(md, "notes.md")
    assert doc.text.startswith("一、总体要求")
    assert "**三年**" in doc.text  # inline markup stays literal text
    assert doc.page_starts == ()
    assert [c.section for c in chunk_document(doc)][-1].endswith("（一）任务")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_text_encodings_are_detected(encoding):
    doc = read(GBK_TEXT.encode(encoding), "区方案.txt")
    assert "人力资源服务产业园" in doc.text


def test_docx(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_heading("一、工作目标", level=1)
    d.add_paragraph("全区建成零工市场三个。")
    buf = io.BytesIO()
    d.save(buf)
    doc = read(buf.getvalue(), "方案.docx")
    assert "零工市场" in doc.text


def test_authority_title_and_date():
    doc = read("一、要求\n内容。".encode(), "a.txt", title="  市级<b>方案</b> ", authority=OFFICIAL_NOTICE, date="2025-06-01")
    assert doc.title == "市级<b>方案</b>" and doc.authority == OFFICIAL_NOTICE and doc.date == "2025-06-01"
    assert read("一、要求\n内容。".encode(), "区_方案.txt").title == "区 方案"


def _code(data: bytes, name: str, **kw) -> str:
    with pytest.raises(DocumentRejected) as info:
        read(data, name, **kw)
    msg = str(info.value)
    assert info.value.zh in msg and info.value.en in msg  # bilingual, for the person who uploaded it
    return info.value.code


def test_bad_files_are_refused_with_a_reason(tmp_path, plan_pdf):
    assert _code(b"hello, I am text", "fake.pdf") == "not_pdf"
    assert _code(plan_pdf[: len(plan_pdf) // 2], "cut.pdf") == "corrupt_pdf"
    garbled = plan_pdf[:200] + b"\x00garbage" * 50 + b"\n%%EOF\n"
    assert _code(garbled, "garbled.pdf") == "corrupt_pdf"
    assert _code(encrypted_pdf(), "locked.pdf") == "encrypted_pdf"
    assert _code(scanned_pdf(), "scan.pdf") == "no_text_layer"
    assert _code(b"", "empty.txt") == "empty"
    assert _code(b"   \n\n ", "blank.md") == "empty"
    assert _code(b"x" * 2048, "big.txt", max_bytes=1024) == "too_large"
    assert _code(b"MZ\x90\x00\x03\x00\x00", "prog.txt") == "binary"
    assert _code(b"data", "table.xlsx") == "unsupported"
    assert _code(b"data", "noext") == "unsupported"
    assert _code("正文".encode(), "../../etc/passwd.txt") == "bad_name"
    assert _code("正文".encode(), "..\\win.txt") == "bad_name"
    assert _code("正文".encode(), "a\x00b.txt") == "bad_name"
    assert _code("正文".encode(), "x" * 300 + ".txt") == "bad_name"
    assert _code("。。。".encode(), "punct.txt") == "empty"
    assert _code("内容".encode(), "a.txt", date="June") == "bad_date"


def test_owner_only_encryption_still_opens():
    # Owner-password PDFs (no printing/copying) open with an empty user password.
    doc = read(encrypted_pdf(user_password=""), "restricted.pdf")
    assert "加密文件" in doc.text


def test_size_limit_from_environment(monkeypatch):
    monkeypatch.setenv("POLICY_QA_MAX_UPLOAD_MB", "0.001")
    assert _code(b"a" * 2000, "a.txt") == "too_large"
    monkeypatch.setenv("POLICY_QA_MAX_UPLOAD_MB", "1")
    assert read("一、要求\n内容。".encode(), "a.txt").text


def test_reportlab_pdf_pages():
    data = chinese_pdf_reportlab([["一、第一页", "第一页的正文内容在这里。"], ["二、第二页", "第二页的正文内容在这里。"]])
    doc = read(data, "two.pdf")
    assert doc.page_at(doc.text.index("第二页的正文")) == 2
    assert doc.page_at(doc.text.index("第一页的正文")) == 1
