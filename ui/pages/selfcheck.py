"""适用性自查 Self-check: what the notice offers or asks of you, with sources, as a downloadable report."""

from __future__ import annotations

import streamlit as st

from ui.clock import today
from ui.components import authority_badge, open_clause_link
from ui.corpus_view import clause
from ui.eligibility import Outcome, Profile, evaluate
from ui.engine_resource import get_engine
from ui.knowledge_resource import get_knowledge
from ui.report import report_lines, to_markdown, to_pdf
from ui.text import escape_markdown

engine = get_engine()
knowledge = get_knowledge(engine)
now = today()

st.title("适用性自查 Self-check")
st.caption(
    "选择你的身份和基本情况，查看通知中与你相关的支持措施、义务和联系渠道，以及不适用的事项和原因。"
    " Pick who you are to see what applies to you, with the clause behind each item."
)

roles = {r.id: f"{r.label} · {r.label_en}" for r in knowledge.roles}
needs = {n.id: f"{n.label} {n.label_en}" for n in knowledge.needs}

with st.container(border=True):
    role = st.radio("我是 I am", list(roles), format_func=roles.get, horizontal=True, index=None, key="sc_role")
    c1, c2 = st.columns(2)
    pilot = "yes"
    park = False
    if role != "province":
        pilot = c1.radio(
            "所在城市是试点城市吗？ Is your city a pilot city?",
            ["yes", "no", "unsure"],
            format_func={"yes": "是 Yes", "no": "否 No", "unsure": "不确定 Not sure"}.get,
            index=2,
            horizontal=True,
            key="sc_pilot",
        )
        park_label = (
            "本市有国家级产业园区（自贸区、经开区、高新区、国家新兴产业发展示范基地、人力资源服务产业园）"
            if role == "city"
            else "位于国家级产业园区（自贸区、经开区、高新区等） Located in a national-level park"
        )
        park = c2.checkbox(park_label, key="sc_park")
    chosen = st.pills(
        "关注哪些方面？（可多选，不选则显示全部） What do you need help with?",
        list(needs), format_func=needs.get, selection_mode="multi", key="sc_needs",
    )

if role is None:
    st.info("请先选择身份。 Choose who you are to see the result.", icon=":material/person_search:")
    st.stop()

profile = Profile(role=role, pilot_city=pilot, park=park, needs=tuple(chosen or ()))
result = evaluate(knowledge, profile)


PILOT_ONLY = "仅在试点城市实施"


def show_outcome(o: Outcome) -> None:
    ref = clause(engine, o.item.chunk)
    with st.container(border=True):
        badges = []
        if o.item.deadline:
            passed = o.item.deadline < now
            badges.append(
                f":{'gray' if passed else 'red'}-badge[截止 {o.item.deadline.isoformat()} {'已过' if passed else '未到'}]"
            )
        if o.caveat:
            badges.append(f":orange-badge[{escape_markdown(o.caveat)}]")
        st.markdown(f"**{escape_markdown(o.item.title)}** " + " ".join(badges))
        st.caption(escape_markdown(o.item.title_en))
        if ref is not None:
            st.markdown(
                f"{authority_badge(ref.authority)} :gray[{escape_markdown(ref.section)}]  \n“{escape_markdown(o.item.quote)}”"
            )
            open_clause_link(ref.chunk_id, label="原文 Source")


st.subheader(f"结果：{knowledge.role(role).label}", anchor=False)
if any(o.caveat for o in result.applies):
    st.info(
        "你选择了“不确定”是否为试点城市：标有橙色标记的事项只在相应城市实施，请向当地人社部门核实。"
        " Items with an orange tag depend on whether your city is a pilot city.",
        icon=":material/info:",
    )
for kind, title in [
    ("measure", "可享受的支持措施 Measures"),
    ("obligation", "需要履行的义务 Obligations"),
    ("contact", "联系谁 Contacts"),
]:
    items = result.of_kind(kind)
    st.markdown(f"#### {title} ({len(items)})")
    if not items:
        st.caption("无 None")
    cols = st.columns(2)
    for n, o in enumerate(items):
        with cols[n % 2]:
            show_outcome(o)

with st.expander(f"不适用的事项及原因 What does not apply and why ({len(result.excluded_by_facts)})", expanded=True):
    if not result.excluded_by_facts:
        st.caption("按你填写的情况，面向你这一身份的事项都适用。")
    for o in result.excluded_by_facts:
        st.markdown(f"- **{escape_markdown(o.item.title)}** — {escape_markdown(o.reason)}")
with st.expander(f"面向其他主体的事项 Items for other roles ({len(result.for_other_roles)})"):
    for o in result.for_other_roles:
        st.markdown(f"- {escape_markdown(o.item.title)} — {escape_markdown(o.reason)}")

lines = report_lines(knowledge, result, lambda c: clause(engine, c), now)
d1, d2, _ = st.columns([1, 1, 2])
d1.download_button(
    "下载报告 Markdown", data=to_markdown(lines).encode("utf-8"), file_name=f"selfcheck-{role}.md",
    mime="text/markdown", icon=":material/download:",
)


# Deferred: the PDF (font subsetting takes about a second) is only made when someone downloads it.
d2.download_button(
    "下载报告 PDF", data=lambda: to_pdf(lines), file_name=f"selfcheck-{role}.pdf",
    mime="application/pdf", icon=":material/picture_as_pdf:",
)
