"""适用性自查 Self-check: what the notice offers or asks of you, with sources, as a downloadable report."""

from __future__ import annotations

import streamlit as st

from ui.clock import today
from ui.corpus_view import clause
from ui.eligibility import ANSWERS, Profile, evaluate, questions
from ui.engine_resource import get_engine
from ui.knowledge import KINDS
from ui.knowledge_resource import get_knowledge
from ui.knowledge_view import item_card, kind_heading, show_sources
from ui.report import report_lines, to_markdown, to_pdf
from ui.text import escape_markdown

ANSWER_LABELS = {"yes": "是 Yes", "no": "否 No", "unsure": "不确定 Not sure"}

engine = get_engine()
knowledge = get_knowledge(engine)
now = today()

st.title("适用性自查 Self-check")
st.caption(
    "选择你的身份和基本情况，分三类查看：你可以利用的支持措施、政府部门将推动的事项、你需要履行的职责；"
    "以及联系渠道、已结束的事项、不适用的事项和原因。“支持”“推动”“鼓励”等是政策原文用词，表示政策方向，不等于可直接申领的待遇。"
    " Pick who you are: what you can use, what government bodies will do, what you must do — each with its clause."
)

roles = {r.id: f"{r.label} · {r.label_en}" for r in knowledge.roles}
needs = {n.id: f"{n.label} {n.label_en}" for n in knowledge.needs}


def ask_profile() -> Profile | None:
    with st.container(border=True):
        role = st.radio("我是 I am", list(roles), format_func=roles.get, horizontal=True, index=None, key="sc_role")
        if role is None:
            return None
        answers = {}
        asked = questions(knowledge, role, now)
        cols = st.columns(max(1, len(asked)))
        for col, cond in zip(cols, asked):
            answers[cond.id] = col.radio(
                f"{cond.question} {cond.question_en}", list(ANSWERS), format_func=ANSWER_LABELS.get,
                index=2, horizontal=True, key=f"sc_{cond.id}",
            )
        chosen = ()
        if any(i.needs for i in knowledge.items_for(role)):
            chosen = st.pills(
                "关注哪些方面？（可多选，不选则显示全部） What do you need help with?",
                list(needs), format_func=needs.get, selection_mode="multi", key="sc_needs",
            )
    pilot = answers.pop("pilot_city", "unsure")
    return Profile(role=role, pilot_city=pilot, needs=tuple(chosen or ()), other=tuple(sorted(answers.items())))


def show_pilot_status(profile: Profile) -> None:
    """The documents list no pilot cities: say where to check, with the selection factors."""
    fact = knowledge.pilot_status
    if fact is None or not any(c.id == "pilot_city" for c in questions(knowledge, profile.role, now)):
        return
    with st.container(border=True):
        st.markdown(f":material/info: {escape_markdown(fact.text)}")
        st.caption(escape_markdown(fact.text_en))
        show_sources(engine, fact.sources)


def show_result(profile: Profile) -> None:
    result = evaluate(knowledge, profile, now)
    st.subheader(f"结果：{knowledge.role(profile.role).label}", anchor=False)
    if any(o.caveats for o in result.applies):
        st.info(
            "标有橙色“条件”的事项只在条款写明的情形下适用（例如限试点城市），请向当地人社部门核实。"
            " Items tagged 条件 apply only under the condition the clause states.",
            icon=":material/info:",
        )
    for kind in KINDS:
        items = result.of_kind(kind)
        st.markdown(f"#### {kind_heading(kind, len(items))}")
        if not items:
            st.caption("无 None")
        cols = st.columns(2)
        for n, o in enumerate(items):
            with cols[n % 2]:
                item_card(engine, o, now)
    if result.closed:
        with st.expander(f"已结束的事项 Closed ({len(result.closed)})", expanded=True):
            st.caption("这些事项所在的环节已经结束，通知未提及新一轮。 These rounds are over; the notice mentions no new round.")
            for o in result.closed:
                item_card(engine, o, now, quotes=False)
    with st.expander(f"不适用的事项及原因 What does not apply and why ({len(result.excluded_by_facts)})", expanded=True):
        if not result.excluded_by_facts:
            st.caption("按你填写的情况，面向你这一身份的事项都已列在上方。")
        for reason, outcomes in result.excluded_by_reason():
            st.markdown(f"**原因 Why：** {escape_markdown(reason)}")
            for o in outcomes:
                ref = clause(engine, o.item.chunk)
                where = f"（{ref.authority_label} · {ref.section}）" if ref else ""
                st.markdown(f"- {escape_markdown(o.item.title)} :gray[{escape_markdown(where)}]")
    with st.expander(f"面向其他主体的事项 Items for other roles ({len(result.for_other_roles)})"):
        for o in result.for_other_roles:
            st.markdown(f"- {escape_markdown(o.item.title)} — {escape_markdown(o.reason)}")

    lines = report_lines(knowledge, result, lambda c: clause(engine, c), now)
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button(
        "下载报告 Markdown", data=to_markdown(lines).encode("utf-8"), file_name=f"selfcheck-{profile.role}.md",
        mime="text/markdown", icon=":material/download:",
    )
    # Deferred: the PDF (font subsetting takes about a second) is only made when someone downloads it.
    d2.download_button(
        "下载报告 PDF", data=lambda: to_pdf(lines), file_name=f"selfcheck-{profile.role}.pdf",
        mime="application/pdf", icon=":material/picture_as_pdf:",
    )


profile = ask_profile()
if profile is None:
    st.info("请先选择身份。 Choose who you are to see the result.", icon=":material/person_search:")
    st.stop()
show_pilot_status(profile)
show_result(profile)
