"""The demo's festival list (节日走访清单): the township's last 重阳节 list of its 老
households, made by the demo coordinator, each household assigned to its village's 责任人,
most of them visited around the festival with what was delivered, the rest still to visit
(a few of them the demo device's own), so that the device's 节日走访 screens and the
reports are not empty. Deterministic for a seed; picked by the same rule a coordinator's
device applies (`app.domain.campaigns.select_households`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from app.demo.randomness import DemoRandom
from app.domain.campaigns import (
    FIRST_YEAR,
    LAST_YEAR,
    SelectionRule,
    festival_days,
    select_households,
)
from app.domain.codes import CampaignGroup, CareKind, Festival, Team, VisitKind
from app.domain.records import Campaign, CampaignAssignment, Household, Person, Visit
from app.domain.staff import Staff

VISITED_SHARE = 0.7
OWN_WAITING = 3  # households still to visit given to the demo device's coordinator
# What a 重阳节 visit brings (items, value in 元), one picked per household.
GIFTS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("重阳糕", "牛奶一箱"), 120),
    (("大米一袋", "食用油一桶"), 150),
    (("慰问金",), 200),
    (("棉被一床", "重阳糕"), 260),
)


@dataclass
class DemoCampaign:
    campaign: Campaign
    assignments: list[CampaignAssignment] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


def last_double_ninth(today: date) -> int | None:
    """The year of the last 重阳节 on or before `today` (None outside the known years)."""
    for year in (today.year, today.year - 1):
        if (
            FIRST_YEAR <= year <= LAST_YEAR
            and festival_days(Festival.DOUBLE_NINTH, year).day <= today
        ):
            return year
    return None


def demo_campaign(
    township: str,
    households: Iterable[Household],
    persons: Iterable[Person],
    staff: Staff,
    coordinator_id: str,
    *,
    today: date,
    elderly_age: int,
    seed: int = 1,
) -> DemoCampaign | None:
    """The township's 重阳节 list of `today`'s last 重阳节 (None when there is none or
    nobody is picked): the 老 households (`elderly_age` and over) on the register."""
    year = last_double_ninth(today)
    if year is None:
        return None
    days = festival_days(Festival.DOUBLE_NINTH, year)
    rule = SelectionRule(frozenset({CampaignGroup.ELDERLY}), days.day, elderly_age)
    members: dict[str, list[Person]] = {}
    for p in persons:
        members.setdefault(p.household_id, []).append(p)
    ordered = sorted(households, key=lambda h: h.id)
    area = township[:9] + "000"  # a township's list (its 12-digit code)
    picked = select_households(rule, area, [], ordered, members)
    if not picked:
        return None
    rng = DemoRandom(seed + 9)
    made_on = days.day - timedelta(days=14)
    campaign = Campaign(
        id=rng.record_id(datetime.combine(made_on, time(10))),
        area_code=area,
        author_worker_id=coordinator_id,
        festival=Festival.DOUBLE_NINTH,
        year=year,
        name=f"{year}年重阳节走访慰问高龄老人",
        groups=[CampaignGroup.ELDERLY],
        elderly_age=elderly_age,
        created_by=coordinator_id,
        created_on=made_on,
    )
    out = DemoCampaign(campaign)
    teams = staff.teams
    own_left = OWN_WAITING
    for s in picked:
        worker = staff.responsible(s.area_code) or coordinator_id
        assignment = CampaignAssignment(
            id=rng.record_id(datetime.combine(made_on, time(10, 5))),
            area_code=s.area_code,
            author_worker_id=coordinator_id,
            household_id=s.household_id,
            campaign_id=campaign.id,
            worker_id=worker,
            groups=list(s.groups),
        )
        visit_day = days.day + timedelta(days=rng.randint(-5, 2))
        if visit_day <= today and rng.chance(VISITED_SHARE):
            at = datetime.combine(visit_day, time(rng.randint(8, 16), rng.randint(0, 59)))
            items, value = rng.choice(GIFTS)
            visit = Visit(
                id=rng.record_id(at),
                area_code=s.area_code,
                author_worker_id=worker,
                household_id=s.household_id,
                kind=VisitKind.CARE,
                visited_at=at,
                worker_id=worker,
                team=Team(teams.get(worker, Team.COORDINATOR)),
                care=[CareKind.HUMANISTIC, CareKind.COMFORT],
                observations="重阳节上门慰问，老人身体尚可，送上节日慰问品。",
            )
            out.visits.append(visit)
            assignment = assignment.model_copy(
                update={
                    "visit_id": visit.id,
                    "visited_on": visit_day,
                    "delivered": list(items),
                    "delivered_value_yuan": value,
                }
            )
        elif own_left > 0:
            own_left -= 1
            assignment = assignment.model_copy(update={"worker_id": coordinator_id})
        out.assignments.append(assignment)
    return out
