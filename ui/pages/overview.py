"""政策速览 Overview: the pilot in brief, every statement with its source clause."""

from __future__ import annotations

import streamlit as st

from ui.clock import today
from ui.eligibility import Outcome, verdict
from ui.auto_overview import render_auto_overview
from ui.engine_resource import get_engine
from ui.knowledge import KINDS
from ui.knowledge_resource import get_knowledge
from ui.knowledge_view import item_card, kind_heading, statement

engine = get_engine()
knowledge = get_knowledge(engine)
now = today()

st.title("政策速览 Overview")
st.caption(
    "人力资源服务业与制造业融合发展试点（人社部发〔2025〕27号）要点。每条均附原文出处；"
    "不见于通知原文的内容标明来源（政策解读 / 媒体解读），文件之间不一致处两边都列出。"
    "“条件”是条款本身写明的适用条件；“原文用词”是政策自己的动词（支持、推动、鼓励……），表示政策方向，不等于可直接申领。 "
    "Every statement cites its clause; conditions and the policy's own verb are shown as written."
)


def show_facts(facts, role: str | None = None) -> None:
    for fact in facts:
        v = verdict(knowledge, fact.conditions, role)
        statement(engine, fact.text, fact.text_en, fact.sources, disputed=fact.disputed, verb=fact.verb, caveats=v.caveats)


def show_role(role: str) -> None:
    """The role's self-check items as someone who has not said whether their city is a pilot city sees them."""
    by_kind: dict[str, list[Outcome]] = {k: [] for k in KINDS}
    closed = []
    for item in knowledge.items_for(role):
        outcome = Outcome(item, caveats=verdict(knowledge, item.conditions, role).caveats)
        (closed if item.closed and item.closed < now else by_kind[item.kind]).append(outcome)
    for kind in KINDS:
        if by_kind[kind]:
            st.markdown(f"**{kind_heading(kind, len(by_kind[kind]))}**")
            for outcome in by_kind[kind]:
                item_card(engine, outcome, now, quotes=False)
    if closed:
        st.markdown(f"**已结束的事项 Closed ({len(closed)})**")
        for outcome in closed:
            item_card(engine, outcome, now, quotes=False)


def show_overview() -> None:
    tabs = st.tabs([f"{s.title} {s.title_en}" for s in knowledge.overview])
    for tab, section in zip(tabs, knowledge.overview):
        with tab:
            if section.facts:
                show_facts(section.facts)
            for group in section.groups:
                with st.expander(f"{group.actor} · {group.actor_en}", expanded=not group.role):
                    if group.role:
                        st.caption("与“适用性自查”同一规则（未回答是否为试点城市时的显示）。 Same rules as the Self-check.")
                        show_role(group.role)
                    show_facts(group.facts)


show_overview()
render_auto_overview(engine)  # added documents, extracted automatically
