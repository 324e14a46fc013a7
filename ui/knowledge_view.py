"""Rendering of curated facts and self-check items, shared by the Overview and the Self-check.

Every statement is shown with all its sources; a statement not in the notice says which
document it rests on, and one where the documents disagree says so and shows each side.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from retrieval.documents import OFFICIAL_NOTICE
from retrieval.engine import Engine

from .components import authority_badge, open_clause_link
from .corpus_view import clause
from .eligibility import Caveat, Outcome
from .knowledge import KIND_LABELS, UNNAMED_ACTOR, Citation
from .text import escape_markdown, highlight_html

DISPUTED = ":red-badge[文件不一致 Documents disagree]"


def caveat_line(caveats: tuple[Caveat, ...]) -> str:
    """Conditions as a line of text, not badges: a clause's wording is too long for a badge."""
    if not caveats:
        return ""
    return ":orange[**条件 Condition：** " + "；".join(escape_markdown(c.text) for c in caveats) + "]"


def verb_badge(verb: str) -> str:
    return f":violet-badge[原文用词：{escape_markdown(verb)}]" if verb else ""


def source_note(engine: Engine, sources: tuple[Citation, ...]) -> str:
    """'' when the notice backs the statement; otherwise which kind of document it rests on."""
    refs = [clause(engine, c.chunk) for c in sources]
    if any(r is not None and r.authority == OFFICIAL_NOTICE for r in refs):
        return ""
    labels = sorted({r.authority_label for r in refs if r is not None})
    return f"非通知原文，仅见于{'、'.join(labels)}" if labels else ""


def show_sources(engine: Engine, sources: tuple[Citation, ...], *, quotes: bool = True) -> None:
    for n, cite in enumerate(sources):
        ref = clause(engine, cite.chunk)
        if ref is None:  # the knowledge check reports this; never show an uncited statement as fact
            st.error(f"引用缺失 Missing citation: {cite.chunk}")
            continue
        st.markdown(f"{authority_badge(ref.authority)} :gray[{escape_markdown(ref.section)}]")
        if quotes:
            st.markdown(f'<div class="pqa-quote">“{highlight_html(cite.quote, [])}”</div>', unsafe_allow_html=True)
        open_clause_link(ref.chunk_id, label="原文 Source" if n == 0 else f"原文 Source {n + 1}")


def statement(engine: Engine, text: str, text_en: str, sources: tuple[Citation, ...], *,
              disputed: bool = False, verb: str = "", caveats: tuple[Caveat, ...] = ()) -> None:
    """A curated statement with its conditions, the policy's verb and every source."""
    note = source_note(engine, sources)
    badges = " ".join(b for b in (DISPUTED if disputed else "", verb_badge(verb)) if b)
    lines = [escape_markdown(text), badges, caveat_line(caveats)]
    with st.container(border=bool(note or disputed)):
        st.markdown("  \n".join(x for x in lines if x))
        if text_en:
            st.caption(escape_markdown(text_en))
        if note:
            st.markdown(f":orange[{escape_markdown(note)}]")
        show_sources(engine, sources)


def actor_line(outcome: Outcome) -> str:
    item = outcome.item
    if not item.actor:
        return ""
    if item.kind == "contact":
        return f":gray[联系对象 Contact: {escape_markdown(item.actor)}]"
    actor = "条款" + item.actor if item.actor.startswith(UNNAMED_ACTOR) else item.actor
    return f":gray[谁来做 Who acts: {escape_markdown(actor)}]"


def item_card(engine: Engine, outcome: Outcome, now: dt.date, *, quotes: bool = True) -> None:
    item = outcome.item
    with st.container(border=True):
        badges = []
        if item.deadline:
            passed = item.deadline < now
            badges.append(f":{'gray' if passed else 'red'}-badge[截止 {item.deadline.isoformat()} {'已过' if passed else '未到'}]")
        if item.closed and item.closed < now:
            badges.append(f":gray-badge[已结束 Closed {item.closed.isoformat()}]")
        if item.disputed:
            badges.append(DISPUTED)
        badges.append(verb_badge(item.verb))
        lines = [f"**{escape_markdown(item.title)}**", " ".join(b for b in badges if b), caveat_line(outcome.caveats)]
        st.markdown("  \n".join(x for x in lines if x))
        st.caption(escape_markdown(item.title_en))
        line = actor_line(outcome)
        note = source_note(engine, item.sources)
        extra = [x for x in (line, f":orange[{escape_markdown(note)}]" if note else "",
                             f":gray[{escape_markdown(item.note)}]" if item.note else "") if x]
        if extra:
            st.markdown("  \n".join(extra))
        show_sources(engine, item.sources, quotes=quotes)


def kind_heading(kind: str, count: int) -> str:
    zh, en = KIND_LABELS[kind]
    return f"{zh} {en} ({count})"
