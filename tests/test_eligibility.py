"""The Self-check rules (ui/eligibility.py) over the real knowledge file: what each reader is shown.

EXPECTED pins, for every role × answer to "is your city a pilot city?", which items are shown
under each kind. It was written by reading the notice clause by clause; change it only together
with the clause that justifies the change.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ui import knowledge as kn
from ui.eligibility import Profile, evaluate, questions, verdict

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def knowledge() -> kn.Knowledge:
    return kn.load()


EXPECTED = {
    ('manufacturer', 'yes'): {
        'support': {'innovation_consortium', 'labour_guidance', 'land', 'major_platforms', 'outsourcing', 'patent_sharing', 'recruit_consortium', 'retraining', 'titles', 'training_center'},
        'government': {'export_base', 'finance', 'invest_loan', 'lawful_hiring', 'park_cooperation', 'prudent_supervision', 'recruiting_zone', 'service_lines', 'special_funds', 'typical_projects', 'worker_rights'},
        'obligation': {'enterprise_role'},
        'contact': {'contact_city'},
        'closed': set(),
    },
    ('manufacturer', 'no'): {
        'support': set(),
        'government': {'lawful_hiring', 'prudent_supervision', 'self_explore_enterprise', 'typical_projects', 'worker_rights'},
        'obligation': set(),
        'contact': {'contact_local'},
        'closed': set(),
    },
    ('manufacturer', 'unsure'): {
        'support': {'innovation_consortium', 'labour_guidance', 'land', 'major_platforms', 'outsourcing', 'patent_sharing', 'recruit_consortium', 'retraining', 'titles', 'training_center'},
        'government': {'export_base', 'finance', 'invest_loan', 'lawful_hiring', 'park_cooperation', 'prudent_supervision', 'recruiting_zone', 'self_explore_enterprise', 'service_lines', 'special_funds', 'typical_projects', 'worker_rights'},
        'obligation': {'enterprise_role'},
        'contact': {'contact_city', 'contact_local'},
        'closed': set(),
    },
    ('hr_agency', 'yes'): {
        'support': {'ai_products', 'innovation_consortium', 'labour_guidance', 'major_platforms', 'outsourcing', 'patent_sharing', 'postdoc', 'recruit_consortium', 'retraining', 'tech_enterprise', 'training_center'},
        'government': {'export_base', 'finance', 'invest_loan', 'lawful_hiring', 'park_cooperation', 'prudent_supervision', 'recruiting_zone', 'service_lines', 'special_funds', 'standards', 'typical_projects', 'worker_rights'},
        'obligation': {'enterprise_role'},
        'contact': {'contact_city'},
        'closed': set(),
    },
    ('hr_agency', 'no'): {
        'support': set(),
        'government': {'lawful_hiring', 'prudent_supervision', 'self_explore_enterprise', 'standards', 'typical_projects', 'worker_rights'},
        'obligation': set(),
        'contact': {'contact_local'},
        'closed': set(),
    },
    ('hr_agency', 'unsure'): {
        'support': {'ai_products', 'innovation_consortium', 'labour_guidance', 'major_platforms', 'outsourcing', 'patent_sharing', 'postdoc', 'recruit_consortium', 'retraining', 'tech_enterprise', 'training_center'},
        'government': {'export_base', 'finance', 'invest_loan', 'lawful_hiring', 'park_cooperation', 'prudent_supervision', 'recruiting_zone', 'self_explore_enterprise', 'service_lines', 'special_funds', 'standards', 'typical_projects', 'worker_rights'},
        'obligation': {'enterprise_role'},
        'contact': {'contact_city', 'contact_local'},
        'closed': set(),
    },
    ('university', 'yes'): {
        'support': {'innovation_consortium', 'patent_sharing'},
        'government': set(),
        'obligation': {'university_role'},
        'contact': {'contact_city'},
        'closed': set(),
    },
    ('university', 'no'): {
        'support': set(),
        'government': {'self_explore_enterprise'},
        'obligation': set(),
        'contact': {'contact_local'},
        'closed': set(),
    },
    ('university', 'unsure'): {
        'support': {'innovation_consortium', 'patent_sharing'},
        'government': {'self_explore_enterprise'},
        'obligation': {'university_role'},
        'contact': {'contact_city', 'contact_local'},
        'closed': set(),
    },
    ('city', 'yes'): {
        'support': set(),
        'government': {'typical_projects'},
        'obligation': {'city_consortia', 'city_export_base', 'city_finance', 'city_market_mechanism', 'city_mechanism', 'city_parks', 'city_plan', 'city_platforms', 'city_policy_tools', 'city_progress', 'city_public_service', 'city_responsible', 'city_scenarios', 'city_special_funds', 'city_statistics', 'city_summary', 'leadership', 'market_reform', 'publicity', 'supervision'},
        'contact': {'contact_province'},
        'closed': set(),
    },
    ('city', 'no'): {
        'support': {'city_self_explore'},
        'government': {'typical_projects'},
        'obligation': set(),
        'contact': {'contact_local', 'contact_province'},
        'closed': {'city_apply', 'city_park_priority'},
    },
    ('city', 'unsure'): {
        'support': {'city_self_explore'},
        'government': {'typical_projects'},
        'obligation': {'city_consortia', 'city_export_base', 'city_finance', 'city_market_mechanism', 'city_mechanism', 'city_parks', 'city_plan', 'city_platforms', 'city_policy_tools', 'city_progress', 'city_public_service', 'city_responsible', 'city_scenarios', 'city_special_funds', 'city_statistics', 'city_summary', 'leadership', 'market_reform', 'publicity', 'supervision'},
        'contact': {'contact_local', 'contact_province'},
        'closed': {'city_apply', 'city_park_priority'},
    },
    ('province', 'yes'): {
        'support': set(),
        'government': {'typical_projects'},
        'obligation': {'leadership', 'market_reform', 'province_filing', 'province_guidance', 'province_promote', 'province_reports', 'province_tracking', 'publicity', 'supervision'},
        'contact': {'contact_ministry'},
        'closed': {'province_recommend'},
    },
    ('province', 'no'): {
        'support': set(),
        'government': {'typical_projects'},
        'obligation': {'leadership', 'market_reform', 'province_filing', 'province_guidance', 'province_promote', 'province_reports', 'province_tracking', 'publicity', 'supervision'},
        'contact': {'contact_ministry'},
        'closed': {'province_recommend'},
    },
    ('province', 'unsure'): {
        'support': set(),
        'government': {'typical_projects'},
        'obligation': {'leadership', 'market_reform', 'province_filing', 'province_guidance', 'province_promote', 'province_reports', 'province_tracking', 'publicity', 'supervision'},
        'contact': {'contact_ministry'},
        'closed': {'province_recommend'},
    },
    ('worker', 'yes'): {
        'support': set(),
        'government': {'lawful_hiring', 'recruiting_zone', 'retraining_for_workers', 'worker_groups', 'worker_rights'},
        'obligation': set(),
        'contact': {'contact_city'},
        'closed': set(),
    },
    ('worker', 'no'): {
        'support': set(),
        'government': {'lawful_hiring', 'self_explore_enterprise', 'worker_groups', 'worker_rights'},
        'obligation': set(),
        'contact': {'contact_local'},
        'closed': set(),
    },
    ('worker', 'unsure'): {
        'support': set(),
        'government': {'lawful_hiring', 'recruiting_zone', 'retraining_for_workers', 'self_explore_enterprise', 'worker_groups', 'worker_rights'},
        'obligation': set(),
        'contact': {'contact_city', 'contact_local'},
        'closed': set(),
    },
}


@pytest.mark.parametrize("role,pilot", sorted(EXPECTED))
def test_what_each_reader_is_shown(knowledge, role, pilot):
    result = evaluate(knowledge, Profile(role, pilot), TODAY)
    shown = {kind: {o.item.id for o in result.of_kind(kind)} for kind in kn.KINDS}
    shown["closed"] = {o.item.id for o in result.closed}
    assert shown == EXPECTED[(role, pilot)]
    # Everything for this role is shown, closed or excluded with a reason: nothing silently dropped.
    accounted = set().union(*shown.values()) | {o.item.id for o in result.excluded_by_facts}
    assert accounted == {i.id for i in knowledge.items_for(role)}
    assert all(o.reason for o in result.excluded_by_facts)


def test_every_role_and_answer_is_pinned(knowledge):
    assert set(EXPECTED) == {(r.id, a) for r in knowledge.roles for a in ("yes", "no", "unsure")}


def test_outside_the_pilot_the_reason_is_what_the_text_says(knowledge):
    for role in ("manufacturer", "hr_agency", "university", "worker", "city"):
        result = evaluate(knowledge, Profile(role, "no"), TODAY)
        reasons = [o.reason for o in result.excluded_by_facts]
        assert reasons and not any("仅在试点城市实施" in r for r in reasons)
        assert any("试点范围之外" in r and "自行开展创新探索" in r for r in reasons), role
        # A pointer (3.1) and someone to ask.
        shown = {o.item.id for o in result.applies}
        assert shown & {"self_explore_enterprise", "city_self_explore"}, role
        assert "contact_local" in shown, role


def test_pilot_status_is_checked_locally_with_the_selection_factors(knowledge):
    status = knowledge.pilot_status
    assert status.quote == "综合考虑不同区域、发展水平、产业特点以及工作基础等因素"
    assert "没有列出试点城市名单" in status.text and "核实" in status.text
    for role in ("manufacturer", "hr_agency", "university", "worker", "city"):
        assert "pilot_city" in {c.id for c in questions(knowledge, role, TODAY)}
    assert questions(knowledge, "province", TODAY) == []  # the province's duties do not depend on it


def test_conditions_answered_no_exclude_and_unknown_ones_are_shown(knowledge):
    leading = ("leading_firm", "no")
    result = evaluate(knowledge, Profile("manufacturer", "yes", other=(leading,)), TODAY)
    excluded = {o.item.id: o.reason for o in result.excluded_by_facts}
    assert {"training_center", "innovation_consortium", "patent_sharing"} <= set(excluded)
    assert "大型企业集团、产业链龙头企业" in excluded["training_center"]
    assert "制造业龙头企业" in excluded["innovation_consortium"]
    unsure = evaluate(knowledge, Profile("manufacturer", "yes"), TODAY)
    caveats = {o.item.id: o.caveat for o in unsure.applies}
    assert "大型企业集团、产业链龙头企业" in caveats["training_center"]
    assert caveats["recruit_consortium"] == ""  # pilot city confirmed, nothing else stated
    # HR agencies are not asked to be 龙头企业: the clause names them outright.
    agency = evaluate(knowledge, Profile("hr_agency", "yes", other=(leading,)), TODAY)
    assert "training_center" in {o.item.id for o in agency.applies}
    assert "leading_firm" not in {c.id for c in questions(knowledge, "hr_agency", TODAY)}


def test_voluntary_and_closed_rounds_are_not_obligations(knowledge):
    result = evaluate(knowledge, Profile("city", "no"), TODAY)
    closed = {o.item.id: o.item for o in result.closed}
    assert closed["city_apply"].kind == "support" and "有意愿" in closed["city_apply"].quote
    assert closed["city_park_priority"].kind == "government"
    assert not result.of_kind("obligation")
    before = evaluate(knowledge, Profile("city", "no"), dt.date(2025, 6, 1))
    assert "city_apply" in {o.item.id for o in before.of_kind("support")}
    # A non-pilot city is not asked about national parks any more: that criterion belongs to the ended round.
    assert "national_park" not in {c.id for c in questions(knowledge, "city", TODAY)}


def test_overview_and_selfcheck_apply_the_same_conditions(knowledge):
    """The Overview shows a role's items as the Self-check does for someone who answered 不确定."""
    for role in [r.id for r in knowledge.roles]:
        result = evaluate(knowledge, Profile(role, "unsure"), None)
        by_id = {o.item.id: o.caveats for o in result.applies}
        for item in knowledge.items_for(role):
            assert verdict(knowledge, item.conditions, role).caveats == by_id[item.id], item.id
    # Facts with no role (the Overview's own) name the role a condition concerns.
    fact = next(f for s in knowledge.overview for f in s.facts if "跨企业培训中心" in f.quote)
    texts = [c.text for c in verdict(knowledge, fact.conditions, None).caveats]
    assert texts == ["限试点城市", "制造企业：限条款点名的企业类型（原文：大型企业集团、产业链龙头企业）"]


def test_bad_answers_are_refused(knowledge):
    with pytest.raises(ValueError):
        evaluate(knowledge, Profile("city", "maybe"))
