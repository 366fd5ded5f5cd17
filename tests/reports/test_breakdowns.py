"""Coverage by county, township, village, worker, team and category on one small county pair."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.codes import Category, Team, VisitOutcome
from app.domain.coverage import UNASSIGNED, Breakdown, Caseload, coverage, coverage_by
from tests.reports.builders import (
    ANDI_OTHER,
    NAMES,
    POLICY,
    XIAOSHUN,
    YANTOU,
    household,
    visit,
)

D = date


@pytest.fixture
def caseload() -> Caseload:
    """Four monthly households in November 2026.

    h1 岩头村 特困: assigned to w-zhao (社工), visited by w-li on Nov 3 → covered.
    h2 东村 特困: unassigned; visited by w-li on Nov 2, then w-wang (志愿者) found nobody
       home on Nov 20 → covered, and w-wang, who came last, is responsible.
    h3 孝顺村 (金东区) 特困+孤儿: never visited → overdue, no worker, no team.
    h4 岩头村 孤儿: visited by w-li (网格员) on Nov 9 → covered.
    """
    h1 = household(Category.TEKUN, area=YANTOU)
    h2 = household(Category.TEKUN, area=ANDI_OTHER)
    h3 = household(Category.TEKUN, Category.ORPHAN, area=XIAOSHUN)
    h4 = household(Category.ORPHAN, area=YANTOU)
    visits = [
        visit(h1, D(2026, 11, 3), worker="w-li", team=Team.GRID_WORKER),
        visit(h2, D(2026, 11, 2), worker="w-li", team=Team.GRID_WORKER),
        visit(
            h2,
            D(2026, 11, 20),
            outcome=VisitOutcome.NOBODY_HOME,
            worker="w-wang",
            team=Team.VOLUNTEER,
        ),
        visit(h4, D(2026, 11, 9), worker="w-li", team=Team.GRID_WORKER),
    ]
    return Caseload(
        [h1, h2, h3, h4],
        [],
        visits,
        responsible={h1.id: "w-zhao"},
        worker_teams={"w-zhao": Team.SOCIAL_WORKER},
    )


def rows(caseload: Caseload, by: str) -> list[tuple[str, str, int, int]]:
    report = coverage(caseload, "2026-11", policy=POLICY, by=by, names=NAMES)
    # Every breakdown keeps the same overall figure: due 4, covered 3.
    assert (report.overall.total, report.overall.count) == (4, 3)
    return [(r.key, r.name, r.tally.total, r.tally.count) for r in report.rows]


def test_by_county(caseload):
    # Rows read (key, name, due, covered). 婺城区: h1, h2, h4 all covered; 金东区: h3 not.
    assert rows(caseload, "county") == [("330702", "婺城区", 3, 3), ("330703", "金东区", 1, 0)]


def test_by_township_names_found_by_short_or_full_code(caseload):
    # 安地镇 is named under its 9-digit code, 孝顺镇 under its 12-digit one.
    assert rows(caseload, "township") == [
        ("330702102", "安地镇", 3, 3),
        ("330703101", "孝顺镇", 1, 0),
    ]


def test_by_village(caseload):
    # 岩头村: h1, h4 both covered; 东村: h2 covered; 孝顺村: h3 due, not covered.
    assert rows(caseload, "village") == [
        (YANTOU, "岩头村", 2, 2),
        (ANDI_OTHER, "东村", 1, 1),
        (XIAOSHUN, "孝顺村", 1, 0),
    ]


def test_by_worker_assigned_or_last_visitor_and_unassigned_last(caseload):
    # w-li: h4; w-wang: h2 (came last); w-zhao: h1 (assigned); nobody: h3.
    assert rows(caseload, "worker") == [
        ("w-li", "李网格", 1, 1),
        ("w-wang", "w-wang", 1, 1),
        ("w-zhao", "w-zhao", 1, 1),
        (UNASSIGNED, "未指定", 1, 0),
    ]


def test_by_team_in_the_order_of_the_five_teams(caseload):
    # 社工: h1 (w-zhao's team); 志愿者: h2 (w-wang's visit); 网格员: h4; none: h3.
    assert rows(caseload, "team") == [
        ("social_worker", "社工", 1, 1),
        ("volunteer", "志愿者", 1, 1),
        ("grid_worker", "网格员", 1, 1),
        (UNASSIGNED, "未指定", 1, 0),
    ]


def test_by_category_counts_a_household_in_each_of_its_categories(caseload):
    # 特困: h1, h2, h3 → due 3, covered 2; 孤儿: h3, h4 → due 2, covered 1.
    assert rows(caseload, "category") == [
        ("tekun", "特困供养", 3, 2),
        ("orphan", "孤儿", 2, 1),
    ]


def test_all_breakdowns_at_once_match_one_at_a_time(caseload):
    together = coverage_by(caseload, "2026-11", [None, *Breakdown], policy=POLICY, names=NAMES)
    for report in together:
        alone = coverage(caseload, "2026-11", policy=POLICY, by=report.by, names=NAMES)
        assert report == alone
    assert [r.by for r in together] == [None, *Breakdown]
    assert together[0].rows == ()


def test_the_last_visitor_does_not_depend_on_the_order_records_arrive_in():
    # Two workers recorded a visit at the same minute; whichever order the store or the
    # database returns them in, the same one is taken as the last visitor.
    h = household(Category.TEKUN)
    a = visit(h, D(2026, 11, 3), worker="w-a", team=Team.GRID_WORKER)
    b = visit(h, D(2026, 11, 3), worker="w-b", team=Team.VOLUNTEER)
    one = coverage(Caseload([h], [], [a, b]), "2026-11", policy=POLICY, by="worker")
    other = coverage(Caseload([h], [], [b, a]), "2026-11", policy=POLICY, by="worker")
    assert one.rows == other.rows
