"""Share and copy an answer: a link that reproduces it, and the answer with its source as plain text.

A link is `<app root>?q=<question>` (and `&after=<previous question>` when the question was a follow-up);
the Ask page reads it on open and answers it. Its values are untrusted: they are capped,
stripped of control characters and only ever shown as text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from retrieval.documents import AUTHORITY_LABELS_ZH
from retrieval.engine import MAX_QUESTION_CHARS, Answer

from .export import _book

MAX_AFTER = 3  # earlier questions a link may carry


@dataclass(frozen=True)
class SharedQuestion:
    question: str
    after: tuple[str, ...] = ()


def _clean(value: object) -> str:
    """A URL value as plain text: no control characters, at most MAX_QUESTION_CHARS."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(value))
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


def read_shared(params: Mapping[str, object], get_all=None) -> SharedQuestion | None:
    """The question a shared link asks, or None. `get_all(key)` returns every value of a repeated key."""
    q = _clean(params.get("q", "") or "")
    if not q:
        return None
    values = get_all("after") if get_all else ([params["after"]] if "after" in params else [])
    after = tuple(a for a in (_clean(v) for v in list(values)[:MAX_AFTER]) if a)
    return SharedQuestion(q, after)


def share_query(question: str, after: Sequence[str] = ()) -> str:
    """The query string that reproduces an answer."""
    pairs = [("q", question)] + [("after", a) for a in list(after)[-MAX_AFTER:] if a]
    return urlencode(pairs)


def share_link(page_url: str | None, question: str, after: Sequence[str] = ()) -> str:
    """A link to the page it is made on (the Ask page) that asks the question again.

    The Ask page is the app's default page, served at the app's root: `/ask` is not a route."""
    query = share_query(question, after)
    if page_url:
        parts = urlsplit(page_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))
    return f"?{query}"


def plain_text(question: str, answer: Answer, understood_as: str = "") -> str:
    """The answer with its source, for pasting into a report: document, section path, quoted sentence."""
    lines = [f"问：{question}"]
    if understood_as:
        lines.append(f"理解为：{understood_as}")
    if not answer.answerable:
        lines.append(f"答：{answer.answer}")
        return "\n".join(lines)
    # The answer is a sentence quoted from the source, so it is given in quotation marks.
    lines.append(f"答（原文摘录）：{answer.lead}“{answer.quote.strip()}”")
    source = next((c for c in answer.citations if c.chunk_id == answer.answer_chunk_id), None)
    source = source or (answer.citations[0] if answer.citations else None)
    if source is not None:
        label = AUTHORITY_LABELS_ZH.get(source.authority, source.authority)
        page = f"，第{source.page}页" if source.page else ""
        lines.append(f"出处：{_book(source.doc_title)}（{label}）{source.section}{page}")
    return "\n".join(lines)


# ---- rendering ----------------------------------------------------------------------------


def understood_note(original: str, understood_as: str, key: str, ask_alone) -> None:
    """The completed follow-up above its answer, and a way to ask the typed question alone."""
    import streamlit as st

    from .text import escape_markdown

    st.info(
        f"理解为：{escape_markdown(understood_as)}  \n"
        ":gray[Understood as — completed from the earlier question; 如不是这个意思，可单独提问原问题。]",
        icon=":material/auto_fix_high:",
    )
    st.button(
        "单独提问原问题 Ask the original question alone", key=key, on_click=ask_alone, args=(original,),
        icon=":material/undo:", type="tertiary",
    )


def share_panel(key: str, question: str, answer: Answer, understood_as: str, after: Sequence[str]) -> None:
    """A popover with the link that reproduces this answer and the answer as plain text, each
    in a code block: Streamlit gives code blocks a copy-to-clipboard icon and never renders
    their content as Markdown."""
    import streamlit as st

    with st.popover("分享 · 复制 Share · Copy", icon=":material/share:", key=key):
        st.caption("链接：打开即显示这个回答 · Link that opens this answer")
        st.code(share_link(st.context.url, question, after), language=None, wrap_lines=True)
        st.caption("答案与出处（纯文本，点右上角图标复制） · Answer with its source, plain text — copy icon top right")
        st.code(plain_text(question, answer, understood_as), language=None, wrap_lines=True)
