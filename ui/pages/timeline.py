"""时间线 Timeline: every dated step, where today falls, and an .ics download."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from ui.calendar import to_ics
from ui.clock import today
from ui.components import authority_badge, open_clause_link
from ui.corpus_view import clause
from ui.engine_resource import get_engine
from ui.knowledge_resource import get_knowledge
from ui.text import escape_markdown

STATUS = {
    "past": ("已过", "Past", "#9aa0a6", "gray"),
    "current": ("进行中", "Current", "#1e8e3e", "green"),
    "upcoming": ("未开始", "Upcoming", "#1a73e8", "blue"),
}
KIND = {"deadline": "截止", "event": "节点", "period": "阶段"}

engine = get_engine()
knowledge = get_knowledge(engine)
now = today()
steps = sorted(knowledge.timeline, key=lambda s: (s.start, s.end))

st.title("时间线 Timeline")
st.caption(f"试点各环节的时间安排（今天 Today: {now.isoformat()}）。每个节点均链接到原文条款。")


def when(step) -> str:
    if step.start == step.end:
        return step.start.isoformat()
    return f"{step.start.isoformat()} — {step.end.isoformat()}"


rows = []
for n, step in enumerate(steps):
    label, label_en, _, _ = STATUS[step.status(now)]
    ref = clause(engine, step.chunk)
    rows.append(
        {
            "步骤": f"{n + 1:02d} {step.title}",
            "start": pd.Timestamp(step.start),
            # Bars end after the last day, so a period ending 2027-12-31 covers that day.
            "end": pd.Timestamp(step.end + dt.timedelta(days=1)),
            "日期": when(step),
            "类型": KIND.get(step.kind, step.kind),
            "状态": f"{label} {label_en}",
            "来源": ref.authority_label if ref else "",
            "single": step.start == step.end,
        }
    )
frame = pd.DataFrame(rows)
status_scale = alt.Scale(
    domain=[f"{v[0]} {v[1]}" for v in STATUS.values()], range=[v[2] for v in STATUS.values()]
)
y = alt.Y("步骤:N", sort=list(frame["步骤"]), title=None, axis=alt.Axis(labelLimit=320, labelFontSize=13))
x = alt.X("start:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount="month"))
tooltip = ["步骤", "日期", "类型", "状态", "来源"]
bars = (
    alt.Chart(frame[~frame["single"]])
    .mark_bar(cornerRadius=4, height=18)
    .encode(y=y, x=x, x2="end:T", color=alt.Color("状态:N", scale=status_scale, legend=alt.Legend(orient="top", title=None)), tooltip=tooltip)
)
points = (
    alt.Chart(frame[frame["single"]])
    .mark_point(shape="diamond", size=220, filled=True)
    .encode(y=y, x=x, color=alt.Color("状态:N", scale=status_scale), tooltip=tooltip)
)
# Dates beside the diamonds; the late ones sit at the right edge, so their labels go to the left.
late = frame["start"] > pd.Timestamp(now)
point_labels = [
    alt.Chart(frame[frame["single"] & mask])
    .mark_text(align=align, dx=dx, fontSize=11, color="#5f6368")
    .encode(y=y, x=x, text="日期:N")
    for mask, align, dx in ((~late, "left", 12), (late, "right", -12))
]
today_frame = pd.DataFrame({"start": [pd.Timestamp(now)], "label": [f"今天 Today {now.isoformat()}"]})
rule = alt.Chart(today_frame).mark_rule(color="#d93025", strokeWidth=2, strokeDash=[6, 3]).encode(x="start:T")
rule_label = (
    alt.Chart(today_frame)
    .mark_text(color="#d93025", align="left", dx=5, dy=-8, fontWeight="bold")
    .encode(x="start:T", y=alt.value(0), text="label:N")
)
chart = alt.layer(bars, points, *point_labels, rule, rule_label).properties(height=44 * len(rows) + 40)
st.altair_chart(chart, width="stretch")

ics = to_ics(steps, lambda s: f"{s.actor}。依据：{s.quote}（{s.chunk}）")
st.download_button(
    "下载日历 (.ics) Download calendar", data=ics, file_name="rsbf-2025-27-timeline.ics",
    mime="text/calendar", icon=":material/event:",
)

st.subheader("各环节 Steps", anchor=False)
for step in steps:
    label, label_en, _, color = STATUS[step.status(now)]
    ref = clause(engine, step.chunk)
    with st.container(border=True):
        left, right = st.columns([1, 3])
        left.markdown(f"**{when(step)}**  \n:{color}-badge[{label} {label_en}] :gray-badge[{KIND.get(step.kind, '')}]")
        with right:
            st.markdown(f"**{escape_markdown(step.title)}** · {escape_markdown(step.title_en)}  \n:gray[责任方 Who: {escape_markdown(step.actor)}]")
            if ref is not None:
                note = "" if ref.authority == "official notice" else f" · 此时间仅见于{ref.authority_label}，通知原文未写明"
                st.markdown(
                    f"{authority_badge(ref.authority)} :gray[{escape_markdown(ref.section)}{note}]  \n"
                    f"“{escape_markdown(step.quote)}”"
                )
                open_clause_link(ref.chunk_id, label="原文 Source")
