"""Follow-up questions completed from the conversation by rules; stand-alone questions untouched."""

from __future__ import annotations

import json

import pytest

from retrieval.engine import REPO_ROOT
from retrieval.followup import Completion, complete, is_actor
from tests._cli import run_cli_over

# (history oldest first, follow-up, completed question)
FOLLOW_UPS = [
    # 那X呢 / X呢: an actor takes the previous question's actor's place
    (["制造企业在试点中有哪些任务？"], "那高校呢？", "高校在试点中有哪些任务？"),
    (["制造企业可以获得哪些政策支持？"], "人力资源服务机构呢", "人力资源服务机构可以获得哪些政策支持？"),
    (["试点城市需要具备哪些条件？"], "那么省级部门呢？", "省级部门需要具备哪些条件？"),
    (["制造企业的人力资源工作人员可以评职称吗？"], "那人力资源服务机构呢？", "人力资源服务机构的人力资源工作人员可以评职称吗？"),
    # a chain keeps the first question's predicate
    (["制造企业在试点中有哪些任务？", "那高校呢？"], "那科研院所呢？", "科研院所在试点中有哪些任务？"),
    # a term for a term with the same head word
    (["招聘用工联合体由谁组建？"], "那创新联合体呢？", "创新联合体由谁组建？"),
    # X也可以吗
    (["人力资源服务机构能设立博士后科研工作站吗？"], "高校也可以吗？", "高校能设立博士后科研工作站吗？"),
    # bare deadline / body questions take the previous question's topic
    (["试点城市的实施方案要在什么时候之前印发？"], "报给谁？", "试点城市的实施方案报给谁？"),
    (["试点总结报告什么时候要完成？"], "谁负责？", "试点总结报告谁负责？"),
    (["申报材料最晚哪天要报上去？"], "截止到哪天？", "申报材料截止到哪天？"),
    (["试点城市的实施方案要在什么时候之前印发？"], "由哪个部门负责？", "试点城市的实施方案由哪个部门负责？"),
    (["试点城市的实施方案要在什么时候之前印发？"], "And who is responsible?", "And who is responsible for 试点城市的实施方案?"),
    (["Who must issue the implementation plan?"], "And who is responsible?", "And who is responsible for the implementation plan?"),
    (["制造企业可以获得哪些政策支持？"], "如果是省级部门呢", "省级部门可以获得哪些政策支持？"),
    (["制造企业在试点中有哪些任务？"], "高校的呢？", "高校在试点中有哪些任务？"),
    (["试点总结报告有哪些内容？"], "那截止日期呢？", "试点总结报告的截止日期？"),
    # when the previous question's topic is only its actor, the whole question is kept
    (["高校在试点中有哪些任务？"], "截止到哪天？", "高校在试点中有哪些任务，截止到哪天？"),
    (["试点城市需要编制什么方案？"], "那截止日期呢？", "试点城市需要编制什么方案，截止日期？"),
    # a pronoun stands for the previous question's topic
    (["试点总结报告有哪些内容？"], "它的截止日期是哪天？", "试点总结报告的截止日期是哪天？"),
    (["试点城市的实施方案要在什么时候之前印发？"], "这个要报给谁？", "试点城市的实施方案要报给谁？"),
    # English
    (["What tasks do manufacturing companies have in the pilot?"], "What about universities?", "What tasks do universities have in the pilot?"),
    (["What support can manufacturers get?"], "And HR service agencies?", "What support can HR service agencies get?"),
    (["Can HR service agencies set up a postdoctoral workstation?"], "Universities too?", "Can universities set up a postdoctoral workstation?"),
    (["Who must issue the implementation plan?"], "When is it due?", "When is the implementation plan due?"),
    (["When is the summary report due?"], "Who is responsible?", "Who is responsible for the summary report?"),
    (["Who must issue the implementation plan?"], "What about the deadline?", "What is the deadline for the implementation plan?"),
    (["What must pilot cities submit?"], "When is it due?", "What must pilot cities submit; when is it due?"),
    # an English follow-up to a Chinese question: the glossary gives the policy term
    (["制造企业在试点中有哪些任务？"], "What about universities?", "高校在试点中有哪些任务？"),
    # traditional characters (and traditional history)
    (["製造企業在試點中有哪些任務？"], "那麼高校呢？", "高校在试点中有哪些任务？"),
    (["試點總結報告什麼時候要完成？"], "誰負責？", "试点总结报告谁负责？"),
    (["制造企业在试点中有哪些任务？"], "那科研院所呢?", "科研院所在试点中有哪些任务？"),
]

# (history, a question that must be searched exactly as typed)
STAND_ALONE = [
    # its own subject and predicate
    (["制造企业在试点中有哪些任务？"], "高校在试点中有哪些任务？"),
    (["制造企业在试点中有哪些任务？"], "那高校在试点中有哪些任务呢？"),
    (["制造企业在试点中有哪些任务？"], "试点城市需要具备哪些条件呢？"),
    (["制造企业在试点中有哪些任务？"], "跨企业培训中心由谁来建设？"),
    (["制造企业在试点中有哪些任务？"], "一共有几个试点城市"),
    (["试点城市需要具备哪些条件？"], "这个通知是哪天发布的"),
    (["试点城市需要具备哪些条件？"], "人力资源服务机构能设立博士后科研工作站吗？"),
    (["Which cities get priority for the pilot?"], "How long does the pilot last?"),
    # a pronoun after a clause of its own, or after words of its own, refers within the question
    (["制造企业在试点中有哪些任务？"], "人力公司要是泄露了我的信息，一般罚它多少钱？"),
    (["试点总结报告什么时候要完成？"], "市里搞这个得拉上哪些部门一块商量？"),
    # "it" is the train, named before it in the same question
    (["What support can manufacturers get?"], "What's the fastest train from Shanghai to Chengdu and how long does it take?"),
    (["Who is responsible for carrying out the pilot?"], "What is a recruitment consortium?"),
    # "those" before words of its own points at them, and "they" after a comma at those
    (["What support can manufacturers get?"], "If we join one of those joint research setups, what are they supposed to work on?"),
    (["試點城市需要具備哪些條件？"], "產業園要設立什麼招聘專區？"),
    # topic switches are not merged with the previous question
    (["试点城市需要具备哪些条件？"], "那工伤认定呢？"),
    (["制造企业在试点中有哪些任务？"], "失业保险金怎么领取？"),
    (["What tasks do manufacturers have?"], "Who won the 2022 World Cup?"),
    # a bare question that names its own topic (申报 is the application)
    (["制造企业在试点中有哪些任务？"], "申报截止日期是什么时候？"),
    # a pronoun that refers back within the same question
    (["制造企业在试点中有哪些任务？"], "导读里举了哪个城市做例子？它是怎么做的"),
    (["What support can manufacturers get?"], "Which city does the commentary cite, and what did it do?"),
    # not a question about anything
    (["制造企业在试点中有哪些任务？"], "谢谢"),
]


@pytest.mark.parametrize("history,question,expected", FOLLOW_UPS)
def test_follow_up_is_completed(history, question, expected):
    c = complete(question, history)
    assert c == Completion(question, expected, True, c.rule)
    assert c.rule  # the rule is shown to the user


@pytest.mark.parametrize("history,question", STAND_ALONE)
def test_stand_alone_question_is_never_rewritten(history, question):
    assert complete(question, history) == Completion(question, question, False)


def test_users_questions_are_never_rewritten():
    """Every question of our evaluation sets was written to stand alone: none may be completed.

    The held-out sets are measured, never fitted to, so they are left out here (heldout3's
    "搞这个得砸钱…" is completed after a question about a topic: a known limitation, README).
    """
    import json

    questions = {
        json.loads(line)["q"]
        for path in sorted((REPO_ROOT / "eval").glob("*.jsonl"))
        if not path.name.startswith("heldout")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert len(questions) > 200
    previous = ["制造企业在试点中有哪些任务？", "What support can manufacturers get?", "试点总结报告什么时候要完成？"]
    rewritten = [(q, p) for q in sorted(questions) for p in previous if complete(q, [p]).rewritten]
    assert rewritten == []


def test_without_history_nothing_changes():
    for q in ["那高校呢？", "谁负责？", "When is it due?", ""]:
        assert complete(q) == Completion(q, q, False)
        assert complete(q, ["", "   "]) == Completion(q, q, False)


def test_follow_up_after_a_declined_question_still_completes():
    # 失业保险金 is outside the documents: the engine declines the first question,
    # and the follow-up is still understood as the same question about another actor.
    c = complete("那人力资源服务机构呢？", ["制造企业可以领取失业保险金吗？"])
    assert c.rewritten and c.question == "人力资源服务机构可以领取失业保险金吗？"


def test_follow_up_after_a_topic_switch_uses_the_new_topic():
    history = ["制造企业在试点中有哪些任务？", "试点总结报告什么时候要完成？"]
    assert complete("谁负责？", history).question == "试点总结报告谁负责？"


def test_actor_without_counterpart_is_asked_of_the_previous_question():
    c = complete("那试点城市呢？", ["有没有金融方面的支持政策？"])
    assert c.question == "对于试点城市，有没有金融方面的支持政策？"


def test_actors_are_found_by_pattern():
    for phrase in ["高校", "科研院所", "制造企业", "人力资源服务机构", "省级人力资源社会保障部门", "试点城市",
                   "专精特新企业", "universities", "HR service agencies", "pilot cities"]:
        assert is_actor(phrase), phrase
    for phrase in ["跨企业培训中心", "实施方案", "截止日期", "创新联合体", "the deadline"]:
        assert not is_actor(phrase), phrase


def test_completion_never_exceeds_the_question_limit():
    long_previous = "制造企业" + "在试点中" * 120 + "有哪些任务？"
    c = complete("那高校呢？", [long_previous])
    assert len(c.question) <= 500


def test_completion_is_fast():
    import time

    started = time.perf_counter()
    for _ in range(200):
        complete("那高校呢？", ["制造企业在试点中有哪些任务？", "谁负责？"])
    assert (time.perf_counter() - started) / 200 < 0.005


# ---- the command line --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_env(fast_engine, fast_settings):
    return fast_settings


def ask(settings, *args):
    r = run_cli_over(settings, "ask", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cli_after_completes_and_reports_it(cli_env):
    out = ask(cli_env, "那高校呢？", "--after", "人力资源服务机构可以牵头组建哪些联合体？", "--json")
    data = json.loads(out)
    assert list(data) == ["question", "answerable", "answer", "dense", "citations", "timings_ms", "understood_as"]
    assert data["question"] == "那高校呢？"
    assert data["understood_as"] == "高校可以牵头组建哪些联合体？"

    text = ask(cli_env, "谁负责？", "--after", "制造企业在试点中有哪些任务？", "--after", "试点总结报告什么时候要完成？")
    assert text.startswith("问 谁负责？\n理解为 Understood as: 试点总结报告谁负责？\n答 ")


def test_cli_stand_alone_json_is_unchanged(cli_env):
    data = json.loads(ask(cli_env, "试点周期是几年？", "--after", "制造企业在试点中有哪些任务？", "--json"))
    assert list(data) == ["question", "answerable", "answer", "dense", "citations", "timings_ms"]
    assert data["question"] == "试点周期是几年？"


# ---- end to end, real model: the completed question finds the clause ----------------------


# (previous question, follow-up, text of the clause that answers the follow-up)
CONVERSATIONS = [
    ("试点总结报告什么时候要完成？", "谁负责？", "形成试点工作总结报告"),
    ("试点城市的实施方案要在什么时候之前印发？", "报给谁？", "实施方案报送省级有关部门备案"),
    ("人力资源服务机构可以牵头组建哪些联合体？", "那高校呢？", "高校及科研院所"),
    ("招聘用工联合体由谁组建？", "那创新联合体呢？", "创新联合体"),
    ("人力资源服务机构能设立博士后科研工作站吗？", "制造企业也可以吗？", "博士后"),
    ("申报材料要写哪些内容？", "截止到哪天？", "2025年7月18日前"),
    ("制造企业的人力资源工作人员可以评职称吗？", "那人力资源服务机构呢？", "职称"),
    ("Who must issue the implementation plan?", "When is it due?", "9月底前"),
    ("When is the summary report due?", "Who is responsible?", "总结报告"),
    ("試點總結報告什麼時候要完成？", "誰負責？", "形成试点工作总结报告"),
]


def test_completed_follow_ups_find_their_clause(engine):
    found, alone = 0, 0
    for previous, question, evidence in CONVERSATIONS:
        c = complete(question, [previous])
        assert c.rewritten, question
        answer = engine.ask(c.question, top_k=3)
        assert answer.answerable and any(evidence in h.text for h in answer.citations), (question, c.question)
        found += evidence in answer.citations[0].text
        lone = engine.ask(question, top_k=3)
        alone += lone.answerable and evidence in lone.citations[0].text
    print(f"evidence in the top clause: completed {found}/{len(CONVERSATIONS)}, asked alone {alone}/{len(CONVERSATIONS)}")
    assert found >= len(CONVERSATIONS) - 1 and alone < found


def test_completed_follow_up_retrieves_the_right_clause(engine):
    c = complete("谁负责？", ["试点总结报告什么时候要完成？"])
    answer = engine.ask(c.question)
    assert answer.answerable
    # 四、（四）进行试点总结: the pilot cities write the summary report.
    assert answer.citations[0].chunk_id == "notice:4.4"
    assert "试点城市" in answer.answer and "总结" in answer.answer
