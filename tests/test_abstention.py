"""Declining and answering on questions of the kinds users ask, with the real model (issue: answers that hold)."""

from __future__ import annotations

import hashlib
import json

import pytest

from retrieval.engine import REPO_ROOT, YES_NO_LEAD_ZH
from retrieval.evaluation import evaluate, load_dataset
from retrieval.text import match_key

EVAL = REPO_ROOT / "eval"
# The held-out sets and their sha256 (each recorded in README when the set was frozen, before
# the round of tuning it measures); a frozen set must never change. name → (sha256, questions).
FROZEN = {
    # split from the users' sets before any tuning
    "heldout": ("772363de7696dbd2b888c235057ea541c411224a72671b3638d9eea3b09f08ba", 85),
    # written later by people who had not read the code and frozen before the second round: on the
    # shipped documents, and on the test regulation and plan added to them
    "heldout2": ("a160acdb19a35572c2a56002be93b9c8746b03a71bbcaac87592a7d5014768d8", 70),
    "added_docs": ("3098a08de2d94acef918ffc682b497f7bde3ec9e3aefcb146303ea6b5142c778", 30),
    # frozen at the start of the third round, and of the fourth
    "heldout3": ("2e89727e847952564a2d926827df64c67612c82ba25fa125e856fc0c64c2cd3f", 70),
    "heldout4": ("4f6ebd89d26e92489f4c2c4dcf6d1540614c84f86a04cbae536c458037ee6487", 70),
    # frozen on arrival in the middle of the fourth round, to measure its rules before and after
    "heldout5": ("8dc9284b3bc74efa291c2f31f62055a97c6877aa342d4fe6dab0dcb8b1e7bf51", 80),
    # frozen on arrival at the start of the fifth round, before any of its rules
    "heldout6": ("888e245010bff552bd0c992dd46b51a50014e908ec1d90d096680a1fbd2ed5ba", 80),
    # frozen on arrival at the start of the sixth round, before any of its rules
    "heldout7": ("795a106fe08b2190dcbe957d1239ba388fc56bec657bfea24ef7f51190cce0e2", 80),
    # frozen on arrival at the start of the seventh round, before any of its rules
    "heldout8": ("3160373069a175700eec6cf123cd5b9d5be73cc228769206592f24dbb5f4cb5c", 80),
    # frozen on arrival at the end of the seventh round, measured once on its final code
    "heldout9": ("05585065c2619346e7959f30cd0253c280684cbc5845b6d34dbef3327a1afe4f", 80),
}


def _cites(answer, evidence: str, k: int = 5) -> bool:
    return any(match_key(evidence) in match_key(c.text) for c in answer.citations[:k])


@pytest.mark.parametrize(
    "question, missing",
    [
        ("人力资源服务产业园的租金是多少？", "租金"),  # the park is covered, its rent is not
        ("试点城市的最低工资标准是多少？", "最低工资标准"),
        ("每个试点城市中央财政能给多少补助资金？", "金额"),
        ("深圳市的试点实施方案里有哪些配套政策？", "深圳"),  # a locality the documents never name
        ("试点城市考核不过关，会被取消试点资格吗？", "处罚或后果"),  # the documents lay down no penalty
        # The thing asked for, right before the question or after 有没有, is a word the documents never use.
        ("专家评审时各项指标的打分权重是多少？", "权重"),
        ("申报书有没有统一的模板？", "模板"),
    ],
)
def test_near_topic_questions_are_declined_saying_what_is_missing(engine, question, missing):
    a = engine.ask(question)
    assert not a.answerable
    assert a.reason == "detail-missing"
    assert missing in a.answer
    data = a.to_json()
    assert data["answerable"] is False and data["reason"] == "detail-missing"
    assert data["citations"] == []


@pytest.mark.parametrize(
    "question, missing",
    [
        # What is asked for ("what rent") is a word the documents never use, though the rest is theirs.
        ("What rent do HR Service agencies pay in the park?", "rent"),
        ("Is there an application fee for HR Service agencies?", "fee"),
        # Contact details are asked for; no clause gives one.
        ("What's the phone number or email for questions about the pilot scheme?", "contact details"),
        # A penalty is asked for; the documents lay down none.
        ("What penalty does a pilot city face if its implementation plan is late?", "penalty"),
    ],
)
def test_english_near_topic_questions_are_declined_saying_what_is_missing(engine, question, missing):
    a = engine.ask(question)
    assert not a.answerable and a.reason == "detail-missing"
    assert missing in a.answer
    assert "HR Service" in a.answer or "hr service" not in a.answer  # the question's words as typed


def test_a_verb_after_the_asked_noun_is_not_what_is_asked_for(engine):
    # "qualify" is the verb of "cities": the documents' cities are asked about, and answered.
    a = engine.ask("Which cities qualify for priority support?")
    assert a.answerable, a.answer
    assert "优先支持" in a.answer


def test_an_office_address_asked_for_is_contact_details(engine):
    a = engine.ask("What's the office address of the secretariat that coordinates the scheme?")
    assert not a.answerable and a.reason == "detail-missing" and "contact details" in a.answer
    # The words naming what is missing are not repeated as topics the documents mention.
    assert "mention office" not in a.answer and "address" not in a.answer.split("but")[0]


def test_a_decline_names_the_documents_topics_by_their_nouns(engine):
    # "set" (up) is the question's verb, not a topic the documents mention.
    a = engine.ask("What partnerships can HR firms set up?")
    assert not a.answerable and "mention HR firms but" in a.answer, a.answer


def test_a_decline_does_not_name_the_documents_as_their_own_topic(engine):
    a = engine.ask("厂里上了机器人，一批老师傅岗位没了，文件里对这些人有啥说法")
    assert not a.answerable and "文件提到了" in a.answer and "、文件" not in a.answer and "了文件" not in a.answer


def test_has_it_one_asks_for_it_as_whether_there_is_one_does(engine):
    # 有咨询电话吗 asks for the number as 有没有咨询电话 does; the documents give none.
    a = engine.ask("试点申报有咨询电话吗？")
    assert not a.answerable and a.reason == "detail-missing" and "联系方式" in a.answer


def test_an_english_question_about_a_place_the_documents_never_name_is_declined(engine):
    a = engine.ask("Is Suzhou on the final list of 39 pilot cities?")
    assert not a.answerable and "Suzhou" in a.answer
    # Describing oneself is not asking about the place.
    assert engine.ask("We're a manufacturer based in Suzhou. What support can manufacturers get from the pilot?").answerable


def test_a_decline_names_the_topic_once(engine):
    a = engine.ask("试点城市考核不过关，会被取消试点资格吗？")
    assert not a.answerable and "试点城市、试点，" not in a.answer and "试点城市" in a.answer


def test_a_question_idiom_is_not_a_missing_topic(engine):
    # 怎么回事 asks; 信用风险分类 is the notice's own term.
    assert engine.ask("信用风险分类是怎么回事？").answerable


def test_a_topic_the_documents_never_name_is_declined_as_off_topic(engine):
    a = engine.ask("失业保险金怎么领取？")
    assert not a.answerable and a.reason in ("off-topic", "detail-missing")
    assert a.suggestions


@pytest.mark.parametrize(
    "question, evidence",
    [
        # English words the policy glossary does not hold: carried by CC-CEDICT into the corpus's terms.
        # The issue's own example: answered now, with 问6 (核心任务) among the citations.
        ("What are the main tasks of the pilot?", "核心任务"),
        ("Will the government share data between departments?", "数据共享"),
        ("Can universities own patents jointly with manufacturers?", "专利所有权共享"),
    ],
)
def test_english_outside_the_glossary_is_answered(engine, question, evidence):
    a = engine.ask(question)
    assert a.answerable, a.reason
    assert _cites(a, evidence) or any(evidence in c.section for c in a.citations)


@pytest.mark.parametrize(
    "question, evidence",
    [
        ("What is the deadline for provinces to recommend cities?", "2025年7月18日前"),
        ("What is the duration of the pilot?", "此次试点周期为2025至2027年"),
    ],
)
def test_a_word_naming_the_asked_date_is_answered_by_a_clause_stating_one(engine, question, evidence):
    """The documents have no word for "deadline" or "duration"; they state the dates, and that answers."""
    a = engine.ask(question)
    assert a.answerable, a.reason
    assert _cites(a, evidence)


def test_a_word_naming_the_asked_value_still_needs_a_clause_stating_one(engine):
    a = engine.ask("What is the deadline for the rent payment in the HR service park?")
    assert not a.answerable and a.reason == "detail-missing"


@pytest.mark.parametrize("question", ["How many pilot cities were selected?", "最后一共定了多少个试点城市？"])
def test_a_count_question_is_answered_by_the_count_of_what_it_asks(engine, question):
    """Not by a sentence that shares its words (…择优确定试点城市), nor by another count (四个关键阶段)."""
    a = engine.ask(question)
    assert a.answerable and "39个试点城市" in a.answer, a.answer


def test_a_word_mostly_made_of_a_corpus_term_counts_as_known(engine):
    """地级市 is the corpus's 地级 (地级及以上城市); 个人所得税 is not its 个人."""
    a = engine.ask("我们是县级市，能单独申报吗？是不是必须地级市以上")
    assert a.answerable and _cites(a, "地级及以上城市")
    assert not engine.ask("个人所得税专项附加扣除怎么申报？").answerable


def test_a_compound_of_the_documents_own_words_is_not_a_missing_topic(engine):
    """高级职称 is 高级 + 职称, both the documents' words; 评分标准 is not (评分 is nowhere)."""
    a = engine.ask("员工能直接评高级职称吗？")
    assert a.answerable and "高级人力资源管理师" in a.answer, a.reason
    state = engine._state
    assert "评分标准" in state.abstainer.vocabulary(state.searcher.search("专家评审申报材料的评分标准是什么？")).unknown
    assert not engine.ask("试点城市的最低工资标准是多少？").answerable


def test_colloquial_words_do_not_decline_an_answerable_question(engine):
    a = engine.ask("招人、算工资这些杂事想外包给人力公司做，政策上支持不？")
    assert a.answerable
    assert _cites(a, "开展人力资源事务外包")


def test_yes_no_question_gets_the_deciding_clause(engine):
    a = engine.ask("非试点地区可以自己开展探索吗？")
    assert a.answerable
    # Stated as the clause that decides it, never as a bare "yes".
    assert a.answer.startswith(YES_NO_LEAD_ZH) and a.lead == YES_NO_LEAD_ZH
    assert "试点范围之外" in a.quote or "非试点地区" in a.quote
    assert not engine.ask("试点城市的实施方案要在什么时候之前印发？").lead


def test_wrong_premise_gets_the_correcting_clause(engine):
    a = engine.ask("实施方案是不是要先报人社部审批？")
    assert a.answerable
    assert _cites(a, "报送省级有关部门备案", k=3)
    # The short rule is quoted whole: the sentence that corrects the premise is part of it.
    a = engine.ask("实施方案是不是要先报人社部审批通过才能印发？9月底前交上去就行吧")
    assert "报送省级有关部门备案" in a.answer and "9月底前印发" in a.answer, a.answer


def test_an_interpretation_answer_never_quotes_its_restated_question(engine):
    for q in ("试点工作分为哪几个阶段？", "通知最后落款是哪几个部门？", "试点要探索哪几方面的创新"):
        a = engine.ask(q)
        assert "？" not in a.answer.split("。")[0], a.answer


@pytest.mark.parametrize("name", list(FROZEN))
def test_held_out_sets_are_frozen(name):
    sha256, n = FROZEN[name]
    path = EVAL / f"{name}.jsonl"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == n


# Floors just under the figures README reports; the later sets were frozen later, so they also
# measure the rounds of tuning the earlier ones had already seen.
FLOORS = {
    "heldout": {"recall@5": 0.84, "top1": 0.70, "oos_acc": 0.83, "answer_acc": 0.67},
    "heldout2": {"recall@5": 0.86, "top1": 0.70, "oos_acc": 0.80, "answer_acc": 0.75},
    "heldout3": {"recall@5": 0.75, "top1": 0.55, "oos_acc": 0.70, "answer_acc": 0.65},
    "heldout4": {"recall@5": 0.82, "top1": 0.60, "oos_acc": 0.90, "answer_acc": 0.60},
    "heldout5": {"recall@5": 0.83, "top1": 0.66, "oos_acc": 0.80, "answer_acc": 0.66},
    "heldout6": {"recall@5": 0.89, "top1": 0.71, "oos_acc": 0.90, "answer_acc": 0.76},
    "heldout7": {"recall@5": 0.82, "top1": 0.65, "oos_acc": 0.70, "answer_acc": 0.70},
    "heldout8": {"recall@5": 0.88, "top1": 0.70, "oos_acc": 0.72, "answer_acc": 0.75},
    "heldout9": {"recall@5": 0.89, "top1": 0.75, "oos_acc": 0.66, "answer_acc": 0.77},
}
MAX_FALSE_ABSTAIN = {"heldout": 5, "heldout2": 3, "heldout3": 8, "heldout4": 5, "heldout5": 3, "heldout6": 4, "heldout7": 4, "heldout8": 3, "heldout9": 4}


@pytest.mark.parametrize("name", list(FLOORS))
def test_held_out_floor(engine, name):
    summary = evaluate(engine.ask, load_dataset(EVAL / f"{name}.jsonl")).summary()
    for key, floor in FLOORS[name].items():
        assert summary[key] >= floor, (key, summary)
    assert summary["false_abstain"] <= MAX_FALSE_ABSTAIN[name], summary
    assert summary["median_citation_chars"] <= 240, summary


def test_the_notice_is_quoted_before_its_restatement(engine):
    a = engine.ask("试点城市的实施方案要在什么时候之前印发？")
    assert a.answer_chunk_id.startswith("notice:"), a.answer_chunk_id
    assert "9月底" in a.answer


def test_a_place_question_with_nothing_else_on_topic_is_off_topic_without_related_clauses(engine):
    a = engine.ask("明天北京天气怎么样？")
    assert not a.answerable and a.reason == "off-topic" and a.related == []


def test_a_list_of_names_the_documents_do_not_give_is_declined(engine):
    a = engine.ask("最终确定的39个试点城市具体是哪些城市？能给个完整名单吗？")
    assert not a.answerable and a.reason == "detail-missing"
    assert "名单" in a.answer, a.answer
