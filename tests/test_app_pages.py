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
    assert "试点周期为2025至2027年" in text
    for area in ("机制", "政策", "载体", "场景", "园区"):
        assert f"{area}：" in text
    for kind in ("招聘用工联合体", "跨企业培训中心", "创新联合体"):
        assert kind in text
    for actor in ("四部门", "省级部门", "试点城市", "制造企业", "人力资源服务机构", "高校及科研院所"):
        assert actor in text
    # 39 cities is not in the notice: it carries its own source label.
    thirty_nine = [m.value for m in at.markdown if "39个试点城市" in m.value and "badge" in m.value]
    assert thirty_nine and all("非通知原文" in v for v in thirty_nine)
    assert any(":orange-badge[媒体解读]" in v for v in thirty_nine)
    assert len(at.page_link) >= 30  # one source link per statement


def test_timeline_renders_every_step_with_status_and_source(fast_app_env):
    at = open_app(TIMELINE)
    text = markdown_text(at)
    for date in ("2025-07-18", "2025-09-30", "2026-01-01 — 2027-12-31", "2027-12-31"):
        assert date in text
    assert "今天 Today: 2026-11-25" in text
    assert "已过 Past" in text and "进行中 Current" in text and "未开始 Upcoming" in text
    assert "此时间仅见于媒体解读" in text  # 2026–2027 implementation comes from commentary
    assert at.get("vega_lite_chart")
    assert any(b.label.startswith("下载日历") for b in at.get("download_button"))


def test_selfcheck_lists_measures_with_citations_for_a_role(fast_app_env):
    at = open_app(SELFCHECK)
    assert any("请先选择身份" in i.body for i in at.info)
    at.radio(key="sc_role").set_value("manufacturer").run()
    assert not at.exception
    text = markdown_text(at)
    assert "可享受的支持措施" in text and "组建招聘用工联合体" in text
    assert ":blue-badge[通知原文]" in text and ":green-badge[官方解读]" in text
    assert "仅限试点城市" in text
    assert any(b.label.startswith("下载报告 PDF") for b in at.get("download_button"))

    at.radio(key="sc_pilot").set_value("no").run()
    text = markdown_text(at)
    assert "仅在试点城市实施，而你所在城市不是试点城市" in text


def test_selfcheck_city_staff_see_obligations_and_deadlines(fast_app_env):
    at = open_app(SELFCHECK)
    at.radio(key="sc_role").set_value("city").run()
    at.radio(key="sc_pilot").set_value("yes").run()
    text = markdown_text(at)
    assert "编制并印发试点实施方案" in text and "截止 2025-09-30 已过" in text
    assert "省级人力资源社会保障部门" in text


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
