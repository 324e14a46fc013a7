"""The search stages on their own: asked kinds, the lexicon bridge, fusion (no model needed)."""

from __future__ import annotations

import pytest

from retrieval.asked import (
    Asked,
    asked,
    english_focus,
    gives,
    must_state,
    names_kind,
    states,
)
from retrieval.fusion import FusionConfig, diversify, fuse, rank
from retrieval.lexical import LexicalIndex
from retrieval.retrievers import Candidates, LexicalRetriever
from retrieval.terms import TermBridge, english_forms


def test_asked_kinds_in_both_languages():
    assert asked("人力资源服务产业园的租金是多少？") is Asked.AMOUNT
    assert asked("补贴标准是多少？") is Asked.MONEY
    assert asked("How much subsidy do we get per worker?") is Asked.MONEY
    assert asked("最终确定了多少个试点城市？") is Asked.COUNT
    assert asked("When must pilot cities issue their plans?") is Asked.DATE
    assert asked("专家评审由谁组织") is Asked.BODY
    assert asked("试点有哪些主要任务？") is Asked.OTHER
    assert asked("这份通知的发文字号是多少？") is Asked.REFERENCE


def test_only_questions_whose_answer_is_a_figure_must_get_one():
    assert must_state(Asked.MONEY, "补贴标准是多少？")
    assert must_state(Asked.COUNT, "每个城市最多推荐多少家企业？")
    # "几家" is also "a few"; "哪几类" asks for a list.
    assert not must_state(asked("人力公司拉着上下游几家厂子一起招工，这叫啥？"), "人力公司拉着上下游几家厂子一起招工，这叫啥？")
    assert not must_state(Asked.COUNT, "完善政策体系时需要统筹哪几类扶持政策？")
    assert gives(Asked.COUNT, "最终确定了多少个试点城市？", "最终确定了39个试点城市")
    assert not gives(Asked.COUNT, "全国有多少家机构？", "试点周期为2025至2027年")
    assert gives(Asked.COUNT, "每年服务多少家企业？", "每年为不少于二百家制造业企业提供服务")
    # People are counted in 名 and 位 as well as 人.
    assert gives(Asked.COUNT, "至少要有多少人？", "有三名以上具备相应职业资格的专职工作人员")


def test_question_forms_that_ask_for_a_figure():
    assert asked("省级财政每年给每个城市拨多少专项资金？") is Asked.MONEY
    assert must_state(asked("单笔贷款最高能贷多少？要什么条件？"), "单笔贷款最高能贷多少？要什么条件？")
    assert must_state(Asked.COUNT, "许可证有效期几年？") and not must_state(Asked.COUNT, "近几年发展得怎么样？")
    # An item's own number is not a figure it states.
    assert not states(Asked.AMOUNT, "2.强化金融支持。") and states(Asked.AMOUNT, "贷款额度不超过500万元")
    assert not gives(Asked.COUNT, "有效期几年？", "3.完善许可制度。")
    # A year is a date, not an amount; a rate in 个点 is asked as money; a bound asks for a number.
    assert not states(Asked.AMOUNT, "2025年9月底前印发") and states(Asked.AMOUNT, "不少于200家")
    assert asked("企业所得税能降到几个点？") is Asked.MONEY
    assert must_state(Asked.COUNT, "每个省最多能往上推几个城市？") and not must_state(Asked.COUNT, "上下游几家厂子一起招工")


def test_contact_details_must_be_stated_to_be_answered():
    question = "What's the phone number or email for questions about the pilot scheme?"
    assert asked(question) is Asked.CONTACT and asked("试点申报材料要在哪个网站上提交？") is Asked.CONTACT
    assert must_state(Asked.CONTACT, question)
    assert not must_state(Asked.CONTACT, "服务场所要不要公示监督电话？")  # whether, not which number
    assert not gives(Asked.CONTACT, question, "在服务场所明示监督电话")
    assert gives(Asked.CONTACT, question, "咨询电话：010-84201234")
    assert gives(Asked.CONTACT, question, "请登录 www.mohrss.gov.cn 查询")


def test_a_period_answers_how_long():
    question = "How long does an agency have to report a change of address?"
    assert asked(question) is Asked.DATE
    assert gives(Asked.DATE, question, "应当自登记之日起十五日内书面报告")
    assert gives(Asked.DATE, "多久给答复？", "自收到申请之日起二十个工作日内作出决定")
    assert not gives(Asked.DATE, question, "书面报告人力资源社会保障行政部门")


def test_states_finds_values_of_the_asked_kind():
    assert states(Asked.MONEY, "每人补贴500元")
    assert not states(Asked.MONEY, "鼓励设立产业基金，综合利用一揽子金融工具")
    assert states(Asked.DATE, "于2025年9月底前印发")
    assert states(Asked.COUNT, "确定30个左右试点城市")
    assert states(Asked.REFERENCE, "人社部发〔2025〕27号") and not states(Asked.REFERENCE, "2025年5月16日")
    # The number of a document cited by title is not the text's own number.
    assert not states(Asked.REFERENCE, "按照《关于加强人力资源服务助力制造业高质量发展的意见》（人社部发〔2024〕86号）部署")


def test_bridge_maps_users_words_only_onto_the_corpus_vocabulary():
    vocab = {"高校", "资金", "任务", "试点", "专利", "数据", "共享"}
    bridge = TermBridge.for_vocabulary(vocab)
    assert "高校" in bridge.chinese("大学")  # 词林: 大学 = 高校
    found = dict(bridge.english(["universities", "funding", "patents", "rent"]))
    assert found["universities"] == ("高校",)
    assert "资金" in found["funding"]
    assert found["patents"] == ("专利",)
    assert found["rent"] == ()  # a word the corpus has no translation for


def test_a_spoken_level_of_government_is_the_corpus_level():
    bridge = TermBridge.for_vocabulary({"省级", "市级", "企业"})
    assert bridge.level("省里") == ("省级",) and bridge.level("市里") == ("市级",)
    assert bridge.level("厂里") == () and "省级" in bridge.chinese("省里")


@pytest.mark.parametrize(
    "question, focus",
    [
        ("What rent do HR service agencies pay in the park?", "rent"),
        ("What's the application fee a city has to pay?", "fee"),
        ("What is the rent in the park?", "rent"),
        ("Which older rule does this notice follow?", "rule"),
        ("What kinds of support are there?", "support"),
        # a participle before a noun modifies it: the noun is the head
        ("What kinds of shady hiring practices does the notice say they will crack down on?", "practices"),
        # A participle closes the noun phrase; the head noun is what is asked about.
        ("Once the pilot is running, what is the provincial government expected to do?", "government"),
        ("What is the pilot meant to produce by the end?", "pilot"),  # an irregular participle too
        ("What is required of cities?", None),
        # A word the dictionary only ever uses as a verb is the noun's verb, not part of the phrase.
        ("Which cities qualify for priority support?", "cities"),
        # …but a verb that is a noun too stays in it ("pay", "plan").
        ("What's the typical monthly pay for an HR consultant?", "pay"),
        # "what" as the subject of a verb asks for no noun
        ("After the pilot ends, what happens to the policies that worked?", None),
        ("If a city finds something that works, what's supposed to happen with it?", None),
        ("Who runs the pilot?", None),
        # "Is there X?" asks for X as "What X" does.
        ("Is there an application fee?", "fee"),
        ("Are there any tax breaks for HR firms?", "breaks"),
        ("Is there going to be a PR push to get the word out?", "push"),
        # Without "what / which / is there" no noun is the thing asked for: the object of "need" or
        # "get" is too often the documents' idea in other words ("need a partner", "get a zone").
        ("Do recruitment agencies need a special licence to take part?", None),
    ],
)
def test_the_thing_an_english_question_asks_for(question, focus):
    assert english_focus(question) == focus


def test_a_money_noun_asked_for_asks_for_money():
    assert asked("What corporate income tax rate do HR firms pay?") is Asked.MONEY
    assert asked("What's the application fee a city has to pay?") is Asked.MONEY
    assert asked("What fee waivers are there for agencies?") is not Asked.MONEY  # the head is "waivers"


def test_a_word_naming_the_asked_value_is_not_a_topic():
    """"deadline", "timeline", "duration" name a date or period: what a clause must state, not what it is about."""
    for q, word in (
        ("What is the deadline for provinces to recommend cities?", "deadline"),
        ("What's the timeline for the pilot?", "timeline"),
        ("What is the duration of the pilot?", "duration"),
        ("What's the cut-off for our bid?", "cut-off"),
        ("What are the key milestones?", "milestones"),
    ):
        kind = asked(q)
        assert kind is Asked.DATE and names_kind(word, kind), q
    # "cap" names a figure: "Is there a cap on the interest subsidy?" is answered by a clause stating one.
    q = "Is there a cap on the interest subsidy for bank loans?"
    assert asked(q) is Asked.AMOUNT and names_kind("cap", asked(q))
    assert not names_kind("fee", asked("What's the application fee a city has to pay?"))
    assert not names_kind("rent", asked("What is the rent in the park?"))


def test_the_thing_a_chinese_question_asks_for():
    from retrieval.asked import chinese_focus

    assert chinese_focus("各项指标的评分权重分别是多少？", ("权重",)) == "权重"
    assert chinese_focus("评分标准是怎么定的？", ("评分标准",)) == "评分标准"
    assert chinese_focus("申报书有没有统一的模板？", ("模板",)) == "模板"
    # A word the question mentions on the way is not what it asks for.
    assert chinese_focus("申报书用统一模板的话，截止时间是哪天？", ("模板",)) is None
    # A word naming a kind of value asks for that value: a clause must state it (asked.must_state).
    assert chinese_focus("实施方案的印发期限是什么时候？", ("期限",)) is None
    assert chinese_focus("最初计划的试点城市数量是多少？", ("数量",)) is None


def test_a_penalty_asked_for_must_be_stated():
    """"会不会被取消资格", "What is the fine for…": only a clause that lays down a penalty answers."""
    for q in ("考核不过关的试点城市会被取消试点资格吗？", "不按时报送总结要受什么处分？", "What penalty does a city face for a late plan?",
              "Is there a fine for agencies that post fake ads?"):
        kind = asked(q)
        assert kind is Asked.SANCTION and must_state(kind, q), q
    q = "考核不过关的试点城市会被取消试点资格吗？"
    assert not gives(Asked.SANCTION, q, "省级有关部门加强业务指导和跟踪评估。")
    assert gives(Asked.SANCTION, q, "由人力资源社会保障行政部门责令改正，处一万元以上五万元以下的罚款。")
    # A fine in yuan is asked as money; "fine" as an adjective asks for nothing.
    assert asked("虚假招聘要罚款多少钱？") is Asked.MONEY
    assert asked("Is it fine for a county to apply?") is not Asked.SANCTION


def test_a_list_of_names_is_asked_for_only_when_requested():
    for q in ("最终确定的39个试点城市具体是哪些城市？能给个完整名单吗？", "名单里有没有无锡？", "Can you give me the list of the pilot cities?"):
        assert asked(q) is Asked.NAMES and must_state(Asked.NAMES, q), q
    # 名单 as context of a rule question, or of a date question, asks for no names.
    q = "没进名单的城市，能不能自己围绕优势产业搞创新探索？"
    assert not must_state(asked(q), q)
    assert asked("试点城市名单什么时候公布？") is Asked.DATE
    assert states(Asked.NAMES, "首批试点包括苏州市、无锡市、常州市等")
    assert not states(Asked.NAMES, "从已公布的试点名单看，39个试点城市基本覆盖长三角、珠三角、京津冀")
    assert not states(Asked.NAMES, "优先支持自贸区、经开区、高新区等国家级产业园区所在城市")


def test_a_cited_documents_title_and_number_are_not_this_documents():
    from retrieval.answer import _as_matched

    sentence = "按照人力资源社会保障部等5部门《关于加强人力资源服务助力制造业高质量发展的意见》（人社部发〔2024〕86号）部署"
    matched = _as_matched(sentence, "《关于开展人力资源服务业与制造业融合发展试点工作的通知》")
    assert "2024" not in matched and "意见" not in matched and "部署" in matched


def test_more_forms_that_ask_for_money():
    for q in ("一个展位要交多少费用？", "产业基金规模有多大？", "办这个要花多少？"):
        assert asked(q) is Asked.MONEY, q


def test_is_there_a_contact_asks_for_it_but_must_one_be_published_does_not():
    for q in ("Is there a hotline number or email address for questions?", "有没有咨询电话？", "监督电话是多少？"):
        assert must_state(asked(q), q), q
    for q in ("要不要公示监督电话？", "也必须公示收费标准和监督电话吗？", "Do agencies have to publish a complaints hotline?"):
        assert not must_state(asked(q), q), q


def test_verbs_weigh_less_than_nouns_in_an_english_question():
    from retrieval.terms import is_mostly_verb

    assert all(is_mostly_verb(w) for w in ("send", "allowed", "apply", "get"))
    assert not any(is_mostly_verb(w) for w in ("factory", "land", "host", "postdoc", "hr service"))


def test_an_abbreviation_is_searched_by_the_corpus_full_name():
    bridge = TermBridge.for_vocabulary({"人力资源社会保障部", "人力资源社会保障部门", "地级及以上城市", "试点城市", "人社部"})
    assert bridge.expansions("人社部") == ("人力资源社会保障部",)
    assert bridge.expansions("人社部门") == ("人力资源社会保障部门",)
    assert bridge.expansions("地级市") == ("地级及以上城市",)
    # A word the longer term holds whole is a part of it, not its abbreviation; two characters say too little.
    assert bridge.expansions("试点") == () and bridge.expansions("城市") == ()
    assert bridge.expansions("工信部") == ()  # its full name is not in this vocabulary


def test_a_spoken_word_reaches_the_corpus_term_the_dictionary_translates_the_same():
    bridge = TermBridge.for_vocabulary({"劳动者", "会商", "人力资源", "给予", "试点"})
    assert "劳动者" in bridge.same_gloss("工人")  # both "worker"
    assert "会商" in bridge.chinese("商量") and "人力资源" in bridge.chinese("人事")
    assert "会商" not in bridge.chinese("商量", translated=False)
    # one character has too many senses; a word the corpus uses needs no bridge
    assert bridge.same_gloss("给") == () and bridge.same_gloss("试点") == ()


def test_spoken_fragments_are_not_taken_for_words():
    from retrieval.lexical import ChineseTokenizer

    words = [w for w, _ in ChineseTokenizer().content_words("咱市想报名，那报上去的材料得写哪几块儿？咱能学点啥")]
    assert "市想" not in words and "能学" not in words and "儿" not in words
    assert "材料" in words and "报名" in words


def test_parts_of_a_word_the_corpus_lacks():
    bridge = TermBridge.for_vocabulary({"职称", "地级", "个人", "试点"})
    assert bridge.parts("评职称") == ("职称",) and bridge.parts("地级市") == ("地级",)
    assert bridge.parts("个人所得税") == () and bridge.parts("试点") == ()


def test_an_english_word_counts_once_whatever_number_of_translations():
    """"land" → 土地 / 用地 / 落地 must not outweigh a word with one translation."""
    docs = [["土地", "用地", "落地"], ["招聘", "机构"], ["其他"]]
    store = LexicalIndex.build(docs)
    retriever = LexicalRetriever(store)
    summed = retriever.run(("土地", "用地", "落地", "招聘"))
    grouped = retriever.run(("土地", "用地", "落地", "招聘"), groups=(("土地", "用地", "落地"), ("招聘",)))
    assert summed.order[0] == 0  # three senses summed win
    assert grouped.order[0] == 1  # as one word each, the rarer single translation ties or wins
    assert grouped.scores[0] == pytest.approx(sum(store.scores([t])[0] for t in docs[0]) / 3)


def test_bridge_finds_phrases_whose_first_word_is_a_stopword():
    """"take effect" is a gloss of 施行, though "take" alone is a stopword and no content word."""
    bridge = TermBridge.for_vocabulary({"施行", "条例", "作用"})
    found = dict(bridge.english(["regulation", "take", "effect"], is_content=lambda w: w != "take"))
    assert found["take effect"] == ("施行",)
    assert "条例" in found["regulation"]
    assert "take" not in found


def test_british_spellings_and_hyphens_reach_the_lexicon():
    from retrieval.lexical import Glossary

    assert "program" in english_forms("programme") and "license" in english_forms("licence")
    assert "recognize" in english_forms("recognised") and "center" in english_forms("centre")
    glossary = Glossary.default()
    assert glossary.phrases("Is a free-trade zone a plus?") == ["free trade zone"]
    assert glossary.translate("high tech zones") == glossary.translate("high-tech zones") == "高新区"
    # "HR" alone is the documents' 人力资源, as "HR agency" is their 人力资源服务机构.
    assert glossary.translate("Can we outsource HR paperwork?") == "人力资源"
    assert glossary.translate("HR agencies") == "人力资源服务机构"


def test_adverbs_of_dictionary_words_are_recognised():
    from retrieval.terms import is_adverb_of

    assert is_adverb_of("roughly") and is_adverb_of("originally") and is_adverb_of("ultimately")
    assert not is_adverb_of("apply") and not is_adverb_of("family") and not is_adverb_of("only")


def test_english_forms_fold_plurals_and_verb_endings():
    assert english_forms("universities")[0] == "university"
    # a Latin plural, a noun of quality: their singular and adjective are the dictionary's words
    assert "criterion" in english_forms("criteria") and "eligible" in english_forms("eligibility")
    assert "regulation" in english_forms("regulatory")
    assert "work" in english_forms("worked")
    assert "run" in english_forms("running")


def test_fuse_is_score_fusion_with_priors():
    dense = Candidates.of({0: 0.9, 1: 0.8, 2: 0.7})
    lexical = Candidates.of({1: 10.0, 2: 5.0})
    fused = fuse(dense, lexical, {2: 0.6}, FusionConfig())
    assert fused[0] == 0.5  # best dense, no BM25
    assert fused[1] == pytest.approx(0.25 + 0.5)  # middle dense, best BM25
    assert fused[2] == pytest.approx(0.0 + 0.25 + 0.6)
    assert rank(fused) == [2, 1, 0]  # the prior decides
    assert fuse(None, lexical) == {1: 1.0, 2: 0.5}  # lexical only


def test_rrf_fusion_counts_ranks():
    fused = fuse(Candidates.of({0: 0.9, 1: 0.1}), Candidates.of({1: 3.0}), None, FusionConfig(method="rrf", rrf_k=10))
    assert fused[1] > fused[0]


def test_a_restatement_of_a_cited_clause_gives_way_to_another_fact():
    import numpy as np

    def unit(*v):
        a = np.array(v, dtype=np.float32)
        return a / np.linalg.norm(a)

    # row 10 is cited first; row 11 restates it (cosine ≈ 0.99), row 12 says something else
    vectors = np.stack([unit(1, 0, 0), unit(1, 0.1, 0), unit(0.8, 0, 0.6)])
    fused = {10: 0.9, 11: 0.85, 12: 0.8}
    assert diversify([10, 11, 12], fused, vectors, 3) == [10, 12, 11]
    assert diversify([10, 11, 12], fused, vectors, 1) == [10]  # the first citation never changes
    # clauses on one topic that are merely alike (cosine 0.8, under the duplicate line) keep their order
    alike = np.stack([unit(1, 0, 0), unit(0.8, 0.6, 0), unit(0.8, 0, 0.6)])
    assert diversify([10, 11, 12], fused, alike, 3) == [10, 11, 12]
    assert diversify([10, 11, 12], fused, vectors, 3, FusionConfig(diversity_weight=0)) == [10, 11, 12]

