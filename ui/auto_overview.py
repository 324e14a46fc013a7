"""The automatic overview of added documents (retrieval/outline.py), for the Overview, Timeline
and Documents pages — always labelled "自动提取 extracted automatically", apart from the
curated, hand-checked facts of the notice.

Document text is admin-given: it is shown with st.text or HTML-escaped, never as Markdown.
"""

from __future__ import annotations

import html
from functools import lru_cache

import streamlit as st

from retrieval.documents import COMMENTARY, OFFICIAL_INTERPRETATION, OFFICIAL_NOTICE, Document
from retrieval.engine import Engine
from retrieval.outline import Outline, build_outline
from ui.components import DOCUMENTS_PAGE, authority_badge

AUTO_LABEL = "自动提取 extracted automatically"
AUTO_NOTE = (
    "以下内容由程序从文档中自动提取，未经人工核对，请以原文为准。"
    " Read from the document by patterns, not checked by hand: follow the links to the source."
)
# The shipped documents have curated facts (corpus/knowledge.yaml); the rest get the automatic overview.
_CURATED = frozenset({OFFICIAL_NOTICE, OFFICIAL_INTERPRETATION, COMMENTARY})
_KIND_ZH = {
    "deadline": "截止",
    "date": "日期",
    "effective": "施行",
    "period": "期间",
    "recurring": "每年",
    "duration": "期限",
}
_HEADER_ZH = {"number": "文号", "issuer": "发文机关", "date": "印发/通过日期", "effective": "施行"}


def added_documents(engine: Engine) -> list[Document]:
    return [d for d in engine.index.documents if d.authority not in _CURATED]


@lru_cache(maxsize=64)
def _outline(doc: Document, chunks: tuple) -> Outline:
    # Keyed by value (frozen dataclasses): a rebuilt index with the same document reuses it.
    return build_outline(doc, list(chunks))


def outline_of(engine: Engine, doc: Document) -> Outline:
    return _outline(doc, tuple(c for c in engine.index.chunks if c.doc_id == doc.doc_id))


def _auto_badge() -> None:
    st.markdown(":violet-badge[:material/smart_toy: 自动提取 extracted automatically]")


def _auto_section(title: str) -> None:
    """The head of a page's automatic part: a rule, its title, and the "not checked by hand" marks."""
    st.divider()
    st.subheader(title, anchor=False)
    _auto_badge()
    st.caption(AUTO_NOTE)


def _cited_line(text: str, chunk_id: str | None) -> None:
    """One extracted line (as text), with a link to where it was read when there is one."""
    cols = st.columns([4, 1])
    cols[0].text(text)
    if chunk_id:
        with cols[1]:
            _link(chunk_id)


def _link(chunk_id: str, label: str = "原文 Source") -> None:
    st.page_link(DOCUMENTS_PAGE, label=label, icon=":material/open_in_new:", query_params={"chunk": chunk_id})


def _doc_heading(doc: Document) -> None:
    status = "（已被取代 superseded）" if doc.superseded_by else ""
    st.html(f'<h4 class="pqa-heading">{html.escape(doc.title)}{html.escape(status)}</h4>')
    st.markdown(authority_badge(doc.authority))


def render_auto_overview(engine: Engine) -> None:
    """One box per added document: header, section tree, bodies, dates — each with its source."""
    docs = added_documents(engine)
    if not docs:
        return
    _auto_section("其他文档概览 Other documents")
    for doc in docs:
        outline = outline_of(engine, doc)
        # A bordered box, not an expander: an expander's label is Markdown, and the title is admin-given.
        with st.container(border=True):
            _doc_heading(doc)
            for fact, cited in outline.header:
                _cited_line(f"{_HEADER_ZH.get(fact.kind, fact.kind)}：{fact.value}", cited.chunk_id if cited else None)
            lines = []

            def walk(nodes, depth=0):
                for n in nodes:
                    lines.append(("　" * depth) + n.heading)
                    if depth < 2:
                        walk(n.children, depth + 1)

            walk(outline.sections)
            with st.expander("结构 Sections"):
                st.text("\n".join(lines[:80]) + ("\n…" if len(lines) > 80 else ""))
            if outline.bodies:
                st.markdown("**涉及的机构 Bodies named**")
                st.text("、".join(f"{b.name}（{b.mentions}）" for b in outline.bodies[:20]))
            if outline.dates:
                st.markdown("**日期与时限 Dates and deadlines**")
                for item in outline.dates:
                    when = item.date or ""
                    text = f"{_KIND_ZH.get(item.kind, item.kind)} {item.phrase}  {when}\n{item.sentence[:160]}"
                    _cited_line(text, item.cited.chunk_id)


def timeline_rows(engine: Engine) -> list[dict]:
    """Dated items of the added documents, for the timeline: one row per item with a date."""
    rows = []
    for doc in added_documents(engine):
        for item in outline_of(engine, doc).dates:
            if not (item.start or item.end):
                continue
            rows.append(
                {
                    "doc_title": doc.title,
                    "superseded": bool(doc.superseded_by),
                    "kind": item.kind,
                    "phrase": item.phrase,
                    "start": item.start or item.end,
                    "end": item.end or item.start,
                    "sentence": item.sentence,
                    "chunk_id": item.cited.chunk_id,
                }
            )
    return sorted(rows, key=lambda r: (r["end"], r["doc_title"]))


def render_auto_timeline(engine: Engine) -> None:
    """The added documents' dates and deadlines, below the curated timeline, marked as automatic."""
    rows = timeline_rows(engine)
    if not rows:
        return
    _auto_section("其他文档中的日期 Dates in other documents")
    for r in rows:
        with st.container(border=True):
            cols = st.columns([1, 4, 1])
            span = r["end"] if r["start"] == r["end"] else f"{r['start']} – {r['end']}"
            cols[0].text(f"{span}\n{_KIND_ZH.get(r['kind'], r['kind'])}")
            superseded = "（已被取代 superseded）" if r["superseded"] else ""
            cols[1].text(f"{r['doc_title']}{superseded}\n{r['sentence'][:200]}")
            with cols[2]:
                _link(r["chunk_id"])


def render_document_marks(engine: Engine, doc: Document) -> None:
    """On the Documents page: read by OCR (with confidence per page) and superseded/replaces marks."""
    if doc.superseded_by:
        newer = engine.index.document(doc.superseded_by)
        st.warning("此文档已被新版本取代，回答优先引用新版本。 This document is superseded by a newer version.")
        if newer is not None:
            st.text(f"新版本 Current version: {newer.title} ({newer.doc_id})")
    if doc.replaces:
        st.caption(f"替换了旧版本 Replaces: {doc.replaces}")
    if doc.ocr_pages:
        pages = "，".join(f"第{p}页 {c:.0%}" for p, c in doc.ocr_pages)
        st.info(
            "此文档（部分）为扫描件，由文字识别（OCR）读取，可能有个别错字。"
            " Scanned pages read by OCR (recognition confidence per page):"
        )
        st.text(pages)


def clause_ocr_note(engine: Engine, chunk_id: str) -> None:
    """A caption under a clause read by OCR."""
    chunk = engine.index.chunk(chunk_id)
    if chunk is not None and chunk.ocr:
        st.caption(f"第{chunk.page}页为扫描件，文字由 OCR 识别 (page {chunk.page} was read by OCR)")


__all__ = [
    "AUTO_LABEL",
    "added_documents",
    "clause_ocr_note",
    "outline_of",
    "render_auto_overview",
    "render_auto_timeline",
    "render_document_marks",
    "timeline_rows",
]
