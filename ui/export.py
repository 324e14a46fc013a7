"""The Ask page's conversation as a file: Markdown, Word (.docx) or PDF (Noto CJK embedded).

Every answer goes out with its citations (document, authority, section path, clause) and the
date the index was built, so a copied report says what it was answered from.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.documents import AUTHORITY_LABELS_ZH
from retrieval.engine import Answer
from retrieval.text import has_cjk

from .fonts import add_cjk_font
from .text import suggestions_heading

TITLE = "政策问答 · 对话记录 Policy Q&A conversation"
SCOPE = "依据人社部发〔2025〕27号通知、政策解读及相关文件整理，仅供参考；以文件原文为准。"
DECLINED = "这几份文件没有涉及这个问题 · Not covered by these documents"
CLAUSE_CHARS = 400  # a long clause is cut in the file; the answer sentence itself never is


@dataclass(frozen=True)
class Turn:
    question: str  # as the user typed it
    answer: Answer | None  # None when the question was refused (empty, too long …)
    understood_as: str = ""  # the completed follow-up, when it was completed
    error: str = ""


@dataclass(frozen=True)
class Line:
    style: str  # title, meta, question, understood, answer, source, quote, note, rule
    text: str


def _book(title: str) -> str:
    """A document title in 《》, unless it already has them."""
    return title if title.startswith("《") else f"《{title}》"


def conversation_lines(turns: Sequence[Turn], built_at: str, exported: dt.datetime | None = None) -> list[Line]:
    """The conversation as styled lines, shared by the three formats."""
    exported = exported or dt.datetime.now().astimezone()
    out = [
        Line("title", TITLE),
        Line("meta", f"导出时间 Exported: {exported.strftime('%Y-%m-%d %H:%M')}"),
        Line("meta", f"索引构建于 Index built: {built_at}"),
        Line("meta", SCOPE),
    ]
    for n, turn in enumerate(turns, start=1):
        out.append(Line("rule", ""))
        out.append(Line("question", f"问{n} Q{n}：{turn.question}"))
        if turn.understood_as:
            out.append(Line("understood", f"理解为 Understood as：{turn.understood_as}"))
        ans = turn.answer
        if ans is None:
            out.append(Line("note", f"未检索 Not searched：{turn.error}"))
            continue
        if not ans.answerable:
            out.append(Line("answer", f"{DECLINED}。{ans.answer}"))
            if ans.suggestions:
                out.append(Line("note", suggestions_heading(ans.reason) + "：" + "；".join(ans.suggestions)))
            continue
        out.append(Line("answer", f"答 A：{ans.answer}"))
        for c in ans.citations:
            label = AUTHORITY_LABELS_ZH.get(c.authority, c.authority)
            page = f" · 第{c.page}页 p.{c.page}" if c.page else ""
            out.append(Line("source", f"[{c.rank}] {label} · {_book(c.doc_title)} · {c.section}{page}"))
            clause = " ".join(c.text.split())
            out.append(Line("quote", clause if len(clause) <= CLAUSE_CHARS else clause[:CLAUSE_CHARS] + "…"))
        if not ans.dense:
            out.append(Line("note", "本次仅使用关键词检索。 Lexical search only."))
    return out


# Enough to stop links, images, HTML, emphasis, code and tables, while dates, numbers and
# sentences stay readable in the raw file (ui.text.escape_markdown is stricter, for Streamlit).
_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>#|~$])")


def to_markdown(lines: Sequence[Line]) -> str:
    """Markdown in which every text is escaped: a question or clause is shown, never interpreted."""
    out = []
    for line in lines:
        text = _MD_ACTIVE.sub(r"\\\1", line.text)
        out.append(
            {
                "title": f"# {text}\n",
                "meta": f"_{text}_  ",
                "rule": "\n---\n",
                "question": f"## {text}\n",
                "understood": f"*{text}*\n",
                "answer": f"**{text}**\n",
                "source": f"- {text}",
                "quote": f"  > {text}",
                "note": f"_{text}_\n",
            }[line.style]
        )
    return "\n".join(out).strip() + "\n"


_CJK_FONT_NAME = "Noto Sans CJK SC"


def to_docx(lines: Sequence[Line]) -> bytes:
    from docx import Document  # imported here: only the Word download needs it
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    doc = Document()
    for style_name in ("Normal", "Title", "Heading 2", "Quote"):
        style = doc.styles[style_name]
        style.font.name = _CJK_FONT_NAME
        # Word picks the font for Chinese characters from the East Asian slot, not from `name`.
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _CJK_FONT_NAME)
    grey = RGBColor(0x59, 0x59, 0x59)
    for line in lines:
        if line.style == "title":
            doc.add_heading(line.text, level=0)
        elif line.style == "question":
            doc.add_heading(line.text, level=2)
        elif line.style == "rule":
            continue
        elif line.style == "quote":
            doc.add_paragraph(line.text, style="Quote")
        else:
            p = doc.add_paragraph()
            run = p.add_run(line.text)
            run.bold = line.style == "answer"
            run.italic = line.style == "understood"
            if line.style in ("meta", "note", "source"):
                run.font.size = Pt(9)
                run.font.color.rgb = grey
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_PDF_STYLES = {  # font size, line height, space after
    "title": (15, 8, 3),
    "meta": (8.5, 4.8, 0.5),
    "question": (12, 6.5, 1),
    "understood": (9.5, 5, 1),
    "answer": (10.5, 6, 1.5),
    "source": (8.5, 4.8, 0.5),
    "quote": (9, 5, 1),
    "note": (8.5, 4.8, 1),
}


def to_pdf(lines: Sequence[Line]) -> bytes:
    from fpdf import FPDF  # imported here: only the PDF download needs it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    family = add_cjk_font(pdf)
    pdf.add_page()
    for line in lines:
        if line.style == "rule":
            pdf.ln(2)
            y = pdf.get_y()
            pdf.set_draw_color(200, 200, 200)
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.ln(2)
            continue
        size, height, gap = _PDF_STYLES[line.style]
        pdf.set_font(family, size=size)
        grey = line.style in ("meta", "source", "quote", "note", "understood")
        pdf.set_text_color(*((90, 90, 90) if grey else (0, 0, 0)))
        indent = 5 if line.style == "quote" else 0
        pdf.set_x(pdf.l_margin + indent)
        # Chinese has no spaces to wrap at: wrap by character, or a clause jumps to a new line
        # at its first space and leaves the line before half empty.
        wrap = "CHAR" if has_cjk(line.text) else "WORD"
        pdf.multi_cell(pdf.epw - indent, height, line.text, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=wrap)
        if gap:
            pdf.ln(gap)
    return bytes(pdf.output())


def export_name(ext: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now()
    return f"policy-qa-{when.strftime('%Y%m%d-%H%M')}.{ext}"


def export_buttons(turns: Sequence[Turn], built_at: str) -> None:
    """Download the conversation as Markdown, Word or PDF; files are made only when clicked."""
    import functools

    import streamlit as st

    turns = list(turns)
    lines = functools.partial(conversation_lines, turns, built_at)
    cols = st.columns(3)
    formats = [
        ("Markdown", "md", "text/markdown", lambda: to_markdown(lines())),
        ("Word", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", lambda: to_docx(lines())),
        ("PDF", "pdf", "application/pdf", lambda: to_pdf(lines())),
    ]
    for col, (label, ext, mime, make) in zip(cols, formats):
        col.download_button(
            f"导出 {label}", data=make, file_name=export_name(ext), mime=mime, key=f"pqa_export_{ext}",
            icon=":material/download:", on_click="ignore", width="stretch",
        )
