"""Uploads cannot exhaust memory or stall indexing: bombs made here, refused fast, the server's memory flat.

Each hostile file is built in a second or less from small compressed pieces that expand big
(deflate segments repeated), exactly as an attacker would make them.
"""

from __future__ import annotations

import io
import resource
import struct
import time
import zlib

import pytest

from retrieval.chunking import HARD_MAX_PIECE_CHARS, chunk_document
from retrieval.documents import CorpusDir, DocumentMeta
from retrieval.engine import Engine, load_documents
from retrieval.library import Library, check_upload
from retrieval.quarantine import quarantine_dir, quarantined
from retrieval.readers import DocumentRejected, read_document
from tests._files import chinese_pdf_reportlab, copy_index

# ---- building hostile files ------------------------------------------------------------


def _deflate(data: bytes, final: bool) -> bytes:
    """Raw deflate of `data`; a non-final segment ends byte-aligned with no back-references
    past it, so segments can be repeated and concatenated into one valid stream."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + (c.flush() if final else c.flush(zlib.Z_FULL_FLUSH))


def _member(head: bytes, body: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """(deflated, crc32, size) of head + body * times + tail, in memory only as compressed bytes."""
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(body, crc)
    compressed = _deflate(head, False) + _deflate(body, False) * times + _deflate(tail, True)
    return compressed, crc, len(head) + len(body) * times + len(tail)


def _zip(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A plain (non-zip64) archive of already deflated members."""
    out, central = bytearray(), bytearray()
    for name, (data, crc, size) in members.items():
        n, offset = name.encode(), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0) + n + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0, 0, 0, 0, 0, offset
        ) + n
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)


def _docx_parts() -> dict[str, bytes]:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {name: z.read(name) for name in z.namelist()}


_DOC_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
)
_DOC_TAIL = b"</w:body></w:document>"


def _docx(document_xml: tuple[bytes, int, int]) -> bytes:
    """A real .docx (python-docx's blank document) with the given word/document.xml member."""
    members = {n: (_deflate(d, True), zlib.crc32(d), len(d)) for n, d in _docx_parts().items()}
    members["word/document.xml"] = document_xml
    return _zip(members)


def docx_bomb_2gib() -> bytes:
    """2.1 MB that expands to 2 GiB: one text run of spaces."""
    run = (_DOC_HEAD + b"<w:p><w:r><w:t>", b" " * (1 << 22), 512, b"</w:t></w:r></w:p>" + _DOC_TAIL)
    return _docx(_member(*run))


def docx_100m_chars() -> bytes:
    """About 1 MB holding 100 million characters in 100,000 paragraphs of 1,000."""
    paragraph = b"<w:p><w:r><w:t>" + b"a" * 1000 + b"</w:t></w:r></w:p>"
    return _docx(_member(_DOC_HEAD, paragraph * 1000, 100, _DOC_TAIL))


def pdf_with_pages(n: int) -> bytes:
    """A valid PDF of `n` pages sharing one content stream with one line of text."""
    stream = b"BT /F1 12 Tf 10 10 Td (pilot city implementation plan) Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Count %d/Kids[%s]/Resources<</Font<</F1 3 0 R>>>>/MediaBox[0 0 300 100]>>"
        % (n, b" ".join(b"%d 0 R" % (5 + i) for i in range(n))),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(stream), stream),
    ] + [b"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>"] * n
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _refused(settings, data: bytes, name: str) -> tuple[DocumentRejected, float]:
    started = time.perf_counter()
    with pytest.raises(DocumentRejected) as info:
        check_upload(settings, data, name)
    return info.value, time.perf_counter() - started


# ---- tests --------------------------------------------------------------------------------


def test_docx_expanding_to_2_gib_is_refused_before_reading(fresh_fast_settings):
    bomb = docx_bomb_2gib()
    assert len(bomb) < 3 * 1024 * 1024
    rss = _rss_mb()
    exc, seconds = _refused(fresh_fast_settings, bomb, "bomb.docx")
    assert exc.code == "too_large_expanded", exc
    assert seconds < 10 and _rss_mb() - rss < 100


def test_docx_with_100m_characters_is_refused(fresh_fast_settings):
    data = docx_100m_chars()
    assert len(data) < 2 * 1024 * 1024
    exc, seconds = _refused(fresh_fast_settings, data, "long.docx")
    assert exc.code == "too_large_expanded" and seconds < 10


def test_parser_memory_and_time_limits_hold_when_the_size_checks_are_lifted(fresh_fast_settings, monkeypatch):
    # With the expanded-size check out of the way, the child process's own limits must stop it.
    monkeypatch.setenv("POLICY_QA_MAX_EXPANDED_MB", "4096")
    data = docx_100m_chars()
    rss = _rss_mb()
    # Small enough that inflating the document (not the reader's own imports) runs out.
    monkeypatch.setenv("POLICY_QA_PARSE_MEMORY_MB", "200")
    exc, seconds = _refused(fresh_fast_settings, data, "long.docx")
    assert exc.code == "too_complex" and "memory" in exc.en, exc
    monkeypatch.setenv("POLICY_QA_PARSE_MEMORY_MB", "8192")
    # zipfile stops this member at its declared size, so with memory to spare it fails fast on its
    # CRC; a limit shorter than any read shows the time limit stops the child all the same.
    monkeypatch.setenv("POLICY_QA_PARSE_SECONDS", "0.05")
    exc, seconds = _refused(fresh_fast_settings, data, "long.docx")
    assert exc.code == "too_complex" and seconds < 8, (exc, seconds)
    assert _rss_mb() - rss < 100  # the parent never held the expansion


def test_pdf_with_50000_pages_is_refused_fast(fresh_fast_settings):
    data = pdf_with_pages(50_000)
    exc, seconds = _refused(fresh_fast_settings, data, "many.pdf")
    assert exc.code == "too_many_pages" and "50000" in exc.en
    assert seconds < 10, seconds
    # A PDF within the limit still reads, page numbers kept.
    doc = read_document(pdf_with_pages(3), "few.pdf", doc_id="x")
    assert len(doc.page_starts) == 3 and "pilot city" in doc.text


def test_19_mb_one_line_text_is_refused_and_long_lines_are_split(fresh_fast_settings):
    one_line = ("制造业与人力资源服务业融合发展试点城市" * 350_000).encode()  # ≈ 19 MB, no sentence mark
    assert len(one_line) > 18 * 1024 * 1024
    exc, seconds = _refused(fresh_fast_settings, one_line, "line.txt")
    assert exc.code == "too_long" and seconds < 30
    # Under the character limit a line with no sentence mark still becomes bounded chunks.
    doc = read_document(("融合发展试点" * 50_000).encode(), "line.txt", doc_id="u-line")
    chunks = chunk_document(doc)
    assert len(chunks) > 100 and max(c.end - c.start for c in chunks) <= HARD_MAX_PIECE_CHARS
    assert all(doc.text[c.start : c.end] == c.text for c in chunks[:5])


def test_chunk_cap(fresh_fast_settings, monkeypatch):
    monkeypatch.setenv("POLICY_QA_MAX_CHUNKS", "50")
    text = "\n\n".join(f"{i}、第{i}项任务\n各试点城市应当按期完成第{i}项任务。" for i in range(1, 200))
    exc, _ = _refused(fresh_fast_settings, text.encode(), "tasks.txt")
    assert exc.code == "too_many_chunks"


def test_unindexable_document_is_quarantined_at_start_not_rebuilt_forever(fresh_fast_settings, fast_engine):
    settings = fresh_fast_settings
    copy_index(fast_engine.settings, settings)
    # As left by an older version that saved before indexing: 7 million characters on one line.
    bad = read_document(b"x", "a.txt", doc_id="u-000000000bad")
    from dataclasses import replace

    bad = replace(bad, text="试" * 7_000_000, title="一行文本")
    CorpusDir(settings.added_dir).add(bad)
    started = time.perf_counter()
    engine = Engine.open(settings)
    assert time.perf_counter() - started < 60
    assert "u-000000000bad" not in {d.doc_id for d in engine.index.documents}
    assert [d.doc_id for d in CorpusDir(settings.added_dir).load()] == []
    folder = quarantine_dir(settings.data_dir)
    assert (folder / "u-000000000bad.txt").stat().st_size > 7_000_000
    notes = quarantined(settings.data_dir)
    assert notes[0].doc_id == "u-000000000bad" and "characters" in notes[0].reason
    assert {d.doc_id for d in load_documents(settings)} == {d.doc_id for d in engine.index.documents}
    assert Library(engine).index_is_current()


def test_pdf_renamed_txt_is_read_as_pdf(tmp_path):
    pdf = chinese_pdf_reportlab([["一、工作目标", "到2026年底，全市培育专业化人力资源服务机构50家。"]])
    doc = read_document(pdf, "plan.txt", doc_id="u-x")
    assert "人力资源服务机构" in doc.text and "obj" not in doc.text and "%PDF" not in doc.text
    assert doc.page_starts == (0,)


def test_bidi_and_zero_width_characters_never_reach_titles():
    doc = read_document(
        "正文内容：试点工作。".encode(),
        "a.txt",
        DocumentMeta(
            title="实施方案\u202egpj.exe\u2066隐\u2069\u200b\u200d\u200e\u00ad",
            issuer="某市\u202b人社局",
            number="某\u2067发〔2025〕1号",
        ),
        doc_id="u-x",
    )
    assert doc.title == "实施方案gpj.exe隐"
    assert doc.issuer == "某市人社局" and doc.number == "某发〔2025〕1号"
