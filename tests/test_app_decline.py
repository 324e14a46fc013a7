"""A declined answer on the Ask page says why: the explanation as plain text, the standard sentence,
the related clauses when only the asked detail is missing, and the nearest official questions.

AppTest over the hashing test embedder; the expected explanation and related clauses are read from
the same engine the app runs on, so the tests follow the engine's decision rather than fix it."""

from __future__ import annotations

import dataclasses

from retrieval.engine import DECLINE_EN, DECLINE_ZH
from tests._app import app_env, fast_app_env, markdown_text, open_app  # noqa: F401
from ui.components import RELATED_HEADING, decline_parts
from ui.export import Turn, conversation_lines, to_markdown
from ui.share import plain_text

DETAIL_MISSING = "人力资源服务产业园的租金是多少？"
OFF_TOPIC = "如何做红烧肉？"


def ask(at, question: str):
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_detail_missing_shows_explanation_sentence_related_clauses_and_suggestions(fast_app_env, fast_engine):
    expected = fast_engine.ask(DETAIL_MISSING)
    assert expected.reason == "detail-missing" and expected.related  # the case this test is about
    explanation, standard = decline_parts(expected)
    assert explanation and standard == DECLINE_ZH

    at = ask(open_app(), DETAIL_MISSING)
    # The explanation repeats words of the question: shown with st.text, in no Markdown element.
    assert explanation in [t.value for t in at.text]
    assert not any(explanation in m.value for m in at.markdown)
    [warning] = at.warning
    assert "Not covered by these documents" in warning.body and DECLINE_ZH in warning.body
    assert explanation not in warning.body

    text = markdown_text(at)
    assert RELATED_HEADING in text
    for ref in expected.related:  # each related clause as a card with its section and a deep link
        assert ref.section.split(" › ")[-1] in text
        assert ref.text[:20] in text
    links = [p for p in at.page_link if "documents" in p.proto.page]
    assert len(links) == len(expected.related)
    assert "依据 Source" not in text  # a related clause is not presented as the answer's source

    suggestions = [b for b in at.button if b.key and b.key.startswith("pqa_sug_")]
    assert [b.label for b in suggestions] == expected.suggestions
    suggestions[0].click().run()
    assert not at.exception
    assert len(at.chat_message) == 4


def test_off_topic_decline_has_no_explanation_and_no_related_clauses(fast_app_env, fast_engine):
    expected = fast_engine.ask(OFF_TOPIC)
    assert expected.reason == "off-topic"
    at = ask(open_app(), OFF_TOPIC)
    [warning] = at.warning
    assert DECLINE_ZH in warning.body
    assert RELATED_HEADING not in markdown_text(at)
    assert not [p for p in at.page_link if "documents" in p.proto.page]
    assert [t.value for t in at.text] == [OFF_TOPIC]  # the question itself, nothing else as text
    # Not "nearest": an off-topic question has no near official question, only examples.
    text = markdown_text(at)
    assert "Questions these documents do answer" in text and "Nearest official questions" not in text


def test_english_decline_keeps_the_english_sentence_apart_from_its_explanation(fast_app_env, fast_engine):
    question = "How much rent does the HR service industrial park charge?"
    expected = fast_engine.ask(question)
    assert expected.reason == "detail-missing"
    explanation, standard = decline_parts(expected)
    assert standard == DECLINE_EN and explanation.startswith("The documents mention")
    at = ask(open_app(), question)
    assert explanation in [t.value for t in at.text]
    assert DECLINE_EN in at.warning[0].body


def test_plain_text_copy_and_export_carry_the_explanation(fast_app_env):
    at = ask(open_app(), DETAIL_MISSING)
    entry = at.session_state["pqa_chat"][0]
    explanation, standard = decline_parts(entry["answer"])
    # The share popover's plain-text block, as the page shows it.
    copied = plain_text(entry["question"], entry["answer"])
    assert copied in [c.value for c in at.code]
    assert explanation in copied and standard in copied
    exported = to_markdown(conversation_lines([Turn(entry["question"], entry["answer"])], "2026-11-25"))
    assert explanation in exported and standard in exported


def test_a_decline_without_the_standard_sentence_is_shown_whole_as_text(fast_engine):
    # decline_parts never loses text: an answer it cannot split is all explanation.
    answer = fast_engine.ask(OFF_TOPIC)
    odd = dataclasses.replace(answer, answer="**说明** 没有找到。")
    assert decline_parts(odd) == ("**说明** 没有找到。", "")


def test_an_answers_lead_is_not_highlighted_as_a_quote(fast_app_env, fast_engine):
    # Not a decline, but the same block of the page: the app's own words stay outside the mark.
    question = "人力资源服务机构能设立博士后科研工作站吗？"
    expected = fast_engine.ask(question)
    assert expected.answerable and expected.lead
    at = ask(open_app(), question)
    [block] = [m.value for m in at.markdown if m.value.startswith('<div class="pqa-answer">')]
    assert block.startswith(f'<div class="pqa-answer">{expected.lead}<mark class="pqa-answer">')
    assert expected.quote.strip() in block


def test_real_model_declines_the_park_rent_with_its_related_clauses(app_env, engine):
    # What users meet: the default model's decision for a detail the documents do not give.
    expected = engine.ask(DETAIL_MISSING)
    assert expected.reason == "detail-missing" and expected.related
    explanation, _ = decline_parts(expected)
    assert "人力资源服务产业园" in explanation
    at = ask(open_app(), DETAIL_MISSING)
    assert explanation in [t.value for t in at.text]
    assert RELATED_HEADING in markdown_text(at)
    assert len([p for p in at.page_link if "documents" in p.proto.page]) == len(expected.related)


def test_the_library_decline_sentence_is_kept_apart_from_its_explanation(fast_engine):
    """With documents an administrator added, the fixed sentence differs; the page still tells it
    from the explanation (which may repeat the question's words and is shown as plain text)."""
    from retrieval.engine import DECLINE_EN_LIBRARY, DECLINE_ZH_LIBRARY

    declined = fast_engine.ask(DETAIL_MISSING)
    explanation, _ = decline_parts(declined)
    for sentence in (DECLINE_ZH_LIBRARY, DECLINE_EN_LIBRARY):
        as_with_library = dataclasses.replace(declined, answer=f"{explanation} {sentence}")
        assert decline_parts(as_with_library) == (explanation, sentence)
