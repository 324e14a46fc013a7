"""The sidebar: what the app is answering from, and whether semantic search is on."""

from __future__ import annotations

import streamlit as st

from retrieval.engine import Engine

from .text import escape_markdown


def _built_at(value: str) -> str:
    # ISO timestamp in UTC → "2026-11-25 16:12 UTC"
    return value.replace("T", " ")[:16] + " UTC" if value else "—"


def sources_note(added: int) -> str:
    """What the answers come from: the shipped documents, and as many as an administrator added."""
    if not added:
        return "仅依据人社部发〔2025〕27号通知、政策解读及一篇媒体解读作答，不构成法律意见。"
    return f"依据人社部发〔2025〕27号通知、政策解读、一篇媒体解读及管理员添加的{added}份文件作答，不构成法律意见。"


def index_status(engine: Engine) -> None:
    s = engine.status()
    with st.sidebar:
        st.markdown("#### 索引状态 Index status")
        c1, c2 = st.columns(2)
        c1.metric("文档 Documents", s.documents)
        c2.metric("条款片段 Chunks", s.chunks)
        dense = ":green-badge[语义检索 开 Dense on]" if s.dense else ":orange-badge[仅关键词检索 Lexical only]"
        st.markdown(dense)
        st.caption(f"模型 Model: {escape_markdown(s.model or '无 none')}  \n构建于 Built at: {_built_at(s.built_at)}")
        if s.notice:
            st.warning(s.notice)
        st.caption(sources_note(s.added_documents))
