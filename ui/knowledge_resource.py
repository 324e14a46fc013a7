"""The curated knowledge file, loaded once per server and checked against the live index."""

from __future__ import annotations

import streamlit as st

from retrieval.engine import Engine

from . import knowledge as kn
from .corpus_view import chunk_texts


@st.cache_resource(show_spinner=False)
def _load(path: str | None) -> kn.Knowledge:
    return kn.load(path)


def get_knowledge(engine: Engine) -> kn.Knowledge:
    knowledge = _load(None)
    found = kn.problems(knowledge, chunk_texts(engine))
    if found:
        # The corpus changed under the curated facts: say so rather than show unbacked statements.
        st.warning(
            "部分整理内容与当前文件不一致，请以原文为准。 Some curated facts no longer match the documents:\n\n"
            + "\n".join(f"- {p}" for p in found[:10])
        )
    return knowledge
