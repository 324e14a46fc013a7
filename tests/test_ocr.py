"""Scanned PDFs: pages without a text layer are read by OCR (RapidOCR, offline), with page numbers,
confidence per page, per-page progress and clear limits. The scans are made here with Noto CJK."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
import unicodedata

import pytest

from retrieval import ocr
from retrieval.chunking import chunk_document
from retrieval.documents import DocumentMeta
from retrieval.engine import REPO_ROOT, Engine
from retrieval.library import Library
from retrieval.readers import DocumentRejected, read_document
from tests._files import chinese_pdf_reportlab, copy_index
from tests._scans import LOW_CONTRAST_PAGE, ROTATED_PAGE, SCAN_PAGES, scanned_pdf

pytestmark = pytest.mark.slow  # runs the OCR models, seconds a page


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """One scanned PDF for the module, and an OCR cache of its own (pages are read once)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICY_QA_DATA_DIR", str(tmp_path_factory.mktemp("ocr-data")))
        yield scanned_pdf()


def _recovered(truth: str, read: str) -> float:
    """Share of the true characters OCR got, in order (whitespace and width differences aside)."""
    key = lambda s: re.sub(r"\s", "", unicodedata.normalize("NFKC", s))  # noqa: E731
    a, b = key(truth), key(read)
    return sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()) / len(a)


def test_scanned_pages_are_read_with_their_clause_structure(scan):
    doc = read_document(scan, "细则扫描件.pdf", doc_id="scan")
    assert [p for p, _ in doc.ocr_pages] == [1, 2, 3]
    assert all(0.9 <= c <= 1.0 for _, c in doc.ocr_pages)
    for n, truth in enumerate(SCAN_PAGES, start=1):
        start = doc.page_starts[n - 1]
        end = doc.page_starts[n] if n < len(SCAN_PAGES) else len(doc.text)
        # Including the page turned by 1.5° and the grey-on-grey one.
        assert _recovered("".join(truth), doc.text[start:end]) >= 0.95, (n, doc.text[start:end])
    assert "某人社发〔2025〕45号" in doc.text  # look-alike brackets put back
    chunks = {c.chunk_id.split(":")[1]: c for c in chunk_document(doc)}
    assert chunks["1.1"].section == "一、总体要求 › （一）工作目标"
    assert chunks["2.art3"].section == "二、申报程序 › 第三条" and chunks["2.art3"].page == ROTATED_PAGE
    assert chunks["3.2"].section == "三、监督管理 › （二）信用管理" and chunks["3.2"].page == LOW_CONTRAST_PAGE
    assert all(c.ocr for c in chunks.values())


def test_only_pages_without_a_text_layer_are_read_by_ocr(scan):
    text_page = chinese_pdf_reportlab([["某市试点工作通知", "一、总体安排", "各区于2025年9月底前报送实施方案。"]])
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in (text_page, scan):
        for page in PdfReader(BytesIO(data)).pages:
            writer.add_page(page)
    buf = BytesIO()
    writer.write(buf)
    doc = read_document(buf.getvalue(), "mixed.pdf", doc_id="mixed")
    assert [p for p, _ in doc.ocr_pages] == [2, 3, 4]
    by_page = {c.page: c.ocr for c in chunk_document(doc)}
    assert by_page[1] is False and by_page[2] is True


def test_limits_refuse_with_a_clear_message(scan, monkeypatch):
    monkeypatch.setenv(ocr.ENV_MAX_PAGES, "2")
    with pytest.raises(DocumentRejected) as err:
        read_document(scan, "scan.pdf", doc_id="x")
    assert err.value.code == "ocr_too_many_pages" and "超过上限 2 页" in err.value.zh and ocr.ENV_MAX_PAGES in err.value.en
    monkeypatch.setenv(ocr.ENV_MAX_PAGES, "10")
    monkeypatch.setenv(ocr.ENV_MAX_SECONDS, "0.01")
    limits = ocr.OcrLimits.from_env()
    with pytest.raises(ocr.OcrLimitExceeded) as timeout:
        # A file the cache has not seen: the first page takes longer than the limit.
        ocr.ocr_pdf_pages(scanned_pdf(SCAN_PAGES[::-1]), [1, 2, 3], limits=limits)
    assert timeout.value.code == "ocr_timeout" and "1/3" in timeout.value.zh


def test_added_scan_answers_with_its_page_and_reports_progress(scan, fresh_fast_settings, fast_engine, monkeypatch):
    copy_index(fast_engine.settings, fresh_fast_settings)
    library = Library(Engine.open(fresh_fast_settings))
    events = []
    result = library.add(scan, "细则扫描件.pdf", DocumentMeta(title="某市试点工作实施细则"), progress=lambda s, d, t: events.append((s, d, t)))
    # Per-page progress from the reader's child process, before indexing.
    assert [e for e in events if e[0] == "ocr"] == [("ocr", 0, 3), ("ocr", 1, 3), ("ocr", 2, 3), ("ocr", 3, 3)]
    doc = result.document
    answer = library.engine.ask("试点奖补资金由市财政局什么时候拨付？")
    top = answer.citations[0]
    assert top.doc_id == doc.doc_id and top.page == ROTATED_PAGE and "11月底前" in top.text
    assert library.engine.index.chunk(top.chunk_id).ocr
    info = {r.doc_id: r for r in library.documents()}[doc.doc_id]
    assert [p for p, _ in info.ocr_pages] == [1, 2, 3]

    # The app says so under the citation and on the Documents page.
    from tests._app import markdown_text, open_app

    settings = library.settings
    for name, value in (
        ("POLICY_QA_EMBED_MODEL", settings.model),
        ("POLICY_QA_CORPUS_DIR", str(settings.corpus_dir)),
        ("POLICY_QA_DATA_DIR", str(settings.data_dir)),
        ("POLICY_QA_INDEX_DIR", str(settings.index_dir)),
    ):
        monkeypatch.setenv(name, value)
    at = open_app("ui/pages/ask.py")
    at.chat_input[0].set_value("试点奖补资金由市财政局什么时候拨付？").run()
    assert f"第{ROTATED_PAGE}页为扫描件，文字由 OCR 识别" in markdown_text(at)
    at = open_app("ui/pages/documents.py", {"doc": doc.doc_id})
    text = markdown_text(at)
    assert "由文字识别（OCR）读取" in text and "第1页 " in text and "第3页 " in text


def test_ocr_runs_offline_from_the_models_in_the_wheel(tmp_path):
    """With every network connection refused, OCR still reads a page: nothing is downloaded."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network use during OCR')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "from tests._scans import page_image\n"
        "from retrieval.ocr import ocr_image\n"
        "text, conf = ocr_image(page_image(['第一条 本细则自2025年10月1日起施行。']))\n"
        "print(text)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    assert "2025年10月1日起施行" in out.stdout
