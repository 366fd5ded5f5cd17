"""The other measured indicators and the 20-line target list against its targets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.assets import load_target_list
from app.domain.codes import Category, NeedStatus, ReferralStatus, WishState
from app.domain.coverage import Caseload, Tally
from app.domain.indicators import (
    LIBRARY_CODES,
    Direction,
    IndicatorSpec,
    InvalidIndicatorInput,
    Source,
    Status,
    TargetList,
    charities_involved,
    evaluate,
    indicator_year,
    measured_values,
    needs_fulfilment,
    percent,
    service_coverage,
    wishes_fulfilled,
)
from app.domain.projects import ProjectBook
from tests.reports.builders import (
    ANDI_OTHER,
    NAMES,
    POLICY,
    ROOT,
    YANTOU,
    delivery,
    household,
    member,
    need,
    referral,
    visit,
    wish,
)
from tests.said import refused

D = date
S = NeedStatus


@pytest.fixture
def caseload() -> Caseload:
    """November 2026 in two villages.

    h1 (岩头村, 低保): needs raised in Nov: reasonable, matched, fulfilled Nov 12, fulfilled
       Dec 3 (after the period), not reasonable, not yet assessed; one fulfilled need raised
       in October (fulfilled Oct 20). Referral to 慈善总会 completed Nov 18.
    h2 (岩头村, 特困): wish fulfilled Nov 20, claimed by 爱心企业甲 on Nov 8.
       Referral to 红十字会 declined.
    h3 (东村, 孤儿): wish fulfilled Oct 30 (not November). Referral to 慈善总会 sent Nov 2.
    h4 (东村, 低保边缘): referral completed Oct 15 (not November). Wish still claimed
       (by 爱心人士乙 on Nov 25).
    u (东村, 低收入, an uplift household): wish fulfilled Nov 11.
    Service-project deliveries: h1 Nov 15 (answering the need matched on Nov 3), h3 Oct 28
    (not November), h4 Nov 30 (the period's last day), u Nov 5 (not registered).
    """
    h1 = household(Category.DIBAO, area=YANTOU)
    h2 = household(Category.TEKUN, area=YANTOU)
    h3 = household(Category.ORPHAN, area=ANDI_OTHER)
    h4 = household(Category.DIBIAN, area=ANDI_OTHER)
    u = household(Category.LOW_INCOME, area=ANDI_OTHER)
    people = {h.id: member(h) for h in (h1, h2, h3, h4, u)}
    needs = [
        need(h1, D(2026, 11, 2), S.REASONABLE),
        need(h1, D(2026, 11, 3), S.MATCHED),
        need(h1, D(2026, 11, 4), S.FULFILLED, D(2026, 11, 12)),
        need(h1, D(2026, 11, 5), S.FULFILLED, D(2026, 12, 3)),
        need(h1, D(2026, 11, 6), S.UNREASONABLE),
        need(h1, D(2026, 11, 7), S.RAISED),
        need(h1, D(2026, 10, 7), S.FULFILLED, D(2026, 10, 20)),
    ]
    wishes = [
        wish(
            h2,
            WishState.FULFILLED,
            fulfilled=D(2026, 11, 20),
            claimed_by="爱心企业甲",
            claimed=D(2026, 11, 8),
        ),
        wish(h3, WishState.FULFILLED, fulfilled=D(2026, 10, 30)),
        wish(h4, WishState.CLAIMED, claimed_by="爱心人士乙", claimed=D(2026, 11, 25)),
        wish(u, WishState.FULFILLED, fulfilled=D(2026, 11, 11)),
    ]
    referrals = [
        referral(
            h1,
            people[h1.id],
            "慈善总会",
            D(2026, 11, 10),
            ReferralStatus.COMPLETED,
            D(2026, 11, 18),
        ),
        referral(h2, people[h2.id], "红十字会", D(2026, 11, 10), ReferralStatus.DECLINED),
        referral(h3, people[h3.id], "慈善总会", D(2026, 11, 2)),
        referral(
            h4,
            people[h4.id],
            "慈善总会",
            D(2026, 9, 1),
            ReferralStatus.COMPLETED,
            D(2026, 10, 15),
        ),
    ]
    deliveries = [
        delivery(h1, D(2026, 11, 15), need_id=needs[1].id),
        delivery(h3, D(2026, 10, 28)),
        delivery(h4, D(2026, 11, 30)),
        delivery(u, D(2026, 11, 5)),
    ]
    return Caseload(
        [h1, h2, h3, h4, u],
        list(people.values()),
        [visit(h2, D(2026, 11, 9))],
        needs,
        wishes,
        referrals,
        deliveries=deliveries,
    )


def test_reasonable_needs_fulfilled_counts_needs_raised_in_the_period(caseload):
    report = needs_fulfilment(caseload, "2026-11", by="village")
    # Raised in Nov and assessed reasonable: reasonable, matched, two fulfilled = 4 (the
    # unreasonable and the unassessed ones are out, the October one is another period).
    # Fulfilled: the two marked so (one after the period, still the November cohort's) and
    # the matched one a project's delivery answered on Nov 15: 3/4 = 0.75.
    assert report.to_json()["overall"] == {"reasonable": 4, "fulfilled": 3, "rate": 0.75}
    assert [(r.key, r.tally) for r in report.rows] == [(YANTOU, Tally(3, 4))]
    # October: one reasonable need, fulfilled → 1/1.
    assert needs_fulfilment(caseload, "2026-10").overall == Tally(1, 1)


def test_wishes_fulfilled_in_the_period(caseload):
    report = wishes_fulfilled(caseload, "2026-11", by="village")
    # Fulfilled in November: h2 (Nov 20) and u (Nov 11) → 2; h3's was in October.
    assert report.to_json()["overall"] == {"fulfilled": 2}
    assert [(r.key, r.tally.count) for r in report.rows] == [(YANTOU, 1), (ANDI_OTHER, 1)]
    assert report.rows[0].tally.rate is None


def test_service_coverage_over_registered_households(caseload):
    report = service_coverage(caseload, "2026-11", by="village")
    # Registered households on the register on Nov 30: h1, h2, h3, h4 (u is uplift) = 4.
    # With a project delivery in November: h1 (Nov 15), h4 (Nov 30); not h2 (a wish is not
    # a project's service), not h3 (October). 2/4 = 0.5; 岩头村 1/2, 东村 1/2.
    assert report.to_json()["overall"] == {"registered": 4, "served": 2, "rate": 0.5}
    assert [(r.key, r.tally) for r in report.rows] == [
        (YANTOU, Tally(1, 2)),
        (ANDI_OTHER, Tally(1, 2)),
    ]


def test_charities_involved_counts_distinct_names(caseload):
    report = charities_involved(caseload, "2026-11", by="village")
    # Referrals sent in November, not declined: 慈善总会 (h1), 慈善总会 (h3); wish claims
    # in November: 爱心企业甲 (h2), 爱心人士乙 (h4). Distinct: 3.
    assert report.to_json()["overall"] == {"charities": 3}
    # 岩头村: 慈善总会, 爱心企业甲 = 2; 东村: 慈善总会, 爱心人士乙 = 2 (rows do not add up).
    assert [(r.key, r.tally.count) for r in report.rows] == [(YANTOU, 2), (ANDI_OTHER, 2)]


def test_other_indicators_take_the_same_breakdowns(caseload):
    report = needs_fulfilment(caseload, "2026-11", by="category", names=NAMES)
    assert [(r.key, r.name, r.tally) for r in report.rows] == [("dibao", "低保", Tally(3, 4))]


def test_the_target_list_has_the_twenty_indicators_of_the_annex():
    targets = load_target_list()
    assert [i.number for i in targets.indicators] == list(range(1, 21))
    assert targets.years == [2024, 2025, 2026]
    measured = {i.code for i in targets.indicators if i.source == Source.MEASURED}
    assert measured == {
        "visit_coverage",
        "reasonable_needs_fulfilled",
        "service_project_coverage",
        "wishes_fulfilled",
        "service_projects",
        "charity_resource_projects",
        "venture_philanthropy_projects",
        "charities",
    }
    wishes = targets.get("wishes_fulfilled")
    assert (wishes.name, wishes.unit, wishes.targets) == (
        "微心愿化解数量",
        "个",
        {2024: 2000, 2025: 3000, 2026: 5000},
    )
    assert targets.get("purchased_services_share").targets[2025] == 3.5
    assert targets.get("reasonable_needs_fulfilled").target_text(2024) == "≥70"


def test_evaluate_compares_each_value_with_the_year_target():
    targets = load_target_list()
    measured = {
        "visit_coverage": 100.0,
        "reasonable_needs_fulfilled": 89.5,  # target ≥90 in 2026
        "service_project_coverage": None,
        "wishes_fulfilled": 5000.0,  # exactly the 2026 target
        "charities": 120.0,  # 2026: ≥140
    }
    entered = {"dibao_standard": 15600.0}  # 2026: ≥15000
    results = {r.spec.code: r for r in evaluate(targets, 2026, measured, entered)}
    assert len(results) == 20
    assert results["visit_coverage"].status == Status.MET
    assert results["reasonable_needs_fulfilled"].status == Status.NOT_MET
    assert results["service_project_coverage"].status == Status.NO_DATA
    assert results["wishes_fulfilled"].status == Status.MET
    assert results["dibao_standard"].status == Status.MET
    assert results["charities"].status == Status.NOT_MET
    assert results["large_funds"].status == Status.NO_DATA
    # The same values against 2024's lower targets: 89.5 ≥ 70, 120 ≥ 120.
    earlier = {r.spec.code: r for r in evaluate(targets, 2024, measured, entered)}
    assert earlier["reasonable_needs_fulfilled"].status == Status.MET
    assert earlier["charities"].status == Status.MET
    assert results["charities"].to_json()["targets"] == {"2024": 120, "2025": 130, "2026": 140}


def test_directions_at_most_and_exactly():
    specs = TargetList(
        indicators=[
            IndicatorSpec(
                number=1,
                code="complaints",
                name="投诉件数",
                group="g",
                unit="件",
                direction=Direction.AT_MOST,
                targets={2026: 10},
                source=Source.ENTERED,
            ),
            IndicatorSpec(
                number=2,
                code="stations",
                name="站点数",
                group="g",
                unit="个",
                direction=Direction.EXACTLY,
                targets={2026: 3},
                source=Source.ENTERED,
            ),
        ]
    )
    status = {
        r.spec.code: r.status for r in evaluate(specs, 2026, {}, {"complaints": 11, "stations": 3})
    }
    assert status == {"complaints": Status.NOT_MET, "stations": Status.MET}
    status = {
        r.spec.code: r.status for r in evaluate(specs, 2026, {}, {"complaints": 10, "stations": 4})
    }
    assert status == {"complaints": Status.MET, "stations": Status.NOT_MET}


@pytest.mark.parametrize(
    ("year", "entered", "message"),
    [
        (2027, {}, "2027"),
        (2026, {"no_such_indicator": 1.0}, "没有指标"),
        (2026, {"visit_coverage": 100.0}, "由系统统计"),
        (2026, {"large_funds": -1.0}, "负数"),
    ],
)
def test_bad_indicator_input_is_refused(year, entered, message):
    with refused(InvalidIndicatorInput, message):
        evaluate(load_target_list(), year, {}, entered)


def test_a_bureau_indicator_cannot_be_passed_as_measured():
    with refused(InvalidIndicatorInput, "民政局填报"):
        evaluate(load_target_list(), 2026, {"large_funds": 3.0}, {})


@pytest.mark.parametrize("text", ["20x6", "26", "", "3000"])
def test_an_unreadable_year_is_refused(text):
    with refused(InvalidIndicatorInput, "年份"):
        indicator_year(text)


def test_percent_is_exact_for_whole_percentages():
    # 29/100 as a float is 0.29 and 0.29 * 100 == 28.999999999999996; 29*100/100 is 29.
    assert percent(Tally(29, 100)) == 29
    assert percent(Tally(0, 0)) is None


def test_measured_values_for_a_year(caseload):
    values = measured_values(caseload, 2026, policy=POLICY)
    # Coverage 2026: h2 (特困, monthly) is due in all twelve months but visited only in
    # November; h4 (低保边缘) and h1 (低保) are due at four quarter ends, never visited;
    # h3 (孤儿, monthly) is never visited. due 4, covered 0 → 0%.
    # Needs raised in 2026: the five reasonable ones (Oct and Nov), 3 fulfilled and one
    # answered by a delivery → 80%.
    # Service coverage 2026: deliveries to h1, h3 (Oct 28), h4 of 4 → 75%.
    # Wishes fulfilled in 2026: h2, h3, u → 3. No project book yet: the library's four
    # counts are unknown (暂无数据), not 0.
    assert values == {
        "visit_coverage": 0.0,
        "reasonable_needs_fulfilled": 80.0,
        "service_project_coverage": 75.0,
        "wishes_fulfilled": 3.0,
        "service_projects": None,
        "charity_resource_projects": None,
        "venture_philanthropy_projects": None,
        "charities": None,
    }


def test_an_empty_project_book_counts_the_library_as_zero(caseload):
    values = measured_values(caseload, 2026, policy=POLICY, book=ProjectBook())
    assert {code: values[code] for code in LIBRARY_CODES} == dict.fromkeys(LIBRARY_CODES, 0.0)


def test_a_county_may_ship_its_own_target_list(tmp_path: Path):
    text = (ROOT / "assets" / "policy" / "indicators.json").read_text(encoding="utf-8")
    path = tmp_path / "indicators.json"
    path.write_text(text.replace('"2026": 5000', '"2026": 800'), encoding="utf-8")
    assert load_target_list(path).get("wishes_fulfilled").targets[2026] == 800


def test_a_county_list_without_a_measured_indicator_simply_leaves_it_out():
    full = load_target_list()
    smaller = TargetList(indicators=[i for i in full.indicators if i.code != "wishes_fulfilled"])
    results = evaluate(smaller, 2026, {"wishes_fulfilled": 10.0, "visit_coverage": 100.0}, {})
    assert len(results) == 19
    assert "wishes_fulfilled" not in {r.spec.code for r in results}
