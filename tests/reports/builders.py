"""Small builders for hand-made report cases: households, members, visits, needs, wishes."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from app.domain.codes import (
    Category,
    NeedArea,
    NeedStatus,
    PersonFlag,
    ReferralDirection,
    ReferralStatus,
    RegisterStatus,
    Team,
    VisitMode,
    VisitOutcome,
    WishState,
)
from app.domain.coverage import Report, coverage_report
from app.domain.policy import VisitPolicy
from app.domain.records import Delivery, Household, Need, Person, Referral, Visit, Wish
from app.ui.catalogue import code_names

ROOT = Path(__file__).resolve().parents[2]
POLICY = VisitPolicy.model_validate_json(
    (ROOT / "assets" / "policy" / "visit_policy.json").read_text(encoding="utf-8")
)

YANTOU = "330702102201"  # 婺城区 安地镇 岩头村
ANDI_OTHER = "330702102202"  # another village of 安地镇
XIAOSHUN = "330703101201"  # 金东区 孝顺镇, a village
# Areas and workers as the server names them, teams and categories as the catalogue does.
NAMES = {
    **code_names(),
    "330702": "婺城区",
    "330703": "金东区",
    "330702102": "安地镇",
    "330703101000": "孝顺镇",
    YANTOU: "岩头村",
    ANDI_OTHER: "东村",
    XIAOSHUN: "孝顺村",
    "w-li": "李网格",
}


def household(
    *categories: Category,
    area: str = YANTOU,
    registered_on: date | None = None,
    left_on: date | None = None,
) -> Household:
    return Household(
        area_code=area,
        address="岩头村1号",
        categories=list(categories),
        register_status=RegisterStatus.LEFT if left_on else RegisterStatus.REGISTERED,
        registered_on=registered_on,
        left_on=left_on,
    )


def member(
    h: Household,
    *flags: PersonFlag,
    name: str = "张三明",
    id_number: str | None = None,
    event: date | None = None,
    recorded: date | None = None,
    relation: str = "户主",
) -> Person:
    return Person(
        household_id=h.id,
        area_code=h.area_code,
        name=name,
        id_number=id_number,
        flags=list(flags),
        major_event_date=event,
        major_event_recorded_on=recorded,
        relation=relation,
    )


def visit(
    h: Household,
    day: date,
    mode: VisitMode = VisitMode.HOME,
    outcome: VisitOutcome = VisitOutcome.MET,
    *,
    worker: str = "w-li",
    team: Team = Team.GRID_WORKER,
    amends: Visit | None = None,
) -> Visit:
    return Visit(
        household_id=h.id,
        area_code=h.area_code,
        visited_at=datetime.combine(day, time(10, 0)),
        worker_id=worker,
        team=team,
        mode=mode,
        outcome=outcome,
        amends_visit_id=amends.id if amends else None,
    )


def need(
    h: Household,
    raised: date,
    status: NeedStatus,
    fulfilled: date | None = None,
) -> Need:
    return Need(
        household_id=h.id,
        area_code=h.area_code,
        area=NeedArea.LIVING,
        description="需要冬衣",
        raised_on=raised,
        status=status,
        assessment_reason="不符合条件" if status == NeedStatus.UNREASONABLE else "",
        fulfilled_on=fulfilled,
    )


def wish(
    h: Household,
    state: WishState,
    *,
    fulfilled: date | None = None,
    claimed_by: str = "",
    claimed: date | None = None,
) -> Wish:
    return Wish(
        household_id=h.id,
        area_code=h.area_code,
        title="一台电暖器",
        value_yuan=300,
        state=state,
        collected_on=date(2026, 10, 1),
        claimed_by=claimed_by,
        claimed_on=claimed,
        fulfilled_on=fulfilled,
    )


def referral(
    h: Household,
    person: Person,
    recipient: str,
    referred: date,
    status: ReferralStatus = ReferralStatus.SENT,
    completed: date | None = None,
    direction: ReferralDirection = ReferralDirection.TO_CHARITY,
) -> Referral:
    return Referral(
        household_id=h.id,
        person_id=person.id,
        area_code=h.area_code,
        direction=direction,
        recipient=recipient,
        purpose="助医",
        referred_on=referred,
        status=status,
        completed_on=completed,
    )


PROJECT_ID = "01a24400-0000-7000-8000-000000000001"  # a service project of the library


def delivery(
    h: Household,
    day: date,
    *,
    need_id: str | None = None,
    project_id: str = PROJECT_ID,
    area: NeedArea = NeedArea.LIVING,
    value: int = 200,
) -> Delivery:
    return Delivery(
        household_id=h.id,
        area_code=h.area_code,
        project_id=project_id,
        need_id=need_id,
        area=area,
        delivered_on=day,
        service="上门助餐",
        value_yuan=value,
    )


def cover(
    households: list[Household],
    persons: list[Person],
    visits: list[Visit],
    period: str,
    **options: Any,
) -> Report:
    return coverage_report(households, persons, visits, period, policy=POLICY, **options)
