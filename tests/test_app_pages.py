"""Overview, Timeline, Self-check and Documents pages through AppTest, with the engine over the hashing test embedder."""

from __future__ import annotations

from tests._app import fast_app_env, markdown_text, open_app  # noqa: F401

OVERVIEW = "ui/pages/overview.py"
TIMELINE = "ui/pages/timeline.py"
SELFCHECK = "ui/pages/selfcheck.py"
DOCUMENTS = "ui/pages/documents.py"


def test_overview_cites_every_statement_and_labels_commentary(fast_app_env):
    at = open_app(OVERVIEW)
    text = markdown_text(at)
    assert "试点周期为2025至2027年，原则上以地级及以上城市为单位开展" in text
    for area in ("机制", "政策", "载体", "场景", "园区"):
        assert f"{area}：" in text
    for kind in ("招聘用工联合体", "跨企业培训中心", "创新联合体"):
        assert kind in text
    for actor in ("四部门", "省级部门", "城市", "制造企业", "人力资源服务机构", "高校及科研院所", "劳动者"):
        assert actor in text
    # 39 vs 30个左右: one statement, marked, with the notice, the interpretation and the commentary.
    cities = [m.value for m in at.markdown if "39" in m.value and "30个左右" in m.value]
    assert cities and "文件不一致" in cities[0]
    assert ":blue-badge[通知原文]" in text and ":green-badge[政策解读]" in text and ":orange-badge[媒体解读]" in text
    assert "非通知原文，仅见于政策解读" in text
    # Conditions and verbs are visible; nothing is offered as a benefit to enjoy.
    assert "**条件 Condition：** 限试点城市" in text
    assert "制造企业：限条款点名的企业类型（原文：大型企业集团、产业链龙头企业）" in text
    assert ":violet-badge[原文用词：推动]" in text and ":violet-badge[原文用词：支持]" in text
    assert "可享受" not in text
    for heading in ("你可以利用的支持措施", "政府部门将推动的事项", "你需要履行的职责"):
        assert heading in text
    assert len(at.page_link) >= 60  # a source link for every statement and every source


def test_timeline_draws_official_commentary_and_undated_steps_apart(fast_app_env):
    at = open_app(TIMELINE)
    text = markdown_text(at)
    for date in ("2025-07-18", "2025-09-30", "2025-05-16 — 2027-12-31", "2026-01-01 — 2027-12-31", "2027-12-31"):
        assert date in text
    assert "2025-01-01" not in text  # the period is never drawn before the notice
    assert "今天 Today: 2026-11-25" in text
    assert "已过 Past" in text and "进行中 Current" in text and "未开始 Upcoming" in text
    assert "日期不见于通知原文" in text and "仅见于媒体解读" in text
    # The selection step: no date in the notice, 问4's conflicting one shown beside it, not on the axis.
    assert "无确定日期或文件说法矛盾" in text and "未定日期 Undated" in text
    assert "2025年7月前完成" in text and "文件不一致" in text
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "Not in the notice" in spec and "专家评审" not in spec
    assert any(b.label.startswith("下载日历") for b in at.get("download_button"))


def _choose(at, role: str, **answers):
    at.radio(key="sc_role").set_value(role).run()
    for condition, answer in answers.items():
        at.radio(key=f"sc_{condition}").set_value(answer).run()
    assert not at.exception, [e.value for e in at.exception]
    return markdown_text(at)


def test_selfcheck_manufacturer_sees_three_kinds_with_conditions_and_verbs(fast_app_env):
    at = open_app(SELFCHECK)
    assert any("请先选择身份" in i.body for i in at.info)
    text = _choose(at, "manufacturer")
    for heading in ("你可以利用的支持措施", "政府部门将推动的事项", "你需要履行的职责", "联系谁"):
        assert heading in text
    assert "可享受" not in text
    assert "支持人力资源服务机构联合产业链上下游企业等组建招聘用工联合体" in text
    assert "试点城市推动将符合条件的项目列入现有专项资金扶持范围" in text and "原文用词：推动" in text
    assert "**条件 Condition：** 限试点城市" in text
    assert "没有列出试点城市名单" in text and "综合考虑不同区域、发展水平、产业特点以及工作基础等因素" in text
    assert "谁来做 Who acts" in text
    assert ":blue-badge[通知原文]" in text and ":green-badge[政策解读]" in text
    assert any(b.label.startswith("下载报告 PDF") for b in at.get("download_button"))
    assert {r.key for r in at.radio} >= {"sc_pilot_city", "sc_leading_firm"}

    text = _choose(at, "manufacturer", pilot_city="no")
    assert "仅在试点城市实施" not in text
    assert "自行开展创新探索" in text and "人力资源社会保障厅" in text  # pointer and contact


def test_selfcheck_city_staff_see_duties_deadlines_and_closed_rounds(fast_app_env):
    at = open_app(SELFCHECK)
    text = _choose(at, "city", pilot_city="yes")
    assert "试点城市负责编制并印发试点实施方案" in text and "截止 2025-09-30 已过" in text
    for task in ("推动将符合条件的项目列入有关专项资金扶持范围", "鼓励设立产业基金", "支持组建三类联合体",
                 "招聘服务专区", "出口基地", "数据共享", "加大宣传力度", "联席会议", "政府引导、企业主导"):
        assert task in text, task
    assert "省级人力资源社会保障部门" in text

    text = _choose(at, "city", pilot_city="no")
    assert any(e.label.startswith("已结束的事项 Closed") for e in at.expander)
    assert "有意愿承担试点任务的城市可编制试点申报材料" in text
    assert "你需要履行的职责 What you must do (0)" in text  # applying was voluntary; the 5.x duties are the pilot cities'
    assert "通知支持各地在试点范围之外" in text


def test_deep_link_opens_and_highlights_the_clause(fast_app_env):
    at = open_app(DOCUMENTS, query={"chunk": "notice:4.2"})
    text = markdown_text(at)
    assert "已定位条款 Opened clause" in text
    assert "试点城市负责编制人力资源服务业与制造业融合发展试点实施方案" in text
    assert '<mark class="pqa-mark">（二）制定实施方案' in text


def test_documents_search_and_unknown_clause(fast_app_env):
    at = open_app(DOCUMENTS, query={"chunk": "no-such-clause"})
    assert any("未找到条款" in w.body for w in at.warning)
    at.text_input(key="doc_q").input("包容审慎").run()
    text = markdown_text(at)
    assert '<mark class="pqa-mark">包容审慎</mark>' in text
