"""Rendering helpers shared by the pages: badges, citation cards, cited facts."""

from __future__ import annotations

import streamlit as st

from retrieval.chunking import Chunk
from retrieval.documents import AUTHORITY_LABELS_ZH, COMMENTARY, OFFICIAL_INTERPRETATION, OFFICIAL_NOTICE
from retrieval.engine import DECLINES, Answer, Citation

from .text import escape_markdown, highlight_html

DOCUMENTS_PAGE = "ui/pages/documents.py"

# The stages retrieval reports while reading and indexing documents (index_store.build_index, ocr).
BUILD_STAGES = {
    "ocr": "识别扫描页 Reading scanned pages",
    "chunk": "切分条款 Chunking",
    "embed": "计算向量 Embedding",
    "lexical": "关键词索引 Keywords",
}

_BADGE_COLOR = {OFFICIAL_NOTICE: "blue", OFFICIAL_INTERPRETATION: "green", COMMENTARY: "orange"}
CSS = """
<style>
mark.pqa-mark { background: #fff1a8; padding: 0 .1em; border-radius: 3px; }
mark.pqa-answer { background: #ffe066; padding: 0 .1em; border-radius: 3px; font-weight: 600; }
div.pqa-clause { line-height: 1.75; font-size: 0.97rem; }
div.pqa-quote { color: #444; border-left: 3px solid #d0d7de; padding-left: .6em; margin: .2em 0 .3em 0;
                font-size: 0.92rem; line-height: 1.6; }
div.pqa-answer { font-size: 1.08rem; line-height: 1.8; }
</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def authority_badge(authority: str) -> str:
    """Markdown for a coloured badge (通知原文 / 政策解读 / 媒体解读); labels are fixed strings."""
    color = _BADGE_COLOR.get(authority, "gray")
    label = AUTHORITY_LABELS_ZH.get(authority, authority)
    return f":{color}-badge[{label}]"


def clause_html(text: str, spans: list[tuple[int, int]], klass: str = "pqa-clause", mark: str = "pqa-mark") -> str:
    return f'<div class="{klass}">{highlight_html(text, spans, mark)}</div>'


def progress_text(stage: str, done: int, total: int) -> str:
    return f"{BUILD_STAGES.get(stage, stage)} {done}/{total}"


def open_clause_link(chunk_id: str, label: str = "在原文中查看 Open clause") -> None:
    st.page_link(DOCUMENTS_PAGE, label=label, icon=":material/open_in_new:", query_params={"chunk": chunk_id})


def citation_card(
    *,
    rank: int | None,
    ref: Citation | Chunk,
    spans: list[tuple[int, int]],
) -> None:
    """One source clause: title, authority badge, section path, clause text with spans marked, deep link."""
    with st.container(border=True):
        head = f"{authority_badge(ref.authority)} **{escape_markdown(ref.doc_title)}**"
        if rank is not None:
            head = f"`[{rank}]` " + head
        st.markdown(head)
        st.caption(escape_markdown(ref.section))
        st.markdown(clause_html(ref.text, spans), unsafe_allow_html=True)
        open_clause_link(ref.chunk_id)


DECLINED_HEADING = "**文件中没有答案 · Not covered by these documents**"
RELATED_HEADING = "相关条款 Related clauses"
RELATED_NOTE = "它们提到了这个话题，但没有回答所问的细节 · they mention the topic but do not answer the question"


def decline_parts(ans: Answer) -> tuple[str, str]:
    """A declined answer as (explanation, standard sentence); either may be empty.

    The engine writes the explanation before the fixed decline sentence. The explanation can
    repeat words of the question, so it is only ever shown as plain text."""
    text = ans.answer.strip()
    for standard in DECLINES:
        if text.endswith(standard):
            return text[: -len(standard)].strip(), standard
    return text, ""


def declined_notice(ans: Answer) -> None:
    """Why the question was not answered: the explanation as plain text, then the fixed sentence."""
    explanation, standard = decline_parts(ans)
    if explanation:
        st.text(explanation)
    # `standard` is one of the engine's fixed sentences, never the user's words.
    body = DECLINED_HEADING + (f"  \n{standard}" if standard else "")
    st.warning(body, icon=":material/search_off:")


def related_heading() -> None:
    st.markdown(f"**{RELATED_HEADING}** :gray[（{RELATED_NOTE}）]")


def cited_fact(text: str, ref: Chunk | None, quote: str, *, show_quote: bool = True) -> None:
    """A curated statement with its source: badge, section, verbatim quote, link to the clause."""
    if ref is None:  # the knowledge check reports this; never show an uncited statement as fact
        st.error(f"引用缺失 Missing citation: {text}")
        return
    note = "" if ref.authority == OFFICIAL_NOTICE else f" · 非通知原文，来源为{ref.authority_label}"
    st.markdown(f"{escape_markdown(text)}  \n{authority_badge(ref.authority)} :gray[{escape_markdown(ref.section)}{note}]")
    if show_quote:
        st.markdown(f'<div class="pqa-quote">“{highlight_html(quote, [])}”</div>', unsafe_allow_html=True)
    open_clause_link(ref.chunk_id, label="原文 Source")
