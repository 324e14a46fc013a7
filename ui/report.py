"""The self-check result as a downloadable report: Markdown, or PDF with an embedded CJK font."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .corpus_view import ClauseRef
from .eligibility import Outcome, Result
from .knowledge import Knowledge

from .fonts import add_cjk_font
SECTIONS = [("measure", "可享受的支持措施"), ("obligation", "需要履行的义务"), ("contact", "联系谁")]


def _pilot_text(value: str) -> str:
    return {"yes": "是", "no": "否", "unsure": "不确定"}[value]


def report_lines(knowledge: Knowledge, result: Result, lookup, today: dt.date) -> list[tuple[str, str]]:
    """The report as (style, text) lines; style is h1, h2, h3, p, quote or small."""
    p = result.profile
    out = [("h1", "适用性自查报告 · 人社部发〔2025〕27号"), ("small", f"生成日期：{today.isoformat()}")]
    out.append(("p", f"身份：{knowledge.role(p.role).label}"))
    if p.role != "province":
        out.append(("p", f"所在城市是否为试点城市：{_pilot_text(p.pilot_city)}"))
        out.append(("p", f"位于国家级产业园区：{'是' if p.park else '否'}"))
    needs = "、".join(knowledge.need(n).label for n in p.needs) or "未选择（显示全部）"
    out.append(("p", f"关注的需求：{needs}"))
    for kind, title in SECTIONS:
        items = result.of_kind(kind)
        out.append(("h2", f"{title}（{len(items)}）"))
        if not items:
            out.append(("p", "无"))
        for o in items:
            out += _item_lines(o, lookup, today)
    out.append(("h2", f"不适用的事项及原因（{len(result.excluded_by_facts)}）"))
    if not result.excluded_by_facts:
        out.append(("p", "无"))
    for o in result.excluded_by_facts:
        out.append(("p", f"• {o.item.title} —— {o.reason}"))
    others = result.for_other_roles
    if others:
        out.append(("h3", f"面向其他主体的事项（{len(others)}）"))
        out.append(("p", "；".join(f"{o.item.title}（{o.reason}）" for o in others)))
    out.append(
        ("small", "本报告依据人社部发〔2025〕27号通知及其解读整理，仅供参考；具体以通知原文和当地人社部门口径为准。")
    )
    return out


def _item_lines(o: Outcome, lookup, today: dt.date) -> list[tuple[str, str]]:
    ref: ClauseRef | None = lookup(o.item.chunk)
    lines = [("h3", o.item.title)]
    if o.item.deadline:
        state = "已过" if o.item.deadline < today else "未到"
        lines.append(("p", f"截止日期：{o.item.deadline.isoformat()}（{state}）"))
    if o.caveat:
        lines.append(("p", f"注意：{o.caveat}（请向当地人社部门核实所在城市是否为试点城市）"))
    if ref:
        lines.append(("small", f"出处：{ref.authority_label} · {ref.doc_title} · {ref.section}"))
    lines.append(("quote", f"“{o.item.quote}”"))
    return lines


def to_markdown(lines: list[tuple[str, str]]) -> str:
    prefix = {"h1": "# ", "h2": "\n## ", "h3": "\n### ", "p": "", "quote": "> ", "small": "_"}
    suffix = {"small": "_"}
    return "\n".join(f"{prefix[s]}{t}{suffix.get(s, '')}" + ("  " if s in ("p", "small") else "") for s, t in lines) + "\n"


def to_pdf(lines: list[tuple[str, str]]) -> bytes:
    from fpdf import FPDF  # imported here: only the PDF download needs it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    add_cjk_font(pdf)
    pdf.add_page()
    styles = {"h1": (16, 9, 4), "h2": (13, 7, 3), "h3": (11, 6, 1), "p": (10, 5.5, 0), "quote": (9.5, 5.5, 1), "small": (8.5, 5, 1)}
    for style, text in lines:
        size, height, gap = styles[style]
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(90, 90, 90) if style in ("quote", "small") else pdf.set_text_color(0, 0, 0)
        if style in ("h2",):
            pdf.ln(2)
        pdf.set_x(pdf.l_margin + (5 if style == "quote" else 0))
        pdf.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT")
        if gap:
            pdf.ln(gap)
    return bytes(pdf.output())
