"""政策速览 Overview: the pilot in brief, every statement with its source clause."""

from __future__ import annotations

import streamlit as st

from retrieval.documents import OFFICIAL_NOTICE
from ui.components import cited_fact
from ui.corpus_view import clause
from ui.engine_resource import get_engine
from ui.knowledge_resource import get_knowledge

engine = get_engine()
knowledge = get_knowledge(engine)

st.title("政策速览 Overview")
st.caption(
    "人力资源服务业与制造业融合发展试点（人社部发〔2025〕27号）要点。每条均附原文出处；"
    "标为“官方解读”或“媒体解读”的内容不见于通知原文。 "
    "Every statement cites its clause; items marked 官方解读 / 媒体解读 are not in the notice itself."
)

def show_facts(facts) -> None:
    for fact in facts:
        ref = clause(engine, fact.chunk)
        with st.container(border=ref is not None and ref.authority != OFFICIAL_NOTICE):
            cited_fact(fact.text, ref, fact.quote)


tabs = st.tabs([f"{s.title} {s.title_en}" for s in knowledge.overview])
for tab, section in zip(tabs, knowledge.overview):
    with tab:
        if section.facts:
            show_facts(section.facts)
        if section.groups:
            cols = st.columns(2)
            for n, (actor, actor_en, facts) in enumerate(section.groups):
                with cols[n % 2].container(border=True):
                    st.subheader(f"{actor}", anchor=False)
                    st.caption(actor_en)
                    show_facts(facts)
