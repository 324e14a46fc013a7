"""原文 Documents: the three documents by section, search within them, and deep links to one clause.

Deep link: ?chunk=<chunk id> opens and highlights that clause; ?doc=<doc id> picks a document;
?q=<text> searches.

Anything from the URL, a title or a heading is shown as text (st.text, or HTML-escaped in
st.html), never through Markdown: Streamlit's Markdown turns any URL-looking text into a
link even when it is backslash-escaped, so `?chunk=http://…/login 请重新登录` would show a
clickable phishing link on this site.
"""

from __future__ import annotations

import html

import streamlit as st

from ui.auto_overview import clause_ocr_note, render_document_marks
from ui.components import DOCUMENTS_PAGE, authority_badge, clause_html
from retrieval.chunking import SECTION_SEP
from ui.corpus_view import clause, clauses_of
from ui.engine_resource import get_engine
from ui.text import find_all

engine = get_engine()
docs = {d.doc_id: d for d in engine.index.documents}

st.title("原文 Documents")
st.caption("浏览通知原文、政策解读和媒体解读，可按章节跳转、全文搜索。 Browse, search and link to any clause.")

params = st.query_params
target = clause(engine, params.get("chunk", "")) if params.get("chunk") else None
if params.get("chunk") and target is None:
    st.warning("未找到条款 No such clause. 链接中的条款编号 The link asked for:")
    st.text(params.get("chunk", "")[:80])


def text_heading(text: str, level: int) -> None:
    """A heading that is only ever text (no Markdown, no autolinks)."""
    size = {3: "1.5rem", 5: "1.15rem", 6: "1.0rem"}.get(level, "1rem")
    st.html(
        f'<h{level} class="pqa-heading" style="font-size:{size};font-weight:600;margin:0.8rem 0 0.1rem 0;'
        f'padding:0">{html.escape(text)}</h{level}>'
    )


doc_ids = list(docs)
wanted = target.doc_id if target else params.get("doc", doc_ids[0])
if wanted not in docs:
    wanted = doc_ids[0]


def on_doc_change() -> None:
    st.query_params.clear()
    st.query_params["doc"] = st.session_state["doc_pick"]


if st.session_state.get("doc_pick") != wanted:
    st.session_state["doc_pick"] = wanted
top1, top2 = st.columns([3, 2])
doc_id = top1.selectbox(
    "文件 Document",
    doc_ids,
    format_func=lambda d: docs[d].title + ("（已被取代 superseded）" if docs[d].superseded_by else ""),
    key="doc_pick",
    on_change=on_doc_change,
)
query = top2.text_input("在全部文件中搜索 Search in the documents", value=params.get("q", ""), max_chars=100, key="doc_q")
doc = docs[doc_id]
st.markdown(authority_badge(doc.authority))
st.text(" · ".join(part for part in (doc.issuer, doc.number, doc.date) if part))
render_document_marks(engine, doc)

if target is not None:
    with st.container(border=True):
        st.markdown(f"**已定位条款 Opened clause** · {authority_badge(target.authority)}")
        st.text(f"{target.doc_title} · {target.section}")
        st.markdown(clause_html(target.text, [(0, len(target.text))]), unsafe_allow_html=True)
        clause_ocr_note(engine, target.chunk_id)

query = query.strip()
if query:
    hits = [
        (c, find_all(c.text, query)) for d in doc_ids for c in clauses_of(engine, d)
    ]
    hits = [(c, spans) for c, spans in hits if spans]
    with st.expander(f"搜索结果：{len(hits)} 处条款 Search results", expanded=True):
        st.text(f"搜索 Search: {query[:100]}")
        if not hits:
            st.caption("没有找到。 Nothing found.")
        for c, spans in hits[:30]:
            st.markdown(authority_badge(c.authority))
            st.text(f"{c.doc_title} · {c.section}")
            st.markdown(clause_html(c.text, spans), unsafe_allow_html=True)
            st.page_link(DOCUMENTS_PAGE, label="打开此条 Open", icon=":material/open_in_new:", query_params={"chunk": c.chunk_id})

clauses = clauses_of(engine, doc_id)
tree, body = st.columns([1, 3])
with tree:
    st.markdown("**目录 Sections**")
    seen = set()
    for c in clauses:
        parts = c.section.split(SECTION_SEP)
        for depth in range(len(parts)):
            path = SECTION_SEP.join(parts[: depth + 1])
            if path in seen:
                continue
            seen.add(path)
            label = ("　" * depth) + parts[depth]
            st.page_link(DOCUMENTS_PAGE, label=label[:40], query_params={"chunk": c.chunk_id})

with body:
    text_heading(doc.title, 3)
    current_top = None
    current_sub = None
    for c in clauses:
        parts = c.section.split(SECTION_SEP)
        if parts[0] != current_top:
            current_top, current_sub = parts[0], None
            text_heading(parts[0], 5)
        if len(parts) > 1 and parts[1] != current_sub:
            current_sub = parts[1]
            text_heading(SECTION_SEP.join(parts[1:]), 6)
        spans = find_all(c.text, query) if query else []
        if target is not None and c.chunk_id == target.chunk_id:
            with st.container(border=True):
                st.markdown(":orange-badge[已定位 Opened]")
                st.markdown(clause_html(c.text, [(0, len(c.text))]), unsafe_allow_html=True)
        else:
            st.markdown(clause_html(c.text, spans), unsafe_allow_html=True)
