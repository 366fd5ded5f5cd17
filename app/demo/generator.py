"""Realistic, deterministic demo data for Jinhua (演示数据): `generate()` and `DemoData`.

The same seed, day and arguments give byte-identical records, ids included: every draw
comes from one `random.Random(seed)` and nothing reads the clock. Every record is built
through its pydantic model, so it passes the same validation as data entered in the app.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.assets import load_visit_policy
from app.demo import texts
from app.demo.areas import (
    area_centre,
    candidate_villages,
    county_name,
    township_name,
    townships_of,
    village_name,
)
from app.demo.assistance import AssistanceWriter, Place, WishPlan, WishPlanner
from app.demo.charities import Charity, CharityChooser
from app.demo.families import CHILD_PROFILES, Family, FamilyBuilder, MajorEvent, Member
from app.demo.randomness import DemoRandom, start_of
from app.demo.visits import LAPSED_SHARE, HistoryWriter, VisitPlan, lapse_day
from app.demo.workers import DemoWorker, Roster, VillageTeam
from app.domain.areas import COUNTIES, InvalidAreaCode, parse_scope_code, village_kind
from app.domain.codes import PersonFlag, RegisterStatus, ServedClass
from app.domain.policy import VisitPolicy, requirement_for
from app.domain.records import (
    ConsentEvent,
    GeoPoint,
    Household,
    Need,
    Person,
    Record,
    Referral,
    Visit,
    Wish,
)
from app.memory import collector_paused

__all__ = ["DemoData", "DemoWorker", "InvalidDemoRequest", "generate"]

VILLAGE_SIZE = (30, 80)  # households per village


class InvalidDemoRequest(ValueError):
    """The demo cannot be generated for these arguments (scope outside Jinhua, bad count)."""


@dataclass
class DemoData:
    """A demo run: area names, workers and every record, parents before children."""

    areas: dict[str, str]  # code -> name: counties (6), townships (9), villages (12)
    workers: list[DemoWorker]
    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    consents: list[ConsentEvent] = field(default_factory=list)
    wishes: list[Wish] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)

    def records(self) -> Iterator[Record]:
        """Households, persons, visits, needs, consents, wishes, referrals: parents first."""
        yield from self.households
        yield from self.persons
        yield from self.visits
        yield from self.needs
        yield from self.consents
        yield from self.wishes
        yield from self.referrals


def generate(
    households: int,
    *,
    seed: int = 1,
    today: date,
    scope: list[str] | None = None,
    policy: VisitPolicy | None = None,
    charities: Sequence[Charity] = (),
) -> DemoData:
    """`households` demo households in `scope` (county, township or village codes; default
    the nine Jinhua counties), with a year of history up to `today` under `policy` (default:
    assets/policy/visit_policy.json). Referrals to a charity go to `charities` by id
    (app.demo.charities; free-text names without them). Raises InvalidDemoRequest for a
    scope outside Jinhua."""
    if households < 0:
        raise InvalidDemoRequest("演示家庭数不能为负数")
    scopes = normalise_scope(scope)
    with collector_paused():
        return _Generator(seed, today, policy or load_visit_policy(), charities).run(
            households, scopes
        )


def normalise_scope(scope: list[str] | None) -> list[str]:
    """Valid Jinhua scope codes in the order given, without codes inside another one."""
    codes: list[str] = []
    for raw in scope or list(COUNTIES):
        try:
            code = parse_scope_code(raw)
        except InvalidAreaCode:
            raise InvalidDemoRequest(f"无法识别的区划代码：{raw!r}") from None
        if code[:6] not in COUNTIES:
            raise InvalidDemoRequest(f"演示数据只覆盖金华市的九个县（市、区），{code} 不在其中")
        if code not in codes:
            codes.append(code)
    return [c for c in codes if not any(c != o and c.startswith(o) for o in codes)]


@dataclass(frozen=True)
class _Register:
    """A household's standing with the register (在册 / 主动发现 / 退出)."""

    status: RegisterStatus
    registered_on: date | None
    left_on: date | None = None
    reported_on: date | None = None
    moved_away: bool = False
    notes: str = ""


class _Generator:
    """One run: the seeded random source and the writers that share it."""

    def __init__(
        self, seed: int, today: date, policy: VisitPolicy, charities: Sequence[Charity] = ()
    ) -> None:
        self.rng = DemoRandom(seed)
        self.today = today
        self.policy = policy
        self.year_ago = today - timedelta(days=365)
        self.roster = Roster(self.rng, today)
        self.families = FamilyBuilder(self.rng, today, issued=set())
        self.wish_planner = WishPlanner(self.rng, today, policy.wish_value_cap_yuan)
        self.history = HistoryWriter(self.rng, today)
        self.assistance = AssistanceWriter(self.rng, today, CharityChooser(charities, seed))

    def run(self, households: int, scopes: list[str]) -> DemoData:
        plan = self._villages(households, scopes)
        data = DemoData(self._areas(scopes, [code for code, _ in plan]), self.roster.workers)
        for village, size in plan:
            team = self.roster.team_for(village, size)
            place = Place(county_name(village[:6]), township_name(village[:9]))
            addresses: set[str] = set()
            for _ in range(size):
                self._household(data, village, team, place, addresses)
        return data

    # -- where ----------------------------------------------------------------------------

    def _villages(self, households: int, scopes: list[str]) -> list[tuple[str, int]]:
        """Villages to fill and how many households each: 30 to 80, scope codes in turn."""
        rng = self.rng
        streams = [candidate_villages(code, rng) for code in scopes]
        sizes: dict[str, int] = {}
        remaining = households
        while remaining > 0 and streams:
            for stream in list(streams):
                if remaining <= 0:
                    break
                village = next(stream, None)
                if village is None:
                    streams.remove(stream)
                    continue
                lo, hi = VILLAGE_SIZE
                size = remaining if remaining <= hi else rng.randint(lo, min(hi, remaining - lo))
                sizes[village] = sizes.get(village, 0) + size
                remaining -= size
        plan = list(sizes.items())
        # Every village of the scope is full: the rest share them out.
        for i in range(remaining):
            code, size = plan[i % len(plan)]
            plan[i % len(plan)] = (code, size + 1)
        return plan

    def _areas(self, scopes: list[str], villages: list[str]) -> dict[str, str]:
        areas: dict[str, str] = {}
        for code in scopes:
            county = code[:6]
            areas[county] = county_name(county)
            for township in townships_of(county) if len(code) == 6 else [code[:9]]:
                areas[township] = township_name(township)
            if len(code) == 12:
                areas[code] = village_name(code)
        for village in villages:
            areas[village[:9]] = township_name(village[:9])
            areas[village] = village_name(village)
        return dict(sorted(areas.items()))

    def _address(self, village: str, taken: set[str]) -> str:
        rng, name = self.rng, village_name(village)
        while True:
            if village_kind(village) == "社区":
                floor, room = rng.randint(1, 6), rng.randint(1, 2)
                address = f"{name}{rng.randint(1, 30)}幢{rng.randint(1, 3)}单元{floor}0{room}室"
            else:
                address = f"{name}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"
            if address not in taken:
                taken.add(address)
                return address

    def _gps(self, village: str) -> GeoPoint | None:
        if not self.rng.chance(0.7):
            return None
        lat, lon = area_centre(village)
        return GeoPoint(
            lat=round(lat + self.rng.uniform(-0.004, 0.004), 6),
            lon=round(lon + self.rng.uniform(-0.004, 0.004), 6),
            accuracy_m=float(self.rng.randint(5, 30)),
        )

    # -- who ------------------------------------------------------------------------------

    def _household(
        self, data: DemoData, village: str, team: VillageTeam, place: Place, addresses: set[str]
    ) -> None:
        rng = self.rng
        family = self.families.build(village[:6])
        register = self._register(family)
        recorder = rng.choice(team.grid) if register.reported_on else team.coordinator
        created = start_of(register.registered_on or register.reported_on or self.today)
        household = Household(
            id=rng.record_id(created),
            area_code=village,
            author_worker_id=recorder.id,
            address=self._address(village, addresses),
            phone=self._household_phone(family),
            categories=family.categories,
            register_status=register.status,
            registered_on=register.registered_on,
            left_on=register.left_on,
            annual_income_yuan=family.income,
            notes=register.notes or family.notes,
            gps=self._gps(village),
        )
        if register.status == RegisterStatus.REGISTERED and rng.chance(0.015):
            self._major_event(family.members)
        unverified = register.status == RegisterStatus.REPORTED
        persons = [
            self._person(household, member, recorder, created, unverified=(
                unverified and i > 0 and rng.chance(0.5)
            ))
            for i, member in enumerate(family.members)
        ]  # fmt: skip
        plan, wishes = self._visit_plan(household, family, persons, team, place, register)
        visits = self.history.history(plan)
        help_ = self.assistance.write(household, family, persons, visits, wishes, team, place)
        data.households.append(household)
        data.persons.extend(persons)
        data.visits.extend(visits)
        data.needs.extend(help_.needs)
        data.consents.extend(help_.consents)
        data.wishes.extend(help_.wishes)
        data.referrals.extend(help_.referrals)

    def _register(self, family: Family) -> _Register:
        """Mostly on the register for years; a few newly added, 主动发现, or gone."""
        rng, today = self.rng, self.today
        roll = rng.random()
        # 主动发现 finds people who may qualify for the register, not monitored or uplift ones.
        if roll < 0.04 and family.categories[0].served_class == ServedClass.REGISTERED:
            reported_on = today - timedelta(rng.randint(3, 60))
            return _Register(RegisterStatus.REPORTED, None, reported_on=reported_on,
                             notes="主动发现，待镇（街道）核实")  # fmt: skip
        if roll > 0.975 and family.profile not in CHILD_PROFILES:
            moved_away = rng.chance(0.4)
            return _Register(
                RegisterStatus.LEFT,
                today - timedelta(rng.randint(800, 3650)),
                left_on=today - timedelta(rng.randint(20, 330)),
                moved_away=moved_away,
                notes="随子女迁往外地，退出在册" if moved_away else texts.HOUSEHOLD_NOTES["left"],
            )
        recent = rng.chance(0.07)
        days = rng.randint(20, 330) if recent else rng.randint(366, 3650)
        return _Register(RegisterStatus.REGISTERED, today - timedelta(days))

    def _household_phone(self, family: Family) -> str:
        """Usually the head's mobile, sometimes a 0579 landline, sometimes none."""
        if self.rng.chance(0.7) and family.head.phone:
            return family.head.phone
        return self.families.landline() if self.rng.chance(0.15) else ""

    def _visit_plan(
        self,
        household: Household,
        family: Family,
        persons: list[Person],
        team: VillageTeam,
        place: Place,
        register: _Register,
    ) -> tuple[VisitPlan, list[WishPlan]]:
        """What shapes the household's year: its window, lapses, events, 敲门 rounds, wishes."""
        rng, today = self.rng, self.today
        requirement = requirement_for(self.policy, household, persons)
        plan = VisitPlan(household, family, team, requirement, reported_on=register.reported_on)
        plan.moved_away = register.moved_away
        pending = [m.event.day for m in family.members if m.event and m.event.pending]
        plan.no_home_visit_from = min(pending, default=None)
        may_lapse = register.status == RegisterStatus.REGISTERED and not any(
            m.event for m in family.members
        )
        if requirement is not None and may_lapse and rng.chance(LAPSED_SHARE):
            plan.lapsed_from = lapse_day(rng, requirement, today)
        if register.reported_on is not None:
            plan.knock_days = [register.reported_on]
            return plan, []
        first = max(self.year_ago, register.registered_on or self.year_ago)
        last = today if register.left_on is None else register.left_on - timedelta(days=1)
        for cutoff in (plan.lapsed_from, plan.no_home_visit_from):
            if cutoff is not None:
                last = min(last, cutoff - timedelta(days=1))
        if first > last:
            return plan, []
        plan.knock_days = self._knock_days(first, last)
        wishes = self.wish_planner.plan(family, place, first, last)
        for wish in wishes:
            if wish.collected_on not in plan.knock_days:
                plan.knock_days.append(wish.collected_on)
        return plan, wishes

    def _knock_days(self, first: date, last: date) -> list[date]:
        """敲门问需求 rounds: one in the year for most, and the current round for some."""
        rng, days = self.rng, []
        if rng.chance(0.7):
            days.append(rng.workday_between(first, last))
        recent = max(first, self.today - timedelta(days=20))
        if recent <= last and rng.chance(0.3):
            day = rng.workday_between(recent, last)
            if day not in days:
                days.append(day)
        return days

    def _major_event(self, members: list[Member]) -> None:
        """重大变故 of an adult: answered within days, or so recent it still waits."""
        rng, today = self.rng, self.today
        couple = [m for m in members[:2] if m.age(today) >= 18]
        member = rng.choice(couple)
        pending = rng.chance(0.35)
        day = today - timedelta(rng.randint(0, 3) if pending else rng.randint(4, 28))
        recorded = min(today, day + timedelta(rng.randint(0, 2))) if rng.chance(0.6) else None
        member.flags.append(PersonFlag.MAJOR_EVENT)
        member.event = MajorEvent(day, recorded, rng.choice(texts.MAJOR_EVENTS), pending)

    def _person(
        self,
        household: Household,
        member: Member,
        recorder: DemoWorker,
        created: datetime,
        *,
        unverified: bool,
    ) -> Person:
        event = member.event
        return Person(
            id=self.rng.record_id(created),
            area_code=household.area_code,
            author_worker_id=recorder.id,
            household_id=household.id,
            name=member.name,
            # 主动发现: members not yet checked are recorded without their ID number.
            id_number=None if unverified else member.id_number,
            birth_date=member.birth if unverified else None,
            gender=member.gender if unverified else None,
            phone=member.phone,
            relation=member.relation,
            flags=member.flags,
            major_event_date=event.day if event else None,
            major_event_recorded_on=event.recorded_on if event else None,
            major_event_note=event.note if event else "",
            lives_alone=member.lives_alone,
            health_note=member.health_note,
        )
