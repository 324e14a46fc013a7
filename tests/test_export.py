"""Conversation export: Markdown, Word and PDF open, hold the Chinese text, citations and index date."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest

from retrieval.followup import complete
from ui.export import Turn, conversation_lines, export_name, to_docx, to_markdown, to_pdf

WHEN = dt.datetime(2026, 11, 26, 10, 30)


@pytest.fixture(scope="module")
def conversation(fast_engine):
    first = "试点城市的实施方案要在什么时候之前印发？"
    follow = complete("报给谁？", [first])
    declined = "个人所得税专项附加扣除怎么申报？"
    turns = [
        Turn(first, fast_engine.ask(first)),
        Turn(follow.original, fast_engine.ask(follow.question), follow.question),
        Turn(declined, fast_engine.ask(declined)),
        Turn("   ", None, error="请输入问题 (the question is empty)"),
    ]
    assert turns[0].answer.answerable and not turns[2].answer.answerable
    return turns, fast_engine.status().built_at


def test_lines_hold_questions_answers_citations_and_index_date(conversation):
    turns, built_at = conversation
    text = "\n".join(line.text for line in conversation_lines(turns, built_at, WHEN))
    assert f"索引构建于 Index built: {built_at}" in text and "2026-11-26 10:30" in text
    assert "问1 Q1：试点城市的实施方案要在什么时候之前印发？" in text
    assert "理解为 Understood as：试点城市的实施方案报给谁？" in text
    assert turns[0].answer.answer in text
    c = turns[0].answer.citations[0]
    assert f"[1] 通知原文 · 《{c.doc_title.strip('《》')}》 · {c.section}" in text and "《《" not in text
    assert "没有涉及" in text and "未检索 Not searched" in text


def test_markdown_escapes_user_text(conversation, fast_engine):
    turns, built_at = conversation
    hostile = Turn("[点我](javascript:alert(1)) **试点**周期是几年？", fast_engine.ask("试点周期是几年？"))
    md = to_markdown(conversation_lines([*turns, hostile], built_at, WHEN))
    assert md.startswith("# 政策问答")
    assert "\\[点我\\](javascript:alert(1)) \\*\\*试点\\*\\*" in md and "[点我](" not in md
    assert "2026-11-26 10:30" in md  # dates and numbers stay readable
    assert "2025年9月底前印发" in md


def test_docx_opens_with_chinese_text_and_east_asian_font(conversation):
    from docx import Document
    from docx.oxml.ns import qn

    turns, built_at = conversation
    doc = Document(io.BytesIO(to_docx(conversation_lines(turns, built_at, WHEN))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "试点城市的实施方案要在什么时候之前印发？" in text
    assert "2025年9月底前印发" in text and f"索引构建于 Index built: {built_at}" in text
    assert "通知原文" in text and turns[0].answer.citations[0].section in text
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"


def test_pdf_opens_with_extractable_chinese_and_renders(conversation, tmp_path):
    from pypdf import PdfReader

    turns, built_at = conversation
    data = to_pdf(conversation_lines(turns, built_at, WHEN))
    reader = PdfReader(io.BytesIO(data))
    # pypdf reads fpdf2's two-byte glyph map with a NUL before each character; poppler does not.
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace("\n", "")
    assert "试点城市的实施方案要在什么时候之前印发" in text
    assert "2025年9月底前印发" in text and "索引构建于" in text and "通知原文" in text
    fonts = {str(f) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("NotoSansCJK" in str(reader.get_object(f.idnum)["/BaseFont"]) for f in
               (ref for page in reader.pages for ref in page["/Resources"]["/Font"].values())), fonts
    # Rendered by poppler: the first page is a real, non-blank image.
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm missing: apt-get install poppler-utils"
    (tmp_path / "c.pdf").write_bytes(data)
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5_000


def test_export_file_names():
    assert export_name("pdf", WHEN) == "policy-qa-20261126-1030.pdf"
