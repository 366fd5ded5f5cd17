"""The 责任人 rule (app.domain.staff), by hand: narrowest scope, team rank, lowest id,
inactive workers and supervisors skipped, a village nobody covers left to the last visitor."""

from __future__ import annotations

from datetime import date

from app.domain.codes import Category, Team, VisitMode, VisitOutcome
from app.domain.coverage import Caseload, coverage
from app.domain.staff import Staff, StaffMember, responsible_for
from tests.reports.builders import POLICY, household, member, visit

COUNTY = "330702"
TOWNSHIP = "330702102"
YANTOU = "330702102201"
HOUXI = "330702102202"
SHANGWU = "330702103201"  # another township of the county
OTHER_COUNTY_VILLAGE = "330703101201"


def m(
    id: str,
    *areas: str,
    team: Team = Team.GRID_WORKER,
    role: str = "worker",
    active: bool = True,
) -> StaffMember:
    return StaffMember(id, f"姓名{id}", role, team.value, active, areas)


def test_the_narrowest_scope_wins_whatever_the_team() -> None:
    staff = Staff(
        (
            m("a-county", COUNTY, team=Team.COORDINATOR),
            m("b-township", TOWNSHIP, team=Team.COORDINATOR),
            m("c-village", YANTOU, team=Team.VOLUNTEER),
        )
    )
    assert staff.responsible(YANTOU) == "c-village"
    assert staff.responsible(HOUXI) == "b-township"
    assert staff.responsible(SHANGWU) == "a-county"
    assert staff.responsible(OTHER_COUNTY_VILLAGE) is None


def test_at_one_level_the_team_rank_then_the_lowest_id() -> None:
    ranked = [
        m("z1", YANTOU, team=Team.COORDINATOR),  # 救助协理员
        m("y2", YANTOU, team=Team.GRID_WORKER),  # 网格员
        m("x3", YANTOU, team=Team.SOCIAL_WORKER),  # 社工
        m("w4", YANTOU, team=Team.CIVIL_AFFAIRS),  # 民政干部
        m("v5", YANTOU, team=Team.VOLUNTEER),  # 志愿者
    ]
    for i in range(len(ranked)):
        assert Staff(tuple(reversed(ranked[i:]))).responsible(YANTOU) == ranked[i].id
    twins = Staff((m("w-2", YANTOU), m("w-10", YANTOU), m("w-1", YANTOU)))
    assert twins.responsible(YANTOU) == "w-1"


def test_inactive_workers_and_supervisors_are_never_responsible() -> None:
    staff = Staff(
        (
            m("a", YANTOU, team=Team.COORDINATOR, active=False),
            m("b", YANTOU, team=Team.COORDINATOR, role="supervisor"),
            m("c", YANTOU, team=Team.COORDINATOR, role="admin"),
            m("d", TOWNSHIP, team=Team.VOLUNTEER, role="coordinator"),
        )
    )
    assert staff.responsible(YANTOU) == "d"
    # They still name rows and teams (a last visitor may be one of them).
    assert staff.names["a"] == "姓名a" and staff.teams["b"] == Team.COORDINATOR.value


def test_an_uncovered_village_falls_back_to_the_last_visitor() -> None:
    covered, alone = household(Category.TEKUN, area=YANTOU), household(Category.TEKUN, area=HOUXI)
    visits = [
        visit(covered, date(2026, 4, 3), VisitMode.HOME, VisitOutcome.MET, worker="v-last"),
        visit(alone, date(2026, 4, 2), VisitMode.HOME, VisitOutcome.MET, worker="v-first"),
        visit(alone, date(2026, 4, 9), VisitMode.HOME, VisitOutcome.MET, worker="v-last"),
    ]
    staff = Staff(
        (
            m("r", YANTOU, team=Team.COORDINATOR),
            m("v-last", COUNTY, role="supervisor", team=Team.SOCIAL_WORKER),
        )
    )
    responsible = responsible_for([covered, alone], staff)
    assert responsible == {covered.id: "r"}
    caseload = Caseload(
        [covered, alone],
        [member(covered), member(alone)],
        visits,
        responsible=responsible,
        worker_teams=staff.teams,
    )
    by_worker = coverage(caseload, "2026-04", policy=POLICY, by="worker", names=staff.names)
    assert [(r.key, r.name, r.tally.count) for r in by_worker.rows] == [
        ("r", "姓名r", 1),
        ("v-last", "姓名v-last", 1),
    ]
    by_team = coverage(caseload, "2026-04", policy=POLICY, by="team", names=staff.names)
    # The last visitor's team is the staff's, not the one recorded on the visit (网格员).
    assert [r.key for r in by_team.rows] == [Team.COORDINATOR.value, Team.SOCIAL_WORKER.value]


def test_a_device_gets_the_staff_overlapping_its_scope_with_those_areas_only() -> None:
    staff = Staff(
        (
            m("county", COUNTY),
            m("both", YANTOU, OTHER_COUNTY_VILLAGE),
            m("elsewhere", OTHER_COUNTY_VILLAGE),
            m("other-township", SHANGWU),
        )
    )
    mine = staff.of_scope([TOWNSHIP])
    assert {x.id: x.areas for x in mine.members} == {
        "county": (COUNTY,),
        "both": (YANTOU,),
    }
    for village in (YANTOU, HOUXI):
        assert mine.responsible(village) == staff.responsible(village)
    assert Staff.from_json(mine.to_json()) == mine
