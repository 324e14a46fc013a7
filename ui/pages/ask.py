"""问答 Ask: a per-session conversation with cited answers and feedback."""

from __future__ import annotations

import html
import uuid

import streamlit as st

from retrieval.engine import MAX_QUESTION_CHARS, Answer, Citation, QuestionError
from retrieval.followup import complete
from ui.auth import allow_feedback, is_admin
from ui.components import authority_badge, citation_card, declined_notice, related_heading
from ui.text import suggestions_heading
from ui.engine_resource import get_engine, get_feedback_store
from ui.auto_overview import clause_ocr_note
from ui.scope_picker import current_scope, scope_picker
from ui.export import Turn, export_buttons
from ui.share import read_shared, share_panel, understood_note
from ui.text import escape_markdown, find_all

EXAMPLES = {
    "制造企业 Enterprise": [
        "制造企业可以获得哪些政策支持？",
        "企业的项目能纳入专项资金扶持范围吗？",
        "制造企业人力资源工作人员可以参加职称评审吗？",
    ],
    "人力资源服务机构 HR agency": [
        "人力资源服务机构可以牵头组建哪些联合体？",
        "人力资源服务机构可以开发哪些智能化新产品？",
        "人力资源服务机构能设立博士后科研工作站吗？",
    ],
    "城市人社部门 City staff": [
        "试点城市的实施方案要在什么时候之前印发？",
        "试点城市需要具备哪些条件？",
        "试点总结报告什么时候要完成？",
    ],
}

CHAT = "pqa_chat"
PENDING = "pqa_pending"
REFUSED = "pqa_refused"
PENDING_ALONE = "pqa_pending_alone"
SHARED = "pqa_shared"  # the shared link (?q=…&after=…) already answered in this session

engine = get_engine()
feedback = get_feedback_store()
st.session_state.setdefault(CHAT, [])
st.session_state.setdefault("pqa_session", uuid.uuid4().hex)


def queue(question: str) -> None:
    st.session_state[PENDING] = question


def queue_alone(question: str) -> None:
    st.session_state[PENDING] = question
    st.session_state[PENDING_ALONE] = True


def earlier_questions() -> list[str]:
    """The conversation so far, oldest first, each as it was understood (declined ones included)."""
    return [e.get("understood_as") or e["question"] for e in st.session_state[CHAT] if e["answer"] is not None]


def answer_question(question: str, alone: bool = False, after: list[str] | None = None) -> None:
    earlier = earlier_questions() if after is None else after
    # A follow-up ("那高校呢？") is completed from the earlier questions before it is searched.
    completion = complete(question, [] if alone else earlier)
    entry: dict = {
        "question": question, "answer": None, "error": "", "fb_id": None,
        "understood_as": completion.question if completion.rewritten else "",
        "after": earlier[-1:] if completion.rewritten else [],
    }
    try:
        with st.spinner("正在检索文件… Searching the documents…"):
            entry["answer"] = engine.ask(completion.question, scope=current_scope(engine))
    except QuestionError as exc:
        # Not kept: a refused question (20 MB of text, say) must not ride along in every rerun.
        st.session_state[REFUSED] = str(exc)
        return
    st.session_state[CHAT].append(entry)


def feedback_allowed() -> bool:
    if allow_feedback(st.session_state["pqa_session"]):
        return True
    st.toast("反馈过于频繁，请稍后再试。 Too much feedback from here; please wait a minute.")
    return False


def on_rating(i: int) -> None:
    entry = st.session_state[CHAT][i]
    rating = st.session_state.get(f"pqa_fb_{i}")
    if rating is None or not feedback_allowed():
        return
    helpful = rating == 1
    if entry["fb_id"] is None:
        ans: Answer = entry["answer"]
        entry["fb_id"] = feedback.record(
            question=entry["question"],
            answer=ans.answer,
            answerable=ans.answerable,
            helpful=helpful,
            citations=[c.chunk_id for c in ans.citations],
            session_id=st.session_state["pqa_session"],
        )
    else:
        feedback.set_rating(entry["fb_id"], helpful)


def spans_for(ans: Answer, ref: Citation, first: bool) -> list[tuple[int, int]]:
    """Where the answer sentence sits inside this clause (document offsets → clause offsets)."""
    source = ans.answer_chunk_id or (ref.chunk_id if first else None)
    if ans.answer_span and ref.chunk_id == source:
        s, e = ans.answer_span
        if ref.start <= s and e <= ref.end:
            return [(s - ref.start, e - ref.start)]
    sentence = ans.quote.strip()
    return find_all(ref.text, sentence) if len(sentence) >= 8 else []


def show_answer(i: int, entry: dict) -> None:
    ans: Answer | None = entry["answer"]
    if ans is None:
        st.error(entry["error"])
        return
    if entry.get("understood_as"):
        understood_note(entry["question"], entry["understood_as"], f"pqa_alone_{i}", queue_alone)
    if not ans.answerable:
        declined_notice(ans)
        if ans.reason == "detail-missing" and ans.related:
            # The documents cover the topic but not the asked detail: what they do say is worth reading.
            related_heading()
            for ref in ans.related:
                citation_card(rank=None, ref=ref, spans=[])
                clause_ocr_note(engine, ref.chunk_id)
        if ans.suggestions:
            st.markdown(suggestions_heading(ans.reason) + ":")
            for j, s in enumerate(ans.suggestions):
                st.button(s, key=f"pqa_sug_{i}_{j}", on_click=queue, args=(s,), icon=":material/help:")
    else:
        refs = ans.citations
        # The answer may come from a lower-ranked citation when that one holds the asked-for fact.
        top = next((r for r in refs if r.chunk_id == ans.answer_chunk_id), refs[0])
        # Only the verbatim quote is highlighted; the lead ("文件对此的规定：", "据《…》：") is the app's words.
        st.markdown(
            f'<div class="pqa-answer">{html.escape(ans.lead)}'
            f'<mark class="pqa-answer">{html.escape(ans.quote.strip())}</mark></div>',
            unsafe_allow_html=True,
        )
        st.markdown(
            f"依据 Source: {authority_badge(top.authority)} {escape_markdown(top.doc_title)} · "
            f":gray[{escape_markdown(top.section)}]"
        )
        if not ans.dense:
            st.caption("本次仅使用关键词检索（语义模型未加载）。 Lexical search only: the embedding model is not loaded.")
        citation_card(rank=top.rank, ref=top, spans=spans_for(ans, top, True))
        clause_ocr_note(engine, top.chunk_id)
        others = [ref for ref in refs if ref is not top]
        if others:
            with st.expander(f"其他相关条款 More sources ({len(others)})"):
                for ref in others:
                    citation_card(rank=ref.rank, ref=ref, spans=spans_for(ans, ref, False))
                    clause_ocr_note(engine, ref.chunk_id)
    share_panel(f"pqa_share_{i}", entry["question"], ans, entry.get("understood_as", ""), entry.get("after", []))
    st.caption("这个回答有帮助吗？ Was this helpful?")
    st.feedback("thumbs", key=f"pqa_fb_{i}", on_change=on_rating, args=(i,))
    if entry["fb_id"] is not None:
        with st.form(key=f"pqa_fbform_{i}", border=False):
            comment = st.text_input(
                "补充意见（可选） Comment (optional)", key=f"pqa_fbc_{i}", max_chars=2000,
                placeholder="例如：哪里不准确、还想了解什么",
            )
            if st.form_submit_button("提交意见 Send comment") and comment.strip() and feedback_allowed():
                feedback.set_comment(entry["fb_id"], comment.strip())
                st.toast("已记录，谢谢！ Thank you for the feedback.")


st.title("问答 Ask")
_added = engine.status().added_documents
st.caption(
    "就人社部发〔2025〕27号《关于开展人力资源服务业与制造业融合发展试点工作的通知》及其解读提问，"
    "每个回答都附原文出处。 Ask about the notice; every answer cites its source clause."
    if not _added
    else f"就人社部发〔2025〕27号通知及其解读、以及管理员添加的{_added}份文件提问，每个回答都附原文出处。 "
    f"Ask about the notice and the {_added} documents added; every answer cites its source clause."
)

scope_picker(engine)
prompt = st.chat_input(f"输入你的问题（{MAX_QUESTION_CHARS}字以内）… Type your question", max_chars=MAX_QUESTION_CHARS)
pending = st.session_state.pop(PENDING, None)
alone = st.session_state.pop(PENDING_ALONE, False) and prompt is None
question = prompt if prompt is not None else pending
# A shared link (?q=…&after=…) is answered once when the page opens with it.
shared = read_shared(st.query_params, st.query_params.get_all)
if shared is not None and st.session_state.get(SHARED) != shared:
    st.session_state[SHARED] = shared
    answer_question(shared.question, after=list(shared.after))
if question is not None:
    answer_question(question, alone=alone)

history = st.session_state[CHAT]
refused = st.session_state.pop(REFUSED, None)
if refused:
    st.error(refused)
if not history:
    st.markdown("##### 不知从何问起？试试这些问题 · Example questions")
    cols = st.columns(len(EXAMPLES))
    for col, (audience, questions) in zip(cols, EXAMPLES.items()):
        with col.container(border=True):
            st.markdown(f"**{audience}**")
            for j, q in enumerate(questions):
                st.button(q, key=f"pqa_ex_{audience}_{j}", on_click=queue, args=(q,), width="stretch")
else:
    if st.button("清空对话 Clear conversation", icon=":material/delete_sweep:"):
        st.session_state[CHAT] = []
        st.rerun()

for i, entry in enumerate(history):
    with st.chat_message("user"):
        st.text(entry["question"])
    with st.chat_message("assistant"):
        show_answer(i, entry)

if any(e["answer"] is not None for e in history):
    st.caption("导出对话（含出处与索引构建时间） · Export the conversation with its sources")
    turns = [Turn(e["question"], e["answer"], e.get("understood_as", ""), e["error"]) for e in history]
    export_buttons(turns, engine.status().built_at)

# Feedback holds other users' questions and comments: only a logged-in admin may export it.
if is_admin():
    with st.expander("反馈记录导出 Feedback export"):
        s = feedback.summary()
        st.markdown(f"共 {s.total} 条反馈：👍 {s.helpful} · 👎 {s.not_helpful}")
        st.download_button(
            "下载 CSV Download CSV", data=feedback.export_csv(), file_name="feedback.csv", mime="text/csv",
            icon=":material/download:",
        )
