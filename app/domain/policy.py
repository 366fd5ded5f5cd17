"""Visit-frequency policy (探访关爱 rules): data from assets/policy, applied by pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.calendar import Window, next_window, previous_window, window_containing
from app.domain.codes import Category, Frequency, PersonFlag, ServedClass, VisitMode
from app.domain.identity import age_on
from app.domain.summaries import CATEGORY_SINCE, HouseholdLike, MemberLike

M = TypeVar("M", bound=MemberLike)


class FrequencyRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    who: list[Category | PersonFlag] = Field(min_length=1)
    frequency: Frequency
    modes: list[VisitMode] = Field(min_length=1)


class WarningThresholds(BaseModel):
    """The thresholds of the warnings (预警, app/domain/warnings.py); the major event's days
    and the uplift income line are the policy's own `major_event_response_days` and
    `low_income_threshold_yuan`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    nobody_home_attempts: int = Field(3, ge=1, le=20)  # "nobody home" this many times in a row
    need_idle_days: int = Field(30, ge=1, le=365)  # a reasonable need not acted on this long
    unvisited_windows: int = Field(2, ge=1, le=12)  # whole visit windows without a visit


def _monitored_years() -> dict[Category, int]:
    return {Category.EXITED: 3, Category.REJECTED: 2, Category.TEMPORARY_AID: 1}


class VisitPolicy(BaseModel):
    """A county's policy file; every number DOMAIN.md marks "default" lives here."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int = 1
    description: str = ""
    rules: list[FrequencyRule]
    major_event_response_days: int = Field(3, ge=0, le=90)
    due_soon_days: int = Field(7, ge=0, le=90)
    elderly_age: int = Field(80, ge=50, le=120)
    wish_value_cap_yuan: int = Field(500, ge=0)
    open_wishes_per_household: int = Field(1, ge=1)
    wish_claim_contact_days: int = Field(7, ge=1)
    # A referral to a charity still "sent" after this many days is flagged to the coordinator.
    referral_answer_days: int = Field(7, ge=1, le=365)
    # Open claims one phone may hold on the public wish board at a time.
    wish_open_claims_per_phone: int = Field(3, ge=1)
    low_income_threshold_yuan: int = Field(100_000, ge=0)
    # The threshold is for a household of this size (家庭年总收入 < 10万元, 3口之家计).
    low_income_household_size: int = Field(3, ge=1, le=20)
    # 近3年退出救助, 2年内申请未通过, 1年内临时救助: years a household stays in the category
    # after the day it entered it (`Household.exited_on`, `rejected_on`, `temporary_aid_on`).
    monitored_years: dict[Category, int] = Field(default_factory=_monitored_years)
    warnings: WarningThresholds = Field(default_factory=WarningThresholds)
    idle_lock_minutes: int = Field(5, ge=1, le=240)
    # A roster import marking more than this share (%) of a township as left asks first.
    roster_leavers_confirm_percent: float = Field(5, ge=0, le=100)

    @model_validator(mode="after")
    def _each_code_once(self) -> VisitPolicy:
        seen: set[str] = set()
        for rule in self.rules:
            for who in rule.who:
                if who in seen:
                    raise ValueError(f"policy names {who!s} in more than one rule")
                seen.add(who)
        return self

    @model_validator(mode="after")
    def _windows_dated(self) -> VisitPolicy:
        for category, years in self.monitored_years.items():
            if category not in CATEGORY_SINCE or not 1 <= years <= 20:
                raise ValueError(f"policy gives {category!s} a window it cannot have")
        return self

    def rule_for(self, code: Category | PersonFlag) -> FrequencyRule | None:
        return next((r for r in self.rules if code in r.who), None)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February falls on the month's last day, 28 February
    (民法典 第二百零三条: a period without the corresponding day ends on the month's end)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def category_last_day(
    policy: VisitPolicy, household: HouseholdLike, category: Category
) -> date | None:
    """The last day a household holds a monitored category that expires (近3年退出救助,
    2年内申请未通过, 1年内临时救助): the day it entered it (the roster's date, or the day
    recorded when it entered) plus the policy's years — the period starts the next day and
    ends on the corresponding day (民法典 第二百零一条、第二百零三条). None: it does not expire,
    or the day it entered is not recorded (then it stays until the roster drops it)."""
    years = policy.monitored_years.get(category)
    field = CATEGORY_SINCE.get(category)
    if years is None or field is None:
        return None
    since: date | None = getattr(household, field)
    return None if since is None else add_years(since, years)


def categories_on(
    policy: VisitPolicy, household: HouseholdLike, on: date | None
) -> tuple[Category, ...]:
    """The categories a household holds at the end of day `on`: a monitored category whose
    window ended (`category_last_day`) is no longer held. `on` None: as recorded. The one
    rule the device and the server apply, to the visit rules and to the warnings."""
    held = tuple(household.categories)
    if on is None or not any(c in CATEGORY_SINCE for c in held):
        return held
    return tuple(
        c for c in held if (last := category_last_day(policy, household, c)) is None or on <= last
    )


def is_monitored(policy: VisitPolicy, household: HouseholdLike, on: date | None) -> bool:
    """Holds a category of the monitored class (监测对象) at the end of day `on`."""
    return any(
        c.served_class == ServedClass.MONITORED for c in categories_on(policy, household, on)
    )


def elderly_alone(policy: VisitPolicy, person: MemberLike, on: date) -> bool | None:
    """高龄独居 as the facts say it: living alone and at least the policy's `elderly_age` on
    day `on`. None when the birth date is not recorded (the roster's flag stands then)."""
    if person.birth_date is None:
        return None
    return person.lives_alone and age_on(person.birth_date, on) >= policy.elderly_age


def member_flags(
    policy: VisitPolicy, person: MemberLike, on: date | None
) -> tuple[PersonFlag, ...]:
    """A member's flags on day `on`, with the derived ones derived: 高龄独居 follows from the
    birth date and living alone (`elderly_alone`; the recorded flag only when the birth date
    is unknown, or `on` is None), and a recorded 重大变故 date is a 重大变故."""
    flags = tuple(person.flags)
    if (
        not person.lives_alone
        and PersonFlag.ELDERLY_ALONE not in flags
        and (person.major_event_date is None or PersonFlag.MAJOR_EVENT in flags)
    ):
        return flags  # the usual member: nothing to derive
    derived = elderly_alone(policy, person, on) if on is not None else None
    out = [f for f in flags if f != PersonFlag.ELDERLY_ALONE or derived is None]
    if derived:
        out.insert(0, PersonFlag.ELDERLY_ALONE)
    if person.major_event_date is not None and PersonFlag.MAJOR_EVENT not in out:
        out.append(PersonFlag.MAJOR_EVENT)
    return tuple(out)


@dataclass(frozen=True)
class Requirement:
    """What a household needs: the window type and the visit modes that count in it."""

    frequency: Frequency
    modes: frozenset[VisitMode]
    reasons: tuple[str, ...]  # the category / flag codes that set the frequency


def member_on(person: MemberLike, on: date | None) -> bool:
    """Still a member of the household at the end of day `on`: a person who left the
    register (no longer listed on the roster) on or before that day is not. `on` None
    reads the records as they stand: whoever has a leaving day has left."""
    left = person.left_on
    return left is None or (on is not None and left > on)


def members_on(members: Iterable[M], on: date | None) -> list[M]:
    """The members still in the household at the end of day `on` (see `member_on`)."""
    return [p for p in members if member_on(p, on)]


def requirement_for(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    on: date | None = None,
) -> Requirement | None:
    """The strictest frequency among the household's categories and its members' flags,
    as they stand on day `on` (`visit_codes`).

    Members who left on or before `on` (see `member_on`) do not count. When several codes
    share the strictest frequency, only modes that count for all of them count. None
    means the household has no rule (it is not due for care visits).
    """
    return requirement_of(policy, visit_codes(policy, household, members, on))


def visit_codes(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    on: date | None = None,
) -> tuple[Category | PersonFlag, ...]:
    """What sets a household's visits on day `on`: the categories it still holds
    (`categories_on`) and the flags (`member_flags`) of the members still in it."""
    codes: list[Category | PersonFlag] = list(categories_on(policy, household, on))
    for person in members:
        if member_on(person, on):
            codes.extend(member_flags(policy, person, on))
    return tuple(codes)


def requirement_of(
    policy: VisitPolicy, codes: Sequence[Category | PersonFlag]
) -> Requirement | None:
    """The strictest frequency among `codes` (see `requirement_for`)."""
    rules = [(code, rule) for code in codes if (rule := policy.rule_for(code)) is not None]
    if not rules:
        return None
    strictest = min(rule.frequency.rank for _, rule in rules)
    chosen = [(code, rule) for code, rule in rules if rule.frequency.rank == strictest]
    modes = frozenset.intersection(*(frozenset(rule.modes) for _, rule in chosen))
    reasons = tuple(dict.fromkeys(str(code) for code, _ in chosen))
    return Requirement(chosen[0][1].frequency, modes, reasons)


class VisitLike(Protocol):
    """What the visit rules and reports read of a visit: a `Visit` record, or a lighter
    `coverage.VisitFact` built from a database row."""

    @property
    def id(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def visited_at(self) -> datetime: ...
    @property
    def mode(self) -> VisitMode: ...
    @property
    def is_contact(self) -> bool: ...
    @property
    def worker_id(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def amends_visit_id(self) -> str | None: ...


def qualifies(visit: VisitLike, requirement: Requirement) -> bool:
    """A visit counts if it reached someone (met, or refused at the door) in a mode that counts."""
    return visit.is_contact and visit.mode in requirement.modes


class Urgency(StrEnum):
    MAJOR_EVENT = "major_event"  # a major event awaits its home visit
    OVERDUE = "overdue"  # a whole window passed without a qualifying visit
    DUE = "due"  # nothing yet in the current window
    DUE_SOON = "due_soon"  # nothing yet and the window ends within due_soon_days
    DONE = "done"  # the current window already has its visit


@dataclass(frozen=True)
class VisitStatus:
    requirement: Requirement
    urgency: Urgency
    due_by: date
    last_visit: date | None
    major_event_due: date | None = None

    def days_since_last(self, today: date) -> int | None:
        return (today - self.last_visit).days if self.last_visit else None


def major_event_deadline(policy: VisitPolicy, person: MemberLike) -> date | None:
    """A major event needs a home visit within N days of the event or of its recording.

    A recorded event date is the event (the clock starts as soon as it is recorded), with
    or without the flag."""
    if person.major_event_date is None:
        return None
    start = max(person.major_event_date, person.major_event_recorded_on or date.min)
    return start + timedelta(days=policy.major_event_response_days)


def visit_status(
    policy: VisitPolicy,
    household: HouseholdLike,
    members: Sequence[MemberLike],
    visits: Sequence[VisitLike],
    today: date,
) -> VisitStatus | None:
    """When the household's next visit is due, and how urgent it is today.

    Members who left on or before `today` neither set the frequency nor call for a visit.
    """
    members = members_on(members, today)
    requirement = requirement_for(policy, household, members, today)
    if requirement is None:
        return None
    days = sorted(v.visited_at.date() for v in visits if qualifies(v, requirement))
    last = days[-1] if days else None
    current = window_containing(requirement.frequency, today)
    visited_now = last is not None and last >= current.start

    event_due: date | None = None
    for person in members:
        deadline = major_event_deadline(policy, person)
        if deadline is None or person.major_event_date is None:
            continue
        event_day = person.major_event_date
        answered = any(
            v.mode == VisitMode.HOME and v.is_contact and v.visited_at.date() >= event_day
            for v in visits
        )
        if not answered and (event_due is None or deadline < event_due):
            event_due = deadline

    if event_due is not None:
        return VisitStatus(requirement, Urgency.MAJOR_EVENT, event_due, last, event_due)
    if visited_now:
        due_by = next_window(requirement.frequency, current).end
        return VisitStatus(requirement, Urgency.DONE, due_by, last)
    if _missed(requirement.frequency, current, last, household):
        return VisitStatus(requirement, Urgency.OVERDUE, current.end, last)
    soon = (current.end - today).days <= policy.due_soon_days
    return VisitStatus(requirement, Urgency.DUE_SOON if soon else Urgency.DUE, current.end, last)


def _missed(freq: Frequency, current: Window, last: date | None, household: HouseholdLike) -> bool:
    """The previous window ended, with the household on the register, without a visit."""
    prev = previous_window(freq, current)
    if not household.on_register(prev.end):
        return False
    return last is None or last < prev.start


URGENCY_ORDER = {
    Urgency.MAJOR_EVENT: 0,
    Urgency.OVERDUE: 1,
    Urgency.DUE_SOON: 2,
    Urgency.DUE: 3,
    Urgency.DONE: 4,
}
