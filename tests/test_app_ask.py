"""问答 Ask page through AppTest, with the engine over the hashing test embedder."""

from __future__ import annotations

from store.feedback import FeedbackStore
from tests._app import fast_app_env, markdown_text, open_app  # noqa: F401

NOTICE_BADGE = ":blue-badge[通知原文]"


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_first_visit_shows_examples_for_each_audience_and_sidebar_status(fast_app_env):
    at = open_app()
    text = markdown_text(at)
    for audience in ("制造企业", "人力资源服务机构", "城市人社部门"):
        assert audience in text
    assert len([b for b in at.button if b.key and b.key.startswith("pqa_ex_")]) >= 6
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "索引状态" in sidebar and "Dense on" in sidebar
    assert {m.label for m in at.sidebar.metric} >= {"文档 Documents", "条款片段 Chunks"}


def test_known_question_answers_with_highlighted_sentence_and_notice_citation(fast_app_env):
    at = ask(open_app(), "试点总结报告什么时候要完成？")
    text = markdown_text(at)
    assert "2027年12月底前" in text
    assert '<mark class="pqa-answer">' in text  # the supporting sentence is highlighted
    assert NOTICE_BADGE in text and "（四）进行试点总结" in text
    assert any(link.proto.page.endswith("documents") or "documents" in link.proto.page for link in at.page_link)


def test_out_of_scope_question_is_declined_with_clickable_suggestions(fast_app_env):
    at = ask(open_app(), "明天北京天气怎么样？")
    assert any("Not covered by these documents" in w.body for w in at.warning)
    suggestions = [b for b in at.button if b.key and b.key.startswith("pqa_sug_")]
    assert suggestions
    suggestions[0].click().run()
    assert not at.exception
    assert len(at.chat_message) == 4  # the suggestion was asked as a new question


def test_example_question_button_asks_it(fast_app_env):
    at = open_app()
    [b for b in at.button if b.key and b.key.startswith("pqa_ex_")][0].click().run()
    assert len(at.chat_message) == 2
    assert "依据 Source" in markdown_text(at)


def test_empty_and_overlong_questions_get_a_clear_message(fast_app_env):
    at = ask(open_app(), "   ")
    assert any("请输入问题" in e.body for e in at.error)
    # The box itself stops at the engine's limit (the server cuts longer widget values).
    assert at.chat_input[0].max_chars == 500
    at = ask(at, "试点" * 300)
    assert not any("问题过长" in e.body for e in at.error)
    assert all(len(e["question"]) <= 500 for e in at.session_state["pqa_chat"])


def test_user_text_is_shown_literally_never_as_html(fast_app_env):
    question = "<img src=x onerror=alert(1)> **试点**什么时候印发方案？"
    at = ask(open_app(), question)
    assert question in [t.value for t in at.text]
    for m in at.markdown:
        assert "<img" not in m.value and "onerror" not in m.value


def test_feedback_is_stored_with_comment(fast_app_env):
    at = ask(open_app(), "试点城市的实施方案要在什么时候之前印发？")
    at.feedback[0].set_value(1).run()
    assert not at.exception
    # Inside a form: type, then submit, in one interaction (as in the browser).
    at.text_input(key="pqa_fbc_0").input("回答准确")
    at.button[[b.label for b in at.button].index("提交意见 Send comment")].click().run()
    assert not at.exception
    rows = FeedbackStore.for_data_dir(fast_app_env.data_dir).rows()
    mine = [r for r in rows if r["question"] == "试点城市的实施方案要在什么时候之前印发？"]
    assert mine and mine[0]["rating"] == 1 and mine[0]["comment"] == "回答准确"


def test_without_the_model_it_answers_lexically_and_says_so(fresh_fast_settings, monkeypatch):
    # A model that cannot load: the engine falls back to keyword search in its own folders.
    monkeypatch.setenv("POLICY_QA_EMBED_MODEL", str(fresh_fast_settings.data_dir / "no-such-model"))
    monkeypatch.setenv("POLICY_QA_CORPUS_DIR", str(fresh_fast_settings.corpus_dir))
    monkeypatch.setenv("POLICY_QA_DATA_DIR", str(fresh_fast_settings.data_dir))
    monkeypatch.setenv("POLICY_QA_INDEX_DIR", str(fresh_fast_settings.index_dir))
    at = open_app()
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "Lexical only" in sidebar
    assert any("仅使用关键词检索" in w.body for w in at.sidebar.warning)
    at = ask(at, "试点周期是哪几年？")
    text = markdown_text(at)
    assert "2025至2027年" in text and "仅使用关键词检索" in text
