"""The self-check result as a downloadable report: Markdown, or PDF with an embedded CJK font."""

from __future__ import annotations

import datetime as dt

from retrieval.chunking import Chunk

from .eligibility import Outcome, Result, questions
from .fonts import add_cjk_font
from .knowledge import KIND_LABELS, KINDS, UNNAMED_ACTOR, Knowledge

ANSWER_TEXT = {"yes": "是", "no": "否", "unsure": "不确定"}


def report_lines(knowledge: Knowledge, result: Result, lookup, today: dt.date) -> list[tuple[str, str]]:
    """The report as (style, text) lines; style is h1, h2, h3, p, quote or small."""
    p = result.profile
    out = [("h1", "适用性自查报告 · 人社部发〔2025〕27号"), ("small", f"生成日期：{today.isoformat()}")]
    out.append(("p", f"身份：{knowledge.role(p.role).label}"))
    for cond in questions(knowledge, p.role, today):
        out.append(("p", f"{cond.question}{ANSWER_TEXT[p.answer(cond.id)]}"))
    needs = "、".join(knowledge.need(n).label for n in p.needs) or "未选择（显示全部）"
    out.append(("p", f"关注的需求：{needs}"))
    if knowledge.pilot_status is not None:
        out.append(("small", knowledge.pilot_status.text))
    out.append(("small", "“支持”“推动”“鼓励”“引导”等为政策原文用词，表示政策方向，不等于可直接申领的待遇。"))
    for kind in KINDS:
        items = result.of_kind(kind)
        out.append(("h2", f"{KIND_LABELS[kind][0]}（{len(items)}）"))
        if not items:
            out.append(("p", "无"))
        for o in items:
            out += _item_lines(o, lookup, today)
    if result.closed:
        out.append(("h2", f"已结束的事项（{len(result.closed)}）"))
        for o in result.closed:
            out += _item_lines(o, lookup, today)
    out.append(("h2", f"不适用的事项及原因（{len(result.excluded_by_facts)}）"))
    if not result.excluded_by_facts:
        out.append(("p", "无"))
    for reason, outcomes in result.excluded_by_reason():
        out.append(("p", f"原因：{reason}"))
        out += [("p", f"• {o.item.title}") for o in outcomes]
    others = result.for_other_roles
    if others:
        out.append(("h3", f"面向其他主体的事项（{len(others)}）"))
        out.append(("p", "；".join(f"{o.item.title}（{o.reason}）" for o in others)))
    out.append(
        ("small", "本报告依据人社部发〔2025〕27号通知及其解读整理，仅供参考；具体以通知原文和当地人社部门口径为准。")
    )
    return out


def _item_lines(o: Outcome, lookup, today: dt.date) -> list[tuple[str, str]]:
    item = o.item
    lines = [("h3", item.title)]
    if item.verb:
        lines.append(("p", f"原文用词：{item.verb}"))
    if item.actor:
        actor = "条款" + item.actor if item.actor.startswith(UNNAMED_ACTOR) else item.actor
        lines.append(("p", f"{'联系对象' if item.kind == 'contact' else '谁来做'}：{actor}"))
    if item.deadline:
        state = "已过" if item.deadline < today else "未到"
        lines.append(("p", f"截止日期：{item.deadline.isoformat()}（{state}）"))
    if o.caveats:
        lines.append(("p", f"条件：{o.caveat}（请向当地人社部门核实）"))
    if item.disputed and item.note:
        lines.append(("p", f"文件不一致：{item.note}"))
    for cite in item.sources:
        ref: Chunk | None = lookup(cite.chunk)
        if ref:
            lines.append(("small", f"出处：{ref.authority_label} · {ref.doc_title} · {ref.section}"))
        lines.append(("quote", f"“{cite.quote}”"))
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
