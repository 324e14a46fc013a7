"""时间线 Timeline: every dated step, where today falls, and an .ics download.

Dates only the interpretation or the commentary give are drawn hollow and faded; steps no
document dates (or whose dates conflict) are listed apart, never placed on the axis.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from ui.calendar import to_ics
from ui.clock import today
from ui.auto_overview import render_auto_timeline
from ui.engine_resource import get_engine
from ui.knowledge_resource import get_knowledge
from ui.knowledge_view import DISPUTED, show_sources, source_note
from ui.text import escape_markdown

STATUS = {
    "past": ("已过", "Past", "#9aa0a6", "gray"),
    "current": ("进行中", "Current", "#1e8e3e", "green"),
    "upcoming": ("未开始", "Upcoming", "#1a73e8", "blue"),
    "undated": ("未定日期", "Undated", "#9aa0a6", "gray"),
}
KIND = {"deadline": "截止", "event": "节点", "period": "阶段"}
BASIS = {"day": "", "month_end": "（原文：某月底前）", "year": "（原文只写年份）"}
OFFICIAL_DATE = "通知原文日期 Notice date"
OTHER_DATE = "仅见于解读/媒体 Not in the notice"

engine = get_engine()
knowledge = get_knowledge(engine)
now = today()
dated = sorted((s for s in knowledge.timeline if not s.undated), key=lambda s: (s.start, s.end))
undated = [s for s in knowledge.timeline if s.undated]

st.title("时间线 Timeline")
st.caption(
    f"试点各环节的时间安排（今天 Today: {now.isoformat()}）。实心 = 通知原文写明的日期；"
    "空心、浅色 = 只有政策解读或媒体解读给出的日期；没有日期或各文件说法矛盾的环节单列在下方，不画在时间轴上。"
)


def when(step) -> str:
    if step.start == step.end:
        return step.start.isoformat()
    return f"{step.start.isoformat()} — {step.end.isoformat()}"


def from_notice(step) -> bool:
    return not source_note(engine, step.sources[:1])


def chart(steps) -> alt.LayerChart:
    rows = []
    for n, step in enumerate(steps):
        label, label_en, _, _ = STATUS[step.status(now)]
        official = from_notice(step)
        rows.append(
            {
                # The axis shows the title before its bracketed note, which the list below and the
                # tooltip give in full (a long label is cut with "…" otherwise).
                "步骤": f"{n + 1:02d} {step.title.split('（')[0]}",
                "全称": step.title,
                "start": pd.Timestamp(step.start),
                # Bars end after the last day, so a period ending 2027-12-31 covers that day.
                "end": pd.Timestamp(step.end + dt.timedelta(days=1)),
                "日期": when(step),
                "类型": KIND.get(step.kind, step.kind),
                "状态": f"{label} {label_en}",
                "来源": OFFICIAL_DATE if official else OTHER_DATE,
                "single": step.start == step.end,
            }
        )
    frame = pd.DataFrame(rows)
    dated_status = {k: v for k, v in STATUS.items() if k != "undated"}
    status_scale = alt.Scale(
        domain=[f"{v[0]} {v[1]}" for v in dated_status.values()], range=[v[2] for v in dated_status.values()]
    )
    source_legend = alt.Legend(orient="top", title=None)
    y = alt.Y("步骤:N", sort=list(frame["步骤"]), title=None, axis=alt.Axis(labelLimit=360, labelFontSize=13))
    x = alt.X("start:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount="month"))
    tooltip = ["全称", "日期", "类型", "状态", "来源"]
    color = alt.Color("状态:N", scale=status_scale, legend=alt.Legend(orient="top", title=None))
    # Not-in-the-notice dates: faded fill and a dashed outline, so they never look like official dates.
    opacity = alt.Opacity("来源:N", scale=alt.Scale(domain=[OFFICIAL_DATE, OTHER_DATE], range=[1.0, 0.25]), legend=source_legend)
    dash = alt.StrokeDash("来源:N", scale=alt.Scale(domain=[OFFICIAL_DATE, OTHER_DATE], range=[[1, 0], [5, 3]]), legend=None)
    bars = (
        alt.Chart(frame[~frame["single"]])
        .mark_bar(cornerRadius=4, height=18, stroke="#5f6368", strokeWidth=1.5)
        .encode(y=y, x=x, x2="end:T", color=color, opacity=opacity, strokeDash=dash, tooltip=tooltip)
    )
    points = (
        alt.Chart(frame[frame["single"]])
        .mark_point(shape="diamond", size=220, strokeWidth=2)
        .encode(
            y=y, x=x, color=color, tooltip=tooltip,
            fill=alt.condition(alt.datum["来源"] == OFFICIAL_DATE, "状态:N", alt.value("white"), scale=status_scale, legend=None),
        )
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
    return alt.layer(bars, points, *point_labels, rule, rule_label).properties(height=44 * len(rows) + 60)


def step_card(step) -> None:
    label, label_en, _, color = STATUS[step.status(now)]
    with st.container(border=True):
        left, right = st.columns([1, 3])
        date = "无确定日期 No date" if step.undated else when(step) + BASIS.get(step.basis, "")
        tags = [f":{color}-badge[{label} {label_en}]", f":gray-badge[{KIND.get(step.kind, '')}]"]
        note = source_note(engine, step.sources[:1])
        if note and not step.undated:
            tags.append(":orange-badge[日期不见于通知原文]")
        if step.disputed:
            tags.append(DISPUTED)
        # Dates and their basis are built here, not taken from users: shown as they are.
        left.markdown(f"**{date}**  \n" + " ".join(tags))
        with right:
            st.markdown(
                f"**{escape_markdown(step.title)}** · {escape_markdown(step.title_en)}  \n"
                f":gray[责任方 Who: {escape_markdown(step.actor)}]"
            )
            if step.note:
                st.markdown(f":orange[{escape_markdown(step.note)}]  \n:gray[{escape_markdown(step.note_en)}]")
            show_sources(engine, step.sources)


def show_timeline() -> None:
    st.altair_chart(chart(dated), width="stretch")
    st.caption("◆ 实心、深色：通知原文写明的日期　◇ 空心、浅色虚线：只有政策解读或媒体解读给出的日期（通知未写）")
    ics = to_ics(dated, lambda s: f"{s.actor}。依据：{s.quote}（{s.chunk}）" + (f" {s.note}" if s.note else ""))
    st.download_button(
        "下载日历 (.ics) Download calendar", data=ics, file_name="rsbf-2025-27-timeline.ics",
        mime="text/calendar", icon=":material/event:",
    )
    st.subheader("各环节 Steps", anchor=False)
    for step in dated:
        step_card(step)
    st.subheader("无确定日期或文件说法矛盾 Undated or conflicting", anchor=False)
    st.caption("这些环节没有画在时间轴上：通知没有给出日期，或各文件给出的日期互相矛盾。")
    for step in undated:
        step_card(step)


show_timeline()
render_auto_timeline(engine)  # added documents, extracted automatically
